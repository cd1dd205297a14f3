// The sorted-set family through the real dispatcher on a MemoryKeyspace: replies byte for byte
// (RESP2 and RESP3), Redis's error texts (checked against redis-server 7.0.15), WRONGTYPE, the
// encodings OBJECT ENCODING names, and that bad writes never reach the log.
#include <doctest/doctest.h>

#include "commands/errors.h"
#include "dispatch_harness.h"

using namespace cairn;
using namespace cairn::commands;
using namespace cairn::commands::testing;

namespace {

std::string Bulks(const std::vector<std::string>& items) {
  std::string out = "*" + std::to_string(items.size()) + "\r\n";
  for (const auto& s : items) out += "$" + std::to_string(s.size()) + "\r\n" + s + "\r\n";
  return out;
}

std::string Err(std::string_view e) { return "-" + std::string(e) + "\r\n"; }

// A node holding z = {a:1, b:2, c:3, d:4, e:5}.
struct ZNode {
  Node n;
  Session s;
  ZNode() {
    REQUIRE(n.Run(s, {"ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e"}) == ":5\r\n");
  }
  std::string Run(const std::vector<std::string>& argv) { return n.Run(s, argv); }
};

}  // namespace

TEST_CASE("ZADD adds and updates; ZSCORE, ZMSCORE, ZCARD, TYPE read them") {
  Node n;
  Session s;
  CHECK(n.Run(s, {"ZADD", "z", "1", "a", "2", "b", "1.5", "a"}) == ":2\r\n");
  CHECK(n.Run(s, {"ZSCORE", "z", "a"}) == "$3\r\n1.5\r\n");
  CHECK(n.Run(s, {"ZSCORE", "z", "nope"}) == "$-1\r\n");
  CHECK(n.Run(s, {"ZSCORE", "nokey", "a"}) == "$-1\r\n");
  CHECK(n.Run(s, {"ZMSCORE", "z", "a", "nope", "b"}) == "*3\r\n$3\r\n1.5\r\n$-1\r\n$1\r\n2\r\n");
  CHECK(n.Run(s, {"ZCARD", "z"}) == ":2\r\n");
  CHECK(n.Run(s, {"ZCARD", "nokey"}) == ":0\r\n");
  CHECK(n.Run(s, {"TYPE", "z"}) == "+zset\r\n");
  // CH: a changed, c new.
  CHECK(n.Run(s, {"ZADD", "z", "CH", "3", "a", "2", "b", "9", "c"}) == ":2\r\n");
  s.protocol = 3;
  CHECK(n.Run(s, {"ZSCORE", "z", "a"}) == ",3\r\n");
  CHECK(n.Run(s, {"ZMSCORE", "z", "a", "nope"}) == "*2\r\n,3\r\n_\r\n");
}

TEST_CASE("scores are formatted as Redis 7.0 does: %.17g, inf, -inf, and -0 as 0") {
  Node n;
  Session s;
  CHECK(n.Run(s, {"ZADD", "z", "1.1", "a", "+inf", "b", "-inf", "c", "-0", "d", "1e300", "e"}) ==
        ":5\r\n");
  CHECK(n.Run(s, {"ZSCORE", "z", "a"}) == "$18\r\n1.1000000000000001\r\n");
  CHECK(n.Run(s, {"ZSCORE", "z", "b"}) == "$3\r\ninf\r\n");
  CHECK(n.Run(s, {"ZSCORE", "z", "c"}) == "$4\r\n-inf\r\n");
  CHECK(n.Run(s, {"ZSCORE", "z", "d"}) == "$1\r\n0\r\n");
  CHECK(n.Run(s, {"ZSCORE", "z", "e"}) == "$23\r\n1.0000000000000001e+300\r\n");
  s.protocol = 3;
  CHECK(n.Run(s, {"ZSCORE", "z", "b"}) == ",inf\r\n");
}

