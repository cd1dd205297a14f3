// Generic key commands against a real cairn-server, in Redis's words where Redis's own suite
// (tests/unit/keyspace.tcl, expire.tcl, scan.tcl) has the case. One server for the whole program;
// each test case starts from FLUSHALL.
#include <doctest/doctest.h>

#include <chrono>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "harness.h"

namespace {

using cairn::testing::Command;
using cairn::testing::ContextPtr;
using cairn::testing::ReplyPtr;
using cairn::testing::ServerProcess;

constexpr const char* kSyntax = "ERR syntax error";
constexpr const char* kNotInteger = "ERR value is not an integer or out of range";

ServerProcess& Server() { return cairn::testing::SharedServer(); }

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct Fixture {
  Fixture() : c(Server().Connect()) {
    REQUIRE(c != nullptr);
    REQUIRE(R({"FLUSHALL"}) == "OK");
  }
  std::string R(const std::vector<std::string>& argv) { return cairn::testing::Run(c.get(), argv); }
  int64_t I(const std::vector<std::string>& argv) { return std::stoll(R(argv)); }
  // An array reply of strings as a set (KEYS order is unspecified).
  std::set<std::string> Set(const std::vector<std::string>& argv) {
    ReplyPtr r = Command(c.get(), argv);
    REQUIRE(r != nullptr);
    REQUIRE(r->type == REDIS_REPLY_ARRAY);
    std::set<std::string> out;
    for (size_t i = 0; i < r->elements; ++i) out.emplace(r->element[i]->str, r->element[i]->len);
    return out;
  }
  // Polls (bounded) until `argv` replies `want`.
  bool WaitFor(const std::vector<std::string>& argv, const std::string& want, int timeout_ms = 2000) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (std::chrono::steady_clock::now() < deadline) {
      if (R(argv) == want) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }
  // One SCAN call: the next cursor and the keys of the page.
  std::string Scan(const std::vector<std::string>& argv, std::vector<std::string>* keys) {
    ReplyPtr r = Command(c.get(), argv);
    REQUIRE(r != nullptr);
    REQUIRE(r->type == REDIS_REPLY_ARRAY);
    REQUIRE(r->elements == 2);
    for (size_t i = 0; i < r->element[1]->elements; ++i) {
      keys->emplace_back(r->element[1]->element[i]->str, r->element[1]->element[i]->len);
    }
    return std::string(r->element[0]->str, r->element[0]->len);
  }
  // A full scan with extra options; every key returned (duplicates kept).
  std::vector<std::string> ScanAll(const std::vector<std::string>& options) {
    std::vector<std::string> keys;
    std::string cursor = "0";
    int calls = 0;
    do {
      std::vector<std::string> argv = {"SCAN", cursor};
      argv.insert(argv.end(), options.begin(), options.end());
      cursor = Scan(argv, &keys);
      REQUIRE(++calls < 100000);
    } while (cursor != "0");
    return keys;
  }
  ContextPtr c;
};

std::string Arity(const std::string& cmd) {
  return "ERR wrong number of arguments for '" + cmd + "' command";
}

}  // namespace

TEST_SUITE("keys") {

TEST_CASE_FIXTURE(Fixture, "DEL against a single item") {
  CHECK(R({"SET", "x", "foo"}) == "OK");
  CHECK(R({"DEL", "x"}) == "1");
  CHECK(R({"GET", "x"}) == "(nil)");
  CHECK(R({"DEL", "x"}) == "0");
}

TEST_CASE_FIXTURE(Fixture, "Vararg DEL") {
  CHECK(R({"MSET", "foo1", "a", "foo2", "b", "foo3", "c"}) == "OK");
  CHECK(R({"DEL", "foo1", "foo2", "foo3", "foo4", "foo1"}) == "3");
  CHECK(R({"MGET", "foo1", "foo2", "foo3"}) == "[(nil),(nil),(nil)]");
  CHECK(R({"MSET", "a", "1", "b", "2"}) == "OK");
  CHECK(R({"UNLINK", "a", "b", "c"}) == "2");
}

TEST_CASE_FIXTURE(Fixture, "Key commands against wrong arity") {
  for (const char* cmd : {"del", "unlink", "exists", "touch", "type", "keys", "ttl", "pttl",
                          "expiretime", "pexpiretime", "persist", "scan"}) {
    CAPTURE(cmd);
    CHECK(R({cmd}) == Arity(cmd));
  }
  for (const char* cmd : {"expire", "pexpire", "expireat", "pexpireat", "rename", "renamenx", "copy",
                          "move"}) {
    CAPTURE(cmd);
    CHECK(R({cmd, "k"}) == Arity(cmd));
  }
  CHECK(R({"RANDOMKEY", "x"}) == Arity("randomkey"));
  CHECK(R({"TYPE", "a", "b"}) == Arity("type"));
  CHECK(R({"RENAME", "a", "b", "c"}) == Arity("rename"));
  CHECK(R({"MOVE", "a", "1", "2"}) == Arity("move"));
  CHECK(R({"OBJECT"}) == Arity("object"));
  CHECK(R({"OBJECT", "ENCODING"}) == Arity("object|encoding"));
  CHECK(R({"OBJECT", "ENCODING", "a", "b"}) == Arity("object|encoding"));
}

TEST_CASE_FIXTURE(Fixture, "KEYS with pattern") {
  for (const char* k : {"key_x", "key_y", "key_z", "foo_a", "foo_b", "foo_c"}) {
    CHECK(R({"SET", k, "hello"}) == "OK");
  }
  CHECK(Set({"KEYS", "foo*"}) == std::set<std::string>{"foo_a", "foo_b", "foo_c"});
  CHECK(Set({"KEYS", "*"}).size() == 6);
  CHECK(Set({"KEYS", "key_[xy]"}) == std::set<std::string>{"key_x", "key_y"});
  CHECK(Set({"KEYS", "?oo_[^a]"}) == std::set<std::string>{"foo_b", "foo_c"});
  CHECK(R({"KEYS", "nomatch*"}) == "[]");
}

TEST_CASE_FIXTURE(Fixture, "Regression for pattern matching long nested loops") {
  CHECK(R({"SET", std::string(59, 'a'), "1"}) == "OK");
  std::string pattern;
  for (int i = 0; i < 43; ++i) pattern += "a*";
  pattern += "b";
  auto start = std::chrono::steady_clock::now();
  CHECK(R({"KEYS", pattern}) == "[]");
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(2));
}

