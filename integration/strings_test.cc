// String commands against a real cairn-server, in Redis's words where Redis's own suite
// (tests/unit/type/string.tcl, type/incr.tcl) has the case. One server for the whole program;
// each test case starts from FLUSHALL.
#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "harness.h"

namespace {

using cairn::testing::Command;
using cairn::testing::ContextPtr;
using cairn::testing::ServerProcess;

constexpr const char* kNotInteger = "ERR value is not an integer or out of range";
constexpr const char* kNotFloat = "ERR value is not a valid float";
constexpr const char* kSyntax = "ERR syntax error";

ServerProcess& Server() { return cairn::testing::SharedServer(); }

struct Fixture {
  Fixture() : c(Server().Connect()) {
    REQUIRE(c != nullptr);
    REQUIRE(R({"FLUSHALL"}) == "OK");
  }
  std::string R(const std::vector<std::string>& argv) { return cairn::testing::Run(c.get(), argv); }
  ContextPtr c;
};

std::string Arity(const std::string& cmd) {
  return "ERR wrong number of arguments for '" + cmd + "' command";
}

}  // namespace

TEST_SUITE("strings") {

TEST_CASE_FIXTURE(Fixture, "SET and GET an item") {
  CHECK(R({"SET", "x", "foobar"}) == "OK");
  CHECK(R({"GET", "x"}) == "foobar");
  CHECK(R({"GET", "nokey"}) == "(nil)");
}

TEST_CASE_FIXTURE(Fixture, "SET and GET an empty item") {
  CHECK(R({"SET", "x", ""}) == "OK");
  CHECK(R({"GET", "x"}) == "");
  CHECK(R({"EXISTS", "x"}) == "1");
  CHECK(R({"STRLEN", "x"}) == "0");
}

TEST_CASE_FIXTURE(Fixture, "Very big payload in GET/SET") {
  std::string big(1 << 20, '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>((i * 7919) % 256);
  CHECK(R({"SET", "big", big}) == "OK");
  CHECK(R({"GET", "big"}) == big);
  CHECK(R({"STRLEN", "big"}) == "1048576");
  CHECK(R({"APPEND", "big", "tail"}) == "1048580");
  CHECK(R({"GETRANGE", "big", "-4", "-1"}) == "tail");
  CHECK(R({"OBJECT", "ENCODING", "big"}) == "raw");
}

TEST_CASE_FIXTURE(Fixture, "Binary values with NUL bytes are kept intact") {
  const std::string v("a\0b\0\xff\r\n", 7);
  const std::string key("k\0ey", 4);
  CHECK(R({"SET", key, v}) == "OK");
  CHECK(R({"GET", key}) == v);
  CHECK(R({"GET", "k"}) == "(nil)");
  CHECK(R({"STRLEN", key}) == "7");
  CHECK(R({"APPEND", key, std::string("\0", 1)}) == "8");
  CHECK(R({"GETRANGE", key, "1", "3"}) == std::string("\0b\0", 3));
  CHECK(R({"SETRANGE", key, "0", std::string("\0", 1)}) == "8");
  CHECK(R({"GET", key}) == std::string("\0\0b\0\xff\r\n\0", 8));
  CHECK(R({"MGET", key, "nokey"}) == "[" + std::string("\0\0b\0\xff\r\n\0", 8) + ",(nil)]");
  CHECK(R({"GETDEL", key}) == std::string("\0\0b\0\xff\r\n\0", 8));
  CHECK(R({"EXISTS", key}) == "0");
}

TEST_CASE_FIXTURE(Fixture, "GET and SET against wrong arity") {
  CHECK(R({"GET"}) == Arity("get"));
  CHECK(R({"GET", "a", "b"}) == Arity("get"));
  CHECK(R({"SET", "a"}) == Arity("set"));
  CHECK(R({"SETNX", "a"}) == Arity("setnx"));
  CHECK(R({"SETEX", "a", "1"}) == Arity("setex"));
  CHECK(R({"PSETEX", "a", "1"}) == Arity("psetex"));
  CHECK(R({"GETSET", "a"}) == Arity("getset"));
  CHECK(R({"GETDEL"}) == Arity("getdel"));
  CHECK(R({"GETEX"}) == Arity("getex"));
  CHECK(R({"MGET"}) == Arity("mget"));
  CHECK(R({"INCR"}) == Arity("incr"));
  CHECK(R({"INCRBY", "a"}) == Arity("incrby"));
  CHECK(R({"DECRBY", "a"}) == Arity("decrby"));
  CHECK(R({"INCRBYFLOAT", "a"}) == Arity("incrbyfloat"));
  CHECK(R({"APPEND", "a"}) == Arity("append"));
  CHECK(R({"STRLEN"}) == Arity("strlen"));
  CHECK(R({"GETRANGE", "a", "0"}) == Arity("getrange"));
  CHECK(R({"SUBSTR", "a", "0"}) == Arity("substr"));
  CHECK(R({"SETRANGE", "a", "0"}) == Arity("setrange"));
  CHECK(R({"LCS", "a"}) == Arity("lcs"));
}

TEST_CASE_FIXTURE(Fixture, "Extended SET NX option") {
  CHECK(R({"SET", "foo", "1", "NX"}) == "OK");
  CHECK(R({"SET", "foo", "2", "NX"}) == "(nil)");
  CHECK(R({"GET", "foo"}) == "1");
}

TEST_CASE_FIXTURE(Fixture, "Extended SET XX option") {
  CHECK(R({"SET", "foo", "1", "XX"}) == "(nil)");
  CHECK(R({"EXISTS", "foo"}) == "0");
  CHECK(R({"SET", "foo", "bar"}) == "OK");
  CHECK(R({"SET", "foo", "2", "xx"}) == "OK");
  CHECK(R({"GET", "foo"}) == "2");
}

TEST_CASE_FIXTURE(Fixture, "Extended SET GET option") {
  CHECK(R({"SET", "foo", "bar"}) == "OK");
  CHECK(R({"SET", "foo", "bar2", "GET"}) == "bar");
  CHECK(R({"GET", "foo"}) == "bar2");
  SUBCASE("with no previous value") { CHECK(R({"SET", "new", "v", "GET"}) == "(nil)"); }
  SUBCASE("with XX") { CHECK(R({"SET", "foo", "bar3", "XX", "GET"}) == "bar2"); }
  SUBCASE("with XX and no previous value") {
    CHECK(R({"SET", "new", "bar", "XX", "GET"}) == "(nil)");
    CHECK(R({"EXISTS", "new"}) == "0");
  }
  SUBCASE("with NX") {
    CHECK(R({"SET", "new", "bar", "NX", "GET"}) == "(nil)");
    CHECK(R({"GET", "new"}) == "bar");
  }
  SUBCASE("with NX and previous value") {
    CHECK(R({"SET", "foo", "x", "NX", "GET"}) == "bar2");
    CHECK(R({"GET", "foo"}) == "bar2");
  }
}

TEST_CASE_FIXTURE(Fixture, "Extended SET EX option") {
  CHECK(R({"SET", "foo", "bar", "EX", "10"}) == "OK");
  CHECK(R({"TTL", "foo"}) == "10");
}

TEST_CASE_FIXTURE(Fixture, "Extended SET PX option") {
  CHECK(R({"SET", "foo", "bar", "PX", "10000"}) == "OK");
  int64_t pttl = std::stoll(R({"PTTL", "foo"}));
  CHECK(pttl > 9000);
  CHECK(pttl <= 10000);
}

TEST_CASE_FIXTURE(Fixture, "Extended SET EXAT option") {
  int64_t now_s = std::chrono::duration_cast<std::chrono::seconds>(
                      std::chrono::system_clock::now().time_since_epoch()).count();
  CHECK(R({"SET", "foo", "bar", "EXAT", std::to_string(now_s + 100)}) == "OK");
  CHECK(R({"EXPIRETIME", "foo"}) == std::to_string(now_s + 100));
  int64_t ttl = std::stoll(R({"TTL", "foo"}));
  CHECK(ttl >= 98);
  CHECK(ttl <= 100);
}

TEST_CASE_FIXTURE(Fixture, "Extended SET PXAT option") {
  int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch()).count();
  CHECK(R({"SET", "foo", "bar", "PXAT", std::to_string(now_ms + 100000)}) == "OK");
  CHECK(R({"PEXPIRETIME", "foo"}) == std::to_string(now_ms + 100000));
}

TEST_CASE_FIXTURE(Fixture, "Extended SET with an absolute time in the past deletes the key") {
  CHECK(R({"SET", "foo", "old"}) == "OK");
  CHECK(R({"SET", "foo", "bar", "EXAT", "1"}) == "OK");
  CHECK(R({"EXISTS", "foo"}) == "0");
  CHECK(R({"SET", "foo", "bar", "PXAT", "1", "GET"}) == "(nil)");
}

TEST_CASE_FIXTURE(Fixture, "Extended SET using multiple options at once") {
  CHECK(R({"SET", "foo", "val"}) == "OK");
  CHECK(R({"SET", "foo", "bar", "XX", "PX", "10000"}) == "OK");
  int64_t ttl = std::stoll(R({"TTL", "foo"}));
  CHECK(ttl >= 9);
  CHECK(ttl <= 10);
  // Redis lets an option repeat; the last value wins.
  CHECK(R({"SET", "foo", "bar", "NX", "NX"}) == "(nil)");
  CHECK(R({"SET", "foo", "bar", "EX", "100", "EX", "200"}) == "OK");
  CHECK(R({"TTL", "foo"}) == "200");
}

TEST_CASE_FIXTURE(Fixture, "Extended SET can detect syntax errors") {
  CHECK(R({"SET", "foo", "bar", "non-existing-option"}) == kSyntax);
  CHECK(R({"SET", "foo", "bar", "NX", "XX"}) == kSyntax);
  CHECK(R({"SET", "foo", "bar", "EX", "10", "PX", "100"}) == kSyntax);
  CHECK(R({"SET", "foo", "bar", "KEEPTTL", "EX", "10"}) == kSyntax);
  CHECK(R({"SET", "foo", "bar", "EX", "10", "KEEPTTL"}) == kSyntax);
  CHECK(R({"SET", "foo", "bar", "EX"}) == kSyntax);
  CHECK(R({"SET", "foo", "bar", "PERSIST"}) == kSyntax);
  // Every option is read before the expiry value is checked.
  CHECK(R({"SET", "foo", "bar", "EX", "abc", "FOO"}) == kSyntax);
  CHECK(R({"SET", "foo", "bar", "EX", "abc"}) == kNotInteger);
  CHECK(R({"SET", "foo", "bar", "EX", "0"}) == "ERR invalid expire time in 'set' command");
  CHECK(R({"SET", "foo", "bar", "PX", "-1"}) == "ERR invalid expire time in 'set' command");
  CHECK(R({"EXISTS", "foo"}) == "0");
}

TEST_CASE_FIXTURE(Fixture, "Extended SET KEEPTTL option") {
  CHECK(R({"SET", "foo", "bar", "EX", "100"}) == "OK");
  CHECK(R({"SET", "foo", "bar2", "KEEPTTL"}) == "OK");
  CHECK(R({"TTL", "foo"}) == "100");
  CHECK(R({"GET", "foo"}) == "bar2");
  CHECK(R({"SET", "foo", "bar3"}) == "OK");
  CHECK(R({"TTL", "foo"}) == "-1");
}

TEST_CASE_FIXTURE(Fixture, "SET with EX with big integer should report an error") {
  CHECK(R({"SET", "foo", "bar", "EX", "10000000000000000"}) ==
        "ERR invalid expire time in 'set' command");
  CHECK(R({"SET", "foo", "bar", "PX", "9223372036854775807"}) ==
        "ERR invalid expire time in 'set' command");
}

TEST_CASE_FIXTURE(Fixture, "SET with EX with smallest integer should report an error") {
  CHECK(R({"SET", "foo", "bar", "EX", "-9223372036854775808"}) ==
        "ERR invalid expire time in 'set' command");
}

TEST_CASE_FIXTURE(Fixture, "SETNX target key missing") {
  CHECK(R({"SETNX", "novar", "foobared"}) == "1");
  CHECK(R({"GET", "novar"}) == "foobared");
}

TEST_CASE_FIXTURE(Fixture, "SETNX target key exists") {
  CHECK(R({"SET", "novar", "foobared"}) == "OK");
  CHECK(R({"SETNX", "novar", "blabla"}) == "0");
  CHECK(R({"GET", "novar"}) == "foobared");
}

TEST_CASE_FIXTURE(Fixture, "SETNX against not-expired volatile key") {
  CHECK(R({"SET", "x", "10"}) == "OK");
  CHECK(R({"EXPIRE", "x", "10000"}) == "1");
  CHECK(R({"SETNX", "x", "20"}) == "0");
  CHECK(R({"GET", "x"}) == "10");
}

TEST_CASE_FIXTURE(Fixture, "SETNX against expired volatile key") {
  CHECK(R({"SET", "x", "10", "PX", "1"}) == "OK");
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  CHECK(R({"SETNX", "x", "20"}) == "1");
  CHECK(R({"GET", "x"}) == "20");
  CHECK(R({"TTL", "x"}) == "-1");
}

TEST_CASE_FIXTURE(Fixture, "SETEX - Set + Expire combo operation. Check for TTL") {
  CHECK(R({"SETEX", "x", "12", "test"}) == "OK");
  int64_t ttl = std::stoll(R({"TTL", "x"}));
  CHECK(ttl >= 10);
  CHECK(ttl <= 12);
  CHECK(R({"GET", "x"}) == "test");
}

TEST_CASE_FIXTURE(Fixture, "SETEX - Overwrite old key") {
  CHECK(R({"SET", "y", "foo"}) == "OK");
  CHECK(R({"SETEX", "y", "1", "foo"}) == "OK");
  CHECK(R({"GET", "y"}) == "foo");
  CHECK(R({"TTL", "y"}) == "1");
}

TEST_CASE_FIXTURE(Fixture, "SETEX - Wrong time parameter") {
  CHECK(R({"SETEX", "z", "-10", "foo"}) == "ERR invalid expire time in 'setex' command");
  CHECK(R({"SETEX", "z", "0", "foo"}) == "ERR invalid expire time in 'setex' command");
  CHECK(R({"SETEX", "z", "abc", "foo"}) == kNotInteger);
  CHECK(R({"PSETEX", "z", "0", "foo"}) == "ERR invalid expire time in 'psetex' command");
  CHECK(R({"EXISTS", "z"}) == "0");
}

TEST_CASE_FIXTURE(Fixture, "PSETEX can set sub-second expires") {
  CHECK(R({"PSETEX", "x", "100", "somevalue"}) == "OK");
  CHECK(R({"GET", "x"}) == "somevalue");
  int64_t pttl = std::stoll(R({"PTTL", "x"}));
  CHECK(pttl > 0);
  CHECK(pttl <= 100);
  bool gone = false;
  for (int i = 0; i < 100 && !gone; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    gone = R({"GET", "x"}) == "(nil)";
  }
  CHECK(gone);
}

TEST_CASE_FIXTURE(Fixture, "GETSET (set new value)") {
  CHECK(R({"GETSET", "foo", "xyz"}) == "(nil)");
  CHECK(R({"GET", "foo"}) == "xyz");
}

TEST_CASE_FIXTURE(Fixture, "GETSET (replace old value)") {
  CHECK(R({"SET", "foo", "bar", "EX", "100"}) == "OK");
  CHECK(R({"GETSET", "foo", "xyz"}) == "bar");
  CHECK(R({"GET", "foo"}) == "xyz");
  CHECK(R({"TTL", "foo"}) == "-1");  // GETSET is SET: the old TTL goes
}

TEST_CASE_FIXTURE(Fixture, "GETDEL command") {
  CHECK(R({"SET", "foo", "bar"}) == "OK");
  CHECK(R({"GETDEL", "foo"}) == "bar");
  CHECK(R({"GETDEL", "foo"}) == "(nil)");
  CHECK(R({"EXISTS", "foo"}) == "0");
}

TEST_CASE_FIXTURE(Fixture, "GETEX EX option") {
  CHECK(R({"SET", "foo", "bar"}) == "OK");
  CHECK(R({"GETEX", "foo", "EX", "10"}) == "bar");
  CHECK(R({"TTL", "foo"}) == "10");
}

TEST_CASE_FIXTURE(Fixture, "GETEX PX option") {
  CHECK(R({"SET", "foo", "bar"}) == "OK");
  CHECK(R({"GETEX", "foo", "PX", "10000"}) == "bar");
  int64_t pttl = std::stoll(R({"PTTL", "foo"}));
  CHECK(pttl > 9000);
  CHECK(pttl <= 10000);
}

TEST_CASE_FIXTURE(Fixture, "GETEX EXAT and PXAT options") {
  int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch()).count();
  CHECK(R({"SET", "foo", "bar"}) == "OK");
  CHECK(R({"GETEX", "foo", "EXAT", std::to_string(now_ms / 1000 + 200)}) == "bar");
  CHECK(R({"EXPIRETIME", "foo"}) == std::to_string(now_ms / 1000 + 200));
  CHECK(R({"GETEX", "foo", "PXAT", std::to_string(now_ms + 300000)}) == "bar");
  CHECK(R({"PEXPIRETIME", "foo"}) == std::to_string(now_ms + 300000));
  // An absolute time in the past returns the value and deletes the key.
  CHECK(R({"GETEX", "foo", "PXAT", "1"}) == "bar");
  CHECK(R({"EXISTS", "foo"}) == "0");
}