TEST_CASE("ZADD NX XX GT LT CH INCR as Redis combines them") {
  Node n;
  Session s;
  CHECK(n.Run(s, {"ZADD", "z", "XX", "1", "a"}) == ":0\r\n");
  CHECK(n.Run(s, {"EXISTS", "z"}) == ":0\r\n");
  CHECK(n.Run(s, {"ZADD", "z", "XX", "INCR", "1", "a"}) == "$-1\r\n");
  CHECK(n.Run(s, {"ZADD", "z", "NX", "1", "a", "2", "b"}) == ":2\r\n");
  CHECK(n.Run(s, {"ZADD", "z", "NX", "5", "a", "3", "c"}) == ":1\r\n");
  CHECK(n.Run(s, {"ZSCORE", "z", "a"}) == "$1\r\n1\r\n");
  CHECK(n.Run(s, {"ZADD", "z", "XX", "CH", "7", "a", "9", "new"}) == ":1\r\n");
  CHECK(n.Run(s, {"ZSCORE", "z", "new"}) == "$-1\r\n");
  CHECK(n.Run(s, {"ZADD", "z", "GT", "CH", "5", "a", "8", "b"}) == ":1\r\n");  // b: 2 -> 8
  CHECK(n.Run(s, {"ZSCORE", "z", "a"}) == "$1\r\n7\r\n");
  CHECK(n.Run(s, {"ZADD", "z", "LT", "CH", "1", "a", "9", "b", "0", "d"}) == ":2\r\n");  // a, d
  CHECK(n.Run(s, {"ZSCORE", "z", "a"}) == "$1\r\n1\r\n");
  CHECK(n.Run(s, {"ZADD", "z", "INCR", "2.5", "a"}) == "$3\r\n3.5\r\n");
  CHECK(n.Run(s, {"ZADD", "z", "GT", "INCR", "-1", "a"}) == "$-1\r\n");
  CHECK(n.Run(s, {"ZADD", "z", "INCR", "0", "a"}) == "$3\r\n3.5\r\n");
  CHECK(n.Run(s, {"ZINCRBY", "z", "-4", "a"}) == "$4\r\n-0.5\r\n");
  CHECK(n.Run(s, {"ZINCRBY", "fresh", "2", "x"}) == "$1\r\n2\r\n");
  // ZADD INCR LT/GT with inf: inf + 1 is not greater than inf.
  CHECK(n.Run(s, {"ZADD", "i", "+inf", "x", "-inf", "y"}) == ":2\r\n");
  CHECK(n.Run(s, {"ZADD", "i", "LT", "INCR", "1", "x"}) == "$-1\r\n");
  CHECK(n.Run(s, {"ZADD", "i", "GT", "INCR", "-1", "x"}) == "$-1\r\n");
  CHECK(n.Run(s, {"ZADD", "i", "INCR", "1", "x"}) == "$3\r\ninf\r\n");
}

TEST_CASE("ZADD and ZINCRBY refuse bad input before the log, with Redis's errors") {
  Node n;
  Session s;
  std::vector<std::string> log;
  auto refused = [&](const std::vector<std::string>& argv) {
    std::string r = n.Run(s, argv, &log);
    CHECK(log.empty());
    return r;
  };
  CHECK(refused({"ZADD", "z", "1"}) == Err("ERR wrong number of arguments for 'zadd' command"));
  CHECK(refused({"ZADD", "z", "XX", "1"}) == Err(err::kSyntax));
  CHECK(refused({"ZADD", "z", "1", "a", "2"}) == Err(err::kSyntax));
  CHECK(refused({"ZADD", "z", "abc", "a"}) == Err("ERR value is not a valid float"));
  CHECK(refused({"ZADD", "z", "nan", "a"}) == Err("ERR value is not a valid float"));
  CHECK(refused({"ZADD", "z", "", "a"}) == Err("ERR value is not a valid float"));
  CHECK(refused({"ZADD", "z", "1", "a", "2x", "b"}) == Err("ERR value is not a valid float"));
  CHECK(refused({"ZADD", "z", "XX", "NX", "1", "a"}) ==
        Err("ERR XX and NX options at the same time are not compatible"));
  for (auto combo : {std::pair{"GT", "NX"}, {"LT", "NX"}, {"LT", "GT"}}) {
    CHECK(refused({"ZADD", "z", combo.first, combo.second, "1", "a"}) ==
          Err("ERR GT, LT, and/or NX options at the same time are not compatible"));
  }
  CHECK(refused({"ZADD", "z", "INCR", "1", "a", "2", "b"}) ==
        Err("ERR INCR option supports a single increment-element pair"));
  CHECK(refused({"ZINCRBY", "z", "x", "a"}) == Err("ERR value is not a valid float"));
  CHECK(refused({"ZINCRBY", "z", "1", "a", "2"}) ==
        Err("ERR wrong number of arguments for 'zincrby' command"));
  CHECK(n.Run(s, {"EXISTS", "z"}) == ":0\r\n");
  // A NaN result is only known at apply: refused there, nothing changes.
  CHECK(n.Run(s, {"ZADD", "z", "+inf", "a"}) == ":1\r\n");
  CHECK(n.Run(s, {"ZINCRBY", "z", "-inf", "a"}) ==
        Err("ERR resulting score is not a number (NaN)"));
  CHECK(n.Run(s, {"ZADD", "z", "INCR", "-inf", "a"}) ==
        Err("ERR resulting score is not a number (NaN)"));
  CHECK(n.Run(s, {"ZSCORE", "z", "a"}) == "$3\r\ninf\r\n");
}

TEST_CASE("ZREM removes members and the key with its last member") {
  ZNode z;
  CHECK(z.Run({"ZREM", "z", "a", "a", "nope"}) == ":1\r\n");
  CHECK(z.Run({"ZREM", "nokey", "a"}) == ":0\r\n");
  CHECK(z.Run({"ZRANGE", "z", "0", "0"}) == Bulks({"b"}));
  CHECK(z.Run({"ZREM", "z", "b", "c", "d", "e"}) == ":4\r\n");
  CHECK(z.Run({"EXISTS", "z"}) == ":0\r\n");
  CHECK(z.Run({"ZADD", "z", "1", "x"}) == ":1\r\n");
  CHECK(z.Run({"ZRANGE", "z", "0", "-1"}) == Bulks({"x"}));
}

