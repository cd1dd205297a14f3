// The hash family through the real dispatcher on a MemoryKeyspace: replies byte for byte (RESP2
// and RESP3), Redis's error texts, and what the validators keep out of the log.
#include <doctest/doctest.h>

#include <set>

#include "dispatch_harness.h"

using namespace cairn;
using namespace cairn::commands;
using namespace cairn::commands::testing;

namespace {

std::string Bulk(const std::string& s) {
  return "$" + std::to_string(s.size()) + "\r\n" + s + "\r\n";
}

}  // namespace

TEST_CASE("HSET counts new fields, HGET and HMGET read them, HLEN counts them") {
  Node n;
  Session s;
  CHECK(n.Run(s, {"HSET", "h", "a", "1", "b", "2"}) == ":2\r\n");
  CHECK(n.Run(s, {"HSET", "h", "a", "10", "c", "3", "c", "4"}) == ":1\r\n");
  CHECK(n.Run(s, {"HGET", "h", "a"}) == "$2\r\n10\r\n");
  CHECK(n.Run(s, {"HGET", "h", "c"}) == "$1\r\n4\r\n");
  CHECK(n.Run(s, {"HGET", "h", "nope"}) == "$-1\r\n");
  CHECK(n.Run(s, {"HGET", "nokey", "a"}) == "$-1\r\n");
  CHECK(n.Run(s, {"HMGET", "h", "a", "x", "b"}) == "*3\r\n$2\r\n10\r\n$-1\r\n$1\r\n2\r\n");
  CHECK(n.Run(s, {"HMGET", "nokey", "a"}) == "*1\r\n$-1\r\n");
  CHECK(n.Run(s, {"HLEN", "h"}) == ":3\r\n");
  CHECK(n.Run(s, {"HLEN", "nokey"}) == ":0\r\n");
  CHECK(n.Run(s, {"HMSET", "h", "d", "5"}) == "+OK\r\n");
  CHECK(n.Run(s, {"HLEN", "h"}) == ":4\r\n");
  CHECK(n.Run(s, {"TYPE", "h"}) == "+hash\r\n");
}

TEST_CASE("HSETNX, HEXISTS, HSTRLEN") {
  Node n;
  Session s;
  CHECK(n.Run(s, {"HSETNX", "h", "a", "first"}) == ":1\r\n");
  CHECK(n.Run(s, {"HSETNX", "h", "a", "second"}) == ":0\r\n");
  CHECK(n.Run(s, {"HGET", "h", "a"}) == Bulk("first"));
  CHECK(n.Run(s, {"HEXISTS", "h", "a"}) == ":1\r\n");
  CHECK(n.Run(s, {"HEXISTS", "h", "b"}) == ":0\r\n");
  CHECK(n.Run(s, {"HEXISTS", "nokey", "a"}) == ":0\r\n");
  CHECK(n.Run(s, {"HSTRLEN", "h", "a"}) == ":5\r\n");
  CHECK(n.Run(s, {"HSTRLEN", "h", "b"}) == ":0\r\n");
}

TEST_CASE("HDEL removes fields and the key with its last field") {
  Node n;
  Session s;
  CHECK(n.Run(s, {"HSET", "h", "a", "1", "b", "2", "c", "3"}) == ":3\r\n");
  CHECK(n.Run(s, {"HDEL", "h", "a", "a", "zz"}) == ":1\r\n");
  CHECK(n.Run(s, {"HLEN", "h"}) == ":2\r\n");
  CHECK(n.Run(s, {"HDEL", "nokey", "a"}) == ":0\r\n");
  CHECK(n.Run(s, {"HDEL", "h", "b", "c"}) == ":2\r\n");
  CHECK(n.Run(s, {"EXISTS", "h"}) == ":0\r\n");
  CHECK(n.Run(s, {"TYPE", "h"}) == "+none\r\n");
}

