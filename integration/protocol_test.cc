// Protocol-level behaviour of a real server: RESP2/RESP3 bytes, inline commands, pipelining,
// malformed input and limits, clients that vanish mid-command.
#include <doctest/doctest.h>

#include <thread>

#include "harness.h"

using namespace cairn::testing;

namespace {
ServerProcess& Server() { return SharedServer(); }
std::string Bulk(const std::string& s) { return "$" + std::to_string(s.size()) + "\r\n" + s + "\r\n"; }
std::string Multi(const std::vector<std::string>& argv) {
  std::string out = "*" + std::to_string(argv.size()) + "\r\n";
  for (const auto& a : argv) out += Bulk(a);
  return out;
}
}  // namespace

TEST_CASE("Handle an empty query") {
  std::string r = RawExchange(Server().port(), "\r\n" + Multi({"PING"}), 7);
  CHECK(r == "+PONG\r\n");
}

TEST_CASE("Negative multibulk length") {
  CHECK(RawExchange(Server().port(), "*-10\r\n" + Multi({"PING"}), 7) == "+PONG\r\n");
}

TEST_CASE("Out of range multibulk length") {
  bool closed = false;
  std::string r = RawExchange(Server().port(), "*3000000000\r\n", 100, 2000, &closed);
  CHECK(r == "-ERR Protocol error: invalid multibulk length\r\n");
  CHECK(closed);
}

TEST_CASE("Wrong multibulk payload header") {
  bool closed = false;
  std::string r = RawExchange(Server().port(), "*3\r\n$3\r\nSET\r\n$1\r\nx\r\nfooz\r\n", 100, 2000, &closed);
  CHECK(r == "-ERR Protocol error: expected '$', got 'f'\r\n");
  CHECK(closed);
}

TEST_CASE("Out of range multibulk payload length") {
  bool closed = false;
  std::string r = RawExchange(Server().port(), "*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$2000000000\r\n", 100, 2000, &closed);
  CHECK(r == "-ERR Protocol error: invalid bulk length\r\n");
  CHECK(closed);
}

TEST_CASE("Unbalanced number of quotes in inline protocol") {
  bool closed = false;
  std::string r = RawExchange(Server().port(), "set \"\"\"test-key\"\"\" test-value\r\nping\r\n", 100, 2000, &closed);
  CHECK(r == "-ERR Protocol error: unbalanced quotes in request\r\n");
  CHECK(closed);
}

TEST_CASE("Too big inline request closes the connection") {
  bool closed = false;
  std::string r = RawExchange(Server().port(), std::string(70 * 1024, 'a'), 100, 3000, &closed);
  CHECK(r == "-ERR Protocol error: too big inline request\r\n");
  CHECK(closed);
}

TEST_CASE("Inline commands with quotes work") {
  std::string r = RawExchange(Server().port(), "ECHO \"hello\\x41 world\"\r\n", 20);
  CHECK(r == "$12\r\nhelloA world\r\n");
}

TEST_CASE("Pipelined commands get replies in request order, writes and reads interleaved") {
  std::string req;
  std::string expect;
  for (int i = 0; i < 200; ++i) {
    std::string k = "pipe:" + std::to_string(i % 7);
    req += Multi({"SET", k, std::to_string(i)});
    expect += "+OK\r\n";
    req += Multi({"GET", k});
    expect += Bulk(std::to_string(i));
    req += Multi({"PING"});
    expect += "+PONG\r\n";
  }
  CHECK(RawExchange(Server().port(), req, expect.size(), 5000) == expect);
}

TEST_CASE("Unknown command and wrong arity errors use Redis's text") {
  auto c = Server().Connect();
  CHECK(Run(c.get(), {"NOSUCH", "a", "b"}) ==
        "ERR unknown command 'NOSUCH', with args beginning with: 'a' 'b' ");
  CHECK(Run(c.get(), {"GET"}) == "ERR wrong number of arguments for 'get' command");
  CHECK(Run(c.get(), {"CLIENT", "SETNAME"}) ==
        "ERR wrong number of arguments for 'client|setname' command");
  CHECK(Run(c.get(), {"CLIENT", "FOO"}) == "ERR unknown subcommand 'FOO'. Try CLIENT HELP.");
}