TEST_CASE("ZRANGE by rank, score and lex, reversed, limited, with scores (RESP2 and RESP3)") {
  ZNode z;
  CHECK(z.Run({"ZRANGE", "z", "0", "-1"}) == Bulks({"a", "b", "c", "d", "e"}));
  CHECK(z.Run({"ZRANGE", "z", "1", "2", "WITHSCORES"}) == Bulks({"b", "2", "c", "3"}));
  CHECK(z.Run({"ZRANGE", "z", "-2", "100"}) == Bulks({"d", "e"}));
  CHECK(z.Run({"ZRANGE", "z", "3", "1"}) == "*0\r\n");
  CHECK(z.Run({"ZRANGE", "z", "9", "10"}) == "*0\r\n");
  CHECK(z.Run({"ZRANGE", "nokey", "0", "-1"}) == "*0\r\n");
  CHECK(z.Run({"ZREVRANGE", "z", "0", "1"}) == Bulks({"e", "d"}));
  CHECK(z.Run({"ZRANGE", "z", "0", "1", "REV"}) == Bulks({"e", "d"}));
  CHECK(z.Run({"ZRANGEBYSCORE", "z", "2", "(4"}) == Bulks({"b", "c"}));
  CHECK(z.Run({"ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", "1", "2"}) == Bulks({"b", "c"}));
  CHECK(z.Run({"ZRANGEBYSCORE", "z", "(1", "3", "WITHSCORES"}) == Bulks({"b", "2", "c", "3"}));
  CHECK(z.Run({"ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", "-1", "2"}) == "*0\r\n");
  CHECK(z.Run({"ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", "1", "-1"}) ==
        Bulks({"b", "c", "d", "e"}));
  CHECK(z.Run({"ZREVRANGEBYSCORE", "z", "4", "(2"}) == Bulks({"d", "c"}));
  CHECK(z.Run({"ZREVRANGEBYSCORE", "z", "+inf", "-inf", "LIMIT", "0", "1"}) == Bulks({"e"}));
  CHECK(z.Run({"ZRANGE", "z", "(4", "+inf", "BYSCORE"}) == Bulks({"e"}));
  CHECK(z.Run({"ZRANGE", "z", "+inf", "(4", "BYSCORE", "REV", "WITHSCORES"}) == Bulks({"e", "5"}));
  CHECK(z.Run({"ZRANGE", "z", "0", "-1", "REV", "BYSCORE"}) == "*0\r\n");
  CHECK(z.Run({"ZRANGEBYSCORE", "z", "5", "1"}) == "*0\r\n");
  // Lex ranges over members of one score.
  CHECK(z.Run({"ZADD", "l", "0", "alpha", "0", "bar", "0", "cool", "0", "down", "0", "elephant"}) ==
        ":5\r\n");
  CHECK(z.Run({"ZRANGEBYLEX", "l", "-", "+"}) ==
        Bulks({"alpha", "bar", "cool", "down", "elephant"}));
  CHECK(z.Run({"ZRANGEBYLEX", "l", "[bar", "(down"}) == Bulks({"bar", "cool"}));
  CHECK(z.Run({"ZRANGEBYLEX", "l", "(bar", "[down", "LIMIT", "1", "5"}) == Bulks({"down"}));
  CHECK(z.Run({"ZREVRANGEBYLEX", "l", "[cool", "-"}) == Bulks({"cool", "bar", "alpha"}));
  CHECK(z.Run({"ZRANGE", "l", "+", "[c", "BYLEX", "REV", "LIMIT", "0", "2"}) ==
        Bulks({"elephant", "down"}));
  CHECK(z.Run({"ZRANGEBYLEX", "l", "+", "-"}) == "*0\r\n");
  CHECK(z.Run({"ZRANGEBYLEX", "l", "[z", "+"}) == "*0\r\n");
  z.s.protocol = 3;
  CHECK(z.Run({"ZRANGE", "z", "0", "1", "WITHSCORES"}) ==
        "*2\r\n*2\r\n$1\r\na\r\n,1\r\n*2\r\n$1\r\nb\r\n,2\r\n");
  CHECK(z.Run({"ZRANGE", "z", "0", "1"}) == Bulks({"a", "b"}));
}

TEST_CASE("ZRANGE family: Redis's errors for bad options, bounds and LIMIT") {
  ZNode z;
  CHECK(z.Run({"ZRANGE", "z", "0", "-1", "LIMIT", "1", "2"}) ==
        Err("ERR syntax error, LIMIT is only supported in combination with either BYSCORE or "
            "BYLEX"));
  CHECK(z.Run({"ZRANGE", "z", "-", "+", "BYLEX", "WITHSCORES"}) ==
        Err("ERR syntax error, WITHSCORES not supported in combination with BYLEX"));
  CHECK(z.Run({"ZREVRANGE", "z", "0", "-1", "BYSCORE"}) == Err(err::kSyntax));
  CHECK(z.Run({"ZRANGEBYSCORE", "z", "0", "-1", "REV"}) == Err(err::kSyntax));
  CHECK(z.Run({"ZRANGE", "z", "0", "-1", "BYSCORE", "BYLEX"}) == Err(err::kSyntax));
  CHECK(z.Run({"ZRANGEBYSCORE", "z", "0", "1", "LIMIT", "x", "1"}) == Err(err::kNotInteger));
  CHECK(z.Run({"ZRANGEBYSCORE", "z", "0", "1", "LIMIT", "1"}) == Err(err::kSyntax));
  CHECK(z.Run({"ZRANGE", "z", "a", "1"}) == Err(err::kNotInteger));
  for (auto [min, max] : {std::pair{"str", "1"}, {"1", "str"}, {"1", "NaN"}, {"((1", "2"}}) {
    CHECK(z.Run({"ZRANGEBYSCORE", "z", min, max}) == Err("ERR min or max is not a float"));
  }
  for (auto [min, max] : {std::pair{"foo", "bar"}, {"[foo", "bar"}, {"foo", "[bar"},
                          {"+x", "[bar"}, {"-x", "[bar"}, {"", "+"}}) {
    CHECK(z.Run({"ZRANGEBYLEX", "z", min, max}) ==
          Err("ERR min or max not valid string range item"));
  }
  CHECK(z.Run({"ZRANGE", "z", "0"}) == Err("ERR wrong number of arguments for 'zrange' command"));
}

