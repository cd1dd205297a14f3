// Commands against a key of another type. Lists have no family yet, so the keys are made directly
// in the keyspace; the command layer must still answer as Redis does (WRONGTYPE, or the command's
// own text), and refuse what it cannot do whole. (Hash keys: hash_cmds_test.cc.)
#include <doctest/doctest.h>

#include "dispatch_harness.h"

using namespace cairn;
using namespace cairn::commands;
using namespace cairn::commands::testing;

namespace {

// Puts `key` in db 0 as a list (an empty value: only its type matters here).
void MakeList(Node& n, const std::string& key) {
  n.ks.BeginApply(++n.index, kNow);
  keyspace::Entry e;
  e.type = keyspace::ValueType::kList;
  n.ks.Put(0, key, std::move(e));
  REQUIRE(n.ks.CommitApply().ok());
}

}  // namespace

TEST_CASE("String commands against a key of another type answer WRONGTYPE") {
  Node n;
  Session s;
  MakeList(n, "mylist");
  for (const std::vector<std::string>& argv : std::vector<std::vector<std::string>>{
           {"GET", "mylist"},
           {"GETEX", "mylist"},
           {"GETDEL", "mylist"},
           {"GETSET", "mylist", "x"},
           {"APPEND", "mylist", "x"},
           {"STRLEN", "mylist"},
           {"GETRANGE", "mylist", "0", "-1"},
           {"SETRANGE", "mylist", "0", "bar"},
           {"INCR", "mylist"},
           {"DECRBY", "mylist", "2"},
           {"INCRBYFLOAT", "mylist", "1"},
           {"SET", "mylist", "v", "GET"}}) {
    INFO(argv[0]);
    CHECK(n.Run(s, argv) == kWrongType);
  }
  CHECK(n.Run(s, {"TYPE", "mylist"}) == "+list\r\n");
  CHECK(n.Run(s, {"LCS", "mylist", "x"}) ==
        "-ERR The specified keys must contain string values\r\n");
  CHECK(n.Run(s, {"MGET", "mylist", "nokey"}) == "*2\r\n$-1\r\n$-1\r\n");
}

TEST_CASE("SET and SETEX overwrite a key of any type") {
  Node n;
  Session s;
  MakeList(n, "a");
  MakeList(n, "b");
  CHECK(n.Run(s, {"SET", "a", "bar"}) == "+OK\r\n");
  CHECK(n.Run(s, {"TYPE", "a"}) == "+string\r\n");
  CHECK(n.Run(s, {"SETEX", "b", "10", "v"}) == "+OK\r\n");
  CHECK(n.Run(s, {"GET", "b"}) == "$1\r\nv\r\n");
}

TEST_CASE("RENAME, COPY and MOVE of a collection are refused, not half-done") {
  Node n;
  Session s;
  MakeList(n, "coll");
  const std::string err = "-ERR Cairn cannot yet rename, copy or move a key of this type\r\n";
  CHECK(n.Run(s, {"RENAME", "coll", "other"}) == err);
  CHECK(n.Run(s, {"COPY", "coll", "other"}) == err);
  CHECK(n.Run(s, {"MOVE", "coll", "3"}) == err);
  CHECK(n.Run(s, {"EXISTS", "other"}) == ":0\r\n");
  CHECK(n.Run(s, {"DEL", "coll"}) == ":1\r\n");
}

TEST_CASE("SCAN TYPE separates strings from other types") {
  Node n;
  Session s;
  CHECK(n.Run(s, {"SET", "s:1", "v"}) == "+OK\r\n");
  MakeList(n, "l:1");
  CHECK(n.Run(s, {"SCAN", "0", "COUNT", "100", "TYPE", "string"}) == "*2\r\n$1\r\n0\r\n*1\r\n$3\r\ns:1\r\n");
  CHECK(n.Run(s, {"SCAN", "0", "COUNT", "100", "TYPE", "list"}) == "*2\r\n$1\r\n0\r\n*1\r\n$3\r\nl:1\r\n");
  CHECK(n.Run(s, {"OBJECT", "ENCODING", "l:1"}) == "$8\r\nlistpack\r\n");
}