TEST_CASE_FIXTURE(Fixture, "GETEX PERSIST option") {
  CHECK(R({"SET", "foo", "bar", "EX", "10"}) == "OK");
  CHECK(R({"GETEX", "foo", "PERSIST"}) == "bar");
  CHECK(R({"TTL", "foo"}) == "-1");
  CHECK(R({"GETEX", "foo", "PERSIST"}) == "bar");
  CHECK(R({"TTL", "foo"}) == "-1");
}

TEST_CASE_FIXTURE(Fixture, "GETEX no option") {
  CHECK(R({"SET", "foo", "bar", "EX", "100"}) == "OK");
  CHECK(R({"GETEX", "foo"}) == "bar");
  CHECK(R({"TTL", "foo"}) == "100");
}

TEST_CASE_FIXTURE(Fixture, "GETEX syntax errors") {
  CHECK(R({"SET", "foo", "bar"}) == "OK");
  CHECK(R({"GETEX", "foo", "non-existent-option"}) == kSyntax);
  CHECK(R({"GETEX", "foo", "KEEPTTL"}) == kSyntax);
  CHECK(R({"GETEX", "foo", "NX"}) == kSyntax);
  CHECK(R({"GETEX", "foo", "GET"}) == kSyntax);
  CHECK(R({"GETEX", "foo", "EX"}) == kSyntax);
  CHECK(R({"GETEX", "foo", "PERSIST", "EX", "10"}) == kSyntax);
  CHECK(R({"GETEX", "foo", "EX", "10", "PERSIST"}) == kSyntax);
  CHECK(R({"GETEX", "foo", "EX", "10", "PX", "100"}) == kSyntax);
  CHECK(R({"GETEX", "foo", "EX", "0"}) == "ERR invalid expire time in 'getex' command");
  CHECK(R({"GETEX", "foo", "EX", "abc"}) == kNotInteger);
  CHECK(R({"TTL", "foo"}) == "-1");
}

