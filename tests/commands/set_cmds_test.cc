// The set family through the real dispatcher on a MemoryKeyspace: replies byte for byte (RESP2
// and RESP3), Redis's error texts, WRONGTYPE both ways, and the encodings OBJECT ENCODING names.
#include <doctest/doctest.h>

#include <set>

#include "dispatch_harness.h"

using namespace cairn;
using namespace cairn::commands;
using namespace cairn::commands::testing;

namespace {

std::string Bulks(const std::vector<std::string>& items, char header = '*') {
  std::string out = header + std::to_string(items.size()) + "\r\n";
  for (const auto& s : items) out += "$" + std::to_string(s.size()) + "\r\n" + s + "\r\n";
  return out;
}

}  // namespace

TEST_CASE("SADD counts new members; SISMEMBER, SMISMEMBER, SCARD, SMEMBERS read them") {
  Node n;
  Session s;
  CHECK(n.Run(s, {"SADD", "s", "b", "a", "a"}) == ":2\r\n");
  CHECK(n.Run(s, {"SADD", "s", "a", "c"}) == ":1\r\n");
  CHECK(n.Run(s, {"SISMEMBER", "s", "a"}) == ":1\r\n");
  CHECK(n.Run(s, {"SISMEMBER", "s", "z"}) == ":0\r\n");
  CHECK(n.Run(s, {"SISMEMBER", "nokey", "a"}) == ":0\r\n");
  CHECK(n.Run(s, {"SMISMEMBER", "s", "a", "z", "c"}) == "*3\r\n:1\r\n:0\r\n:1\r\n");
  CHECK(n.Run(s, {"SCARD", "s"}) == ":3\r\n");
  CHECK(n.Run(s, {"SCARD", "nokey"}) == ":0\r\n");
  CHECK(n.Run(s, {"SMEMBERS", "s"}) == Bulks({"a", "b", "c"}));
  CHECK(n.Run(s, {"SMEMBERS", "nokey"}) == "*0\r\n");
  CHECK(n.Run(s, {"TYPE", "s"}) == "+set\r\n");
  s.protocol = 3;
  CHECK(n.Run(s, {"SMEMBERS", "s"}) == Bulks({"a", "b", "c"}, '~'));
  CHECK(n.Run(s, {"SMEMBERS", "nokey"}) == "~0\r\n");
}

TEST_CASE("SREM removes members and the key with its last member") {
  Node n;
  Session s;
  CHECK(n.Run(s, {"SADD", "s", "a", "b", "c"}) == ":3\r\n");
  CHECK(n.Run(s, {"SREM", "s", "a", "a", "z"}) == ":1\r\n");
  CHECK(n.Run(s, {"SREM", "nokey", "a"}) == ":0\r\n");
  CHECK(n.Run(s, {"SREM", "s", "b", "c"}) == ":2\r\n");
  CHECK(n.Run(s, {"EXISTS", "s"}) == ":0\r\n");
  CHECK(n.Run(s, {"SADD", "s", "x"}) == ":1\r\n");
  CHECK(n.Run(s, {"SMEMBERS", "s"}) == Bulks({"x"}));
}

TEST_CASE("SMOVE moves one member; missing source, same key and WRONGTYPE as Redis") {
  Node n;
  Session s;
  CHECK(n.Run(s, {"SADD", "a", "1", "2"}) == ":2\r\n");
  CHECK(n.Run(s, {"SADD", "b", "3"}) == ":1\r\n");
  CHECK(n.Run(s, {"SET", "str", "v"}) == "+OK\r\n");
  CHECK(n.Run(s, {"SMOVE", "a", "b", "1"}) == ":1\r\n");
  CHECK(n.Run(s, {"SMEMBERS", "a"}) == Bulks({"2"}));
  CHECK(n.Run(s, {"SMEMBERS", "b"}) == Bulks({"1", "3"}));
  CHECK(n.Run(s, {"SMOVE", "a", "b", "nope"}) == ":0\r\n");
  CHECK(n.Run(s, {"SMOVE", "a", "a", "2"}) == ":1\r\n");
  CHECK(n.Run(s, {"SMOVE", "nokey", "str", "x"}) == ":0\r\n");  // missing source first
  CHECK(n.Run(s, {"SMOVE", "a", "str", "2"}) == kWrongType);
  CHECK(n.Run(s, {"SMOVE", "str", "a", "2"}) == kWrongType);
  CHECK(n.Run(s, {"SMOVE", "a", "new", "2"}) == ":1\r\n");  // the last member: source goes
  CHECK(n.Run(s, {"EXISTS", "a"}) == ":0\r\n");
  CHECK(n.Run(s, {"SMEMBERS", "new"}) == Bulks({"2"}));
}