TEST_CASE("HELLO 3 switches to RESP3 replies, HELLO 2 back") {
  std::string hello = Multi({"HELLO", "3"});
  std::string r = RawExchange(Server().port(), hello + Multi({"GET", "resp3:missing"}) +
                                                   Multi({"DEBUG", "PROTOCOL", "double"}) +
                                                   Multi({"DEBUG", "PROTOCOL", "true"}) +
                                                   Multi({"DEBUG", "PROTOCOL", "set"}),
                              100000, 1500);
  CHECK(r.rfind("%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$5\r\n7.2.0\r\n$5\r\nproto\r\n:3\r\n", 0) == 0);
  CHECK(r.find("_\r\n,3.141") != std::string::npos);
  CHECK(r.find("#t\r\n~3\r\n:0\r\n:1\r\n:2\r\n") != std::string::npos);
  std::string r2 = RawExchange(Server().port(), Multi({"HELLO", "3"}) + Multi({"HELLO", "2"}) +
                                                    Multi({"GET", "resp3:missing"}), 100000, 1500);
  CHECK(r2.size() > 5);
  CHECK(r2.substr(r2.size() - 5) == "$-1\r\n");
}

TEST_CASE("HELLO errors") {
  auto c = Server().Connect();
  CHECK(Run(c.get(), {"HELLO", "4"}) == "NOPROTO unsupported protocol version");
  CHECK(Run(c.get(), {"HELLO", "x"}) == "ERR Protocol version is not an integer or out of range");
  CHECK(Run(c.get(), {"HELLO", "2", "FOO"}) == "ERR Syntax error in HELLO option 'FOO'");
  CHECK(Run(c.get(), {"HELLO", "2", "SETNAME", "myname"}).find("proto,2") != std::string::npos);
  CHECK(Run(c.get(), {"CLIENT", "GETNAME"}) == "myname");
}

TEST_CASE("A client that vanishes mid-command costs nothing") {
  for (int i = 0; i < 20; ++i) {
    RawExchange(Server().port(), "*3\r\n$3\r\nSET\r\n$5\r\nhalf" + std::to_string(i) + "\r\n$100\r\nabc", 0, 10);
  }
  auto c = Server().Connect();
  CHECK(Run(c.get(), {"PING"}) == "PONG");
  CHECK(Run(c.get(), {"EXISTS", "half0"}) == "0");
}

TEST_CASE("A client that vanishes with writes in flight costs nothing") {
  std::string req;
  for (int i = 0; i < 500; ++i) req += Multi({"SET", "gone:" + std::to_string(i), "v"});
  RawExchange(Server().port(), req, 0, 10);
  auto c = Server().Connect();
  CHECK(Run(c.get(), {"PING"}) == "PONG");
}

TEST_CASE("CLIENT REPLY OFF, SKIP and ON: which replies are sent") {
  const std::string in = Multi({"CLIENT", "REPLY", "SKIP"}) + Multi({"PING", "skipped"}) +
                         Multi({"CLIENT", "REPLY", "OFF"}) + Multi({"PING", "off"}) +
                         Multi({"CLIENT", "REPLY", "ON"}) + Multi({"PING", "on"});
  CHECK(RawExchange(Server().port(), in, 13) == "+OK\r\n$2\r\non\r\n");
  // CLIENT REPLY ON right after SKIP cancels the skip and is answered itself.
  const std::string cancel = Multi({"CLIENT", "REPLY", "SKIP"}) + Multi({"CLIENT", "REPLY", "ON"}) +
                             Multi({"PING"});
  CHECK(RawExchange(Server().port(), cancel, 12) == "+OK\r\n+PONG\r\n");
}

// Each GET waits for the SET before it, so one BeforePoll round serves one pair; the rounds past
// an iteration's bound must run without waiting for the next event (with hz 1, the timer's
// wakeup would serve 16 pairs a second).
TEST_CASE("A pipeline of writes each read back at once is served without stalling") {
  ServerProcess srv({"--hz", "1", "--appendfsync", "everysec"});
  REQUIRE(srv.Start());
  constexpr int kPairs = 200;
  std::string in, want;
  for (int i = 0; i < kPairs; ++i) {
    const std::string k = "pipe:" + std::to_string(i), v = "v" + std::to_string(i);
    in += Multi({"SET", k, v}) + Multi({"GET", k});
    want += "+OK\r\n$" + std::to_string(v.size()) + "\r\n" + v + "\r\n";
  }
  CHECK(RawExchange(srv.port(), in, want.size(), 5000) == want);
}