TEST_CASE_FIXTURE(Fixture, "GETEX checks the expiry value only for an existing string") {
  // Redis looks the key up before it reads the expiry value.
  CHECK(R({"GETEX", "nokey", "EX", "0"}) == "(nil)");
  CHECK(R({"GETEX", "nokey", "PX", "abc"}) == "(nil)");
  CHECK(R({"GETEX", "nokey", "PX"}) == kSyntax);  // syntax still comes first
  CHECK(R({"EXISTS", "nokey"}) == "0");
}

TEST_CASE_FIXTURE(Fixture, "GETEX with big integer should report an error") {
  CHECK(R({"SET", "foo", "bar"}) == "OK");
  CHECK(R({"GETEX", "foo", "EX", "10000000000000000"}) ==
        "ERR invalid expire time in 'getex' command");
}

TEST_CASE_FIXTURE(Fixture, "GETEX with smallest integer should report an error") {
  CHECK(R({"SET", "foo", "bar"}) == "OK");
  CHECK(R({"GETEX", "foo", "EX", "-9223372036854775808"}) ==
        "ERR invalid expire time in 'getex' command");
}

TEST_CASE_FIXTURE(Fixture, "GETEX and GET expired key or not exist") {
  CHECK(R({"SET", "foo", "bar", "PX", "1"}) == "OK");
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  CHECK(R({"GETEX", "foo"}) == "(nil)");
  CHECK(R({"GET", "foo"}) == "(nil)");
  CHECK(R({"GETEX", "nokey", "EX", "10"}) == "(nil)");
  CHECK(R({"EXISTS", "nokey"}) == "0");
}