TEST_CASE_FIXTURE(Fixture, "EXISTS") {
  CHECK(R({"SET", "newkey", "test"}) == "OK");
  CHECK(R({"EXISTS", "newkey"}) == "1");
  CHECK(R({"DEL", "newkey"}) == "1");
  CHECK(R({"EXISTS", "newkey"}) == "0");
  CHECK(R({"SET", "a", "1"}) == "OK");
  CHECK(R({"EXISTS", "a", "a", "nokey"}) == "2");  // each argument counts
}

TEST_CASE_FIXTURE(Fixture, "TOUCH returns the number of existing keys specified") {
  CHECK(R({"MSET", "key1", "1", "key2", "2"}) == "OK");
  CHECK(R({"TOUCH", "key0", "key1", "key2", "key3"}) == "2");
  CHECK(R({"TOUCH", "key1", "key1"}) == "2");
}

TEST_CASE_FIXTURE(Fixture, "Zero length value in key. SET/GET/EXISTS") {
  CHECK(R({"SET", "emptykey", ""}) == "OK");
  CHECK(R({"GET", "emptykey"}) == "");
  CHECK(R({"EXISTS", "emptykey"}) == "1");
  CHECK(R({"DEL", "emptykey"}) == "1");
  CHECK(R({"EXISTS", "emptykey"}) == "0");
}

TEST_CASE_FIXTURE(Fixture, "TYPE") {
  CHECK(R({"SET", "s", "v"}) == "OK");
  CHECK(R({"TYPE", "s"}) == "string");
  CHECK(R({"TYPE", "nokey"}) == "none");
}

TEST_CASE_FIXTURE(Fixture, "RENAME basic usage") {
  CHECK(R({"SET", "mykey", "hello"}) == "OK");
  CHECK(R({"RENAME", "mykey", "mykey1"}) == "OK");
  CHECK(R({"RENAME", "mykey1", "mykey2"}) == "OK");
  CHECK(R({"GET", "mykey2"}) == "hello");
  // RENAME source key should no longer exist
  CHECK(R({"EXISTS", "mykey", "mykey1"}) == "0");
}

TEST_CASE_FIXTURE(Fixture, "RENAME against already existing key") {
  CHECK(R({"SET", "mykey", "a"}) == "OK");
  CHECK(R({"SET", "mykey2", "b"}) == "OK");
  CHECK(R({"RENAME", "mykey2", "mykey"}) == "OK");
  CHECK(R({"GET", "mykey"}) == "b");
  CHECK(R({"EXISTS", "mykey2"}) == "0");
}

TEST_CASE_FIXTURE(Fixture, "RENAMENX basic usage") {
  CHECK(R({"SET", "mykey", "foobar"}) == "OK");
  CHECK(R({"RENAMENX", "mykey", "mykey2"}) == "1");
  CHECK(R({"GET", "mykey2"}) == "foobar");
  CHECK(R({"EXISTS", "mykey"}) == "0");
}

TEST_CASE_FIXTURE(Fixture, "RENAMENX against already existing key") {
  CHECK(R({"SET", "mykey", "foo"}) == "OK");
  CHECK(R({"SET", "mykey2", "bar"}) == "OK");
  CHECK(R({"RENAMENX", "mykey", "mykey2"}) == "0");
  // RENAMENX against already existing key (2)
  CHECK(R({"GET", "mykey"}) == "foo");
  CHECK(R({"GET", "mykey2"}) == "bar");
}

TEST_CASE_FIXTURE(Fixture, "RENAME against non existing source key") {
  CHECK(R({"RENAME", "nokey", "foobar"}) == "ERR no such key");
  CHECK(R({"RENAMENX", "nokey", "foobar"}) == "ERR no such key");
}

TEST_CASE_FIXTURE(Fixture, "RENAME where source and dest key are the same (existing)") {
  CHECK(R({"SET", "mykey", "foo"}) == "OK");
  CHECK(R({"RENAME", "mykey", "mykey"}) == "OK");
  CHECK(R({"GET", "mykey"}) == "foo");
}

TEST_CASE_FIXTURE(Fixture, "RENAMENX where source and dest key are the same (existing)") {
  CHECK(R({"SET", "mykey", "foo"}) == "OK");
  CHECK(R({"RENAMENX", "mykey", "mykey"}) == "0");
}

TEST_CASE_FIXTURE(Fixture, "RENAME where source and dest key are the same (non existing)") {
  CHECK(R({"RENAME", "mykey", "mykey"}) == "ERR no such key");
}

TEST_CASE_FIXTURE(Fixture, "RENAME with volatile key, should move the TTL as well") {
  CHECK(R({"SET", "mykey", "foo"}) == "OK");
  CHECK(R({"EXPIRE", "mykey", "100"}) == "1");
  CHECK(R({"RENAME", "mykey", "mykey2"}) == "OK");
  int64_t ttl = I({"TTL", "mykey2"});
  CHECK(ttl > 95);
  CHECK(ttl <= 100);
}

TEST_CASE_FIXTURE(Fixture, "RENAME with volatile key, should not inherit TTL of target key") {
  CHECK(R({"SET", "mykey", "a"}) == "OK");
  CHECK(R({"SET", "mykey2", "b"}) == "OK");
  CHECK(R({"EXPIRE", "mykey2", "100"}) == "1");
  CHECK(R({"RENAME", "mykey", "mykey2"}) == "OK");
  CHECK(R({"TTL", "mykey2"}) == "-1");
}