TEST_CASE("ZRANGESTORE stores the range, replaces the destination, deletes it when empty") {
  ZNode z;
  CHECK(z.Run({"SET", "dst", "string"}) == "+OK\r\n");
  CHECK(z.Run({"ZRANGESTORE", "dst", "z", "1", "2"}) == ":2\r\n");
  CHECK(z.Run({"ZRANGE", "dst", "0", "-1", "WITHSCORES"}) == Bulks({"b", "2", "c", "3"}));
  CHECK(z.Run({"ZRANGESTORE", "dst", "z", "(3", "+inf", "BYSCORE", "REV", "LIMIT", "0", "1"}) ==
        ":0\r\n");  // REV takes max first: (3 .. +inf reversed is empty
  CHECK(z.Run({"EXISTS", "dst"}) == ":0\r\n");
  CHECK(z.Run({"ZRANGESTORE", "dst", "z", "+inf", "(3", "BYSCORE", "REV", "LIMIT", "0", "1"}) ==
        ":1\r\n");
  CHECK(z.Run({"ZRANGE", "dst", "0", "-1"}) == Bulks({"e"}));
  CHECK(z.Run({"ZRANGESTORE", "dst", "nokey", "0", "-1"}) == ":0\r\n");
  CHECK(z.Run({"EXISTS", "dst"}) == ":0\r\n");
  std::vector<std::string> log;
  CHECK(z.n.Run(z.s, {"ZRANGESTORE", "dst", "z", "0", "-1", "WITHSCORES"}, &log) ==
        Err(err::kSyntax));
  CHECK(z.n.Run(z.s, {"ZRANGESTORE", "dst", "z", "0", "-1", "LIMIT", "1", "2"}, &log) ==
        Err(err::kLimitNeedsByScoreOrLex));
  CHECK(log.empty());
  CHECK(z.Run({"SET", "str", "v"}) == "+OK\r\n");
  CHECK(z.Run({"ZRANGESTORE", "dst", "str", "0", "-1"}) == kWrongType);
}

TEST_CASE("ZCOUNT and ZLEXCOUNT count a range") {
  ZNode z;
  CHECK(z.Run({"ZCOUNT", "z", "2", "4"}) == ":3\r\n");
  CHECK(z.Run({"ZCOUNT", "z", "(2", "(4"}) == ":1\r\n");
  CHECK(z.Run({"ZCOUNT", "z", "-inf", "+inf"}) == ":5\r\n");
  CHECK(z.Run({"ZCOUNT", "nokey", "-inf", "+inf"}) == ":0\r\n");
  CHECK(z.Run({"ZCOUNT", "z", "x", "1"}) == Err(err::kMinMaxNotFloat));
  CHECK(z.Run({"ZADD", "l", "0", "a", "0", "b", "0", "c"}) == ":3\r\n");
  CHECK(z.Run({"ZLEXCOUNT", "l", "-", "+"}) == ":3\r\n");
  CHECK(z.Run({"ZLEXCOUNT", "l", "(a", "[c"}) == ":2\r\n");
  CHECK(z.Run({"ZLEXCOUNT", "l", "a", "c"}) == Err(err::kLexRange));
}

TEST_CASE("ZRANK and ZREVRANK, with WITHSCORE") {
  ZNode z;
  CHECK(z.Run({"ZRANK", "z", "a"}) == ":0\r\n");
  CHECK(z.Run({"ZRANK", "z", "d"}) == ":3\r\n");
  CHECK(z.Run({"ZREVRANK", "z", "d"}) == ":1\r\n");
  CHECK(z.Run({"ZRANK", "z", "nope"}) == "$-1\r\n");
  CHECK(z.Run({"ZRANK", "nokey", "a"}) == "$-1\r\n");
  CHECK(z.Run({"ZRANK", "z", "c", "WITHSCORE"}) == "*2\r\n:2\r\n$1\r\n3\r\n");
  CHECK(z.Run({"ZREVRANK", "z", "nope", "WITHSCORE"}) == "*-1\r\n");
  CHECK(z.Run({"ZRANK", "z", "c", "BAD"}) == Err(err::kSyntax));
  CHECK(z.Run({"ZREM", "z", "b"}) == ":1\r\n");
  CHECK(z.Run({"ZRANK", "z", "c"}) == ":1\r\n");  // after a deletion
}

