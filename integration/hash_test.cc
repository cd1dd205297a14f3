// The hash family on real server processes: every command through hiredis, RESP3 shapes at the
// byte level, Redis's error texts, the key commands on hash keys, durability across kill -9, and
// DEL of a large hash returning at once.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <set>
#include <thread>

#include "harness.h"

using namespace cairn::testing;

namespace {

using Clock = std::chrono::steady_clock;

ServerProcess& Server() { return SharedServer(); }

std::string R(const std::vector<std::string>& argv) { return RunShared(argv); }

// HSET key with n fields f<i> = v<i>, sent in HSETs of up to 1000 pairs, pipelined.
void FillHash(redisContext* c, const std::string& key, int n) {
  FillPipelined(c, "HSET", key, n, [](int i, std::vector<std::string>* args) {
    args->push_back("f" + std::to_string(i));
    args->push_back("v" + std::to_string(i));
  });
}

}  // namespace

TEST_CASE("every hash command, with hiredis") {
  R({"DEL", "h"});
  CHECK(R({"HSET", "h", "name", "cairn", "lang", "c++"}) == "2");
  CHECK(R({"HSET", "h", "name", "Cairn"}) == "0");
  CHECK(R({"HSETNX", "h", "name", "x"}) == "0");
  CHECK(R({"HSETNX", "h", "year", "2026"}) == "1");
  CHECK(R({"HMSET", "h", "n", "10", "f", "1.5"}) == "OK");
  CHECK(R({"HGET", "h", "name"}) == "Cairn");
  CHECK(R({"HGET", "h", "missing"}) == "(nil)");
  CHECK(R({"HMGET", "h", "name", "missing", "year"}) == "[Cairn,(nil),2026]");
  CHECK(R({"HLEN", "h"}) == "5");
  CHECK(R({"HEXISTS", "h", "lang"}) == "1");
  CHECK(R({"HEXISTS", "h", "nope"}) == "0");
  CHECK(R({"HSTRLEN", "h", "name"}) == "5");
  CHECK(R({"HINCRBY", "h", "n", "-15"}) == "-5");
  CHECK(R({"HINCRBYFLOAT", "h", "f", "2.25"}) == "3.75");
  CHECK(R({"HGETALL", "h"}) == "[f,3.75,lang,c++,n,-5,name,Cairn,year,2026]");
  CHECK(R({"HKEYS", "h"}) == "[f,lang,n,name,year]");
  CHECK(R({"HVALS", "h"}) == "[3.75,c++,-5,Cairn,2026]");
  const std::set<std::string> fields = {"f", "lang", "n", "name", "year"};
  CHECK(fields.count(R({"HRANDFIELD", "h"})) == 1);
  CHECK(R({"HRANDFIELD", "h", "9"}).size() == std::string("[f,lang,n,name,year]").size());
  CHECK(R({"HRANDFIELD", "h", "-1", "WITHVALUES"}).rfind("[", 0) == 0);
  CHECK(R({"HSCAN", "h", "0", "MATCH", "n*"}) == "[0,[n,-5,name,Cairn]]");
  CHECK(R({"HDEL", "h", "f", "lang", "nope"}) == "2");
  CHECK(R({"HLEN", "h"}) == "3");
  CHECK(R({"HDEL", "h", "n", "name", "year"}) == "3");
  CHECK(R({"EXISTS", "h"}) == "0");
}

TEST_CASE("RESP3: HGETALL is a map, HRANDFIELD WITHVALUES an array of pairs, HSCAN an array") {
  R({"DEL", "r3"});
  R({"HSET", "r3", "a", "1"});
  std::string r = RawExchange(Server().port(),
                              Multibulk({"HELLO", "3"}) + Multibulk({"HGETALL", "r3"}) +
                                  Multibulk({"HRANDFIELD", "r3", "-2", "WITHVALUES"}) +
                                  Multibulk({"HSCAN", "r3", "0"}) + Multibulk({"HGET", "r3", "zz"}) +
                                  Multibulk({"PING", "end"}),
                              100000, 1500);
  const std::string tail =
      "%1\r\n$1\r\na\r\n$1\r\n1\r\n"
      "*2\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n"
      "*2\r\n$1\r\n0\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n"
      "_\r\n"
      "$3\r\nend\r\n";
  REQUIRE(r.size() > tail.size());
  CHECK(r.substr(r.size() - tail.size()) == tail);
  // The same in RESP2: flat arrays, and a nil bulk.
  std::string r2 = RawExchange(Server().port(),
                               Multibulk({"HGETALL", "r3"}) +
                                   Multibulk({"HRANDFIELD", "r3", "-2", "WITHVALUES"}) +
                                   Multibulk({"HGET", "r3", "zz"}),
                               100000, 1500);
  CHECK(r2 == "*2\r\n$1\r\na\r\n$1\r\n1\r\n*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\na\r\n$1\r\n1\r\n$-1\r\n");
}