TEST_CASE_FIXTURE(Fixture, "MGET") {
  CHECK(R({"SET", "foo", "BAR"}) == "OK");
  CHECK(R({"SET", "bar", "FOO"}) == "OK");
  CHECK(R({"MGET", "foo", "bar"}) == "[BAR,FOO]");
}

TEST_CASE_FIXTURE(Fixture, "MGET against non existing key") {
  CHECK(R({"SET", "foo", "BAR"}) == "OK");
  CHECK(R({"MGET", "foo", "baazz", "foo"}) == "[BAR,(nil),BAR]");
}

TEST_CASE_FIXTURE(Fixture, "MSET base case") {
  CHECK(R({"MSET", "x", "10", "y", "foo bar", "z", "x x x x x x x\n\n\r\n"}) == "OK");
  CHECK(R({"MGET", "x", "y", "z"}) == "[10,foo bar,x x x x x x x\n\n\r\n]");
  CHECK(R({"MSET", "x", "1", "x", "2"}) == "OK");
  CHECK(R({"GET", "x"}) == "2");
}

TEST_CASE_FIXTURE(Fixture, "MSET removes the TTL of the keys it sets") {
  CHECK(R({"SET", "x", "1", "EX", "100"}) == "OK");
  CHECK(R({"MSET", "x", "2"}) == "OK");
  CHECK(R({"TTL", "x"}) == "-1");
}

TEST_CASE_FIXTURE(Fixture, "MSET/MSETNX wrong number of args") {
  CHECK(R({"MSET", "x", "10", "y", "foo bar", "z"}) == Arity("mset"));
  CHECK(R({"MSETNX", "x", "20", "y", "foo bar", "z"}) == Arity("msetnx"));
  CHECK(R({"MSET", "x"}) == Arity("mset"));
  CHECK(R({"EXISTS", "x", "y", "z"}) == "0");
}

TEST_CASE_FIXTURE(Fixture, "MSETNX with already existent key") {
  CHECK(R({"SET", "x2", "xxx"}) == "OK");
  CHECK(R({"MSETNX", "x1", "xxx", "y2", "yyy", "x2", "zzz"}) == "0");
  CHECK(R({"EXISTS", "x1", "y2"}) == "0");
  CHECK(R({"GET", "x2"}) == "xxx");
}

TEST_CASE_FIXTURE(Fixture, "MSETNX with not existing keys") {
  CHECK(R({"MSETNX", "x1", "xxx", "y2", "yyy"}) == "1");
  CHECK(R({"MGET", "x1", "y2"}) == "[xxx,yyy]");
}

TEST_CASE_FIXTURE(Fixture, "MSETNX with not existing keys - same key twice") {
  CHECK(R({"MSETNX", "x1", "xxx", "x1", "yyy"}) == "1");
  CHECK(R({"GET", "x1"}) == "yyy");
}

TEST_CASE_FIXTURE(Fixture, "MSETNX with already existing keys - same key twice") {
  CHECK(R({"SET", "x1", "xxx"}) == "OK");
  CHECK(R({"MSETNX", "x1", "xxx", "x1", "yyy"}) == "0");
  CHECK(R({"GET", "x1"}) == "xxx");
}

TEST_CASE_FIXTURE(Fixture, "INCR against non existing key") {
  CHECK(R({"INCR", "novar"}) == "1");
  CHECK(R({"GET", "novar"}) == "1");
}

TEST_CASE_FIXTURE(Fixture, "INCR against key created by incr itself") {
  CHECK(R({"INCR", "novar"}) == "1");
  CHECK(R({"INCR", "novar"}) == "2");
}

TEST_CASE_FIXTURE(Fixture, "DECR against key created by incr") {
  CHECK(R({"INCR", "novar"}) == "1");
  CHECK(R({"DECR", "novar"}) == "0");
}

TEST_CASE_FIXTURE(Fixture, "DECR against key is not exist and incr") {
  CHECK(R({"DECR", "novar_not_exist"}) == "-1");
  CHECK(R({"INCR", "novar_not_exist"}) == "0");
}