TEST_CASE("ZPOPMIN and ZPOPMAX: shapes with and without a count, in RESP2 and RESP3") {
  ZNode z;
  CHECK(z.Run({"ZPOPMIN", "z"}) == Bulks({"a", "1"}));
  CHECK(z.Run({"ZPOPMAX", "z", "2"}) == Bulks({"e", "5", "d", "4"}));
  CHECK(z.Run({"ZPOPMIN", "z", "0"}) == "*0\r\n");
  CHECK(z.Run({"ZPOPMIN", "nokey"}) == "*0\r\n");
  CHECK(z.Run({"ZPOPMIN", "nokey", "1"}) == "*0\r\n");
  z.s.protocol = 3;
  CHECK(z.Run({"ZPOPMIN", "z"}) == "*2\r\n$1\r\nb\r\n,2\r\n");
  CHECK(z.Run({"ZPOPMAX", "z", "5"}) == "*1\r\n*2\r\n$1\r\nc\r\n,3\r\n");
  CHECK(z.Run({"EXISTS", "z"}) == ":0\r\n");
  std::vector<std::string> log;
  CHECK(z.n.Run(z.s, {"ZPOPMIN", "z", "-1"}, &log) == Err(err::kOutOfRangePositive));
  CHECK(z.n.Run(z.s, {"ZPOPMIN", "z", "x"}, &log) == Err(err::kOutOfRangePositive));
  CHECK(z.n.Run(z.s, {"ZPOPMIN", "z", "1", "2"}, &log) == Err(err::kSyntax));
  CHECK(log.empty());
}

TEST_CASE("ZMPOP pops from the first non-empty zset; Redis's argument errors") {
  ZNode z;
  CHECK(z.Run({"ZMPOP", "2", "nokey", "z", "MIN"}) ==
        "*2\r\n$1\r\nz\r\n*1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n");
  CHECK(z.Run({"ZMPOP", "1", "z", "MAX", "COUNT", "2"}) ==
        "*2\r\n$1\r\nz\r\n*2\r\n*2\r\n$1\r\ne\r\n$1\r\n5\r\n*2\r\n$1\r\nd\r\n$1\r\n4\r\n");
  CHECK(z.Run({"ZMPOP", "1", "nokey", "MIN"}) == "*-1\r\n");
  z.s.protocol = 3;
  CHECK(z.Run({"ZMPOP", "1", "nokey", "MIN"}) == "_\r\n");
  CHECK(z.Run({"ZMPOP", "1", "z", "MIN"}) == "*2\r\n$1\r\nz\r\n*1\r\n*2\r\n$1\r\nb\r\n,2\r\n");
  z.s.protocol = 2;
  CHECK(z.Run({"ZMPOP", "1"}) == Err("ERR wrong number of arguments for 'zmpop' command"));
  for (auto n : {"0", "a", "-1"}) {
    CHECK(z.Run({"ZMPOP", n, "z", "MIN"}) == Err(err::kNumkeysNotPositive));
  }
  for (const std::vector<std::string>& bad :
       {std::vector<std::string>{"ZMPOP", "1", "z", "bad_where"},
        {"ZMPOP", "1", "z", "MIN", "bar_arg"},
        {"ZMPOP", "1", "z", "MAX", "MIN"},
        {"ZMPOP", "1", "z", "COUNT"},
        {"ZMPOP", "1", "z", "MAX", "COUNT", "1", "COUNT", "2"},
        {"ZMPOP", "2", "z", "z2", "bad_arg"}}) {
    CHECK(z.Run(bad) == Err(err::kSyntax));
  }
  for (auto c : {"0", "a", "-1"}) {
    CHECK(z.Run({"ZMPOP", "1", "z", "MIN", "COUNT", c}) == Err(err::kCountNotPositive));
  }
}

TEST_CASE("ZREMRANGEBYSCORE, ZREMRANGEBYRANK, ZREMRANGEBYLEX remove a range") {
  ZNode z;
  CHECK(z.Run({"ZREMRANGEBYSCORE", "z", "(1", "2"}) == ":1\r\n");
  CHECK(z.Run({"ZRANGE", "z", "0", "-1"}) == Bulks({"a", "c", "d", "e"}));
  CHECK(z.Run({"ZREMRANGEBYRANK", "z", "-2", "-1"}) == ":2\r\n");
  CHECK(z.Run({"ZRANGE", "z", "0", "-1"}) == Bulks({"a", "c"}));
  CHECK(z.Run({"ZREMRANGEBYRANK", "z", "5", "9"}) == ":0\r\n");
  CHECK(z.Run({"ZREMRANGEBYSCORE", "z", "-inf", "+inf"}) == ":2\r\n");
  CHECK(z.Run({"EXISTS", "z"}) == ":0\r\n");
  CHECK(z.Run({"ZADD", "l", "0", "a", "0", "b", "0", "c", "0", "d"}) == ":4\r\n");
  CHECK(z.Run({"ZREMRANGEBYLEX", "l", "[b", "(d"}) == ":2\r\n");
  CHECK(z.Run({"ZRANGE", "l", "0", "-1"}) == Bulks({"a", "d"}));
  std::vector<std::string> log;
  CHECK(z.n.Run(z.s, {"ZREMRANGEBYSCORE", "l", "str", "1"}, &log) == Err(err::kMinMaxNotFloat));
  CHECK(z.n.Run(z.s, {"ZREMRANGEBYSCORE", "l", "1", "NaN"}, &log) == Err(err::kMinMaxNotFloat));
  CHECK(z.n.Run(z.s, {"ZREMRANGEBYRANK", "l", "x", "1"}, &log) == Err(err::kNotInteger));
  CHECK(z.n.Run(z.s, {"ZREMRANGEBYLEX", "l", "b", "c"}, &log) == Err(err::kLexRange));
  CHECK(log.empty());
}