TEST_CASE("SINTER, SUNION, SDIFF and their STORE forms") {
  Node n;
  Session s;
  CHECK(n.Run(s, {"SADD", "x", "a", "b", "c", "d"}) == ":4\r\n");
  CHECK(n.Run(s, {"SADD", "y", "c", "d", "e"}) == ":3\r\n");
  CHECK(n.Run(s, {"SADD", "z", "d"}) == ":1\r\n");
  CHECK(n.Run(s, {"SET", "str", "v"}) == "+OK\r\n");
  CHECK(n.Run(s, {"SINTER", "x", "y"}) == Bulks({"c", "d"}));
  CHECK(n.Run(s, {"SINTER", "x", "y", "z"}) == Bulks({"d"}));
  CHECK(n.Run(s, {"SUNION", "x", "y", "nokey"}) == Bulks({"a", "b", "c", "d", "e"}));
  CHECK(n.Run(s, {"SDIFF", "x", "y"}) == Bulks({"a", "b"}));
  CHECK(n.Run(s, {"SDIFF", "nokey", "x"}) == "*0\r\n");
  // Every key's type is checked, past a missing key too.
  CHECK(n.Run(s, {"SINTER", "x", "nokey"}) == "*0\r\n");
  CHECK(n.Run(s, {"SINTER", "x", "nokey", "str"}) == kWrongType);
  CHECK(n.Run(s, {"SINTERSTORE", "d", "nokey", "str"}) == kWrongType);
  CHECK(n.Run(s, {"SINTER", "x", "str"}) == kWrongType);
  CHECK(n.Run(s, {"SUNION", "x", "str"}) == kWrongType);
  CHECK(n.Run(s, {"SDIFF", "x", "nokey", "str"}) == kWrongType);
  CHECK(n.Run(s, {"SINTERSTORE", "dst", "x", "y"}) == ":2\r\n");
  CHECK(n.Run(s, {"SMEMBERS", "dst"}) == Bulks({"c", "d"}));
  CHECK(n.Run(s, {"SUNIONSTORE", "str", "y", "z"}) == ":3\r\n");  // replaces a string
  CHECK(n.Run(s, {"TYPE", "str"}) == "+set\r\n");
  CHECK(n.Run(s, {"SDIFFSTORE", "x", "x", "y"}) == ":2\r\n");  // a source as destination
  CHECK(n.Run(s, {"SMEMBERS", "x"}) == Bulks({"a", "b"}));
  CHECK(n.Run(s, {"SCARD", "x"}) == ":2\r\n");
  CHECK(n.Run(s, {"SINTERSTORE", "dst", "x", "nokey"}) == ":0\r\n");  // empty: deleted
  CHECK(n.Run(s, {"EXISTS", "dst"}) == ":0\r\n");
  s.protocol = 3;
  CHECK(n.Run(s, {"SINTER", "y", "z"}) == Bulks({"d"}, '~'));
}

TEST_CASE("SRANDMEMBER: one member, distinct counts, repeats, errors") {
  Node n;
  Session s;
  CHECK(n.Run(s, {"SRANDMEMBER", "nokey"}) == "$-1\r\n");
  CHECK(n.Run(s, {"SRANDMEMBER", "nokey", "2"}) == "*0\r\n");
  CHECK(n.Run(s, {"SADD", "s", "a", "b", "c"}) == ":3\r\n");
  const std::set<std::string> one = {"$1\r\na\r\n", "$1\r\nb\r\n", "$1\r\nc\r\n"};
  CHECK(one.count(n.Run(s, {"SRANDMEMBER", "s"})) == 1);
  CHECK(n.Run(s, {"SRANDMEMBER", "s", "5"}) == Bulks({"a", "b", "c"}));
  CHECK(n.Run(s, {"SRANDMEMBER", "s", "-7"}).rfind("*7\r\n", 0) == 0);
  CHECK(n.Run(s, {"SRANDMEMBER", "s", "0"}) == "*0\r\n");
  CHECK(n.Run(s, {"SRANDMEMBER", "s", "x"}) == "-ERR value is not an integer or out of range\r\n");
  CHECK(n.Run(s, {"SRANDMEMBER", "s", "1", "WITHVALUES"}) == "-ERR syntax error\r\n");
}

