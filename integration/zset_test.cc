// The sorted-set family on real server processes: the commands through hiredis, RESP3 shapes at
// the byte level, errors and WRONGTYPE, OBJECT ENCODING with CONFIG SET, range reads on a large
// zset that do not scan it (and what ZRANK costs), a zset surviving kill -9 and restart (from the
// log and from LevelDB), and kill -9 during 50 clients' ZINCRBY.
#include <doctest/doctest.h>

#include <chrono>
#include <set>
#include <thread>

#include "harness.h"

using namespace cairn::testing;

namespace {

using Clock = std::chrono::steady_clock;

std::string R(const std::vector<std::string>& argv) { return RunShared(argv); }

// ZADD key i m<i> for i in [0, n), 1000 members per command, pipelined.
void FillZSet(redisContext* c, const std::string& key, int n) {
  FillPipelined(c, "ZADD", key, n, [](int i, std::vector<std::string>* args) {
    args->push_back(std::to_string(i));
    args->push_back("m" + std::to_string(i));
  });
}

double MsSince(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

}  // namespace

TEST_CASE("every sorted-set command, with hiredis") {
  R({"DEL", "z", "w", "d", "s"});
  CHECK(R({"ZADD", "z", "1", "a", "2", "b", "3", "c"}) == "3");
  CHECK(R({"ZADD", "z", "GT", "CH", "5", "a", "1", "b"}) == "1");
  CHECK(R({"ZINCRBY", "z", "0.5", "c"}) == "3.5");
  CHECK(R({"ZSCORE", "z", "a"}) == "5");
  CHECK(R({"ZMSCORE", "z", "a", "nope"}) == "[5,(nil)]");
  CHECK(R({"ZCARD", "z"}) == "3");
  CHECK(R({"ZCOUNT", "z", "(2", "+inf"}) == "2");
  CHECK(R({"ZRANGE", "z", "0", "-1", "WITHSCORES"}) == "[b,2,c,3.5,a,5]");
  CHECK(R({"ZRANGE", "z", "+inf", "3", "BYSCORE", "REV", "LIMIT", "0", "1"}) == "[a]");
  CHECK(R({"ZREVRANGE", "z", "0", "0"}) == "[a]");
  CHECK(R({"ZRANGEBYSCORE", "z", "2", "4"}) == "[b,c]");
  CHECK(R({"ZREVRANGEBYSCORE", "z", "4", "2"}) == "[c,b]");
  CHECK(R({"ZRANK", "z", "c"}) == "1");
  CHECK(R({"ZREVRANK", "z", "c"}) == "1");
  CHECK(R({"ZRANGESTORE", "d", "z", "0", "1"}) == "2");
  CHECK(R({"ZADD", "w", "0", "x", "0", "y", "0", "zz"}) == "3");
  CHECK(R({"ZLEXCOUNT", "w", "[y", "+"}) == "2");
  CHECK(R({"ZRANGEBYLEX", "w", "(x", "+"}) == "[y,zz]");
  CHECK(R({"ZREVRANGEBYLEX", "w", "+", "(x"}) == "[zz,y]");
  CHECK(R({"ZREMRANGEBYLEX", "w", "[zz", "+"}) == "1");
  CHECK(R({"SADD", "s", "b", "q"}) == "2");
  CHECK(R({"ZUNION", "2", "z", "s", "WITHSCORES"}) == "[q,1,b,3,c,3.5,a,5]");
  CHECK(R({"ZINTER", "2", "z", "s"}) == "[b]");
  CHECK(R({"ZDIFF", "2", "z", "d"}) == "[a]");
  CHECK(R({"ZINTERCARD", "2", "z", "d"}) == "2");
  CHECK(R({"ZUNIONSTORE", "u", "2", "z", "d", "AGGREGATE", "MAX"}) == "3");
  CHECK(R({"ZINTERSTORE", "u", "2", "z", "d", "WEIGHTS", "1", "2"}) == "2");
  CHECK(R({"ZDIFFSTORE", "u", "1", "z"}) == "3");
  const std::set<std::string> members = {"a", "b", "c"};
  CHECK(members.count(R({"ZRANDMEMBER", "z"})) == 1);
  CHECK(R({"ZSCAN", "z", "0"}) == "[0,[a,5,b,2,c,3.5]]");
  CHECK(R({"ZPOPMIN", "u"}) == "[b,2]");
  CHECK(R({"ZPOPMAX", "u", "1"}) == "[a,5]");
  CHECK(R({"ZMPOP", "2", "nope", "u", "MIN"}) == "[u,[[c,3.5]]]");
  CHECK(R({"EXISTS", "u"}) == "0");
  CHECK(R({"ZREMRANGEBYSCORE", "z", "-inf", "(3"}) == "1");
  CHECK(R({"ZREMRANGEBYRANK", "z", "-1", "-1"}) == "1");
  CHECK(R({"ZREM", "z", "c"}) == "1");
  CHECK(R({"EXISTS", "z"}) == "0");
  CHECK(R({"TYPE", "d"}) == "zset");
}

TEST_CASE("RESP3: scores are doubles, WITHSCORES pairs are arrays") {
  R({"DEL", "r3z"});
  R({"ZADD", "r3z", "1.5", "m", "inf", "n"});
  std::string r = RawExchange(
      SharedServer().port(),
      Multibulk({"HELLO", "3"}) + Multibulk({"ZSCORE", "r3z", "m"}) +
          Multibulk({"ZRANGE", "r3z", "0", "-1", "WITHSCORES"}) +
          Multibulk({"ZPOPMIN", "nokey"}) + Multibulk({"ZMPOP", "1", "nokey", "MIN"}) +
          Multibulk({"PING", "end"}),
      100000, 1500);
  const std::string tail =
      ",1.5\r\n*2\r\n*2\r\n$1\r\nm\r\n,1.5\r\n*2\r\n$1\r\nn\r\n,inf\r\n*0\r\n_\r\n$3\r\nend\r\n";
  REQUIRE(r.size() > tail.size());
  CHECK(r.substr(r.size() - tail.size()) == tail);
}

TEST_CASE("sorted-set errors and WRONGTYPE both ways") {
  R({"DEL", "ez", "str"});
  R({"SET", "str", "v"});
  R({"ZADD", "ez", "1", "m"});
  const std::string wrongtype = "WRONGTYPE Operation against a key holding the wrong kind of value";
  CHECK(R({"ZADD", "str", "1", "m"}) == wrongtype);
  CHECK(R({"ZRANGE", "str", "0", "-1"}) == wrongtype);
  CHECK(R({"ZUNION", "2", "ez", "str"}) == wrongtype);
  CHECK(R({"GET", "ez"}) == wrongtype);
  CHECK(R({"SADD", "ez", "m"}) == wrongtype);
  CHECK(R({"ZADD", "ez", "x", "m"}) == "ERR value is not a valid float");
  CHECK(R({"ZADD", "ez", "NX", "XX", "1", "m"}) ==
        "ERR XX and NX options at the same time are not compatible");
  CHECK(R({"ZADD", "ez", "GT", "LT", "1", "m"}) ==
        "ERR GT, LT, and/or NX options at the same time are not compatible");
  CHECK(R({"ZADD", "ez", "INCR", "1", "m", "2", "n"}) ==
        "ERR INCR option supports a single increment-element pair");
  CHECK(R({"ZADD", "ez", "inf", "m"}) == "0");
  CHECK(R({"ZINCRBY", "ez", "-inf", "m"}) == "ERR resulting score is not a number (NaN)");
  CHECK(R({"ZRANGEBYSCORE", "ez", "a", "1"}) == "ERR min or max is not a float");
  CHECK(R({"ZRANGEBYLEX", "ez", "a", "+"}) == "ERR min or max not valid string range item");
  CHECK(R({"ZRANGE", "ez", "0", "1", "LIMIT", "0", "1"}) ==
        "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX");
}

TEST_CASE("OBJECT ENCODING of zsets follows zset-max-listpack-* through CONFIG SET") {
  R({"DEL", "zenc"});
  R({"ZADD", "zenc", "1", "a", "2", "b"});
  CHECK(R({"OBJECT", "ENCODING", "zenc"}) == "listpack");
  CHECK(R({"CONFIG", "SET", "zset-max-listpack-entries", "1"}) == "OK");
  CHECK(R({"OBJECT", "ENCODING", "zenc"}) == "skiplist");
  CHECK(R({"CONFIG", "SET", "zset-max-listpack-entries", "128"}) == "OK");
  CHECK(R({"CONFIG", "SET", "zset-max-listpack-value", "3"}) == "OK");
  R({"ZADD", "zenc", "3", "long-member"});
  CHECK(R({"OBJECT", "ENCODING", "zenc"}) == "skiplist");
  CHECK(R({"CONFIG", "SET", "zset-max-listpack-value", "64"}) == "OK");
}

TEST_CASE("a 200k-member zset: ZADD, ZRANGEBYSCORE, ZPOPMIN do not scan it; ZRANK is O(rank)") {
  ContextPtr c = SharedServer().Connect();
  Run(c.get(), {"DEL", "bigz"});
  FillZSet(c.get(), "bigz", 200000);
  CHECK(Run(c.get(), {"ZCARD", "bigz"}) == "200000");
  auto t0 = Clock::now();
  CHECK(Run(c.get(), {"ZADD", "bigz", "150000.5", "one-more"}) == "1");
  CHECK(Run(c.get(), {"ZRANGEBYSCORE", "bigz", "150000", "150001"}) ==
        "[m150000,one-more,m150001]");
  CHECK(Run(c.get(), {"ZCOUNT", "bigz", "(199990", "+inf"}) == "9");
  CHECK(Run(c.get(), {"ZREVRANGE", "bigz", "0", "0"}) == "[m199999]");
  CHECK(Run(c.get(), {"ZPOPMIN", "bigz"}) == "[m0,0]");
  const double ranged_ms = MsSince(t0);
  t0 = Clock::now();
  CHECK(Run(c.get(), {"ZRANK", "bigz", "m10"}) == "9");
  const double rank_low_ms = MsSince(t0);
  t0 = Clock::now();
  CHECK(Run(c.get(), {"ZRANK", "bigz", "m100000"}) == "99999");
  const double rank_mid_ms = MsSince(t0);
  t0 = Clock::now();
  CHECK(Run(c.get(), {"ZREVRANK", "bigz", "m199990"}) == "9");
  const double revrank_ms = MsSince(t0);
  MESSAGE("200k members: ZADD+ZRANGEBYSCORE+ZCOUNT+ZREVRANGE+ZPOPMIN " << ranged_ms
          << " ms; ZRANK rank 9: " << rank_low_ms << " ms, rank 99999: " << rank_mid_ms
          << " ms; ZREVRANK rank 9: " << revrank_ms << " ms");
  CHECK(ranged_ms < 50 * ResourceScale());
  CHECK(rank_low_ms < 20 * ResourceScale());
  CHECK(revrank_ms < 20 * ResourceScale());
  t0 = Clock::now();
  CHECK(Run(c.get(), {"DEL", "bigz"}) == "1");
  CHECK(MsSince(t0) < 50 * ResourceScale());
}

TEST_CASE("BZPOPMIN blocks until another client's ZADD, in blocking order; timeouts answer nil") {
  ContextPtr a = SharedServer().Connect();
  ContextPtr b = SharedServer().Connect();
  ContextPtr w = SharedServer().Connect();
  Run(w.get(), {"DEL", "queue"});
  auto t0 = Clock::now();
  CHECK(Run(a.get(), {"BZPOPMIN", "queue", "0.2"}) == "(nil)");
  CHECK(MsSince(t0) >= 190);
  // Two consumers wait (a first), one producer adds two members in one ZADD.
  REQUIRE(redisAppendCommand(a.get(), "BZPOPMIN queue 5") == REDIS_OK);
  REQUIRE(redisAppendCommand(b.get(), "BZMPOP 5 1 queue MIN") == REDIS_OK);
  int done = 0;
  REQUIRE(redisBufferWrite(a.get(), &done) == REDIS_OK);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  REQUIRE(redisBufferWrite(b.get(), &done) == REDIS_OK);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  CHECK(Run(w.get(), {"INFO", "clients"}).find("blocked_clients:2") != std::string::npos);
  CHECK(Run(w.get(), {"ZADD", "queue", "1", "first", "2", "second"}) == "2");
  void* ra = nullptr;
  void* rb = nullptr;
  REQUIRE(redisGetReply(a.get(), &ra) == REDIS_OK);
  REQUIRE(redisGetReply(b.get(), &rb) == REDIS_OK);
  ReplyPtr pa(static_cast<redisReply*>(ra));
  ReplyPtr pb(static_cast<redisReply*>(rb));
  CHECK(Render(pa.get()) == "[queue,first,1]");
  CHECK(Render(pb.get()) == "[queue,[[second,2]]]");
  CHECK(Run(w.get(), {"EXISTS", "queue"}) == "0");
  CHECK(Run(w.get(), {"INFO", "clients"}).find("blocked_clients:0") != std::string::npos);
}

TEST_CASE("a zset survives kill -9 and restart, from the log and from LevelDB") {
  std::string dir = MakeTempDir("cairn-zset-crash");
  ServerProcess srv({"--appendfsync", "always"}, dir);
  REQUIRE(srv.Start());
  {
    ContextPtr c = srv.Connect();
    FillZSet(c.get(), "saved", 3000);
    REQUIRE(Run(c.get(), {"SAVE"}) == "OK");  // into LevelDB
    FillZSet(c.get(), "logged", 2000);        // only in the log when the node dies
    REQUIRE(Run(c.get(), {"ZREM", "saved", "m1"}) == "1");
    REQUIRE(Run(c.get(), {"ZINCRBY", "saved", "10000", "m2"}) == "10002");
    REQUIRE(Run(c.get(), {"ZPOPMAX", "logged"}) == "[m1999,1999]");
  }
  srv.Kill();
  REQUIRE(srv.Start());
  ContextPtr c = srv.Connect();
  REQUIRE(WaitLoaded(c.get()));
  CHECK(Run(c.get(), {"ZCARD", "saved"}) == "2999");
  CHECK(Run(c.get(), {"ZCARD", "logged"}) == "1999");
  CHECK(Run(c.get(), {"ZSCORE", "saved", "m1"}) == "(nil)");
  CHECK(Run(c.get(), {"ZRANGE", "saved", "0", "1"}) == "[m0,m3]");
  CHECK(Run(c.get(), {"ZREVRANGE", "saved", "0", "0", "WITHSCORES"}) == "[m2,10002]");
  CHECK(Run(c.get(), {"ZRANGEBYSCORE", "logged", "1997", "+inf"}) == "[m1997,m1998]");
  CHECK(Run(c.get(), {"ZRANK", "logged", "m1500"}) == "1500");
  CHECK(Run(c.get(), {"TYPE", "logged"}) == "zset");
}

TEST_CASE("kill -9 while 50 clients ZINCRBY loses no acknowledged increment, applies none twice") {
  std::string dir = MakeTempDir("cairn-zincr-crash");
  ServerProcess srv({"--appendfsync", "always"}, dir);
  const int64_t total = CheckIncrementsAcrossKill(
      srv, 50, 1500,
      [](int t) { return std::vector<std::string>{"ZINCRBY", "board", "1", "p" + std::to_string(t)}; },
      [](redisContext* c, int t) {
        std::string v = Run(c, {"ZSCORE", "board", "p" + std::to_string(t)});
        return v == "(nil)" ? int64_t{0} : std::stoll(v);
      });
  // The score index agrees with the scores: the whole board in order, one entry per player.
  ContextPtr c = srv.Connect();
  ReplyPtr board = Command(c.get(), {"ZRANGE", "board", "0", "-1", "WITHSCORES"});
  REQUIRE(board->type == REDIS_REPLY_ARRAY);
  CHECK(board->elements == 2 * static_cast<size_t>(std::stoll(Run(c.get(), {"ZCARD", "board"}))));
  for (size_t i = 3; i < board->elements; i += 2) {
    CHECK(std::stod(board->element[i - 2]->str) <= std::stod(board->element[i]->str));
  }
  MESSAGE("acknowledged ZINCRBYs before kill -9: " << total);
  CHECK(total > 0);
}
