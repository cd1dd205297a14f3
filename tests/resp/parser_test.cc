// Unit tests for the RESP request parser: split points, malformed forms, limits, inline splitting.
// Tests named in quotes after Redis's tests/unit/protocol.tcl and auth.tcl pin the same behaviour.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include "resp/parser.h"

#include <doctest/doctest.h>

#include <cstdio>
#include <random>
#include <string>
#include <string_view>
#include <vector>

using namespace cairn::resp;
using namespace std::string_literals;

// Failed checks print argv lists with control bytes escaped.
namespace doctest {
template <>
struct StringMaker<std::vector<std::string>> {
  static String convert(const std::vector<std::string>& argv) {
    std::string s = "[";
    for (const std::string& arg : argv) {
      if (s.size() > 1) s += ", ";
      s += '"';
      for (unsigned char c : arg) {
        if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
          s += static_cast<char>(c);
        } else {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\x%02x", c);
          s += buf;
        }
      }
      s += '"';
    }
    return (s + "]").c_str();
  }
};
template <>
struct StringMaker<std::vector<std::vector<std::string>>> {
  static String convert(const std::vector<std::vector<std::string>>& commands) {
    String s = "{";
    for (const auto& argv : commands) s += StringMaker<std::vector<std::string>>::convert(argv);
    return s + "}";
  }
};
}  // namespace doctest