TEST_CASE_FIXTURE(Fixture, "COPY basic usage for string") {
  CHECK(R({"SET", "mykey{t}", "foobar"}) == "OK");
  CHECK(R({"COPY", "mykey{t}", "mynewkey{t}"}) == "1");
  CHECK(R({"GET", "mynewkey{t}"}) == "foobar");
  CHECK(R({"SELECT", "10"}) == "OK");
  CHECK(R({"GET", "mynewkey{t}"}) == "(nil)");
  CHECK(R({"SELECT", "0"}) == "OK");
  CHECK(R({"COPY", "mykey{t}", "mynewkey{t}", "DB", "10"}) == "1");
  CHECK(R({"SELECT", "10"}) == "OK");
  CHECK(R({"GET", "mynewkey{t}"}) == "foobar");
  CHECK(R({"SELECT", "0"}) == "OK");
}

TEST_CASE_FIXTURE(Fixture, "COPY for string does not replace an existing key without REPLACE option") {
  CHECK(R({"SET", "mykey2{t}", "hello"}) == "OK");
  CHECK(R({"SET", "mykey{t}", "foobar"}) == "OK");
  CHECK(R({"COPY", "mykey2{t}", "mykey{t}", "DB", "0"}) == "0");
  CHECK(R({"GET", "mykey{t}"}) == "foobar");
}

TEST_CASE_FIXTURE(Fixture, "COPY for string can replace an existing key with REPLACE option") {
  CHECK(R({"SET", "mykey2{t}", "hello"}) == "OK");
  CHECK(R({"SET", "mykey{t}", "foobar"}) == "OK");
  CHECK(R({"COPY", "mykey2{t}", "mykey{t}", "REPLACE"}) == "1");
  CHECK(R({"GET", "mykey{t}"}) == "hello");
}

TEST_CASE_FIXTURE(Fixture, "COPY for string ensures that copied data is independent of copying data") {
  CHECK(R({"SET", "mykey{t}", "foobar"}) == "OK");
  CHECK(R({"COPY", "mykey{t}", "mynewkey{t}"}) == "1");
  CHECK(R({"SET", "mynewkey{t}", "hoge"}) == "OK");
  CHECK(R({"GET", "mynewkey{t}"}) == "hoge");
  CHECK(R({"GET", "mykey{t}"}) == "foobar");
}

TEST_CASE_FIXTURE(Fixture, "COPY for string does not copy data to no-integer DB") {
  CHECK(R({"SET", "mykey{t}", "foobar"}) == "OK");
  CHECK(R({"COPY", "mykey{t}", "mynewkey{t}", "DB", "notanumber"}) == kNotInteger);
  CHECK(R({"COPY", "mykey{t}", "mynewkey{t}", "DB", "16"}) == "ERR DB index is out of range");
  CHECK(R({"COPY", "mykey{t}", "mynewkey{t}", "DB", "-1"}) == "ERR DB index is out of range");
  CHECK(R({"EXISTS", "mynewkey{t}"}) == "0");
}

TEST_CASE_FIXTURE(Fixture, "COPY syntax and same-object errors") {
  CHECK(R({"SET", "a", "1"}) == "OK");
  CHECK(R({"COPY", "a", "a"}) == "ERR source and destination objects are the same");
  CHECK(R({"COPY", "a", "a", "DB", "0"}) == "ERR source and destination objects are the same");
  CHECK(R({"COPY", "a", "a", "DB", "1"}) == "1");  // same name, other database
  CHECK(R({"COPY", "a", "b", "DB"}) == kSyntax);
  CHECK(R({"COPY", "a", "b", "FOO"}) == kSyntax);
  CHECK(R({"COPY", "nokey", "b"}) == "0");
  CHECK(R({"EXISTS", "b"}) == "0");
}

TEST_CASE_FIXTURE(Fixture, "COPY can copy key expire metadata as well") {
  CHECK(R({"SET", "mykey{t}", "foobar", "EX", "100"}) == "OK");
  CHECK(R({"COPY", "mykey{t}", "mynewkey{t}", "REPLACE"}) == "1");
  int64_t ttl = I({"TTL", "mynewkey{t}"});
  CHECK(ttl > 0);
  CHECK(ttl <= 100);
  CHECK(R({"GET", "mynewkey{t}"}) == "foobar");
}

TEST_CASE_FIXTURE(Fixture, "COPY does not create an expire if it does not exist") {
  CHECK(R({"SET", "mykey{t}", "foobar"}) == "OK");
  CHECK(R({"COPY", "mykey{t}", "mynewkey{t}"}) == "1");
  CHECK(R({"TTL", "mynewkey{t}"}) == "-1");
}

TEST_CASE_FIXTURE(Fixture, "MOVE basic usage") {
  CHECK(R({"SET", "mykey", "foobar"}) == "OK");
  CHECK(R({"MOVE", "mykey", "9"}) == "1");
  CHECK(R({"EXISTS", "mykey"}) == "0");
  CHECK(R({"DBSIZE"}) == "0");
  CHECK(R({"SELECT", "9"}) == "OK");
  CHECK(R({"GET", "mykey"}) == "foobar");
  CHECK(R({"DBSIZE"}) == "1");
  CHECK(R({"SELECT", "0"}) == "OK");
}

TEST_CASE_FIXTURE(Fixture, "MOVE against key existing in the target DB") {
  CHECK(R({"SET", "mykey", "hello"}) == "OK");
  CHECK(R({"SELECT", "9"}) == "OK");
  CHECK(R({"SET", "mykey", "there"}) == "OK");
  CHECK(R({"SELECT", "0"}) == "OK");
  CHECK(R({"MOVE", "mykey", "9"}) == "0");
  CHECK(R({"GET", "mykey"}) == "hello");
  CHECK(R({"MOVE", "nokey", "9"}) == "0");
}