TEST_CASE("bad input answers Redis's error texts") {
  R({"DEL", "bad", "str"});
  R({"SET", "str", "v"});
  R({"HSET", "bad", "s", "abc", "max", "9223372036854775807", "min", "-9223372036854775808"});
  CHECK(R({"HSET", "bad", "a"}) == "ERR wrong number of arguments for 'hset' command");
  CHECK(R({"HSET", "bad", "a", "1", "b"}) == "ERR wrong number of arguments for 'hset' command");
  CHECK(R({"HGET", "bad"}) == "ERR wrong number of arguments for 'hget' command");
  CHECK(R({"HINCRBY", "bad", "x", "one"}) == "ERR value is not an integer or out of range");
  CHECK(R({"HINCRBY", "bad", "s", "1"}) == "ERR hash value is not an integer");
  CHECK(R({"HINCRBY", "bad", "max", "1"}) == "ERR increment or decrement would overflow");
  CHECK(R({"HINCRBY", "bad", "min", "-1"}) == "ERR increment or decrement would overflow");
  CHECK(R({"HINCRBYFLOAT", "bad", "x", "one"}) == "ERR value is not a valid float");
  CHECK(R({"HINCRBYFLOAT", "bad", "x", "nan"}) == "ERR value is not a valid float");
  CHECK(R({"HINCRBYFLOAT", "bad", "x", "inf"}) == "ERR value is NaN or Infinity");
  CHECK(R({"HINCRBYFLOAT", "bad", "x", "-inf"}) == "ERR value is NaN or Infinity");
  CHECK(R({"HINCRBYFLOAT", "bad", "s", "1"}) == "ERR hash value is not a float");
  CHECK(R({"HSET", "bad", "big", "1e4932"}) == "1");
  CHECK(R({"HINCRBYFLOAT", "bad", "big", "1e4932"}) ==
        "ERR increment would produce NaN or Infinity");
  CHECK(R({"HEXISTS", "bad", "x"}) == "0");  // no failed increment left a field behind
  CHECK(R({"HGET", "bad", "max"}) == "9223372036854775807");
  const std::string wrongtype = "WRONGTYPE Operation against a key holding the wrong kind of value";
  CHECK(R({"HSET", "str", "a", "1"}) == wrongtype);
  CHECK(R({"HGET", "str", "a"}) == wrongtype);
  CHECK(R({"HGETALL", "str"}) == wrongtype);
  CHECK(R({"HINCRBY", "str", "a", "1"}) == wrongtype);
  CHECK(R({"GET", "bad"}) == wrongtype);
  CHECK(R({"INCR", "bad"}) == wrongtype);
  CHECK(R({"APPEND", "bad", "x"}) == wrongtype);
  CHECK(R({"HSCAN", "bad", "nope"}) == "ERR invalid cursor");
  CHECK(R({"HRANDFIELD", "bad", "1", "NOPE"}) == "ERR syntax error");
}