TEST_CASE("HGETALL is a map in RESP3 and a flat array in RESP2; HKEYS and HVALS are arrays") {
  Node n;
  Session s;
  CHECK(n.Run(s, {"HSET", "h", "b", "2", "a", "1"}) == ":2\r\n");
  CHECK(n.Run(s, {"HGETALL", "h"}) == "*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n");
  CHECK(n.Run(s, {"HKEYS", "h"}) == "*2\r\n$1\r\na\r\n$1\r\nb\r\n");
  CHECK(n.Run(s, {"HVALS", "h"}) == "*2\r\n$1\r\n1\r\n$1\r\n2\r\n");
  CHECK(n.Run(s, {"HGETALL", "nokey"}) == "*0\r\n");
  s.protocol = 3;
  CHECK(n.Run(s, {"HGETALL", "h"}) == "%2\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n");
  CHECK(n.Run(s, {"HGETALL", "nokey"}) == "%0\r\n");
  CHECK(n.Run(s, {"HKEYS", "h"}) == "*2\r\n$1\r\na\r\n$1\r\nb\r\n");
}

TEST_CASE("HINCRBY: counts, a non-integer field, overflow past int64, a bad increment") {
  Node n;
  Session s;
  CHECK(n.Run(s, {"HINCRBY", "h", "n", "5"}) == ":5\r\n");
  CHECK(n.Run(s, {"HINCRBY", "h", "n", "-7"}) == ":-2\r\n");
  CHECK(n.Run(s, {"HSET", "h", "s", "abc", "big", "9223372036854775800"}) == ":2\r\n");
  CHECK(n.Run(s, {"HINCRBY", "h", "s", "1"}) == "-ERR hash value is not an integer\r\n");
  CHECK(n.Run(s, {"HINCRBY", "h", "big", "8"}) ==
        "-ERR increment or decrement would overflow\r\n");
  CHECK(n.Run(s, {"HGET", "h", "big"}) == Bulk("9223372036854775800"));
  CHECK(n.Run(s, {"HINCRBY", "h", "big", "7"}) == ":9223372036854775807\r\n");
  // A bad increment never reaches the log.
  std::vector<std::string> log;
  CHECK(n.Run(s, {"HINCRBY", "h", "n", "x"}, &log) ==
        "-ERR value is not an integer or out of range\r\n");
  CHECK(n.Run(s, {"HINCRBY", "h", "n", "1.5"}, &log) ==
        "-ERR value is not an integer or out of range\r\n");
  CHECK(log.empty());
}

TEST_CASE("HINCRBYFLOAT: formatting, a non-float field, NaN and infinity refused") {
  Node n;
  Session s;
  CHECK(n.Run(s, {"HINCRBYFLOAT", "h", "f", "10.5"}) == Bulk("10.5"));
  CHECK(n.Run(s, {"HINCRBYFLOAT", "h", "f", "0.1"}) == Bulk("10.6"));
  CHECK(n.Run(s, {"HINCRBYFLOAT", "h", "f", "-10.6"}) == Bulk("0"));
  CHECK(n.Run(s, {"HINCRBYFLOAT", "h", "f", "5.0e3"}) == Bulk("5000"));
  CHECK(n.Run(s, {"HSET", "h", "s", "abc", "huge", "1.1e4932"}) == ":2\r\n");
  CHECK(n.Run(s, {"HINCRBYFLOAT", "h", "s", "1"}) == "-ERR hash value is not a float\r\n");
  CHECK(n.Run(s, {"HINCRBYFLOAT", "h", "huge", "1.1e4932"}) ==
        "-ERR increment would produce NaN or Infinity\r\n");
  std::vector<std::string> log;
  CHECK(n.Run(s, {"HINCRBYFLOAT", "h", "f", "inf"}, &log) == "-ERR value is NaN or Infinity\r\n");
  CHECK(n.Run(s, {"HINCRBYFLOAT", "h", "f", "nan"}, &log) == "-ERR value is not a valid float\r\n");
  CHECK(n.Run(s, {"HINCRBYFLOAT", "h", "f", "x"}, &log) == "-ERR value is not a valid float\r\n");
  CHECK(log.empty());
  CHECK(n.Run(s, {"HGET", "h", "f"}) == Bulk("5000"));
}