TEST_CASE_FIXTURE(Fixture, "MOVE against non-integer DB (#1428)") {
  CHECK(R({"SET", "mykey", "hello"}) == "OK");
  CHECK(R({"MOVE", "mykey", "notanumber"}) == kNotInteger);
  CHECK(R({"MOVE", "mykey", "16"}) == "ERR DB index is out of range");
  CHECK(R({"MOVE", "mykey", "-1"}) == "ERR DB index is out of range");
  CHECK(R({"MOVE", "mykey", "0"}) == "ERR source and destination objects are the same");
  CHECK(R({"GET", "mykey"}) == "hello");
}

TEST_CASE_FIXTURE(Fixture, "MOVE can move key expire metadata as well") {
  CHECK(R({"SELECT", "9"}) == "OK");
  CHECK(R({"DEL", "mykey"}) == "0");
  CHECK(R({"SELECT", "0"}) == "OK");
  CHECK(R({"SET", "mykey", "foo", "EX", "100"}) == "OK");
  CHECK(R({"MOVE", "mykey", "9"}) == "1");
  CHECK(R({"TTL", "mykey"}) == "-2");
  CHECK(R({"SELECT", "9"}) == "OK");
  int64_t ttl = I({"TTL", "mykey"});
  CHECK(ttl > 0);
  CHECK(ttl <= 100);
  CHECK(R({"GET", "mykey"}) == "foo");
  CHECK(R({"SELECT", "0"}) == "OK");
}

TEST_CASE_FIXTURE(Fixture, "MOVE does not create an expire if it does not exist") {
  CHECK(R({"SET", "mykey", "foo"}) == "OK");
  CHECK(R({"MOVE", "mykey", "9"}) == "1");
  CHECK(R({"SELECT", "9"}) == "OK");
  CHECK(R({"TTL", "mykey"}) == "-1");
  CHECK(R({"SELECT", "0"}) == "OK");
}

TEST_CASE_FIXTURE(Fixture, "RANDOMKEY") {
  CHECK(R({"SET", "foo", "x"}) == "OK");
  CHECK(R({"SET", "bar", "y"}) == "OK");
  bool foo_seen = false, bar_seen = false;
  for (int i = 0; i < 200 && !(foo_seen && bar_seen); ++i) {
    std::string k = R({"RANDOMKEY"});
    CHECK((k == "foo" || k == "bar"));
    foo_seen |= k == "foo";
    bar_seen |= k == "bar";
  }
  CHECK(foo_seen);
  CHECK(bar_seen);
}

TEST_CASE_FIXTURE(Fixture, "RANDOMKEY against empty DB") { CHECK(R({"RANDOMKEY"}) == "(nil)"); }

TEST_CASE_FIXTURE(Fixture, "RANDOMKEY regression 1") {
  CHECK(R({"SET", "x", "10"}) == "OK");
  CHECK(R({"DEL", "x"}) == "1");
  CHECK(R({"RANDOMKEY"}) == "(nil)");
}

TEST_CASE_FIXTURE(Fixture, "RANDOMKEY skips expired keys") {
  CHECK(R({"SET", "gone", "x", "PX", "1"}) == "OK");
  CHECK(R({"SET", "here", "y"}) == "OK");
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  for (int i = 0; i < 20; ++i) CHECK(R({"RANDOMKEY"}) == "here");
}

TEST_CASE_FIXTURE(Fixture, "EXPIRE - set timeouts multiple times") {
  CHECK(R({"SET", "x", "foobar"}) == "OK");
  CHECK(R({"EXPIRE", "x", "5"}) == "1");
  int64_t ttl = I({"TTL", "x"});
  CHECK(R({"EXPIRE", "x", "10"}) == "1");
  CHECK(R({"TTL", "x"}) == "10");
  CHECK(R({"EXPIRE", "x", "2"}) == "1");
  CHECK(ttl >= 4);
  CHECK(ttl <= 5);
  // It should be still possible to read 'x'
  CHECK(R({"GET", "x"}) == "foobar");
}

TEST_CASE_FIXTURE(Fixture, "EXPIRE - After 2.1 seconds the key should no longer be here") {
  // The same check with a 100 ms PEXPIRE and a bounded poll instead of a 2.1 s sleep.
  CHECK(R({"SET", "x", "foobar"}) == "OK");
  CHECK(R({"PEXPIRE", "x", "100"}) == "1");
  CHECK(R({"GET", "x"}) == "foobar");
  CHECK(WaitFor({"GET", "x"}, "(nil)"));
  CHECK(R({"EXISTS", "x"}) == "0");
}

TEST_CASE_FIXTURE(Fixture, "EXPIRE - write on expire should work") {
  CHECK(R({"SET", "x", "foo"}) == "OK");
  CHECK(R({"EXPIRE", "x", "100"}) == "1");
  CHECK(R({"APPEND", "x", "bar"}) == "6");
  CHECK(R({"GET", "x"}) == "foobar");
}

TEST_CASE_FIXTURE(Fixture, "EXPIREAT - Check for EXPIRE alike behavior") {
  CHECK(R({"SET", "x", "foo"}) == "OK");
  CHECK(R({"EXPIREAT", "x", std::to_string(NowMs() / 1000 + 15)}) == "1");
  int64_t ttl = I({"TTL", "x"});
  CHECK(ttl >= 13);
  CHECK(ttl <= 16);
}

TEST_CASE_FIXTURE(Fixture, "EXPIRE precision is now the millisecond") {
  CHECK(R({"SET", "x", "somevalue"}) == "OK");
  CHECK(R({"PEXPIRE", "x", "100"}) == "1");
  std::string a = R({"GET", "x"});
  bool gone = WaitFor({"GET", "x"}, "(nil)", 1000);
  CHECK(a == "somevalue");
  CHECK(gone);
}