TEST_CASE_FIXTURE(Fixture, "INCR against key originally set with SET") {
  CHECK(R({"SET", "novar", "100"}) == "OK");
  CHECK(R({"INCR", "novar"}) == "101");
}

TEST_CASE_FIXTURE(Fixture, "INCR over 32bit value") {
  CHECK(R({"SET", "novar", "17179869184"}) == "OK");
  CHECK(R({"INCR", "novar"}) == "17179869185");
}

TEST_CASE_FIXTURE(Fixture, "INCRBY over 32bit value with over 32bit increment") {
  CHECK(R({"SET", "novar", "17179869184"}) == "OK");
  CHECK(R({"INCRBY", "novar", "17179869184"}) == "34359738368");
}

TEST_CASE_FIXTURE(Fixture, "DECRBY over 32bit value with over 32bit increment, negative res") {
  CHECK(R({"SET", "novar", "17179869184"}) == "OK");
  CHECK(R({"DECRBY", "novar", "17179869185"}) == "-1");
}

TEST_CASE_FIXTURE(Fixture, "DECRBY against key is not exist") {
  CHECK(R({"DECRBY", "novar_not_exist", "1"}) == "-1");
}

TEST_CASE_FIXTURE(Fixture, "INCR fails against key with spaces (left)") {
  CHECK(R({"SET", "novar", "    11"}) == "OK");
  CHECK(R({"INCR", "novar"}) == kNotInteger);
}

TEST_CASE_FIXTURE(Fixture, "INCR fails against key with spaces (right)") {
  CHECK(R({"SET", "novar", "11    "}) == "OK");
  CHECK(R({"INCR", "novar"}) == kNotInteger);
}

TEST_CASE_FIXTURE(Fixture, "INCR fails against key with spaces (both)") {
  CHECK(R({"SET", "novar", "    11    "}) == "OK");
  CHECK(R({"INCR", "novar"}) == kNotInteger);
}

TEST_CASE_FIXTURE(Fixture, "INCR fails against a non-integer value") {
  for (const char* v : {"1.5", "abc", "01", "+1", "", "99999999999999999999"}) {
    CAPTURE(v);
    CHECK(R({"SET", "novar", v}) == "OK");
    CHECK(R({"INCR", "novar"}) == kNotInteger);
    CHECK(R({"GET", "novar"}) == v);
  }
  CHECK(R({"INCRBY", "novar", "1.5"}) == kNotInteger);
  CHECK(R({"INCRBY", "novar", "abc"}) == kNotInteger);
  CHECK(R({"DECRBY", "novar", " 1"}) == kNotInteger);
}

TEST_CASE_FIXTURE(Fixture, "DECRBY negation overflow") {
  CHECK(R({"SET", "x", "0"}) == "OK");
  CHECK(R({"DECRBY", "x", "-9223372036854775808"}) == "ERR decrement would overflow");
  CHECK(R({"GET", "x"}) == "0");
}

TEST_CASE_FIXTURE(Fixture, "INCR and DECR detect overflow") {
  CHECK(R({"SET", "big", "9223372036854775807"}) == "OK");
  CHECK(R({"INCR", "big"}) == "ERR increment or decrement would overflow");
  CHECK(R({"INCRBY", "big", "1"}) == "ERR increment or decrement would overflow");
  CHECK(R({"GET", "big"}) == "9223372036854775807");
  CHECK(R({"SET", "small", "-9223372036854775808"}) == "OK");
  CHECK(R({"DECR", "small"}) == "ERR increment or decrement would overflow");
  CHECK(R({"INCRBY", "small", "-1"}) == "ERR increment or decrement would overflow");
  CHECK(R({"DECRBY", "small", "-9223372036854775807"}) == "-1");
}

TEST_CASE_FIXTURE(Fixture, "INCR keeps the key's TTL") {
  CHECK(R({"SET", "x", "1", "EX", "100"}) == "OK");
  CHECK(R({"INCR", "x"}) == "2");
  CHECK(R({"INCRBYFLOAT", "x", "0.5"}) == "2.5");
  CHECK(R({"APPEND", "x", "0"}) == "4");
  CHECK(R({"SETRANGE", "x", "0", "3"}) == "4");
  CHECK(R({"TTL", "x"}) == "100");
  CHECK(R({"GET", "x"}) == "3.50");
}

TEST_CASE_FIXTURE(Fixture, "INCR uses shared objects in the 0-9999 range") {
  CHECK(R({"SET", "foo", "-1"}) == "OK");
  CHECK(R({"INCR", "foo"}) == "0");
  CHECK(std::stoll(R({"OBJECT", "REFCOUNT", "foo"})) > 1);
  CHECK(R({"SET", "foo", "9998"}) == "OK");
  CHECK(R({"INCR", "foo"}) == "9999");
  CHECK(std::stoll(R({"OBJECT", "REFCOUNT", "foo"})) > 1);
  CHECK(R({"INCR", "foo"}) == "10000");
  CHECK(R({"OBJECT", "REFCOUNT", "foo"}) == "1");
}

TEST_CASE_FIXTURE(Fixture, "incr operation should update encoding from raw to int") {
  std::string long_number(50, '1');
  CHECK(R({"SET", "foo", "1" + long_number}) == "OK");
  CHECK(R({"OBJECT", "ENCODING", "foo"}) == "raw");
  CHECK(R({"SET", "foo", "1"}) == "OK");
  CHECK(R({"INCR", "foo"}) == "2");
  CHECK(R({"OBJECT", "ENCODING", "foo"}) == "int");
}

TEST_CASE_FIXTURE(Fixture, "INCRBYFLOAT against non existing key") {
  CHECK(R({"INCRBYFLOAT", "novar", "1"}) == "1");
  CHECK(R({"GET", "novar"}) == "1");
  CHECK(R({"INCRBYFLOAT", "novar", "0.25"}) == "1.25");
  CHECK(R({"GET", "novar"}) == "1.25");
}

TEST_CASE_FIXTURE(Fixture, "INCRBYFLOAT against key originally set with SET") {
  CHECK(R({"SET", "novar", "1.5"}) == "OK");
  CHECK(R({"INCRBYFLOAT", "novar", "1.5"}) == "3");
}

TEST_CASE_FIXTURE(Fixture, "INCRBYFLOAT over 32bit value") {
  CHECK(R({"SET", "novar", "17179869184"}) == "OK");
  CHECK(R({"INCRBYFLOAT", "novar", "1.5"}) == "17179869185.5");
}