TEST_CASE("wrong arity: odd field/value lists and short commands") {
  Node n;
  Session s;
  std::vector<std::string> log;
  CHECK(n.Run(s, {"HSET", "h", "a", "1", "b"}, &log) ==
        "-ERR wrong number of arguments for 'hset' command\r\n");
  CHECK(n.Run(s, {"HSET", "h", "a"}, &log) ==
        "-ERR wrong number of arguments for 'hset' command\r\n");
  CHECK(n.Run(s, {"HMSET", "h", "a", "1", "b"}, &log) ==
        "-ERR wrong number of arguments for 'hmset' command\r\n");
  CHECK(log.empty());
  for (const std::vector<std::string>& argv : std::vector<std::vector<std::string>>{
           {"HGET", "h"}, {"HSETNX", "h", "a"}, {"HDEL", "h"}, {"HLEN"}, {"HEXISTS", "h"},
           {"HINCRBY", "h", "a"}, {"HINCRBYFLOAT", "h", "a"}, {"HSTRLEN", "h"}, {"HGETALL"},
           {"HKEYS"}, {"HVALS"}, {"HMGET", "h"}, {"HRANDFIELD"}, {"HSCAN", "h"}}) {
    CAPTURE(argv[0]);
    CHECK(n.Run(s, argv) ==
          "-ERR wrong number of arguments for '" + ToLower(argv[0]) + "' command\r\n");
  }
}

TEST_CASE("WRONGTYPE both ways: hash commands on a string, string commands on a hash") {
  Node n;
  Session s;
  CHECK(n.Run(s, {"SET", "str", "v"}) == "+OK\r\n");
  CHECK(n.Run(s, {"HSET", "h", "a", "1"}) == ":1\r\n");
  for (const std::vector<std::string>& argv : std::vector<std::vector<std::string>>{
           {"HSET", "str", "a", "1"}, {"HSETNX", "str", "a", "1"}, {"HGET", "str", "a"},
           {"HMGET", "str", "a"}, {"HGETALL", "str"}, {"HDEL", "str", "a"}, {"HLEN", "str"},
           {"HEXISTS", "str", "a"}, {"HKEYS", "str"}, {"HVALS", "str"},
           {"HINCRBY", "str", "a", "1"}, {"HINCRBYFLOAT", "str", "a", "1"},
           {"HSTRLEN", "str", "a"}, {"HRANDFIELD", "str"}, {"HSCAN", "str", "0"},
           {"GET", "h"}, {"APPEND", "h", "x"}, {"INCR", "h"}, {"STRLEN", "h"}}) {
    CAPTURE(argv[0]);
    CHECK(n.Run(s, argv) == kWrongType);
  }
  CHECK(n.Run(s, {"GET", "str"}) == Bulk("v"));
  CHECK(n.Run(s, {"HGET", "h", "a"}) == Bulk("1"));
  // SET replaces a hash whole; a hash made again under the name starts empty.
  CHECK(n.Run(s, {"SET", "h", "now a string"}) == "+OK\r\n");
  CHECK(n.Run(s, {"HSET", "h", "b", "2"}) == kWrongType);
  CHECK(n.Run(s, {"DEL", "h"}) == ":1\r\n");
  CHECK(n.Run(s, {"HSET", "h", "b", "2"}) == ":1\r\n");
  CHECK(n.Run(s, {"HGETALL", "h"}) == "*2\r\n$1\r\nb\r\n$1\r\n2\r\n");
}