TEST_CASE_FIXTURE(Fixture, "PEXPIRE/PEXPIREAT can set sub-second expires") {
  CHECK(R({"SET", "x", "somevalue"}) == "OK");
  CHECK(R({"PEXPIREAT", "x", std::to_string(NowMs() + 100)}) == "1");
  CHECK(R({"GET", "x"}) == "somevalue");
  CHECK(WaitFor({"GET", "x"}, "(nil)"));
}

TEST_CASE_FIXTURE(Fixture, "TTL returns time to live in seconds") {
  CHECK(R({"SET", "x", "somevalue"}) == "OK");
  CHECK(R({"EXPIRE", "x", "10"}) == "1");
  int64_t ttl = I({"TTL", "x"});
  CHECK(ttl > 8);
  CHECK(ttl <= 10);
}

TEST_CASE_FIXTURE(Fixture, "PTTL returns time to live in milliseconds") {
  CHECK(R({"SET", "x", "somevalue"}) == "OK");
  CHECK(R({"EXPIRE", "x", "1"}) == "1");
  int64_t pttl = I({"PTTL", "x"});
  CHECK(pttl > 500);
  CHECK(pttl <= 1000);
}

TEST_CASE_FIXTURE(Fixture, "TTL / PTTL / EXPIRETIME / PEXPIRETIME return -1 if key has no expire") {
  CHECK(R({"SET", "x", "hello"}) == "OK");
  for (const char* cmd : {"TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME"}) CHECK(R({cmd, "x"}) == "-1");
}

TEST_CASE_FIXTURE(Fixture, "TTL / PTTL / EXPIRETIME / PEXPIRETIME return -2 if key does not exit") {
  for (const char* cmd : {"TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME"}) CHECK(R({cmd, "x"}) == "-2");
}

TEST_CASE_FIXTURE(Fixture, "EXPIRETIME returns absolute expiration time in seconds") {
  int64_t abs_expire = NowMs() / 1000 + 100;
  CHECK(R({"SET", "foo", "bar", "EXAT", std::to_string(abs_expire)}) == "OK");
  CHECK(I({"EXPIRETIME", "foo"}) == abs_expire);
}

TEST_CASE_FIXTURE(Fixture, "PEXPIRETIME returns absolute expiration time in milliseconds") {
  int64_t abs_expire = NowMs() + 100000;
  CHECK(R({"SET", "foo", "bar", "PXAT", std::to_string(abs_expire)}) == "OK");
  CHECK(I({"PEXPIRETIME", "foo"}) == abs_expire);
  CHECK(I({"EXPIRETIME", "foo"}) == (abs_expire + 500) / 1000);
}

TEST_CASE_FIXTURE(Fixture, "PERSIST can undo an EXPIRE") {
  CHECK(R({"SET", "x", "foo"}) == "OK");
  CHECK(R({"EXPIRE", "x", "50"}) == "1");
  CHECK(R({"TTL", "x"}) == "50");
  CHECK(R({"PERSIST", "x"}) == "1");
  CHECK(R({"TTL", "x"}) == "-1");
  CHECK(R({"GET", "x"}) == "foo");
}

TEST_CASE_FIXTURE(Fixture, "PERSIST returns 0 against non existing or non volatile keys") {
  CHECK(R({"SET", "x", "foo"}) == "OK");
  CHECK(R({"PERSIST", "foo"}) == "0");
  CHECK(R({"PERSIST", "nokeyatall"}) == "0");
}

TEST_CASE_FIXTURE(Fixture, "EXPIRE with NX option on a key with ttl") {
  CHECK(R({"SET", "foo", "bar", "EX", "100"}) == "OK");
  CHECK(R({"EXPIRE", "foo", "200", "NX"}) == "0");
  CHECK(R({"TTL", "foo"}) == "100");
}

TEST_CASE_FIXTURE(Fixture, "EXPIRE with NX option on a key without ttl") {
  CHECK(R({"SET", "foo", "bar"}) == "OK");
  CHECK(R({"EXPIRE", "foo", "200", "NX"}) == "1");
  CHECK(R({"TTL", "foo"}) == "200");
}

TEST_CASE_FIXTURE(Fixture, "EXPIRE with XX option on a key with ttl") {
  CHECK(R({"SET", "foo", "bar", "EX", "100"}) == "OK");
  CHECK(R({"EXPIRE", "foo", "200", "XX"}) == "1");
  CHECK(R({"TTL", "foo"}) == "200");
}

TEST_CASE_FIXTURE(Fixture, "EXPIRE with XX option on a key without ttl") {
  CHECK(R({"SET", "foo", "bar"}) == "OK");
  CHECK(R({"EXPIRE", "foo", "200", "XX"}) == "0");
  CHECK(R({"TTL", "foo"}) == "-1");
}

TEST_CASE_FIXTURE(Fixture, "EXPIRE with GT option on a key with lower ttl") {
  CHECK(R({"SET", "foo", "bar", "EX", "100"}) == "OK");
  CHECK(R({"EXPIRE", "foo", "200", "GT"}) == "1");
  CHECK(R({"TTL", "foo"}) == "200");
}

TEST_CASE_FIXTURE(Fixture, "EXPIRE with GT option on a key with higher ttl") {
  CHECK(R({"SET", "foo", "bar", "EX", "200"}) == "OK");
  CHECK(R({"EXPIRE", "foo", "100", "GT"}) == "0");
  CHECK(R({"TTL", "foo"}) == "200");
}

TEST_CASE_FIXTURE(Fixture, "EXPIRE with GT option on a key without ttl") {
  CHECK(R({"SET", "foo", "bar"}) == "OK");
  CHECK(R({"EXPIRE", "foo", "200", "GT"}) == "0");
  CHECK(R({"TTL", "foo"}) == "-1");
}