TEST_CASE("key commands on hash keys: TYPE, EXISTS, EXPIRE family, PERSIST, SCAN TYPE, UNLINK") {
  R({"DEL", "kh", "ks"});
  R({"HSET", "kh", "a", "1"});
  R({"SET", "ks", "v"});
  CHECK(R({"TYPE", "kh"}) == "hash");
  CHECK(R({"EXISTS", "kh", "ks", "nope"}) == "2");
  CHECK(R({"EXPIRE", "kh", "100"}) == "1");
  CHECK(R({"TTL", "kh"}) == "100");
  CHECK(R({"HSET", "kh", "b", "2"}) == "1");
  CHECK(R({"TTL", "kh"}) == "100");
  CHECK(R({"PERSIST", "kh"}) == "1");
  CHECK(R({"TTL", "kh"}) == "-1");
  CHECK(R({"HGETALL", "kh"}) == "[a,1,b,2]");
  // SCAN TYPE hash finds it, and not the string.
  std::set<std::string> hashes;
  std::string cursor = "0";
  ContextPtr c = Server().Connect();
  do {
    ReplyPtr r = Command(c.get(), {"SCAN", cursor, "COUNT", "1000", "TYPE", "hash"});
    REQUIRE(r->type == REDIS_REPLY_ARRAY);
    cursor = r->element[0]->str;
    for (size_t i = 0; i < r->element[1]->elements; ++i) hashes.insert(r->element[1]->element[i]->str);
  } while (cursor != "0");
  CHECK(hashes.count("kh") == 1);
  CHECK(hashes.count("ks") == 0);
  // RENAME, COPY and MOVE take the fields along.
  R({"DEL", "kh2", "kh3"});
  R({"SELECT", "0"});
  CHECK(R({"EXPIRE", "kh", "500"}) == "1");
  CHECK(R({"RENAME", "kh", "kh2"}) == "OK");
  CHECK(R({"EXISTS", "kh"}) == "0");
  CHECK(R({"HGETALL", "kh2"}) == "[a,1,b,2]");
  CHECK(R({"TTL", "kh2"}) == "500");
  CHECK(R({"COPY", "kh2", "kh3"}) == "1");
  CHECK(R({"HSET", "kh3", "c", "3"}) == "1");
  CHECK(R({"HGETALL", "kh2"}) == "[a,1,b,2]");  // a copy, not a shared hash
  CHECK(R({"HGETALL", "kh3"}) == "[a,1,b,2,c,3]");
  CHECK(R({"RENAME", "kh3", "kh2"}) == "OK");  // over an existing hash: replaced whole
  CHECK(R({"HGETALL", "kh2"}) == "[a,1,b,2,c,3]");
  CHECK(R({"HLEN", "kh2"}) == "3");
  CHECK(R({"RENAME", "kh2", "kh"}) == "OK");
  CHECK(R({"UNLINK", "kh"}) == "1");
  CHECK(R({"HGETALL", "kh"}) == "[]");
  // A hash with a short expiry disappears: reads at once, DBSIZE once active expiry runs.
  CHECK(R({"HSET", "soon", "a", "1"}) == "1");
  CHECK(R({"PEXPIRE", "soon", "300"}) == "1");
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  CHECK(R({"HGET", "soon", "a"}) == "(nil)");
  CHECK(R({"HSET", "soon", "b", "2"}) == "1");  // a fresh hash, not the old one revived
  CHECK(R({"HGETALL", "soon"}) == "[b,2]");
}

TEST_CASE("OBJECT ENCODING follows hash-max-listpack-entries/-value, live through CONFIG SET") {
  R({"DEL", "enc"});
  CHECK(R({"CONFIG", "GET", "hash-max-listpack-*"}) ==
        "[hash-max-listpack-entries,512,hash-max-listpack-value,64]");
  R({"HSET", "enc", "a", "1", "b", "2", "c", "3"});
  CHECK(R({"OBJECT", "ENCODING", "enc"}) == "listpack");
  CHECK(R({"CONFIG", "SET", "hash-max-listpack-entries", "2"}) == "OK");
  CHECK(R({"OBJECT", "ENCODING", "enc"}) == "hashtable");
  CHECK(R({"CONFIG", "SET", "hash-max-listpack-entries", "512"}) == "OK");
  CHECK(R({"OBJECT", "ENCODING", "enc"}) == "listpack");
  R({"HSET", "enc", "d", std::string(65, 'x')});
  CHECK(R({"OBJECT", "ENCODING", "enc"}) == "hashtable");
  CHECK(R({"CONFIG", "SET", "hash-max-listpack-value", "nope"}).rfind("ERR", 0) == 0);
}

TEST_CASE("HSCAN of a large hash pages through every field with a cursor") {
  ContextPtr c = Server().Connect();
  Run(c.get(), {"DEL", "scanme"});
  FillHash(c.get(), "scanme", 5000);
  std::set<std::string> seen;
  std::string cursor = "0";
  int pages = 0;
  do {
    ReplyPtr r = Command(c.get(), {"HSCAN", "scanme", cursor, "COUNT", "100"});
    REQUIRE(r->type == REDIS_REPLY_ARRAY);
    cursor = r->element[0]->str;
    for (size_t i = 0; i < r->element[1]->elements; i += 2) seen.insert(r->element[1]->element[i]->str);
    ++pages;
    // A write between pages does not disturb the scan.
    Run(c.get(), {"HSET", "scanme", "extra" + std::to_string(pages), "x"});
  } while (cursor != "0" && pages < 10000);
  int originals = 0;
  for (const auto& f : seen) originals += f.rfind("f", 0) == 0 ? 1 : 0;
  CHECK(originals == 5000);
  CHECK(pages > 10);
}