TEST_CASE("HRANDFIELD: one field, distinct counts, repeats, WITHVALUES shapes") {
  Node n;
  Session s;
  CHECK(n.Run(s, {"HRANDFIELD", "nokey"}) == "$-1\r\n");
  CHECK(n.Run(s, {"HRANDFIELD", "nokey", "3"}) == "*0\r\n");
  CHECK(n.Run(s, {"HSET", "h", "a", "1", "b", "2", "c", "3"}) == ":3\r\n");
  const std::set<std::string> fields = {Bulk("a"), Bulk("b"), Bulk("c")};
  CHECK(fields.count(n.Run(s, {"HRANDFIELD", "h"})) == 1);
  CHECK(n.Run(s, {"HRANDFIELD", "h", "0"}) == "*0\r\n");
  // A count at least the size: every field once.
  std::string all = n.Run(s, {"HRANDFIELD", "h", "10"});
  CHECK(all.rfind("*3\r\n", 0) == 0);
  for (const auto& f : fields) CHECK(all.find(f) != std::string::npos);
  // Two distinct fields.
  std::string two = n.Run(s, {"HRANDFIELD", "h", "2"});
  REQUIRE(two.rfind("*2\r\n", 0) == 0);
  CHECK(two.substr(4, 7) != two.substr(11, 7));
  // Negative: exactly that many, repeats allowed (20 picks of 3 fields must repeat).
  std::string many = n.Run(s, {"HRANDFIELD", "h", "-20"});
  CHECK(many.rfind("*20\r\n", 0) == 0);
  CHECK(n.Run(s, {"HRANDFIELD", "h", "-2", "WITHVALUES"}).rfind("*4\r\n", 0) == 0);
  s.protocol = 3;
  std::string pairs = n.Run(s, {"HRANDFIELD", "h", "-2", "WITHVALUES"});
  CHECK(pairs.rfind("*2\r\n*2\r\n$1\r\n", 0) == 0);
  CHECK(n.Run(s, {"HRANDFIELD", "h", "5", "WITHVALUES"}).rfind("*3\r\n*2\r\n", 0) == 0);
  CHECK(n.Run(s, {"HRANDFIELD", "h", "1", "WITHSCORES"}) == "-ERR syntax error\r\n");
  CHECK(n.Run(s, {"HRANDFIELD", "h", "x"}) == "-ERR value is not an integer or out of range\r\n");
  CHECK(n.Run(s, {"HRANDFIELD", "h", "-9223372036854775808"}) ==
        "-ERR value is out of range, must be between -9223372036854775807 and "
        "9223372036854775807\r\n");
  CHECK(n.Run(s, {"HRANDFIELD", "h", "-9223372036854775807", "WITHVALUES"}) ==
        "-ERR value is out of range\r\n");
}

TEST_CASE("HSCAN: a small hash comes whole; a large one pages with a cursor to the end") {
  Node n;
  Session s;
  CHECK(n.Run(s, {"HSCAN", "nokey", "0"}) == "*2\r\n$1\r\n0\r\n*0\r\n");
  CHECK(n.Run(s, {"HSET", "h", "a", "1", "b", "2"}) == ":2\r\n");
  CHECK(n.Run(s, {"HSCAN", "h", "0", "COUNT", "1"}) ==
        "*2\r\n$1\r\n0\r\n*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n");
  CHECK(n.Run(s, {"HSCAN", "h", "0", "MATCH", "b*"}) ==
        "*2\r\n$1\r\n0\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n");
  CHECK(n.Run(s, {"HSCAN", "h", "x"}) == "-ERR invalid cursor\r\n");
  CHECK(n.Run(s, {"HSCAN", "h", "0", "COUNT", "0"}) == "-ERR syntax error\r\n");
  CHECK(n.Run(s, {"HSCAN", "h", "0", "COUNT", "x"}) ==
        "-ERR value is not an integer or out of range\r\n");
  CHECK(n.Run(s, {"HSCAN", "h", "0", "NOPE", "1"}) == "-ERR syntax error\r\n");
  // 600 fields: past listpack's 512 (Redis's default), so HSCAN pages.
  std::vector<std::string> hset = {"HSET", "big"};
  for (int i = 0; i < 600; ++i) {
    hset.push_back("field-" + std::to_string(i * 7919 % 1000));
    hset.push_back("v");
  }
  CHECK(n.Run(s, hset) == ":600\r\n");
  std::set<std::string> seen;
  std::string cursor = "0";
  int pages = 0;
  do {
    // "*2\r\n" "$<n>\r\n<cursor>\r\n" "*<2k>\r\n" then k pairs of bulk strings.
    std::vector<std::string> bulks = BulkStrings(n.Run(s, {"HSCAN", "big", cursor, "COUNT", "20"}));
    ++pages;
    REQUIRE(bulks.size() % 2 == 1);
    cursor = bulks[0];
    for (size_t i = 1; i < bulks.size(); i += 2) seen.insert(bulks[i]);
  } while (cursor != "0" && pages < 1000);
  CHECK(seen.size() == 600);
  CHECK(pages > 1);
  CHECK(pages < 600 / 20 * 4);
}