TEST_CASE_FIXTURE(Fixture, "EXPIRE with LT option on a key with higher ttl") {
  CHECK(R({"SET", "foo", "bar", "EX", "100"}) == "OK");
  CHECK(R({"EXPIRE", "foo", "200", "LT"}) == "0");
  CHECK(R({"TTL", "foo"}) == "100");
}

TEST_CASE_FIXTURE(Fixture, "EXPIRE with LT option on a key with lower ttl") {
  CHECK(R({"SET", "foo", "bar", "EX", "100"}) == "OK");
  CHECK(R({"EXPIRE", "foo", "50", "LT"}) == "1");
  CHECK(R({"TTL", "foo"}) == "50");
}

TEST_CASE_FIXTURE(Fixture, "EXPIRE with LT option on a key without ttl") {
  CHECK(R({"SET", "foo", "bar"}) == "OK");
  CHECK(R({"EXPIRE", "foo", "100", "LT"}) == "1");
  CHECK(R({"TTL", "foo"}) == "100");
}

TEST_CASE_FIXTURE(Fixture, "EXPIRE with LT and XX option on a key with ttl") {
  CHECK(R({"SET", "foo", "bar", "EX", "200"}) == "OK");
  CHECK(R({"EXPIRE", "foo", "100", "LT", "XX"}) == "1");
  CHECK(R({"TTL", "foo"}) == "100");
}

TEST_CASE_FIXTURE(Fixture, "EXPIRE with LT and XX option on a key without ttl") {
  CHECK(R({"SET", "foo", "bar"}) == "OK");
  CHECK(R({"EXPIRE", "foo", "200", "LT", "XX"}) == "0");
  CHECK(R({"TTL", "foo"}) == "-1");
}

TEST_CASE_FIXTURE(Fixture, "EXPIRE with GT and XX option on a key with ttl") {
  CHECK(R({"SET", "foo", "bar", "EX", "100"}) == "OK");
  CHECK(R({"PEXPIRE", "foo", "200000", "xx", "gt"}) == "1");
  CHECK(R({"TTL", "foo"}) == "200");
}

TEST_CASE_FIXTURE(Fixture, "EXPIRE with conflicting options: LT GT") {
  CHECK(R({"SET", "foo", "bar"}) == "OK");
  CHECK(R({"EXPIRE", "foo", "200", "LT", "GT"}) ==
        "ERR GT and LT options at the same time are not compatible");
}

TEST_CASE_FIXTURE(Fixture, "EXPIRE with conflicting options: NX GT") {
  CHECK(R({"SET", "foo", "bar"}) == "OK");
  CHECK(R({"EXPIRE", "foo", "200", "NX", "GT"}) ==
        "ERR NX and XX, GT or LT options at the same time are not compatible");
}

TEST_CASE_FIXTURE(Fixture, "EXPIRE with conflicting options: NX LT") {
  CHECK(R({"SET", "foo", "bar"}) == "OK");
  CHECK(R({"EXPIRE", "foo", "200", "NX", "LT"}) ==
        "ERR NX and XX, GT or LT options at the same time are not compatible");
}

TEST_CASE_FIXTURE(Fixture, "EXPIRE with conflicting options: NX XX") {
  CHECK(R({"SET", "foo", "bar"}) == "OK");
  CHECK(R({"EXPIRE", "foo", "200", "NX", "XX"}) ==
        "ERR NX and XX, GT or LT options at the same time are not compatible");
  CHECK(R({"TTL", "foo"}) == "-1");
}

TEST_CASE_FIXTURE(Fixture, "EXPIRE with unsupported options") {
  CHECK(R({"SET", "foo", "bar"}) == "OK");
  CHECK(R({"EXPIRE", "foo", "200", "AB"}) == "ERR Unsupported option AB");
  CHECK(R({"EXPIRE", "foo", "200", "XX", "AB"}) == "ERR Unsupported option AB");
  // Options are checked before the time.
  CHECK(R({"EXPIRE", "foo", "abc", "AB"}) == "ERR Unsupported option AB");
  CHECK(R({"EXPIRE", "foo", "abc"}) == kNotInteger);
}

TEST_CASE_FIXTURE(Fixture, "EXPIRE with negative expiry") {
  CHECK(R({"SET", "foo", "bar", "EX", "100"}) == "OK");
  CHECK(R({"EXPIRE", "foo", "-10", "LT"}) == "1");
  CHECK(R({"TTL", "foo"}) == "-2");
}

TEST_CASE_FIXTURE(Fixture, "EXPIRE with negative expiry on a non-valitale key") {
  CHECK(R({"SET", "foo", "bar"}) == "OK");
  CHECK(R({"EXPIRE", "foo", "-10", "LT"}) == "1");
  CHECK(R({"TTL", "foo"}) == "-2");
}

TEST_CASE_FIXTURE(Fixture, "EXPIRE with a non-positive time deletes the key") {
  for (auto argv : std::vector<std::vector<std::string>>{{"EXPIRE", "foo", "0"},
                                                         {"PEXPIRE", "foo", "-1"},
                                                         {"EXPIREAT", "foo", "1"},
                                                         {"PEXPIREAT", "foo", "0"}}) {
    CAPTURE(argv[0]);
    CHECK(R({"SET", "foo", "bar"}) == "OK");
    CHECK(R(argv) == "1");
    CHECK(R({"EXISTS", "foo"}) == "0");
  }
}

TEST_CASE_FIXTURE(Fixture, "EXPIRE with non-existed key") {
  CHECK(R({"EXPIRE", "none", "100", "NX"}) == "0");
  CHECK(R({"EXPIRE", "none", "100", "XX"}) == "0");
  CHECK(R({"EXPIRE", "none", "100", "GT"}) == "0");
  CHECK(R({"EXPIRE", "none", "100", "LT"}) == "0");
  CHECK(R({"EXPIRE", "none", "100"}) == "0");
  CHECK(R({"PEXPIREAT", "none", "1"}) == "0");
}

