// Unit tests for ReplyBuilder: every reply kind, byte for byte, in RESP2 and RESP3.
#include "resp/reply_builder.h"

#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

using namespace cairn::resp;
using namespace std::string_literals;

namespace {

// Runs `write` against a fresh builder speaking `protocol` and returns the bytes it wrote.
template <typename F>
std::string Reply(int protocol, F write) {
  std::string out;
  ReplyBuilder rb(&out, protocol);
  write(rb);
  return out;
}

// The same reply in RESP2 and RESP3.
template <typename F>
void CheckBoth(F write, const std::string& resp2, const std::string& resp3) {
  CHECK(Reply(2, write) == resp2);
  CHECK(Reply(3, write) == resp3);
}

}  // namespace

TEST_CASE("Status replies are the same in both protocols") {
  CheckBoth([](ReplyBuilder& rb) { rb.Ok(); }, "+OK\r\n", "+OK\r\n");
  CheckBoth([](ReplyBuilder& rb) { rb.Simple("PONG"); }, "+PONG\r\n", "+PONG\r\n");
  CheckBoth([](ReplyBuilder& rb) { rb.Simple(""); }, "+\r\n", "+\r\n");
}

TEST_CASE("Error replies are one line: embedded newlines become spaces") {
  CheckBoth([](ReplyBuilder& rb) { rb.Error("ERR syntax error"); }, "-ERR syntax error\r\n",
            "-ERR syntax error\r\n");
  CheckBoth([](ReplyBuilder& rb) { rb.Error("ERR bad\nthing\r\nhere"); },
            "-ERR bad thing  here\r\n", "-ERR bad thing  here\r\n");
  // Only the message is rewritten: what was in the buffer before stays as it was.
  std::string out = "$1\r\n\n\r\n";
  ReplyBuilder rb(&out);
  rb.Error("ERR a\nb");
  CHECK(out == "$1\r\n\n\r\n-ERR a b\r\n");
}

TEST_CASE("Integer replies") {
  CheckBoth([](ReplyBuilder& rb) { rb.Integer(0); }, ":0\r\n", ":0\r\n");
  CheckBoth([](ReplyBuilder& rb) { rb.Integer(-1); }, ":-1\r\n", ":-1\r\n");
  CheckBoth([](ReplyBuilder& rb) { rb.Integer(std::numeric_limits<int64_t>::max()); },
            ":9223372036854775807\r\n", ":9223372036854775807\r\n");
  CheckBoth([](ReplyBuilder& rb) { rb.Integer(std::numeric_limits<int64_t>::min()); },
            ":-9223372036854775808\r\n", ":-9223372036854775808\r\n");
}

TEST_CASE("Bulk replies are binary safe") {
  CheckBoth([](ReplyBuilder& rb) { rb.Bulk("hello"); }, "$5\r\nhello\r\n", "$5\r\nhello\r\n");
  CheckBoth([](ReplyBuilder& rb) { rb.Bulk(""); }, "$0\r\n\r\n", "$0\r\n\r\n");
  CheckBoth([](ReplyBuilder& rb) { rb.Bulk("a\0\r\nb"s); }, "$5\r\na\0\r\nb\r\n"s,
            "$5\r\na\0\r\nb\r\n"s);
}

TEST_CASE("Null is $-1 in RESP2 and _ in RESP3") {
  CheckBoth([](ReplyBuilder& rb) { rb.Null(); }, "$-1\r\n", "_\r\n");
}

TEST_CASE("Null array is *-1 in RESP2 and _ in RESP3") {
  CheckBoth([](ReplyBuilder& rb) { rb.NullArray(); }, "*-1\r\n", "_\r\n");
}

TEST_CASE("Double is a bulk string in RESP2 and a , reply in RESP3") {
  CheckBoth([](ReplyBuilder& rb) { rb.Double(1.5); }, "$3\r\n1.5\r\n", ",1.5\r\n");
  CheckBoth([](ReplyBuilder& rb) { rb.Double(3); }, "$1\r\n3\r\n", ",3\r\n");
  CheckBoth([](ReplyBuilder& rb) { rb.Double(-0.25); }, "$5\r\n-0.25\r\n", ",-0.25\r\n");
  CheckBoth([](ReplyBuilder& rb) { rb.Double(0); }, "$1\r\n0\r\n", ",0\r\n");
}

TEST_CASE("Double infinities and NaN are spelled out") {
  const double inf = std::numeric_limits<double>::infinity();
  CheckBoth([&](ReplyBuilder& rb) { rb.Double(inf); }, "$3\r\ninf\r\n", ",inf\r\n");
  CheckBoth([&](ReplyBuilder& rb) { rb.Double(-inf); }, "$4\r\n-inf\r\n", ",-inf\r\n");
  CheckBoth([](ReplyBuilder& rb) { rb.Double(std::nan("")); }, "$3\r\nnan\r\n", ",nan\r\n");
  // A NaN with the sign bit set is still "nan", never printf's "-nan".
  CheckBoth([](ReplyBuilder& rb) { rb.Double(-std::nan("")); }, "$3\r\nnan\r\n", ",nan\r\n");
  CHECK(ReplyBuilder::FormatDouble(inf) == "inf");
  CHECK(ReplyBuilder::FormatDouble(-inf) == "-inf");
  CHECK(ReplyBuilder::FormatDouble(std::nan("")) == "nan");
}