TEST_CASE("DEL of a 200k-field hash returns at once; the name then holds a fresh hash") {
  ContextPtr c = Server().Connect();
  Run(c.get(), {"DEL", "huge"});
  FillHash(c.get(), "huge", 200000);
  CHECK(Run(c.get(), {"HLEN", "huge"}) == "200000");
  CHECK(Run(c.get(), {"HGET", "huge", "f123456"}) == "v123456");
  // One more field costs what it costs on a small hash: a few records, not the whole hash.
  auto t0 = Clock::now();
  CHECK(Run(c.get(), {"HSET", "huge", "one-more", "x"}) == "1");
  auto hset_ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
  t0 = Clock::now();
  CHECK(Run(c.get(), {"DEL", "huge"}) == "1");
  auto del_ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
  MESSAGE("HSET on 200k fields: " << hset_ms << " ms; DEL: " << del_ms << " ms");
  CHECK(hset_ms < 50 * ResourceScale());
  CHECK(del_ms < 50 * ResourceScale());
  CHECK(Run(c.get(), {"EXISTS", "huge"}) == "0");
  CHECK(Run(c.get(), {"HGET", "huge", "f123456"}) == "(nil)");
  CHECK(Run(c.get(), {"HSET", "huge", "new", "1"}) == "1");
  CHECK(Run(c.get(), {"HGETALL", "huge"}) == "[new,1]");
  // Once the deletion is in LevelDB (SAVE), GC removes the old fields, 1000 records per 100 ms
  // tick: for the next 2 s it is busy, and the server keeps answering promptly.
  CHECK(Run(c.get(), {"SAVE"}) == "OK");
  double worst_ms = 0;
  for (int i = 0; i < 200; ++i) {
    t0 = Clock::now();
    CHECK(Run(c.get(), {"PING"}) == "PONG");
    worst_ms = std::max(worst_ms,
                        std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  MESSAGE("slowest PING while GC collects 200k fields: " << worst_ms << " ms");
  CHECK(worst_ms < 50 * ResourceScale());
  Run(c.get(), {"DEL", "huge"});
}

TEST_CASE("a hash survives kill -9 and restart, from the log and from LevelDB") {
  std::string dir = MakeTempDir("cairn-hash-crash");
  ServerProcess srv({"--appendfsync", "always"}, dir);
  REQUIRE(srv.Start());
  {
    ContextPtr c = srv.Connect();
    FillHash(c.get(), "saved", 3000);
    REQUIRE(Run(c.get(), {"SAVE"}) == "OK");  // into LevelDB
    FillHash(c.get(), "logged", 3000);        // only in the log when the node dies
    REQUIRE(Run(c.get(), {"HDEL", "saved", "f1", "f2"}) == "2");
    REQUIRE(Run(c.get(), {"HINCRBY", "saved", "counter", "7"}) == "7");
  }
  srv.Kill();
  REQUIRE(srv.Start());
  ContextPtr c = srv.Connect();
  REQUIRE(WaitLoaded(c.get()));
  CHECK(Run(c.get(), {"HLEN", "saved"}) == "2999");
  CHECK(Run(c.get(), {"HLEN", "logged"}) == "3000");
  CHECK(Run(c.get(), {"HGET", "saved", "f2999"}) == "v2999");
  CHECK(Run(c.get(), {"HGET", "saved", "f1"}) == "(nil)");
  CHECK(Run(c.get(), {"HGET", "saved", "counter"}) == "7");
  CHECK(Run(c.get(), {"HGET", "logged", "f0"}) == "v0");
  ReplyPtr all = Command(c.get(), {"HGETALL", "logged"});
  REQUIRE(all->type == REDIS_REPLY_ARRAY);
  CHECK(all->elements == 6000);
  CHECK(Run(c.get(), {"TYPE", "logged"}) == "hash");
}

TEST_CASE("kill -9 while 50 clients HINCRBY loses no acknowledged increment") {
  std::string dir = MakeTempDir("cairn-hincr-crash");
  ServerProcess srv({"--appendfsync", "always"}, dir);
  const int64_t total = CheckIncrementsAcrossKill(
      srv, 50, 1500,
      [](int t) { return std::vector<std::string>{"HINCRBY", "counters", "c" + std::to_string(t), "1"}; },
      [](redisContext* c, int t) {
        std::string v = Run(c, {"HGET", "counters", "c" + std::to_string(t)});
        return v == "(nil)" ? int64_t{0} : std::stoll(v);
      });
  MESSAGE("acknowledged HINCRBYs before kill -9: " << total);
  CHECK(total > 0);
}