TEST_CASE_FIXTURE(Fixture, "INCRBYFLOAT over 32bit value with over 32bit increment") {
  CHECK(R({"SET", "novar", "17179869184"}) == "OK");
  CHECK(R({"INCRBYFLOAT", "novar", "17179869184"}) == "34359738368");
}

TEST_CASE_FIXTURE(Fixture, "INCRBYFLOAT fails against key with spaces (left)") {
  CHECK(R({"SET", "novar", "    11"}) == "OK");
  CHECK(R({"INCRBYFLOAT", "novar", "1.0"}) == kNotFloat);
}

TEST_CASE_FIXTURE(Fixture, "INCRBYFLOAT fails against key with spaces (right)") {
  CHECK(R({"SET", "novar", "11    "}) == "OK");
  CHECK(R({"INCRBYFLOAT", "novar", "1.0"}) == kNotFloat);
}

TEST_CASE_FIXTURE(Fixture, "INCRBYFLOAT fails against key with spaces (both)") {
  CHECK(R({"SET", "novar", " 11 "}) == "OK");
  CHECK(R({"INCRBYFLOAT", "novar", "1.0"}) == kNotFloat);
}

TEST_CASE_FIXTURE(Fixture, "INCRBYFLOAT fails against a bad increment") {
  CHECK(R({"INCRBYFLOAT", "novar", "abc"}) == kNotFloat);
  CHECK(R({"INCRBYFLOAT", "novar", ""}) == kNotFloat);
  CHECK(R({"INCRBYFLOAT", "novar", " 1"}) == kNotFloat);
  CHECK(R({"INCRBYFLOAT", "novar", "nan"}) == kNotFloat);
  CHECK(R({"INCRBYFLOAT", "novar", "1e5000"}) == kNotFloat);
  CHECK(R({"EXISTS", "novar"}) == "0");
}

TEST_CASE_FIXTURE(Fixture, "INCRBYFLOAT does not allow NaN or Infinity") {
  CHECK(R({"SET", "foo", "0"}) == "OK");
  CHECK(R({"INCRBYFLOAT", "foo", "+inf"}) == "ERR increment would produce NaN or Infinity");
  CHECK(R({"SET", "foo", "1.7976931348623157e308"}) == "OK");
  CHECK(R({"INCRBYFLOAT", "foo", "1.7976931348623157e308"}) != "ERR increment would produce NaN or Infinity");
  CHECK(R({"GET", "foo"}) != "inf");
}

TEST_CASE_FIXTURE(Fixture, "INCRBYFLOAT decrement") {
  CHECK(R({"SET", "foo", "1"}) == "OK");
  CHECK(R({"INCRBYFLOAT", "foo", "-1.1"}) == "-0.1");
}

TEST_CASE_FIXTURE(Fixture, "INCRBYFLOAT formats like Redis") {
  CHECK(R({"INCRBYFLOAT", "f", "5.0e3"}) == "5000");
  CHECK(R({"INCRBYFLOAT", "f", "0x10"}) == "5016");
  CHECK(R({"INCRBYFLOAT", "f", "0.1"}) == "5016.10000000000000009");  // long double, as Redis
  CHECK(R({"SET", "g", "10.5e3"}) == "OK");
  CHECK(R({"INCRBYFLOAT", "g", "1"}) == "10501");
  CHECK(R({"INCRBYFLOAT", "h", "123456789.123456789"}) == "123456789.12345678899873747");
}

TEST_CASE_FIXTURE(Fixture, "string to double with null terminator") {
  CHECK(R({"SET", "foo", "1"}) == "OK");
  CHECK(R({"SETRANGE", "foo", "2", "2"}) == "3");
  CHECK(R({"INCRBYFLOAT", "foo", "1"}) == kNotFloat);
}

TEST_CASE_FIXTURE(Fixture, "No negative zero") {
  CHECK(R({"INCRBYFLOAT", "foo", "0.024390243902439025"}) == "0.02439024390243902");
  CHECK(R({"INCRBYFLOAT", "foo", "-0.024390243902439025"}) == "0");
  CHECK(R({"GET", "foo"}) == "0");
}

TEST_CASE_FIXTURE(Fixture, "APPEND basics") {
  CHECK(R({"EXISTS", "foo"}) == "0");
  CHECK(R({"APPEND", "foo", "bar"}) == "3");
  CHECK(R({"GET", "foo"}) == "bar");
  CHECK(R({"APPEND", "foo", "100"}) == "6");
  CHECK(R({"GET", "foo"}) == "bar100");
}

TEST_CASE_FIXTURE(Fixture, "APPEND basics, integer encoded values") {
  CHECK(R({"APPEND", "foo", "1"}) == "1");
  CHECK(R({"APPEND", "foo", "2"}) == "2");
  CHECK(R({"GET", "foo"}) == "12");
  CHECK(R({"SET", "foo", "1"}) == "OK");
  CHECK(R({"APPEND", "foo", "2"}) == "2");
  CHECK(R({"GET", "foo"}) == "12");
}

TEST_CASE_FIXTURE(Fixture, "STRLEN against non-existing key") { CHECK(R({"STRLEN", "notakey"}) == "0"); }

TEST_CASE_FIXTURE(Fixture, "STRLEN against integer-encoded value") {
  CHECK(R({"SET", "myinteger", "-555"}) == "OK");
  CHECK(R({"STRLEN", "myinteger"}) == "4");
}

TEST_CASE_FIXTURE(Fixture, "STRLEN against plain string") {
  CHECK(R({"SET", "mystring", "foozzz0123456789 baz"}) == "OK");
  CHECK(R({"STRLEN", "mystring"}) == "20");
}

TEST_CASE_FIXTURE(Fixture, "SETRANGE against non-existing key") {
  CHECK(R({"SETRANGE", "mykey", "0", "foo"}) == "3");
  CHECK(R({"GET", "mykey"}) == "foo");
  CHECK(R({"DEL", "mykey"}) == "1");
  CHECK(R({"SETRANGE", "mykey", "0", ""}) == "0");
  CHECK(R({"EXISTS", "mykey"}) == "0");
  CHECK(R({"SETRANGE", "mykey", "1", "foo"}) == "4");
  CHECK(R({"GET", "mykey"}) == std::string("\0foo", 4));
}