TEST_CASE("ZUNION, ZINTER, ZDIFF, ZINTERCARD and the STORE forms, sets as inputs") {
  Node n;
  Session s;
  CHECK(n.Run(s, {"ZADD", "x", "1", "a", "2", "b", "3", "c"}) == ":3\r\n");
  CHECK(n.Run(s, {"ZADD", "y", "10", "b", "20", "c", "30", "d"}) == ":3\r\n");
  CHECK(n.Run(s, {"SADD", "set", "a", "d"}) == ":2\r\n");
  CHECK(n.Run(s, {"ZUNION", "2", "x", "y", "WITHSCORES"}) ==
        Bulks({"a", "1", "b", "12", "c", "23", "d", "30"}));
  CHECK(n.Run(s, {"ZUNION", "2", "x", "y", "WEIGHTS", "2", "0.5", "AGGREGATE", "MAX",
                  "WITHSCORES"}) == Bulks({"a", "2", "b", "5", "c", "10", "d", "15"}));
  CHECK(n.Run(s, {"ZINTER", "2", "x", "y", "AGGREGATE", "MIN", "WITHSCORES"}) ==
        Bulks({"b", "2", "c", "3"}));
  CHECK(n.Run(s, {"ZINTER", "2", "x", "set", "WITHSCORES"}) == Bulks({"a", "2"}));
  CHECK(n.Run(s, {"ZINTER", "2", "x", "nokey"}) == "*0\r\n");
  CHECK(n.Run(s, {"ZDIFF", "2", "x", "y", "WITHSCORES"}) == Bulks({"a", "1"}));
  CHECK(n.Run(s, {"ZDIFF", "1", "nokey"}) == "*0\r\n");
  CHECK(n.Run(s, {"ZINTERCARD", "2", "x", "y"}) == ":2\r\n");
  CHECK(n.Run(s, {"ZINTERCARD", "2", "x", "y", "LIMIT", "1"}) == ":1\r\n");
  CHECK(n.Run(s, {"ZUNIONSTORE", "dst", "2", "x", "set"}) == ":4\r\n");
  // zset order: score, then member (a and set's d score 1 each, summed)
  CHECK(n.Run(s, {"ZRANGE", "dst", "0", "-1", "WITHSCORES"}) ==
        Bulks({"d", "1", "a", "2", "b", "2", "c", "3"}));
  CHECK(n.Run(s, {"ZINTERSTORE", "dst", "2", "x", "y", "WEIGHTS", "1", "0"}) == ":2\r\n");
  CHECK(n.Run(s, {"ZRANGE", "dst", "0", "-1", "WITHSCORES"}) == Bulks({"b", "2", "c", "3"}));
  CHECK(n.Run(s, {"ZDIFFSTORE", "dst", "2", "x", "x"}) == ":0\r\n");
  CHECK(n.Run(s, {"EXISTS", "dst"}) == ":0\r\n");
  // inf + -inf sums to 0, as in Redis.
  CHECK(n.Run(s, {"ZADD", "p", "+inf", "k"}) == ":1\r\n");
  CHECK(n.Run(s, {"ZADD", "m", "-inf", "k"}) == ":1\r\n");
  CHECK(n.Run(s, {"ZUNIONSTORE", "dst", "2", "p", "m"}) == ":1\r\n");
  CHECK(n.Run(s, {"ZSCORE", "dst", "k"}) == "$1\r\n0\r\n");
  s.protocol = 3;
  CHECK(n.Run(s, {"ZINTER", "2", "x", "y", "WITHSCORES"}) ==
        "*2\r\n*2\r\n$1\r\nb\r\n,12\r\n*2\r\n$1\r\nc\r\n,23\r\n");
}

TEST_CASE("ZUNION family: Redis's argument errors; store forms refuse them before the log") {
  Node n;
  Session s;
  CHECK(n.Run(s, {"ZADD", "x", "1", "a"}) == ":1\r\n");
  CHECK(n.Run(s, {"SET", "str", "v"}) == "+OK\r\n");
  for (std::string cmd : {"zunion", "zinter", "zdiff", "zintercard"}) {
    CHECK(n.Run(s, {cmd, "0", "x"}) == Err(err::AtLeastOneInputKey(cmd)));
  }
  std::vector<std::string> log;
  for (std::string cmd : {"zunionstore", "zinterstore", "zdiffstore"}) {
    CHECK(n.Run(s, {cmd, "d", "0", "x"}, &log) == Err(err::AtLeastOneInputKey(cmd)));
    CHECK(n.Run(s, {cmd, "d", "2", "x", "x", "WITHSCORES"}, &log) == Err(err::kSyntax));
    CHECK(n.Run(s, {cmd, "d", "3", "x", "x"}, &log) == Err(err::kSyntax));
  }
  CHECK(n.Run(s, {"ZUNIONSTORE", "d", "2", "x", "x", "WEIGHTS", "nan", "nan"}, &log) ==
        Err(err::kWeightNotFloat));
  CHECK(n.Run(s, {"ZINTERSTORE", "d", "1", "x", "AGGREGATE", "AVG"}, &log) == Err(err::kSyntax));
  CHECK(n.Run(s, {"ZDIFFSTORE", "d", "1", "x", "WEIGHTS", "1"}, &log) == Err(err::kSyntax));
  CHECK(log.empty());
  CHECK(n.Run(s, {"ZUNION", "2", "x", "str"}) == kWrongType);
  CHECK(n.Run(s, {"ZINTERSTORE", "d", "2", "x", "str"}) == kWrongType);
  CHECK(n.Run(s, {"ZINTERCARD", "1", "x", "x"}) == Err(err::kSyntax));
  CHECK(n.Run(s, {"ZINTERCARD", "1", "x", "LIMIT"}) == Err(err::kSyntax));
  CHECK(n.Run(s, {"ZINTERCARD", "1", "x", "LIMIT", "-1"}) == Err(err::kNegativeLimit));
  CHECK(n.Run(s, {"ZINTERCARD", "1", "x", "LIMIT", "a"}) == Err(err::kNegativeLimit));
}