TEST_CASE("Bool is :1/:0 in RESP2 and #t/#f in RESP3") {
  CheckBoth([](ReplyBuilder& rb) { rb.Bool(true); }, ":1\r\n", "#t\r\n");
  CheckBoth([](ReplyBuilder& rb) { rb.Bool(false); }, ":0\r\n", "#f\r\n");
}

TEST_CASE("Verbatim is a bulk string in RESP2 and = with its format in RESP3") {
  CheckBoth([](ReplyBuilder& rb) { rb.Verbatim("hello"); }, "$5\r\nhello\r\n",
            "=9\r\ntxt:hello\r\n");
  CheckBoth([](ReplyBuilder& rb) { rb.Verbatim("# x\r\ny", "mkd"); }, "$6\r\n# x\r\ny\r\n",
            "=10\r\nmkd:# x\r\ny\r\n");
  CheckBoth([](ReplyBuilder& rb) { rb.Verbatim(""); }, "$0\r\n\r\n", "=4\r\ntxt:\r\n");
  // The length always matches the bytes that follow, whatever the format's length.
  CHECK(Reply(3, [](ReplyBuilder& rb) { rb.Verbatim("x", "md"); }) == "=4\r\nmd:x\r\n");
}

TEST_CASE("Aggregate headers") {
  CheckBoth([](ReplyBuilder& rb) { rb.ArrayHeader(3); }, "*3\r\n", "*3\r\n");
  CheckBoth([](ReplyBuilder& rb) { rb.ArrayHeader(0); }, "*0\r\n", "*0\r\n");
  CheckBoth([](ReplyBuilder& rb) { rb.EmptyArray(); }, "*0\r\n", "*0\r\n");
  // A map of n pairs is an array of 2n elements in RESP2.
  CheckBoth([](ReplyBuilder& rb) { rb.MapHeader(2); }, "*4\r\n", "%2\r\n");
  CheckBoth([](ReplyBuilder& rb) { rb.MapHeader(0); }, "*0\r\n", "%0\r\n");
  CheckBoth([](ReplyBuilder& rb) { rb.SetHeader(2); }, "*2\r\n", "~2\r\n");
  CheckBoth([](ReplyBuilder& rb) { rb.PushHeader(3); }, "*3\r\n", ">3\r\n");
}

TEST_CASE("A map reply with its elements") {
  auto write = [](ReplyBuilder& rb) {
    rb.MapHeader(2);
    rb.Bulk("a");
    rb.Integer(1);
    rb.Bulk("b");
    rb.Null();
  };
  CheckBoth(write, "*4\r\n$1\r\na\r\n:1\r\n$1\r\nb\r\n$-1\r\n",
            "%2\r\n$1\r\na\r\n:1\r\n$1\r\nb\r\n_\r\n");
}

TEST_CASE("A push message: pubsub message") {
  auto write = [](ReplyBuilder& rb) {
    rb.PushHeader(3);
    rb.Bulk("message");
    rb.Bulk("ch");
    rb.Bulk("hi");
  };
  CheckBoth(write, "*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n",
            ">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n");
}

TEST_CASE("Deferred array header is written in front of its elements") {
  auto write = [](ReplyBuilder& rb) {
    rb.Simple("before");
    size_t token = rb.BeginDeferred();
    rb.Bulk("x");
    rb.Integer(2);
    rb.EndDeferredArray(token, 2);
    rb.Simple("after");
  };
  CheckBoth(write, "+before\r\n*2\r\n$1\r\nx\r\n:2\r\n+after\r\n",
            "+before\r\n*2\r\n$1\r\nx\r\n:2\r\n+after\r\n");
  CheckBoth(
      [](ReplyBuilder& rb) {
        size_t token = rb.BeginDeferred();
        rb.EndDeferredArray(token, 0);
      },
      "*0\r\n", "*0\r\n");
}

TEST_CASE("Deferred map header counts pairs in RESP3 and elements in RESP2") {
  auto write = [](ReplyBuilder& rb) {
    size_t token = rb.BeginDeferred();
    rb.Bulk("k");
    rb.Bool(true);
    rb.EndDeferredMap(token, 1);
  };
  CheckBoth(write, "*2\r\n$1\r\nk\r\n:1\r\n", "%1\r\n$1\r\nk\r\n#t\r\n");
}

TEST_CASE("Deferred headers nest") {
  auto write = [](ReplyBuilder& rb) {
    size_t outer = rb.BeginDeferred();
    rb.Bulk("a");
    size_t inner = rb.BeginDeferred();
    for (int i = 0; i < 12; ++i) rb.Integer(i);
    rb.EndDeferredArray(inner, 12);
    rb.EndDeferredMap(outer, 1);
  };
  std::string ints;
  for (int i = 0; i < 12; ++i) ints += ":" + std::to_string(i) + "\r\n";
  CheckBoth(write, "*2\r\n$1\r\na\r\n*12\r\n" + ints, "%1\r\n$1\r\na\r\n*12\r\n" + ints);
}

TEST_CASE("The protocol can change between replies (HELLO)") {
  std::string out;
  ReplyBuilder rb(&out);
  CHECK(rb.protocol() == 2);
  rb.Null();
  rb.set_protocol(3);
  CHECK(rb.protocol() == 3);
  rb.Null();
  CHECK(out == "$-1\r\n_\r\n");
  CHECK(rb.buffer() == &out);
}
