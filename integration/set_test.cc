// The set family on real server processes: every command through hiredis, RESP3 set shapes at
// the byte level, errors and WRONGTYPE, OBJECT ENCODING with CONFIG SET, a set surviving kill -9,
// and SADD / DEL on a large set.
#include <doctest/doctest.h>

#include <chrono>
#include <set>

#include "harness.h"

using namespace cairn::testing;

namespace {

using Clock = std::chrono::steady_clock;

std::string R(const std::vector<std::string>& argv) { return RunShared(argv); }

// SADD key m0..m(n-1), 1000 members per command, pipelined.
void FillSet(redisContext* c, const std::string& key, int n) {
  FillPipelined(c, "SADD", key, n, [](int i, std::vector<std::string>* args) {
    args->push_back("m" + std::to_string(i));
  });
}

}  // namespace

TEST_CASE("every set command, with hiredis") {
  R({"DEL", "a", "b", "c", "d"});
  CHECK(R({"SADD", "a", "x", "y", "z", "x"}) == "3");
  CHECK(R({"SADD", "b", "y", "w"}) == "2");
  CHECK(R({"SISMEMBER", "a", "x"}) == "1");
  CHECK(R({"SMISMEMBER", "a", "x", "w"}) == "[1,0]");
  CHECK(R({"SCARD", "a"}) == "3");
  CHECK(R({"SMEMBERS", "a"}) == "[x,y,z]");
  CHECK(R({"SINTER", "a", "b"}) == "[y]");
  CHECK(R({"SINTERCARD", "2", "a", "b", "LIMIT", "5"}) == "1");
  CHECK(R({"SUNION", "a", "b"}) == "[w,x,y,z]");
  CHECK(R({"SDIFF", "a", "b"}) == "[x,z]");
  CHECK(R({"SINTERSTORE", "c", "a", "b"}) == "1");
  CHECK(R({"SUNIONSTORE", "d", "a", "b"}) == "4");
  CHECK(R({"SDIFFSTORE", "c", "d", "a"}) == "1");
  CHECK(R({"SMEMBERS", "c"}) == "[w]");
  CHECK(R({"SMOVE", "a", "c", "x"}) == "1");
  CHECK(R({"SMEMBERS", "c"}) == "[w,x]");
  const std::set<std::string> in_a = {"y", "z"};
  CHECK(in_a.count(R({"SRANDMEMBER", "a"})) == 1);
  CHECK(R({"SRANDMEMBER", "a", "-3"}).size() == std::string("[y,y,y]").size());
  CHECK(R({"SSCAN", "a", "0"}) == "[0,[y,z]]");
  CHECK(in_a.count(R({"SPOP", "a"})) == 1);
  CHECK(R({"SCARD", "a"}) == "1");
  CHECK(R({"SPOP", "a", "5"}).size() == std::string("[y]").size());
  CHECK(R({"EXISTS", "a"}) == "0");
  CHECK(R({"TYPE", "c"}) == "set");
}

TEST_CASE("RESP3: SMEMBERS and SINTER are sets; SMISMEMBER and SRANDMEMBER arrays") {
  R({"DEL", "r3s"});
  R({"SADD", "r3s", "only"});
  std::string r = RawExchange(SharedServer().port(),
                              Multibulk({"HELLO", "3"}) + Multibulk({"SMEMBERS", "r3s"}) +
                                  Multibulk({"SINTER", "r3s", "r3s"}) +
                                  Multibulk({"SMISMEMBER", "r3s", "only", "no"}) +
                                  Multibulk({"SRANDMEMBER", "r3s", "-2"}) + Multibulk({"PING", "end"}),
                              100000, 1500);
  const std::string tail =
      "~1\r\n$4\r\nonly\r\n~1\r\n$4\r\nonly\r\n*2\r\n:1\r\n:0\r\n*2\r\n$4\r\nonly\r\n$4\r\nonly\r\n"
      "$3\r\nend\r\n";
  REQUIRE(r.size() > tail.size());
  CHECK(r.substr(r.size() - tail.size()) == tail);
  CHECK(RawExchange(SharedServer().port(), Multibulk({"SMEMBERS", "r3s"}), 100, 1000) ==
        "*1\r\n$4\r\nonly\r\n");
}

TEST_CASE("set errors and WRONGTYPE both ways") {
  R({"DEL", "es", "str"});
  R({"SET", "str", "v"});
  R({"SADD", "es", "m"});
  const std::string wrongtype = "WRONGTYPE Operation against a key holding the wrong kind of value";
  CHECK(R({"SADD", "str", "m"}) == wrongtype);
  CHECK(R({"SMEMBERS", "str"}) == wrongtype);
  CHECK(R({"SUNION", "es", "str"}) == wrongtype);
  CHECK(R({"GET", "es"}) == wrongtype);
  CHECK(R({"HGET", "es", "m"}) == wrongtype);
  CHECK(R({"SADD", "es"}) == "ERR wrong number of arguments for 'sadd' command");
  CHECK(R({"SRANDMEMBER", "es", "nope"}) == "ERR value is not an integer or out of range");
  CHECK(R({"SSCAN", "es", "x"}) == "ERR invalid cursor");
  CHECK(R({"SSCAN", "es", "0", "COUNT", "0"}) == "ERR syntax error");
}