TEST_CASE("ZRANDMEMBER and ZSCAN answer scores; RESP3 WITHSCORES pairs") {
  ZNode z;
  CHECK(z.Run({"ZRANDMEMBER", "nokey"}) == "$-1\r\n");
  CHECK(z.Run({"ZRANDMEMBER", "z", "0"}) == "*0\r\n");
  CHECK(z.Run({"ZRANDMEMBER", "z", "5", "WITHSCORES"}) ==
        Bulks({"a", "1", "b", "2", "c", "3", "d", "4", "e", "5"}));
  const std::string one = z.Run({"ZRANDMEMBER", "z"});
  CHECK(one.size() == 7);  // $1\r\nX\r\n
  const std::string picks = z.Run({"ZRANDMEMBER", "z", "-20", "WITHSCORES"});
  CHECK(picks.starts_with("*40\r\n"));
  CHECK(z.Run({"ZRANDMEMBER", "z", "1", "BAD"}) == Err(err::kSyntax));
  const std::string all = Bulks({"a", "1", "b", "2", "c", "3", "d", "4", "e", "5"});
  CHECK(z.Run({"ZSCAN", "z", "0"}) == "*2\r\n$1\r\n0\r\n" + all);
  CHECK(z.Run({"ZSCAN", "z", "0", "MATCH", "c*"}) == "*2\r\n$1\r\n0\r\n" + Bulks({"c", "3"}));
  z.s.protocol = 3;
  CHECK(z.Run({"ZRANDMEMBER", "z", "1", "WITHSCORES"}).starts_with("*1\r\n*2\r\n$1\r\n"));
}

TEST_CASE("OBJECT ENCODING follows zset-max-listpack-entries and -value; WRONGTYPE both ways") {
  Node n;
  Session s;
  CHECK(n.Run(s, {"ZADD", "z", "1", "a", "2", "b"}) == ":2\r\n");
  CHECK(n.Run(s, {"OBJECT", "ENCODING", "z"}) == "$8\r\nlistpack\r\n");
  CHECK(n.Run(s, {"ZADD", "long", "1", std::string(65, 'x')}) == ":1\r\n");
  CHECK(n.Run(s, {"OBJECT", "ENCODING", "long"}) == "$8\r\nskiplist\r\n");
  // Past the default 128 entries (the harness keeps no config: the compiled defaults apply).
  std::vector<std::string> big = {"ZADD", "big"};
  for (int i = 0; i < 129; ++i) {
    big.push_back(std::to_string(i));
    big.push_back("m" + std::to_string(i));
  }
  CHECK(n.Run(s, big) == ":129\r\n");
  CHECK(n.Run(s, {"OBJECT", "ENCODING", "big"}) == "$8\r\nskiplist\r\n");
  CHECK(n.Run(s, {"ZREM", "big", "m0"}) == ":1\r\n");  // one-way, as Redis converts
  CHECK(n.Run(s, {"OBJECT", "ENCODING", "big"}) == "$8\r\nskiplist\r\n");
  CHECK(n.Run(s, {"ZRANGESTORE", "one", "big", "0", "0"}) == ":1\r\n");
  CHECK(n.Run(s, {"OBJECT", "ENCODING", "one"}) == "$8\r\nlistpack\r\n");
  CHECK(n.Run(s, {"SET", "str", "v"}) == "+OK\r\n");
  for (const std::vector<std::string>& cmd :
       {std::vector<std::string>{"ZADD", "str", "1", "a"}, {"ZSCORE", "str", "a"},
        {"ZRANGE", "str", "0", "-1"}, {"ZCARD", "str"}, {"ZREM", "str", "a"},
        {"ZPOPMIN", "str"}, {"ZRANK", "str", "a"}, {"ZRANDMEMBER", "str"}, {"ZSCAN", "str", "0"},
        {"ZINCRBY", "str", "1", "a"}, {"ZMPOP", "1", "str", "MIN"}, {"ZCOUNT", "str", "0", "1"}}) {
    CAPTURE(cmd[0]);
    CHECK(n.Run(s, cmd) == kWrongType);
  }
  CHECK(n.Run(s, {"GET", "z"}) == kWrongType);
  CHECK(n.Run(s, {"SADD", "z", "x"}) == kWrongType);
}