TEST_CASE_FIXTURE(Fixture, "SETRANGE against string-encoded key") {
  CHECK(R({"SET", "mykey", "foo"}) == "OK");
  CHECK(R({"SETRANGE", "mykey", "0", "b"}) == "3");
  CHECK(R({"GET", "mykey"}) == "boo");
  CHECK(R({"SETRANGE", "mykey", "0", ""}) == "3");
  CHECK(R({"GET", "mykey"}) == "boo");
  CHECK(R({"SETRANGE", "mykey", "1", "b"}) == "3");
  CHECK(R({"GET", "mykey"}) == "bbo");
  CHECK(R({"SETRANGE", "mykey", "4", "bar"}) == "7");
  CHECK(R({"GET", "mykey"}) == std::string("bbo\0bar", 7));
}

TEST_CASE_FIXTURE(Fixture, "SETRANGE against integer-encoded key") {
  CHECK(R({"SET", "mykey", "1234"}) == "OK");
  CHECK(R({"OBJECT", "ENCODING", "mykey"}) == "int");
  CHECK(R({"SETRANGE", "mykey", "0", "2"}) == "4");
  CHECK(R({"GET", "mykey"}) == "2234");
  CHECK(R({"SETRANGE", "mykey", "0", ""}) == "4");
  CHECK(R({"GET", "mykey"}) == "2234");
  CHECK(R({"SETRANGE", "mykey", "1", "3"}) == "4");
  CHECK(R({"GET", "mykey"}) == "2334");
  CHECK(R({"SETRANGE", "mykey", "5", "2"}) == "6");
  CHECK(R({"GET", "mykey"}) == std::string("2334\0" "2", 6));
}

TEST_CASE_FIXTURE(Fixture, "SETRANGE with out of range offset") {
  CHECK(R({"SETRANGE", "mykey", "0", "foo"}) == "3");
  CHECK(R({"SETRANGE", "mykey", "-1", "world"}) == "ERR offset is out of range");
  CHECK(R({"SETRANGE", "mykey", "abc", "world"}) == kNotInteger);
  CHECK(R({"SETRANGE", "mykey", "536870911", "world"}) ==
        "ERR string exceeds maximum allowed size (proto-max-bulk-len)");
  CHECK(R({"SETRANGE", "mykey", "536870911", ""}) == "3");  // an empty patch never grows
  CHECK(R({"SETRANGE", "other", "536870912", ""}) == "0");
  CHECK(R({"GET", "mykey"}) == "foo");
}

TEST_CASE_FIXTURE(Fixture, "GETRANGE against non-existing key") {
  CHECK(R({"GETRANGE", "mykey", "0", "-1"}) == "");
}

TEST_CASE_FIXTURE(Fixture, "GETRANGE against string value") {
  CHECK(R({"SET", "mykey", "Hello World"}) == "OK");
  CHECK(R({"GETRANGE", "mykey", "0", "3"}) == "Hell");
  CHECK(R({"GETRANGE", "mykey", "0", "-1"}) == "Hello World");
  CHECK(R({"GETRANGE", "mykey", "-4", "-1"}) == "orld");
  CHECK(R({"GETRANGE", "mykey", "5", "3"}) == "");
  CHECK(R({"GETRANGE", "mykey", "5", "5000"}) == " World");
  CHECK(R({"GETRANGE", "mykey", "-5000", "10000"}) == "Hello World");
  CHECK(R({"GETRANGE", "mykey", "-1", "-5"}) == "");
  CHECK(R({"GETRANGE", "mykey", "100", "200"}) == "");
  CHECK(R({"GETRANGE", "mykey", "0", "-100"}) == "H");  // end clamps to 0
  CHECK(R({"GETRANGE", "mykey", "a", "1"}) == kNotInteger);
  CHECK(R({"GETRANGE", "mykey", "0", "1.5"}) == kNotInteger);
}

TEST_CASE_FIXTURE(Fixture, "GETRANGE against integer-encoded value") {
  CHECK(R({"SET", "mykey", "1234"}) == "OK");
  CHECK(R({"GETRANGE", "mykey", "0", "2"}) == "123");
  CHECK(R({"GETRANGE", "mykey", "0", "-1"}) == "1234");
  CHECK(R({"GETRANGE", "mykey", "-3", "-1"}) == "234");
  CHECK(R({"GETRANGE", "mykey", "5", "3"}) == "");
  CHECK(R({"GETRANGE", "mykey", "3", "5000"}) == "4");
  CHECK(R({"GETRANGE", "mykey", "-5000", "10000"}) == "1234");
}

TEST_CASE_FIXTURE(Fixture, "GETRANGE fuzzing") {
  const std::string v = "abcdefghij";
  CHECK(R({"SET", "bin", v}) == "OK");
  for (int start = -12; start <= 12; ++start) {
    for (int end = -12; end <= 12; ++end) {
      // Redis's rules, written out independently.
      int64_t s = start, e = end, len = static_cast<int64_t>(v.size());
      std::string expect;
      if (!(s < 0 && e < 0 && s > e)) {
        if (s < 0) s = std::max<int64_t>(len + s, 0);
        if (e < 0) e = std::max<int64_t>(len + e, 0);
        if (e >= len) e = len - 1;
        if (s <= e) expect = v.substr(s, e - s + 1);
      }
      CAPTURE(start);
      CAPTURE(end);
      CHECK(R({"GETRANGE", "bin", std::to_string(start), std::to_string(end)}) == expect);
    }
  }
}

TEST_CASE_FIXTURE(Fixture, "Coverage: SUBSTR") {
  CHECK(R({"SET", "key", "abcde"}) == "OK");
  CHECK(R({"SUBSTR", "key", "0", "0"}) == "a");
  CHECK(R({"SUBSTR", "key", "0", "3"}) == "abcd");
  CHECK(R({"SUBSTR", "key", "-4", "-1"}) == "bcde");
  CHECK(R({"SUBSTR", "key", "-1", "-3"}) == "");
  CHECK(R({"SUBSTR", "key", "7", "8"}) == "");
  CHECK(R({"SUBSTR", "nokey", "0", "1"}) == "");
}