TEST_CASE("OBJECT ENCODING follows Redis's listpack thresholds, one way") {
  Node n;
  Session s;
  CHECK(n.Run(s, {"HSET", "h", "a", "1"}) == ":1\r\n");
  CHECK(n.Run(s, {"OBJECT", "ENCODING", "h"}) == Bulk("listpack"));
  CHECK(n.Run(s, {"HSET", "h", "long", std::string(65, 'x')}) == ":1\r\n");
  CHECK(n.Run(s, {"OBJECT", "ENCODING", "h"}) == Bulk("hashtable"));
  CHECK(n.Run(s, {"HDEL", "h", "long"}) == ":1\r\n");
  CHECK(n.Run(s, {"OBJECT", "ENCODING", "h"}) == Bulk("hashtable"));  // never converted back
  std::vector<std::string> hset = {"HSET", "many"};
  for (int i = 0; i < 512; ++i) {
    hset.push_back("f" + std::to_string(i));
    hset.push_back("v");
  }
  CHECK(n.Run(s, hset) == ":512\r\n");
  CHECK(n.Run(s, {"OBJECT", "ENCODING", "many"}) == Bulk("listpack"));
  CHECK(n.Run(s, {"HSET", "many", "one-more", "v"}) == ":1\r\n");
  CHECK(n.Run(s, {"OBJECT", "ENCODING", "many"}) == Bulk("hashtable"));
}

TEST_CASE("a hash's expiry: EXPIRE, TTL, PERSIST and field writes keep fields and expiry") {
  Node n;
  Session s;
  CHECK(n.Run(s, {"HSET", "h", "a", "1"}) == ":1\r\n");
  CHECK(n.Run(s, {"EXPIRE", "h", "100"}) == ":1\r\n");
  CHECK(n.Run(s, {"TTL", "h"}) == ":100\r\n");
  CHECK(n.Run(s, {"HSET", "h", "b", "2"}) == ":1\r\n");
  CHECK(n.Run(s, {"TTL", "h"}) == ":100\r\n");  // a field write keeps the key's expiry
  CHECK(n.Run(s, {"PERSIST", "h"}) == ":1\r\n");
  CHECK(n.Run(s, {"HLEN", "h"}) == ":2\r\n");
  CHECK(n.Run(s, {"PEXPIREAT", "h", std::to_string(kNow + 5)}) == ":1\r\n");
  CHECK(n.Run(s, {"HLEN", "h"}) == ":2\r\n");
}

TEST_CASE("hash writes queue in MULTI; a bad increment aborts the EXEC") {
  Node n;
  Session s;
  CHECK(n.Run(s, {"MULTI"}) == "+OK\r\n");
  CHECK(n.Run(s, {"HSET", "h", "a", "1"}) == "+QUEUED\r\n");
  CHECK(n.Run(s, {"HINCRBY", "h", "a", "2"}) == "+QUEUED\r\n");
  CHECK(n.Run(s, {"HGET", "h", "a"}) == "+QUEUED\r\n");
  CHECK(n.Run(s, {"EXEC"}) == "*3\r\n:1\r\n:3\r\n$1\r\n3\r\n");
  CHECK(n.Run(s, {"MULTI"}) == "+OK\r\n");
  CHECK(n.Run(s, {"HINCRBY", "h", "a", "x"}) ==
        "-ERR value is not an integer or out of range\r\n");
  CHECK(n.Run(s, {"EXEC"}).rfind("-EXECABORT", 0) == 0);
}

TEST_CASE("RENAME, RENAMENX, COPY and MOVE take a hash's fields, size and expiry along") {
  Node n;
  Session s;
  CHECK(n.Run(s, {"HSET", "h", "a", "1", "b", "2"}) == ":2\r\n");
  CHECK(n.Run(s, {"EXPIRE", "h", "50"}) == ":1\r\n");
  CHECK(n.Run(s, {"HSET", "other", "zz", "9"}) == ":1\r\n");
  CHECK(n.Run(s, {"RENAMENX", "h", "other"}) == ":0\r\n");
  CHECK(n.Run(s, {"RENAME", "h", "other"}) == "+OK\r\n");
  CHECK(n.Run(s, {"EXISTS", "h"}) == ":0\r\n");
  CHECK(n.Run(s, {"HGETALL", "other"}) == "*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n");
  CHECK(n.Run(s, {"HLEN", "other"}) == ":2\r\n");
  CHECK(n.Run(s, {"TTL", "other"}) == ":50\r\n");
  CHECK(n.Run(s, {"COPY", "other", "c", "DB", "2"}) == ":1\r\n");
  CHECK(n.Run(s, {"MOVE", "other", "1"}) == ":1\r\n");
  CHECK(n.Run(s, {"EXISTS", "other"}) == ":0\r\n");
  CHECK(n.Run(s, {"SELECT", "1"}) == "+OK\r\n");
  CHECK(n.Run(s, {"HGET", "other", "b"}) == "$1\r\n2\r\n");
  CHECK(n.Run(s, {"SELECT", "2"}) == "+OK\r\n");
  CHECK(n.Run(s, {"HDEL", "c", "a"}) == ":1\r\n");
  CHECK(n.Run(s, {"HGETALL", "c"}) == "*2\r\n$1\r\nb\r\n$1\r\n2\r\n");
  CHECK(n.Run(s, {"SELECT", "1"}) == "+OK\r\n");
  CHECK(n.Run(s, {"HLEN", "other"}) == ":2\r\n");  // the copy in db 2 is its own hash
}