TEST_CASE("OBJECT ENCODING of sets follows set-max-* through CONFIG SET") {
  R({"DEL", "enc"});
  R({"SADD", "enc", "1", "2", "3"});
  CHECK(R({"OBJECT", "ENCODING", "enc"}) == "intset");
  CHECK(R({"CONFIG", "SET", "set-max-intset-entries", "2"}) == "OK");
  CHECK(R({"OBJECT", "ENCODING", "enc"}) == "listpack");
  CHECK(R({"CONFIG", "SET", "set-max-listpack-entries", "2"}) == "OK");
  CHECK(R({"OBJECT", "ENCODING", "enc"}) == "hashtable");
  CHECK(R({"CONFIG", "SET", "set-max-intset-entries", "512", "set-max-listpack-entries", "128"}) ==
        "OK");
  CHECK(R({"CONFIG", "GET", "set-max-*"}) ==
        "[set-max-intset-entries,512,set-max-listpack-entries,128,set-max-listpack-value,64]");
  R({"SADD", "enc", "word"});
  CHECK(R({"OBJECT", "ENCODING", "enc"}) == "listpack");
}

TEST_CASE("a 100k-member set: SADD of one more is quick, SSCAN sees all, DEL returns at once") {
  ContextPtr c = SharedServer().Connect();
  Run(c.get(), {"DEL", "bigset"});
  FillSet(c.get(), "bigset", 100000);
  CHECK(Run(c.get(), {"SCARD", "bigset"}) == "100000");
  auto t0 = Clock::now();
  CHECK(Run(c.get(), {"SADD", "bigset", "one-more"}) == "1");
  CHECK(Run(c.get(), {"SISMEMBER", "bigset", "m77777"}) == "1");
  auto sadd_ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
  std::set<std::string> seen;
  std::string cursor = "0";
  do {
    ReplyPtr r = Command(c.get(), {"SSCAN", "bigset", cursor, "COUNT", "1000"});
    REQUIRE(r->type == REDIS_REPLY_ARRAY);
    cursor = r->element[0]->str;
    for (size_t i = 0; i < r->element[1]->elements; ++i) seen.insert(r->element[1]->element[i]->str);
  } while (cursor != "0");
  CHECK(seen.size() == 100001);
  t0 = Clock::now();
  CHECK(Run(c.get(), {"DEL", "bigset"}) == "1");
  auto del_ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
  MESSAGE("SADD + SISMEMBER on 100k members: " << sadd_ms << " ms; DEL: " << del_ms << " ms");
  CHECK(sadd_ms < 50 * ResourceScale());
  CHECK(del_ms < 50 * ResourceScale());
  CHECK(Run(c.get(), {"SISMEMBER", "bigset", "m77777"}) == "0");
}

TEST_CASE("a set survives kill -9 and restart; SPOPs replayed from the log pop the same") {
  std::string dir = MakeTempDir("cairn-set-crash");
  ServerProcess srv({"--appendfsync", "always"}, dir);
  REQUIRE(srv.Start());
  std::string after_pops;
  {
    ContextPtr c = srv.Connect();
    FillSet(c.get(), "kept", 2000);
    REQUIRE(Run(c.get(), {"SAVE"}) == "OK");
    REQUIRE(Run(c.get(), {"SREM", "kept", "m0"}) == "1");
    FillSet(c.get(), "logged", 1500);
    FillSet(c.get(), "popped", 300);
    for (int i = 0; i < 20; ++i) REQUIRE(Run(c.get(), {"SPOP", "popped"}).rfind("m", 0) == 0);
    REQUIRE(Run(c.get(), {"SPOP", "popped", "30"}).rfind("[m", 0) == 0);
    after_pops = Run(c.get(), {"SMEMBERS", "popped"});
  }
  srv.Kill();
  REQUIRE(srv.Start());
  ContextPtr c = srv.Connect();
  REQUIRE(WaitLoaded(c.get()));
  CHECK(Run(c.get(), {"SCARD", "kept"}) == "1999");
  CHECK(Run(c.get(), {"SISMEMBER", "kept", "m0"}) == "0");
  CHECK(Run(c.get(), {"SISMEMBER", "kept", "m1999"}) == "1");
  CHECK(Run(c.get(), {"SCARD", "logged"}) == "1500");
  ReplyPtr all = Command(c.get(), {"SMEMBERS", "logged"});
  REQUIRE(all->type == REDIS_REPLY_ARRAY);
  CHECK(all->elements == 1500);
  CHECK(Run(c.get(), {"SCARD", "popped"}) == "250");
  CHECK(Run(c.get(), {"SMEMBERS", "popped"}) == after_pops);
}