TEST_CASE("SSCAN: small sets come whole, a large one pages through every member") {
  Node n;
  Session s;
  CHECK(n.Run(s, {"SSCAN", "nokey", "0"}) == "*2\r\n$1\r\n0\r\n*0\r\n");
  CHECK(n.Run(s, {"SADD", "s", "1", "2", "3"}) == ":3\r\n");
  CHECK(n.Run(s, {"SSCAN", "s", "0", "COUNT", "1", "MATCH", "[12]"}) ==
        "*2\r\n$1\r\n0\r\n*2\r\n$1\r\n1\r\n$1\r\n2\r\n");
  std::vector<std::string> sadd = {"SADD", "big"};
  for (int i = 0; i < 1000; ++i) sadd.push_back("member:" + std::to_string(i));
  CHECK(n.Run(s, sadd) == ":1000\r\n");
  std::set<std::string> seen;
  std::string cursor = "0";
  int pages = 0;
  do {
    std::vector<std::string> bulks = BulkStrings(n.Run(s, {"SSCAN", "big", cursor, "COUNT", "50"}));
    ++pages;
    cursor = bulks[0];
    seen.insert(bulks.begin() + 1, bulks.end());
  } while (cursor != "0" && pages < 1000);
  CHECK(seen.size() == 1000);
  CHECK(pages > 1);
}

TEST_CASE("OBJECT ENCODING of sets: intset, listpack, hashtable by Redis's thresholds") {
  Node n;
  Session s;
  CHECK(n.Run(s, {"SADD", "ints", "1", "2", "-3"}) == ":3\r\n");
  CHECK(n.Run(s, {"OBJECT", "ENCODING", "ints"}) == "$6\r\nintset\r\n");
  CHECK(n.Run(s, {"SADD", "ints", "abc"}) == ":1\r\n");
  CHECK(n.Run(s, {"OBJECT", "ENCODING", "ints"}) == "$8\r\nlistpack\r\n");
  CHECK(n.Run(s, {"SREM", "ints", "abc"}) == ":1\r\n");
  CHECK(n.Run(s, {"OBJECT", "ENCODING", "ints"}) == "$8\r\nlistpack\r\n");  // one way
  CHECK(n.Run(s, {"SADD", "long", std::string(65, 'x')}) == ":1\r\n");
  CHECK(n.Run(s, {"OBJECT", "ENCODING", "long"}) == "$9\r\nhashtable\r\n");
  std::vector<std::string> sadd = {"SADD", "many"};
  for (int i = 0; i < 513; ++i) sadd.push_back(std::to_string(i));
  CHECK(n.Run(s, sadd) == ":513\r\n");
  CHECK(n.Run(s, {"OBJECT", "ENCODING", "many"}) == "$9\r\nhashtable\r\n");
}

TEST_CASE("set commands on other types answer WRONGTYPE, and string commands on a set too") {
  Node n;
  Session s;
  CHECK(n.Run(s, {"SET", "str", "v"}) == "+OK\r\n");
  CHECK(n.Run(s, {"HSET", "h", "f", "v"}) == ":1\r\n");
  CHECK(n.Run(s, {"SADD", "set", "m"}) == ":1\r\n");
  for (const std::vector<std::string>& argv : std::vector<std::vector<std::string>>{
           {"SADD", "str", "a"}, {"SREM", "h", "a"}, {"SISMEMBER", "str", "a"},
           {"SMISMEMBER", "h", "a"}, {"SCARD", "str"}, {"SMEMBERS", "h"},
           {"SRANDMEMBER", "str"}, {"SSCAN", "h", "0"}, {"GET", "set"}, {"HGET", "set", "m"},
           {"HSET", "set", "f", "v"}, {"INCR", "set"}}) {
    CAPTURE(argv[0]);
    CHECK(n.Run(s, argv) == kWrongType);
  }
  CHECK(n.Run(s, {"SADD", "set"}) == "-ERR wrong number of arguments for 'sadd' command\r\n");
  CHECK(n.Run(s, {"SINTERSTORE", "d"}) ==
        "-ERR wrong number of arguments for 'sinterstore' command\r\n");
}

TEST_CASE("RENAME and COPY take a set's members along") {
  Node n;
  Session s;
  CHECK(n.Run(s, {"SADD", "s", "a", "b"}) == ":2\r\n");
  CHECK(n.Run(s, {"RENAME", "s", "t"}) == "+OK\r\n");
  CHECK(n.Run(s, {"COPY", "t", "u"}) == ":1\r\n");
  CHECK(n.Run(s, {"SREM", "u", "a"}) == ":1\r\n");
  CHECK(n.Run(s, {"SMEMBERS", "t"}) == Bulks({"a", "b"}));
  CHECK(n.Run(s, {"SMEMBERS", "u"}) == Bulks({"b"}));
  CHECK(n.Run(s, {"SCARD", "t"}) == ":2\r\n");
}