TEST_CASE_FIXTURE(Fixture, "LCS basic") {
  CHECK(R({"SET", "virus1", "ohmytext"}) == "OK");
  CHECK(R({"SET", "virus2", "mynewtext"}) == "OK");
  CHECK(R({"LCS", "virus1", "virus2"}) == "mytext");
  CHECK(R({"LCS", "virus1", "nokey"}) == "");
  CHECK(R({"LCS", "nokey", "nokey2", "LEN"}) == "0");
}

TEST_CASE_FIXTURE(Fixture, "LCS len") {
  CHECK(R({"SET", "virus1", "ohmytext"}) == "OK");
  CHECK(R({"SET", "virus2", "mynewtext"}) == "OK");
  CHECK(R({"LCS", "virus1", "virus2", "LEN"}) == "6");
}

TEST_CASE_FIXTURE(Fixture, "LCS indexes") {
  CHECK(R({"SET", "virus1", "ohmytext"}) == "OK");
  CHECK(R({"SET", "virus2", "mynewtext"}) == "OK");
  CHECK(R({"LCS", "virus1", "virus2", "IDX"}) == "[matches,[[[4,7],[5,8]],[[2,3],[0,1]]],len,6]");
}

TEST_CASE_FIXTURE(Fixture, "LCS indexes with match len") {
  CHECK(R({"SET", "virus1", "ohmytext"}) == "OK");
  CHECK(R({"SET", "virus2", "mynewtext"}) == "OK");
  CHECK(R({"LCS", "virus1", "virus2", "IDX", "WITHMATCHLEN"}) ==
        "[matches,[[[4,7],[5,8],4],[[2,3],[0,1],2]],len,6]");
}

TEST_CASE_FIXTURE(Fixture, "LCS indexes with match len and minimum match len") {
  CHECK(R({"SET", "virus1", "ohmytext"}) == "OK");
  CHECK(R({"SET", "virus2", "mynewtext"}) == "OK");
  CHECK(R({"LCS", "virus1", "virus2", "IDX", "WITHMATCHLEN", "MINMATCHLEN", "5"}) ==
        "[matches,[],len,6]");
  CHECK(R({"LCS", "virus1", "virus2", "IDX", "MINMATCHLEN", "3"}) ==
        "[matches,[[[4,7],[5,8]]],len,6]");
  CHECK(R({"LCS", "virus1", "virus2", "IDX", "MINMATCHLEN", "-5"}) ==
        "[matches,[[[4,7],[5,8]],[[2,3],[0,1]]],len,6]");
}

TEST_CASE_FIXTURE(Fixture, "LCS option errors") {
  CHECK(R({"SET", "a", "rosettacode"}) == "OK");
  CHECK(R({"SET", "b", "raisethysword"}) == "OK");
  CHECK(R({"LCS", "a", "b"}) == "rsetod");
  CHECK(R({"LCS", "a", "b", "LEN", "IDX"}) ==
        "ERR If you want both the length and indexes, please just use IDX.");
  CHECK(R({"LCS", "a", "b", "FOO"}) == kSyntax);
  CHECK(R({"LCS", "a", "b", "MINMATCHLEN"}) == kSyntax);
  CHECK(R({"LCS", "a", "b", "MINMATCHLEN", "x"}) == kNotInteger);
  // WITHMATCHLEN and MINMATCHLEN only shape IDX's reply.
  CHECK(R({"LCS", "a", "b", "LEN", "WITHMATCHLEN"}) == "6");
  CHECK(R({"LCS", "a", "b", "MINMATCHLEN", "2"}) == "rsetod");
}

TEST_CASE_FIXTURE(Fixture, "LCS of binary values") {
  CHECK(R({"SET", "a", std::string("x\0y\0z", 5)}) == "OK");
  CHECK(R({"SET", "b", std::string("\0y\0", 3)}) == "OK");
  CHECK(R({"LCS", "a", "b"}) == std::string("\0y\0", 3));
  CHECK(R({"LCS", "a", "b", "IDX"}) == "[matches,[[[1,3],[0,2]]],len,3]");
}

TEST_CASE_FIXTURE(Fixture, "OBJECT ENCODING of strings") {
  CHECK(R({"SET", "i", "12345"}) == "OK");
  CHECK(R({"OBJECT", "ENCODING", "i"}) == "int");
  CHECK(R({"SET", "i", "-9223372036854775808"}) == "OK");
  CHECK(R({"OBJECT", "ENCODING", "i"}) == "int");
  CHECK(R({"SET", "i", "12345678901234567890"}) == "OK");  // beyond 64 bits
  CHECK(R({"OBJECT", "ENCODING", "i"}) == "embstr");
  CHECK(R({"SET", "i", "012"}) == "OK");
  CHECK(R({"OBJECT", "ENCODING", "i"}) == "embstr");
  CHECK(R({"SET", "s", std::string(44, 'x')}) == "OK");
  CHECK(R({"OBJECT", "ENCODING", "s"}) == "embstr");
  CHECK(R({"SET", "s", std::string(45, 'x')}) == "OK");
  CHECK(R({"OBJECT", "ENCODING", "s"}) == "raw");
}

TEST_CASE_FIXTURE(Fixture, "String commands against a hash key answer WRONGTYPE; SET replaces it") {
  const std::string wrongtype = "WRONGTYPE Operation against a key holding the wrong kind of value";
  CHECK(R({"HSET", "h", "f", "v"}) == "1");
  for (const std::vector<std::string>& argv : std::vector<std::vector<std::string>>{
           {"GET", "h"}, {"GETEX", "h"}, {"GETDEL", "h"}, {"GETSET", "h", "x"},
           {"APPEND", "h", "x"}, {"STRLEN", "h"}, {"GETRANGE", "h", "0", "-1"},
           {"SETRANGE", "h", "0", "x"}, {"INCR", "h"}, {"DECRBY", "h", "2"},
           {"INCRBYFLOAT", "h", "1"}, {"SET", "h", "v", "GET"}}) {
    CAPTURE(argv[0]);
    CHECK(R(argv) == wrongtype);
  }
  CHECK(R({"MGET", "h", "nokey"}) == "[(nil),(nil)]");
  CHECK(R({"LCS", "h", "x"}) == "ERR The specified keys must contain string values");
  CHECK(R({"HGET", "h", "f"}) == "v");  // none of them touched it
  CHECK(R({"SET", "h", "s"}) == "OK");
  CHECK(R({"TYPE", "h"}) == "string");
  CHECK(R({"HGET", "h", "f"}) == wrongtype);
}

}  // TEST_SUITE