namespace {

using Argv = std::vector<std::string>;

// What a connection sees after feeding some chunks: the commands, in order, and the error that
// closed it, if any.
struct Outcome {
  std::vector<Argv> commands;
  std::string error;
  std::string leftover;  // bytes not yet consumed when the input ran out
};

// Feeds `chunks` as a connection reading from a socket does: appends each chunk to its buffer,
// calls Next until it needs more, and drops the bytes the parser says it consumed.
Outcome Feed(const std::vector<std::string_view>& chunks, Limits limits = {}) {
  Parser parser(limits);
  Outcome out;
  std::string buffer;
  for (std::string_view chunk : chunks) {
    buffer.append(chunk);
    while (true) {
      size_t consumed = 0;
      ParseStatus st = parser.Next(buffer, &consumed);
      REQUIRE(consumed <= buffer.size());
      buffer.erase(0, consumed);
      if (st == ParseStatus::kNeedMore) break;
      if (st == ParseStatus::kError) {
        out.error = parser.error();
        out.leftover = buffer;
        return out;
      }
      REQUIRE_FALSE(parser.argv().empty());  // empty requests are skipped, never returned
      out.commands.push_back(parser.argv());
    }
  }
  out.leftover = buffer;
  return out;
}

Outcome FeedWhole(std::string_view in, Limits limits = {}) { return Feed({in}, limits); }

Outcome FeedBytewise(std::string_view in, Limits limits = {}) {
  std::vector<std::string_view> chunks;
  for (size_t i = 0; i < in.size(); ++i) chunks.push_back(in.substr(i, 1));
  return Feed(chunks, limits);
}

// A malformed request gets Redis's exact error, whether it arrives at once or byte by byte.
void CheckError(std::string_view in, const std::string& error, Limits limits = {}) {
  CAPTURE(in);
  CHECK(FeedWhole(in, limits).error == error);
  CHECK(FeedBytewise(in, limits).error == error);
}

Argv Split(std::string_view line) {
  Argv out;
  REQUIRE(SplitInlineArgs(line, &out));
  return out;
}

std::string Repeat(std::string_view s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

// A pipeline mixing every form: binary bulks with CRLF inside, empty bulks, inline commands with
// quotes and escapes, empty requests of each kind.
const std::string kPipeline =
    "*3\r\n$3\r\nSET\r\n$5\r\nk\r\nv\n\r\n$0\r\n\r\n"s  // CRLF inside a bulk, empty bulk
    "*2\r\n$4\r\nECHO\r\n$6\r\n\0\xff\r\n$*\r\n"s       // NUL, high byte, RESP markers
    "set \"a\\x41\\n\\\"q\" 'it\\'s' plain\r\n"s        // inline with quotes and escapes
    "\r\n"s                                             // empty inline line: skipped
    "*0\r\n*-1\r\n"s                                    // empty multibulk: skipped
    "PING\n"s                                           // inline ended by a bare LF
    "GET\tkey   \r\n"s                                  // tabs and trailing blanks
    // A bulk made of request headers, then a last command.
    "*2\r\n$3\r\nSET\r\n$50\r\n"s +
    Repeat("*1\r\n$", 10) + "\r\n*1\r\n$4\r\nPING\r\n"s;

const std::vector<Argv> kPipelineArgv = {
    {"SET", "k\r\nv\n", ""},
    {"ECHO", "\0\xff\r\n$*"s},
    {"set", "aA\n\"q", "it's", "plain"},
    {"PING"},
    {"GET", "key"},
    {"SET", Repeat("*1\r\n$", 10)},
    {"PING"},
};

}  // namespace

TEST_CASE("A pipeline parses to the same commands whole, at every split point and byte by byte") {
  Outcome whole = FeedWhole(kPipeline);
  CHECK(whole.error.empty());
  CHECK(whole.leftover.empty());
  CHECK(whole.commands == kPipelineArgv);

  for (size_t at = 0; at <= kPipeline.size(); ++at) {
    CAPTURE(at);
    std::string_view in = kPipeline;
    Outcome split = Feed({in.substr(0, at), in.substr(at)});
    CHECK(split.error.empty());
    CHECK(split.leftover.empty());
    CHECK(split.commands == kPipelineArgv);
  }

  Outcome bytewise = FeedBytewise(kPipeline);
  CHECK(bytewise.error.empty());
  CHECK(bytewise.leftover.empty());
  CHECK(bytewise.commands == kPipelineArgv);
}

TEST_CASE("A pipeline parses to the same commands under random chunking") {
  std::mt19937 rng(20240611);  // fixed seed: a failure replays
  for (int round = 0; round < 300; ++round) {
    std::vector<std::string_view> chunks;
    std::string_view in = kPipeline;
    while (!in.empty()) {
      size_t n = std::uniform_int_distribution<size_t>(0, 24)(rng);
      n = std::min(n, in.size());
      chunks.push_back(in.substr(0, n));
      in.remove_prefix(n);
    }
    CAPTURE(round);
    Outcome out = Feed(chunks);
    CHECK(out.error.empty());
    CHECK(out.commands == kPipelineArgv);
  }
}

TEST_CASE("A partial request consumes finished arguments and reports what it still needs") {
  Parser parser;
  std::string in = "*2\r\n$3\r\nSET\r\n$10\r\nab";
  size_t consumed = 0;
  CHECK(parser.Next(in, &consumed) == ParseStatus::kNeedMore);
  CHECK(consumed == in.size() - 2);  // everything but the partial bulk's payload
  CHECK(parser.pending_bulk_bytes() == 12);
  CHECK(parser.pending_arg_bytes() == 3);

  consumed = 0;
  CHECK(parser.Next("abcdefghij\r\n", &consumed) == ParseStatus::kCommand);
  CHECK(consumed == 12);
  CHECK(parser.argv() == Argv{"SET", "abcdefghij"});
  CHECK(parser.pending_bulk_bytes() == 0);
  CHECK(parser.pending_arg_bytes() == 0);
}

TEST_CASE("Next returns one command per call and leaves the rest of the pipeline unconsumed") {
  Parser parser;
  std::string in = "*1\r\n$4\r\nPING\r\nECHO x\r\n";
  size_t consumed = 0;
  CHECK(parser.Next(in, &consumed) == ParseStatus::kCommand);
  CHECK(consumed == 14);
  CHECK(parser.argv() == Argv{"PING"});
  consumed = 0;
  CHECK(parser.Next(std::string_view(in).substr(14), &consumed) == ParseStatus::kCommand);
  CHECK(consumed == 8);
  CHECK(parser.argv() == Argv{"ECHO", "x"});
}

// ---- Redis's protocol.tcl ------------------------------------------------------------------

TEST_CASE("Handle an empty query") {
  Outcome out = FeedWhole("\r\nPING\r\n");
  CHECK(out.error.empty());
  CHECK(out.commands == std::vector<Argv>{{"PING"}});
  // Blank lines of only spaces split to nothing and are skipped the same way.
  CHECK(FeedWhole("   \r\n\n\t\r\nPING\r\n").commands == std::vector<Argv>{{"PING"}});
}

TEST_CASE("Negative multibulk length") {
  Outcome out = FeedWhole("*-10\r\n*1\r\n$4\r\nPING\r\n");
  CHECK(out.error.empty());
  CHECK(out.commands == std::vector<Argv>{{"PING"}});
  CHECK(FeedBytewise("*-10\r\n*0\r\nPING\r\n").commands == std::vector<Argv>{{"PING"}});
}

TEST_CASE("Many empty multibulk requests in one buffer are skipped without deep recursion") {
  // Goal: a client cannot exhaust the stack with a buffer full of "*0\r\n".
  std::string in;
  for (int i = 0; i < 1000000; ++i) in += "*0\r\n";
  in += "PING\r\n";
  Outcome out = FeedWhole(in);
  CHECK(out.error.empty());
  CHECK(out.commands == std::vector<Argv>{{"PING"}});
}

TEST_CASE("Out of range multibulk length") {
  CheckError("*3000000000\r\n", "Protocol error: invalid multibulk length");
  CheckError("*99999999999999999999\r\n", "Protocol error: invalid multibulk length");
}

TEST_CASE("Wrong multibulk payload header") {
  CheckError("*3\r\n$3\r\nSET\r\n$1\r\nx\r\nfooz\r\n", "Protocol error: expected '$', got 'f'");
}

TEST_CASE("Negative multibulk payload length") {
  CheckError("*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$-10\r\n", "Protocol error: invalid bulk length");
}

TEST_CASE("Out of range multibulk payload length") {
  CheckError("*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$2000000000\r\n",
             "Protocol error: invalid bulk length");
}

TEST_CASE("Non-number multibulk payload length") {
  CheckError("*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$blabla\r\n", "Protocol error: invalid bulk length");
}

TEST_CASE("Multi bulk request not followed by bulk arguments") {
  CheckError("*1\r\nfoo\r\n", "Protocol error: expected '$', got 'f'");
  CheckError("*1\r\n\r\n", "Protocol error: expected '$', got '\r'");
}

TEST_CASE("Generic wrong number of args") {
  // Goal: the parser passes any number of arguments through; arity is the dispatcher's check.
  CHECK(FeedWhole("ping x y z\r\n").commands == std::vector<Argv>{{"ping", "x", "y", "z"}});
}

TEST_CASE("Unbalanced number of quotes in inline protocol") {
  CheckError("set \"\"\"test-key\"\"\" test-value\r\nping\r\n",
             "Protocol error: unbalanced quotes in request");
  CheckError("set 'k v\r\n", "Protocol error: unbalanced quotes in request");
}

TEST_CASE("Protocol desync regression test") {
  // Redis sends each prefix, then "payload" repeated without a newline, until the server closes.
  const std::pair<std::string, std::string> cases[] = {
      {"\0"s, "Protocol error: too big inline request"},
      {"*\0"s, "Protocol error: too big mbulk count string"},
      {"$\0"s, "Protocol error: too big inline request"},
  };
  for (const auto& [seq, error] : cases) {
    std::string in = seq;
    while (in.size() <= 64 * 1024) in += "payload";
    CheckError(in, error);
  }
}

// ---- Redis's auth.tcl ----------------------------------------------------------------------

TEST_CASE("For unauthenticated clients multibulk and bulk length are limited") {
  Limits unauth;
  unauth.unauthenticated = true;
  CheckError("*100\r\n", "Protocol error: unauthenticated multibulk length", unauth);
  CheckError("*1\r\n$100000000\r\n", "Protocol error: unauthenticated bulk length", unauth);
  // The limits are 10 arguments and 16 KiB per bulk, inclusive.
  CheckError("*11\r\n", "Protocol error: unauthenticated multibulk length", unauth);
  CheckError("*1\r\n$16385\r\n", "Protocol error: unauthenticated bulk length", unauth);
  std::string ten = "*10\r\n";
  for (int i = 0; i < 10; ++i) ten += "$1\r\na\r\n";
  CHECK(FeedWhole(ten, unauth).commands.size() == 1);
  std::string big = "*1\r\n$16384\r\n" + std::string(16384, 'v') + "\r\n";
  CHECK(FeedWhole(big, unauth).commands == std::vector<Argv>{{std::string(16384, 'v')}});
  // A malformed length is reported as malformed first, as Redis checks it first.
  CheckError("*x\r\n", "Protocol error: invalid multibulk length", unauth);
  CheckError("*1\r\n$-1\r\n", "Protocol error: invalid bulk length", unauth);
  // Once authenticated, the same requests pass.
  CHECK(FeedWhole("*1\r\n$16385\r\n" + std::string(16385, 'v') + "\r\n").commands.size() == 1);
}

// ---- Cairn's own -----------------------------------------------------------------------------

TEST_CASE("Lengths are parsed as Redis's string2ll: no sign, blanks or leading zeros") {
  for (std::string count : {"", "+1", "01", "-0", " 1", "1 ", "1x", "0x1", "--1"}) {
    CheckError("*" + count + "\r\n", "Protocol error: invalid multibulk length");
    CheckError("*1\r\n$" + count + "\r\n", "Protocol error: invalid bulk length");
  }
  // The largest and smallest int64 parse; one past them does not.
  CheckError("*9223372036854775807\r\n", "Protocol error: invalid multibulk length");  // > INT_MAX
  CheckError("*9223372036854775808\r\n", "Protocol error: invalid multibulk length");
  CHECK(FeedWhole("*-9223372036854775808\r\nPING\r\n").commands == std::vector<Argv>{{"PING"}});
  CheckError("*1\r\n$9223372036854775807\r\n", "Protocol error: invalid bulk length");
}

TEST_CASE("Bulk length above proto-max-bulk-len is refused") {
  Limits limits;
  limits.max_bulk_len = 10;
  CheckError("*1\r\n$11\r\n", "Protocol error: invalid bulk length", limits);
  CHECK(FeedWhole("*1\r\n$10\r\n0123456789\r\n", limits).commands ==
        std::vector<Argv>{{"0123456789"}});
  // The default is Redis's 512 MiB.
  CheckError("*1\r\n$536870913\r\n", "Protocol error: invalid bulk length");
  CHECK(FeedWhole("*1\r\n$536870912\r\n").error.empty());
}

TEST_CASE("Multibulk count above the limit is refused") {
  Limits limits;
  limits.max_multibulk_len = 5;
  CheckError("*6\r\n", "Protocol error: invalid multibulk length", limits);
  CHECK(FeedWhole("*5\r\n", limits).error.empty());
  CheckError("*2147483648\r\n", "Protocol error: invalid multibulk length");  // INT_MAX + 1
}

TEST_CASE("An inline request longer than 64 KiB without a newline is refused") {
  std::string line(64 * 1024, 'a');
  Outcome at_limit = FeedWhole(line);
  CHECK(at_limit.error.empty());
  CHECK(at_limit.leftover == line);
  CheckError(line + "a", "Protocol error: too big inline request");
  // Redis checks only while the newline is missing: a longer line that is complete is accepted.
  Outcome complete = FeedWhole(line + "aaaa b\r\n");
  CHECK(complete.error.empty());
  CHECK(complete.commands == std::vector<Argv>{{line + "aaaa", "b"}});
}

TEST_CASE("Count lines longer than 64 KiB without CR are refused") {
  std::string digits(64 * 1024, '1');
  CheckError("*" + digits, "Protocol error: too big mbulk count string");
  CheckError("*1\r\n$" + digits, "Protocol error: too big bulk count string");
  CHECK(FeedWhole("*" + digits.substr(1)).error.empty());
  CHECK(FeedWhole("*1\r\n$" + digits.substr(1)).error.empty());
}

TEST_CASE("A claimed length reserves no memory before the bytes arrive") {
  Parser parser;
  size_t consumed = 0;
  CHECK(parser.Next("*2147483647\r\n", &consumed) == ParseStatus::kNeedMore);
  CHECK(consumed == 13);
  CHECK(parser.argv().capacity() <= 16);

  Parser bulk;
  consumed = 0;
  CHECK(bulk.Next("*1\r\n$536870912\r\nab", &consumed) == ParseStatus::kNeedMore);
  CHECK(consumed == 16);  // the header only: the partial payload stays with the caller
  CHECK(bulk.argv().capacity() <= 16);
  CHECK(bulk.pending_bulk_bytes() == 536870914);

  // Many arguments claimed, few sent: capacity follows what arrived.
  Parser many;
  std::string in = "*2147483647\r\n";
  for (int i = 0; i < 3; ++i) in += "$1\r\nx\r\n";
  consumed = 0;
  CHECK(many.Next(in, &consumed) == ParseStatus::kNeedMore);
  CHECK(consumed == in.size());
  CHECK(many.argv().size() == 3);
  CHECK(many.argv().capacity() <= 16);
}

TEST_CASE("A command's bulk is taken by length, even when it holds CRLF and RESP markers") {
  Outcome out = FeedWhole("*1\r\n$11\r\n*1\r\n$1\r\nx\r\n\r\n");
  CHECK(out.commands == std::vector<Argv>{{"*1\r\n$1\r\nx\r\n"}});
}

// ---- Inline splitting, as sdssplitargs ---------------------------------------------------------

TEST_CASE("Inline arguments are split on blanks") {
  CHECK(Split("set key value") == Argv{"set", "key", "value"});
  CHECK(Split("  set\t key  \r value  ") == Argv{"set", "key", "value"});
  CHECK(Split("").empty());
  CHECK(Split(" \t\v\f ").empty());
}

TEST_CASE("Double quotes take escapes") {
  CHECK(Split(R"("a b" "\n\r\t\b\a" "\x41\x4a\xff\xFF" "\"\\\q")") ==
        Argv{"a b", "\n\r\t\b\a", "AJ\xff\xff", "\"\\q"});
  // \x without two hex digits is an escaped 'x'.
  CHECK(Split(R"("\x4" "\xzz" "\x")") == Argv{"x4", "xzz", "x"});
  CHECK(Split(R"("" x)") == Argv{"", "x"});
}

TEST_CASE("Single quotes take only \\' as an escape") {
  CHECK(Split(R"('it\'s' 'a\nb' '\x41' '')") == Argv{"it's", "a\\nb", "\\x41", ""});
  CHECK(Split(R"('say "hi"')") == Argv{"say \"hi\""});
}

TEST_CASE("Quotes may open inside a token") {
  CHECK(Split(R"(foo"bar baz" x'y z')") == Argv{"foobar baz", "xy z"});
}

TEST_CASE("A closing quote must be followed by a blank or the end") {
  Argv out;
  CHECK_FALSE(SplitInlineArgs(R"("foo"bar)", &out));
  CHECK_FALSE(SplitInlineArgs(R"('foo'bar)", &out));
  CHECK_FALSE(SplitInlineArgs(R"("a""b")", &out));
  CHECK(Split("\"a\"\tb") == Argv{"a", "b"});
  CHECK(Split("'a'\vb") == Argv{"a", "b"});
  CHECK(Split("\"a\"") == Argv{"a"});
}

TEST_CASE("Unterminated quotes are unbalanced") {
  Argv out;
  CHECK_FALSE(SplitInlineArgs(R"("abc)", &out));
  CHECK_FALSE(SplitInlineArgs(R"('abc)", &out));
  CHECK_FALSE(SplitInlineArgs(R"("abc\")", &out));
  CHECK_FALSE(SplitInlineArgs(R"('abc\')", &out));
  CHECK_FALSE(SplitInlineArgs(R"(x ")", &out));
}

TEST_CASE("Inside a token only space, tab, CR and LF end it, as in sdssplitargs") {
  // sdssplitargs skips isspace() blanks between tokens, but a vertical tab or form feed inside
  // a token belongs to it.
  CHECK(Split("a\vb c\fd") == Argv{"a\vb", "c\fd"});
  CHECK(Split("\va") == Argv{"a"});
}

TEST_CASE("An inline line ends at LF, with an optional CR before it") {
  CHECK(FeedWhole("a b\r\nc\nd\r\r\n").commands == std::vector<Argv>{{"a", "b"}, {"c"}, {"d"}});
  // A CR inside the line separates tokens.
  CHECK(FeedWhole("a\rb\n").commands == std::vector<Argv>{{"a", "b"}});
}