TEST_CASE("SPOP removes random members; the same record at the same index pops the same") {
  Node a, b;
  Session s;
  std::vector<std::string> sadd = {"SADD", "s"};
  for (int i = 0; i < 20; ++i) sadd.push_back("m" + std::to_string(i));
  CHECK(a.Run(s, sadd) == ":20\r\n");
  CHECK(b.Run(s, sadd) == ":20\r\n");
  // The leader logs SPOP as it came; each node applies the record at the same log index.
  std::vector<std::string> log;
  CHECK(a.Run(s, {"SPOP", "s", "5"}, &log).empty());
  REQUIRE(log.size() == 1);
  const std::string popped = a.Apply(log[0], s);
  CHECK(b.Apply(log[0], s) == popped);
  std::vector<std::string> members = BulkStrings(popped);
  CHECK(popped.rfind("*5\r\n", 0) == 0);
  CHECK(std::set<std::string>(members.begin(), members.end()).size() == 5);
  CHECK(a.Run(s, {"SCARD", "s"}) == ":15\r\n");
  for (const auto& m : members) CHECK(a.Run(s, {"SISMEMBER", "s", m}) == ":0\r\n");
  CHECK(a.Run(s, {"SMEMBERS", "s"}) == b.Run(s, {"SMEMBERS", "s"}));
  // Later records draw differently (another index): 15 single pops empty the set.
  std::set<std::string> singles;
  for (int i = 0; i < 15; ++i) singles.insert(a.Run(s, {"SPOP", "s"}));
  CHECK(singles.size() == 15);
  CHECK(a.Run(s, {"EXISTS", "s"}) == ":0\r\n");
  CHECK(a.Run(s, {"SPOP", "s"}) == "$-1\r\n");
  CHECK(a.Run(s, {"SPOP", "s", "3"}) == "*0\r\n");
  s.protocol = 3;
  CHECK(a.Run(s, {"SPOP", "s", "3"}) == "~0\r\n");
  CHECK(a.Run(s, {"SADD", "t", "x"}) == ":1\r\n");
  CHECK(a.Run(s, {"SPOP", "t", "9"}) == "~1\r\n$1\r\nx\r\n");
  CHECK(a.Run(s, {"EXISTS", "t"}) == ":0\r\n");
  std::vector<std::string> none;
  CHECK(a.Run(s, {"SPOP", "t", "-1"}, &none) == "-ERR value is out of range, must be positive\r\n");
  CHECK(a.Run(s, {"SPOP", "t", "x"}, &none) == "-ERR value is not an integer or out of range\r\n");
  CHECK(a.Run(s, {"SPOP", "t", "1", "2"}, &none) == "-ERR syntax error\r\n");
  CHECK(none.empty());
}

TEST_CASE("SINTERCARD counts the intersection up to LIMIT; its keys follow numkeys") {
  Node n;
  Session s;
  CHECK(n.Run(s, {"SADD", "x", "a", "b", "c", "d"}) == ":4\r\n");
  CHECK(n.Run(s, {"SADD", "y", "b", "c", "d", "e"}) == ":4\r\n");
  CHECK(n.Run(s, {"SET", "str", "v"}) == "+OK\r\n");
  CHECK(n.Run(s, {"SINTERCARD", "2", "x", "y"}) == ":3\r\n");
  CHECK(n.Run(s, {"SINTERCARD", "2", "x", "y", "LIMIT", "2"}) == ":2\r\n");
  CHECK(n.Run(s, {"SINTERCARD", "2", "x", "y", "LIMIT", "0"}) == ":3\r\n");
  CHECK(n.Run(s, {"SINTERCARD", "1", "x"}) == ":4\r\n");
  CHECK(n.Run(s, {"SINTERCARD", "2", "x", "nokey"}) == ":0\r\n");
  CHECK(n.Run(s, {"SINTERCARD", "2", "x", "str"}) == kWrongType);
  CHECK(n.Run(s, {"SINTERCARD", "0", "x"}) == "-ERR numkeys should be greater than 0\r\n");
  CHECK(n.Run(s, {"SINTERCARD", "x", "x"}) == "-ERR numkeys should be greater than 0\r\n");
  CHECK(n.Run(s, {"SINTERCARD", "3", "x", "y"}) ==
        "-ERR Number of keys can't be greater than number of args\r\n");
  CHECK(n.Run(s, {"SINTERCARD", "2", "x", "y", "LIMIT", "-1"}) == "-ERR LIMIT can't be negative\r\n");
  CHECK(n.Run(s, {"SINTERCARD", "2", "x", "y", "LIMIT"}) == "-ERR syntax error\r\n");
  CHECK(n.Run(s, {"SINTERCARD", "1", "x", "y"}) == "-ERR syntax error\r\n");
  CHECK(n.Run(s, {"COMMAND", "GETKEYS", "SINTERCARD", "2", "x", "y", "LIMIT", "1"}) ==
        "*2\r\n$1\r\nx\r\n$1\r\ny\r\n");
  CHECK(n.table.Find("sintercard")->KeyPositions(
            std::vector<std::string>{"sintercard", "bad", "x"}).empty());
}