TEST_CASE_FIXTURE(Fixture, "EXPIRE with big integer overflows when converted to milliseconds") {
  CHECK(R({"SET", "foo", "bar"}) == "OK");
  for (const char* v : {"9223370399119966", "9223372036854776", "10000000000000000",
                        "18446744073709561"}) {
    CAPTURE(v);
    CHECK(R({"EXPIRE", "foo", v}) == "ERR invalid expire time in 'expire' command");
  }
  CHECK(R({"EXPIRE", "foo", "99999999999999999999"}) == kNotInteger);
  CHECK(R({"TTL", "foo"}) == "-1");
}

TEST_CASE_FIXTURE(Fixture, "PEXPIRE with big integer overflow when basetime is added") {
  CHECK(R({"SET", "foo", "bar"}) == "OK");
  CHECK(R({"PEXPIRE", "foo", "9223372036854770000"}) ==
        "ERR invalid expire time in 'pexpire' command");
  CHECK(R({"TTL", "foo"}) == "-1");
}

TEST_CASE_FIXTURE(Fixture, "EXPIRE with big negative integer") {
  CHECK(R({"SET", "foo", "bar"}) == "OK");
  CHECK(R({"EXPIRE", "foo", "-9223372036854775808"}) ==
        "ERR invalid expire time in 'expire' command");
  CHECK(R({"EXPIRE", "foo", "-9999999999999999"}) == "ERR invalid expire time in 'expire' command");
  CHECK(R({"TTL", "foo"}) == "-1");
}

TEST_CASE_FIXTURE(Fixture, "PEXPIREAT with big integer works") {
  CHECK(R({"SET", "foo", "bar"}) == "OK");
  CHECK(R({"PEXPIREAT", "foo", "9223372036854770000"}) == "1");
  CHECK(R({"PEXPIRETIME", "foo"}) == "9223372036854770000");
}

TEST_CASE_FIXTURE(Fixture, "PEXPIREAT with big negative integer works") {
  CHECK(R({"SET", "foo", "bar"}) == "OK");
  CHECK(R({"PEXPIREAT", "foo", "-9223372036854770000"}) == "1");
  CHECK(R({"TTL", "foo"}) == "-2");
  CHECK(R({"SET", "foo", "bar"}) == "OK");
  CHECK(R({"PEXPIRE", "foo", "-9223372036854770000"}) == "1");
  CHECK(R({"TTL", "foo"}) == "-2");
}

TEST_CASE_FIXTURE(Fixture, "GETEX use of PERSIST option should remove TTL") {
  CHECK(R({"SET", "foo", "bar", "EX", "100"}) == "OK");
  CHECK(R({"GETEX", "foo", "PERSIST"}) == "bar");
  CHECK(R({"TTL", "foo"}) == "-1");
}

TEST_CASE_FIXTURE(Fixture, "OBJECT ENCODING, REFCOUNT, IDLETIME, FREQ and HELP") {
  CHECK(R({"SET", "i", "123"}) == "OK");
  CHECK(R({"SET", "s", "hello"}) == "OK");
  CHECK(R({"SET", "r", std::string(100, 'r')}) == "OK");
  CHECK(R({"OBJECT", "ENCODING", "i"}) == "int");
  CHECK(R({"OBJECT", "encoding", "s"}) == "embstr");
  CHECK(R({"OBJECT", "ENCODING", "r"}) == "raw");
  CHECK(R({"OBJECT", "ENCODING", "nokey"}) == "(nil)");
  CHECK(R({"OBJECT", "REFCOUNT", "s"}) == "1");
  CHECK(R({"OBJECT", "REFCOUNT", "i"}) == "2147483647");  // shared integer
  CHECK(R({"OBJECT", "REFCOUNT", "nokey"}) == "(nil)");
  CHECK(R({"OBJECT", "IDLETIME", "s"}) == "0");
  CHECK(R({"OBJECT", "IDLETIME", "nokey"}) == "(nil)");
  CHECK(R({"OBJECT", "FREQ", "s"}) ==
        "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note "
        "that when switching between policies at runtime LRU and LFU data will take some time to "
        "adjust.");
  CHECK(R({"OBJECT", "FOO", "s"}) == "ERR unknown subcommand 'FOO'. Try OBJECT HELP.");
  std::string help = R({"OBJECT", "HELP"});
  CHECK(help.find("OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:") != std::string::npos);
  CHECK(help.find("REFCOUNT <key>") != std::string::npos);
}

TEST_CASE_FIXTURE(Fixture, "OBJECT FREQ and IDLETIME follow the maxmemory policy") {
  CHECK(R({"SET", "s", "hello"}) == "OK");
  std::string policy = R({"CONFIG", "GET", "maxmemory-policy"});
  REQUIRE(R({"CONFIG", "SET", "maxmemory-policy", "allkeys-lfu"}) == "OK");
  CHECK(R({"OBJECT", "FREQ", "s"}) == "0");
  CHECK(R({"OBJECT", "IDLETIME", "s"}) ==
        "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when "
        "switching between policies at runtime LRU and LFU data will take some time to adjust.");
  CHECK(R({"CONFIG", "SET", "maxmemory-policy", "noeviction"}) == "OK");
}