TEST_CASE("RENAME, COPY and MOVE carry a zset's members and score index") {
  ZNode z;
  CHECK(z.Run({"RENAME", "z", "r"}) == "+OK\r\n");
  CHECK(z.Run({"ZRANGEBYSCORE", "r", "2", "3"}) == Bulks({"b", "c"}));
  CHECK(z.Run({"COPY", "r", "c"}) == ":1\r\n");
  CHECK(z.Run({"ZREM", "r", "b"}) == ":1\r\n");
  CHECK(z.Run({"ZRANGE", "c", "0", "-1", "WITHSCORES"}) ==
        Bulks({"a", "1", "b", "2", "c", "3", "d", "4", "e", "5"}));
  CHECK(z.Run({"MOVE", "c", "1"}) == ":1\r\n");
  CHECK(z.Run({"SELECT", "1"}) == "+OK\r\n");
  CHECK(z.Run({"ZREVRANGE", "c", "0", "0"}) == Bulks({"e"}));
  CHECK(z.Run({"ZSCORE", "c", "b"}) == "$1\r\n2\r\n");
}

TEST_CASE("BZPOPMIN, BZPOPMAX, BZMPOP: pop at once, or block off the log until a key is written") {
  ZNode z;
  Outcome o{};
  std::vector<std::string> log;
  CHECK(z.Run({"BZPOPMIN", "nokey", "z", "0"}) == Bulks({"z", "a", "1"}));
  CHECK(z.Run({"BZPOPMAX", "z", "1.5"}) == Bulks({"z", "e", "5"}));
  CHECK(z.Run({"BZMPOP", "0", "2", "nokey", "z", "MAX", "COUNT", "2"}) ==
        "*2\r\n$1\r\nz\r\n*2\r\n*2\r\n$1\r\nd\r\n$1\r\n4\r\n*2\r\n$1\r\nc\r\n$1\r\n3\r\n");
  // No key exists: the command waits, nothing is logged, the session knows its deadline.
  Session waiter;
  CHECK(z.n.Run(waiter, {"BZPOPMIN", "q", "2.5"}, &log, &o).empty());
  CHECK(o == Outcome::kBlock);
  CHECK(log.empty());
  CHECK(waiter.blocked);
  CHECK(waiter.block_deadline_ms == kNow + 2500);
  // Run again while still missing (the node does so after writes): the deadline stays.
  CHECK(z.n.Run(waiter, {"BZPOPMIN", "q", "2.5"}, &log, &o).empty());
  CHECK(o == Outcome::kBlock);
  CHECK(waiter.block_deadline_ms == kNow + 2500);
  // A key of another type does not wake a blocked client; a zset does.
  CHECK(z.Run({"SET", "q", "string"}) == "+OK\r\n");
  CHECK(z.n.Run(waiter, {"BZPOPMIN", "q", "2.5"}, &log, &o).empty());
  CHECK(o == Outcome::kBlock);
  CHECK(z.Run({"DEL", "q"}) == ":1\r\n");
  CHECK(z.Run({"ZADD", "q", "7", "x"}) == ":1\r\n");
  CHECK(z.n.Run(waiter, {"BZPOPMIN", "q", "2.5"}) == Bulks({"q", "x", "7"}));
  CHECK_FALSE(waiter.blocked);
  // The deadline passed: the timeout reply (a null array), as Redis gives it.
  CHECK(z.n.Run(waiter, {"BZMPOP", "0", "1", "q", "MIN"}, &log, &o).empty());
  CHECK(waiter.block_deadline_ms == 0);  // 0: for ever
  waiter.block_timed_out = true;
  CHECK(z.n.Run(waiter, {"BZMPOP", "0", "1", "q", "MIN"}) == "*-1\r\n");
  CHECK_FALSE(waiter.blocked);
  // A first run against the wrong type is WRONGTYPE, not a wait.
  CHECK(z.Run({"SET", "str", "v"}) == "+OK\r\n");
  CHECK(z.Run({"BZPOPMIN", "str", "0"}) == kWrongType);
  // Inside MULTI it does not wait: an empty key answers as a timeout.
  CHECK(z.Run({"MULTI"}) == "+OK\r\n");
  CHECK(z.Run({"BZPOPMIN", "nokey", "0"}) == "+QUEUED\r\n");
  CHECK(z.Run({"EXEC"}) == "*1\r\n*-1\r\n");
  log.clear();
  CHECK(z.n.Run(z.s, {"BZPOPMIN", "q", "x"}, &log) == Err(err::kTimeoutNotFloat));
  CHECK(z.n.Run(z.s, {"BZPOPMIN", "q", "-1"}, &log) == Err(err::kTimeoutNegative));
  CHECK(z.n.Run(z.s, {"BZMPOP", "x", "1", "q", "MIN"}, &log) == Err(err::kTimeoutNotFloat));
  CHECK(z.n.Run(z.s, {"BZMPOP", "0", "0", "q", "MIN"}, &log) == Err(err::kNumkeysNotPositive));
  CHECK(z.n.Run(z.s, {"BZMPOP", "0", "1", "q", "MIN", "COUNT", "0"}, &log) ==
        Err(err::kCountNotPositive));
  CHECK(log.empty());
}