TEST_CASE("HRANDFIELD with a positive count below the size returns distinct fields") {
  Node n;
  Session s;
  std::vector<std::string> hset = {"HSET", "h"};
  for (int i = 0; i < 100; ++i) {
    hset.push_back("f" + std::to_string(i));
    hset.push_back("v");
  }
  CHECK(n.Run(s, hset) == ":100\r\n");
  std::set<std::string> union_of_rounds;
  for (int round = 0; round < 5; ++round) {
    std::string r = n.Run(s, {"HRANDFIELD", "h", "50"});
    REQUIRE(r.rfind("*50\r\n", 0) == 0);
    std::vector<std::string> bulks = BulkStrings(r);
    std::set<std::string> picked(bulks.begin(), bulks.end());
    CHECK(picked.size() == 50);
    union_of_rounds.insert(picked.begin(), picked.end());
  }
  CHECK(union_of_rounds.size() > 50);  // random, not always the same 50
}

TEST_CASE("MEMORY USAGE: null for a missing key, grows with a hash's fields, SAMPLES checked") {
  Node n;
  Session s;
  CHECK(n.Run(s, {"MEMORY", "USAGE", "nokey"}) == "$-1\r\n");
  CHECK(n.Run(s, {"HSET", "h", "a", "1"}) == ":1\r\n");
  auto usage = [&](std::vector<std::string> extra = {}) {
    std::vector<std::string> argv = {"MEMORY", "USAGE", "h"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    std::string r = n.Run(s, argv);
    REQUIRE(r[0] == ':');
    return std::stoll(r.substr(1));
  };
  const int64_t one = usage();
  std::vector<std::string> hset = {"HSET", "h"};
  for (int i = 0; i < 100; ++i) {
    hset.push_back("field" + std::to_string(i));
    hset.push_back(std::string(20, 'v'));
  }
  CHECK(n.Run(s, hset) == ":100\r\n");
  CHECK(usage() > one + 100 * 20);
  CHECK(usage({"SAMPLES", "0"}) > one + 100 * 20);
  CHECK(n.Run(s, {"MEMORY", "USAGE", "h", "SAMPLES", "-1"}) == "-ERR syntax error\r\n");
  CHECK(n.Run(s, {"MEMORY", "USAGE", "h", "NOPE"}) == "-ERR syntax error\r\n");
}

TEST_CASE("EXEC fails if a WATCHed hash gains a field; an HDEL of nothing leaves it be") {
  Node n;
  Session s, other;
  s.id = 1;
  other.id = 2;
  CHECK(n.Run(s, {"HSET", "h", "a", "1"}) == ":1\r\n");
  auto watched_exec = [&](const std::vector<std::string>& meanwhile) {
    CHECK(n.Run(s, {"WATCH", "h"}) == "+OK\r\n");
    CHECK(n.Run(s, {"MULTI"}) == "+OK\r\n");
    CHECK(n.Run(s, {"HINCRBY", "h", "a", "1"}) == "+QUEUED\r\n");
    n.Run(other, meanwhile);
    return n.Run(s, {"EXEC"});
  };
  CHECK(watched_exec({"HSET", "h", "b", "2"}) == "*-1\r\n");
  CHECK(watched_exec({"HDEL", "h", "nope"}) == "*1\r\n:2\r\n");
  CHECK(watched_exec({"HDEL", "h", "b"}) == "*-1\r\n");
  CHECK(n.Run(s, {"HGETALL", "h"}) == "*2\r\n$1\r\na\r\n$1\r\n2\r\n");
}