TEST_CASE_FIXTURE(Fixture, "COMMAND GETKEYS knows the key positions") {
  CHECK(R({"COMMAND", "GETKEYS", "MSET", "a", "1", "b", "2"}) == "[a,b]");
  CHECK(R({"COMMAND", "GETKEYS", "MSETNX", "a", "1", "b", "2"}) == "[a,b]");
  CHECK(R({"COMMAND", "GETKEYS", "MGET", "a", "b", "c"}) == "[a,b,c]");
  CHECK(R({"COMMAND", "GETKEYS", "RENAME", "a", "b"}) == "[a,b]");
  CHECK(R({"COMMAND", "GETKEYS", "COPY", "a", "b", "DB", "1", "REPLACE"}) == "[a,b]");
  CHECK(R({"COMMAND", "GETKEYS", "LCS", "a", "b", "IDX"}) == "[a,b]");
  CHECK(R({"COMMAND", "GETKEYS", "MOVE", "a", "1"}) == "[a]");
  CHECK(R({"COMMAND", "GETKEYS", "SETEX", "a", "1", "v"}) == "[a]");
  CHECK(R({"COMMAND", "GETKEYS", "EXPIRE", "a", "1", "NX"}) == "[a]");
  CHECK(R({"COMMAND", "GETKEYS", "OBJECT", "ENCODING", "a"}) == "[a]");
  CHECK(R({"COMMAND", "GETKEYS", "TOUCH", "a", "b"}) == "[a,b]");
}

TEST_CASE_FIXTURE(Fixture, "SCAN basic") {
  for (int i = 0; i < 1000; ++i) REQUIRE(R({"SET", "key:" + std::to_string(i), "v"}) == "OK");
  std::vector<std::string> keys = ScanAll({});
  std::set<std::string> unique(keys.begin(), keys.end());
  CHECK(unique.size() == 1000);
  CHECK(keys.size() == 1000);
}

TEST_CASE_FIXTURE(Fixture, "SCAN COUNT") {
  for (int i = 0; i < 1000; ++i) REQUIRE(R({"SET", "key:" + std::to_string(i), "v"}) == "OK");
  for (int count : {1, 5, 100, 5000}) {
    CAPTURE(count);
    std::vector<std::string> keys = ScanAll({"COUNT", std::to_string(count)});
    CHECK(std::set<std::string>(keys.begin(), keys.end()).size() == 1000);
  }
  std::vector<std::string> page;
  std::string cursor = Scan({"SCAN", "0", "COUNT", "5000"}, &page);
  CHECK(cursor == "0");
  CHECK(page.size() == 1000);
}

TEST_CASE_FIXTURE(Fixture, "SCAN MATCH") {
  for (int i = 0; i < 1000; ++i) REQUIRE(R({"SET", "key:" + std::to_string(i), "v"}) == "OK");
  std::vector<std::string> keys = ScanAll({"MATCH", "key:1??"});
  std::set<std::string> unique(keys.begin(), keys.end());
  CHECK(unique.size() == 100);
  for (const auto& k : unique) CHECK(k.rfind("key:1", 0) == 0);
  CHECK(ScanAll({"MATCH", "nomatch*", "COUNT", "100"}).empty());
}

TEST_CASE_FIXTURE(Fixture, "SCAN TYPE") {
  for (int i = 0; i < 100; ++i) REQUIRE(R({"SET", "s:" + std::to_string(i), "v"}) == "OK");
  std::vector<std::string> strings = ScanAll({"TYPE", "string"});
  CHECK(std::set<std::string>(strings.begin(), strings.end()).size() == 100);
  CHECK(ScanAll({"TYPE", "STRING", "COUNT", "7", "MATCH", "s:1*"}).size() == 11);
  // Redis 7 answers an unknown type name with nothing rather than an error.
  CHECK(ScanAll({"TYPE", "foo"}).empty());
}

TEST_CASE_FIXTURE(Fixture, "SCAN with expired keys") {
  for (int i = 0; i < 100; ++i) {
    REQUIRE(R({"SET", "keep:" + std::to_string(i), "v"}) == "OK");
    REQUIRE(R({"SET", "gone:" + std::to_string(i), "v", "PX", "1"}) == "OK");
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  for (const auto& options : std::vector<std::vector<std::string>>{
           {"COUNT", "10"}, {"COUNT", "10", "TYPE", "string"}}) {
    std::vector<std::string> keys = ScanAll(options);
    std::set<std::string> unique(keys.begin(), keys.end());
    CHECK(unique.size() == 100);
    for (const auto& k : unique) CHECK(k.rfind("keep:", 0) == 0);
  }
}

TEST_CASE_FIXTURE(Fixture, "SCAN guarantees check under write load") {
  // Every key present for the whole scan must come back, while other keys come and go between
  // calls.
  for (int i = 0; i < 500; ++i) REQUIRE(R({"SET", "stay:" + std::to_string(i), "v"}) == "OK");
  for (int i = 0; i < 500; ++i) REQUIRE(R({"SET", "tmp:" + std::to_string(i), "v"}) == "OK");
  std::set<std::string> seen;
  std::string cursor = "0";
  int step = 0;
  do {
    std::vector<std::string> page;
    cursor = Scan({"SCAN", cursor, "COUNT", "10"}, &page);
    seen.insert(page.begin(), page.end());
    // Between calls: delete some temporary keys, add new ones.
    for (int j = 0; j < 5; ++j) {
      R({"DEL", "tmp:" + std::to_string((step * 5 + j) % 500)});
      R({"SET", "new:" + std::to_string(step * 5 + j), "v"});
    }
    ++step;
    REQUIRE(step < 10000);
  } while (cursor != "0");
  for (int i = 0; i < 500; ++i) CHECK(seen.count("stay:" + std::to_string(i)) == 1);
}

TEST_CASE_FIXTURE(Fixture, "SCAN argument errors") {
  CHECK(R({"SCAN", "abc"}) == "ERR invalid cursor");
  CHECK(R({"SCAN", " 0"}) == "ERR invalid cursor");
  CHECK(R({"SCAN", "0", "COUNT", "0"}) == kSyntax);
  CHECK(R({"SCAN", "0", "COUNT", "abc"}) == kNotInteger);
  CHECK(R({"SCAN", "0", "COUNT"}) == kSyntax);
  CHECK(R({"SCAN", "0", "FOO", "bar"}) == kSyntax);
  CHECK(R({"SCAN", "0", "MATCH"}) == kSyntax);
}

}  // TEST_SUITE
