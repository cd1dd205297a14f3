// MULTI / EXEC / DISCARD / WATCH against a real cairn-server, in Redis's words where Redis's own
// suite (tests/unit/multi.tcl) has the case. One server for most of the program; each test case
// starts from FLUSHALL. WATCH cases run twice where it matters: with a read-only transaction
// (checked and run at once, never logged) and with a transaction that writes (checked when its
// log record is applied).
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "harness.h"

namespace {

using cairn::testing::Command;
using cairn::testing::ContextPtr;
using cairn::testing::ReplyPtr;
using cairn::testing::ServerProcess;

constexpr const char* kExecAbort = "EXECABORT Transaction discarded because of previous errors.";
constexpr const char* kNotInteger = "ERR value is not an integer or out of range";
constexpr const char* kNotAllowed = "ERR Command not allowed inside a transaction";

ServerProcess& Server() { return cairn::testing::SharedServer(); }

struct Client {
  ContextPtr c;
  explicit Client(const ServerProcess& s = Server()) : c(s.Connect()) { REQUIRE(c != nullptr); }
  std::string R(const std::vector<std::string>& argv) { return cairn::testing::Run(c.get(), argv); }
};

struct Fixture {
  Client a;
  Fixture() { REQUIRE(a.R({"FLUSHALL"}) == "OK"); }
  std::string R(const std::vector<std::string>& argv) { return a.R(argv); }
  // Runs MULTI, `body`, EXEC on `cl`; returns the rendered EXEC reply ("(nil)" when aborted).
  std::string Txn(Client& cl, const std::vector<std::vector<std::string>>& body) {
    REQUIRE(cl.R({"MULTI"}) == "OK");
    for (const auto& argv : body) REQUIRE(cl.R(argv) == "QUEUED");
    return cl.R({"EXEC"});
  }
  std::string Txn(const std::vector<std::vector<std::string>>& body) { return Txn(a, body); }
  // A read-only body and a writing body: the two EXEC paths.
  static std::vector<std::vector<std::vector<std::string>>> Bodies() {
    return {{{"PING"}}, {{"SET", "txn-side-effect", "1"}}};
  }
  static std::string Expected(const std::vector<std::vector<std::string>>& body) {
    return body[0][0] == "PING" ? "[PONG]" : "[OK]";
  }
};

// Active expiry off for the scope (it is node-wide), on again at the end.
struct NoActiveExpire {
  Client& cl;
  explicit NoActiveExpire(Client& c) : cl(c) {
    REQUIRE(cl.R({"DEBUG", "SET-ACTIVE-EXPIRE", "0"}) == "OK");
  }
  ~NoActiveExpire() { cl.R({"DEBUG", "SET-ACTIVE-EXPIRE", "1"}); }
};

void SleepMs(int ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }

}  // namespace

// --- MULTI / EXEC / DISCARD ---

TEST_CASE_FIXTURE(Fixture, "MULTI / EXEC basics") {
  R({"SET", "k", "v"});
  CHECK(R({"MULTI"}) == "OK");
  CHECK(R({"GET", "k"}) == "QUEUED");
  CHECK(R({"PING"}) == "QUEUED");
  CHECK(R({"SET", "k2", "v2"}) == "QUEUED");
  CHECK(R({"GET", "k2"}) == "QUEUED");
  CHECK(R({"EXEC"}) == "[v,PONG,OK,v2]");
  CHECK(R({"GET", "k2"}) == "v2");
}

TEST_CASE_FIXTURE(Fixture, "EXEC of an empty transaction is an empty array") {
  CHECK(R({"MULTI"}) == "OK");
  CHECK(R({"EXEC"}) == "[]");
}

TEST_CASE_FIXTURE(Fixture, "DISCARD") {
  R({"SET", "k", "v"});
  CHECK(R({"MULTI"}) == "OK");
  CHECK(R({"DEL", "k"}) == "QUEUED");
  CHECK(R({"DISCARD"}) == "OK");
  CHECK(R({"GET", "k"}) == "v");
  CHECK(R({"EXEC"}) == "ERR EXEC without MULTI");
}

TEST_CASE_FIXTURE(Fixture, "Nested MULTI are not allowed") {
  CHECK(R({"MULTI"}) == "OK");
  CHECK(R({"MULTI"}) == "ERR MULTI calls can not be nested");
  CHECK(R({"SET", "k", "v"}) == "QUEUED");
  CHECK(R({"EXEC"}) == "[OK]");  // the nested MULTI does not abort the transaction
}

TEST_CASE_FIXTURE(Fixture, "EXEC without MULTI and DISCARD without MULTI") {
  CHECK(R({"EXEC"}) == "ERR EXEC without MULTI");
  CHECK(R({"DISCARD"}) == "ERR DISCARD without MULTI");
}

TEST_CASE_FIXTURE(Fixture, "WATCH inside MULTI is not allowed") {
  CHECK(R({"MULTI"}) == "OK");
  CHECK(R({"WATCH", "x"}) == "ERR WATCH inside MULTI is not allowed");
  CHECK(R({"SET", "x", "1"}) == "QUEUED");
  CHECK(R({"EXEC"}) == "[OK]");
}

TEST_CASE_FIXTURE(Fixture, "EXEC fails if there are errors while queueing commands #1") {
  CHECK(R({"MULTI"}) == "OK");
  CHECK(R({"SET", "foo1", "bar1"}) == "QUEUED");
  CHECK(R({"NON-EXISTING-COMMAND"}) ==
        "ERR unknown command 'NON-EXISTING-COMMAND', with args beginning with: ");
  CHECK(R({"SET", "foo2", "bar2"}) == "QUEUED");
  CHECK(R({"EXEC"}) == kExecAbort);
  CHECK(R({"EXISTS", "foo1", "foo2"}) == "0");
}

TEST_CASE_FIXTURE(Fixture, "EXEC fails if there are errors while queueing commands #2") {
  // Wrong arity, then a syntax error the write's validator finds while queuing.
  CHECK(R({"MULTI"}) == "OK");
  CHECK(R({"SET", "foo1", "bar1"}) == "QUEUED");
  CHECK(R({"GET", "a", "b"}) == "ERR wrong number of arguments for 'get' command");
  CHECK(R({"EXEC"}) == kExecAbort);
  CHECK(R({"MULTI"}) == "OK");
  CHECK(R({"SET", "foo1", "bar1"}) == "QUEUED");
  CHECK(R({"SET", "foo2", "bar2", "EX", "abc"}) == kNotInteger);
  CHECK(R({"SET", "foo3", "bar3", "NOSUCHOPTION"}) == "ERR syntax error");
  CHECK(R({"EXEC"}) == kExecAbort);
  CHECK(R({"EXISTS", "foo1", "foo2", "foo3"}) == "0");
}

TEST_CASE_FIXTURE(Fixture, "If EXEC aborts, the client MULTI state is cleared") {
  CHECK(R({"MULTI"}) == "OK");
  CHECK(R({"SET", "foo1", "bar1"}) == "QUEUED");
  R({"NON-EXISTING-COMMAND"});
  CHECK(R({"EXEC"}) == kExecAbort);
  CHECK(R({"PING"}) == "PONG");
  CHECK(R({"EXISTS", "foo1"}) == "0");
}

TEST_CASE_FIXTURE(Fixture, "EXEC with at least one use-after-error") {
  // A command that fails while running answers its error in its slot; the others still run.
  R({"SET", "s", "not-a-number"});
  CHECK(R({"MULTI"}) == "OK");
  CHECK(R({"SET", "a", "1"}) == "QUEUED");
  CHECK(R({"INCR", "s"}) == "QUEUED");
  CHECK(R({"INCR", "a"}) == "QUEUED");
  CHECK(R({"RENAME", "missing", "b"}) == "QUEUED");
  CHECK(R({"GET", "a"}) == "QUEUED");
  CHECK(R({"EXEC"}) == std::string("[OK,") + kNotInteger + ",2,ERR no such key,2]");
  CHECK(R({"GET", "a"}) == "2");
  CHECK(R({"GET", "s"}) == "not-a-number");
}

TEST_CASE_FIXTURE(Fixture, "Commands not allowed in MULTI get Redis's error and abort EXEC") {
  for (const char* cmd : {"SAVE", "MONITOR", "SHUTDOWN"}) {
    CAPTURE(cmd);
    CHECK(R({"MULTI"}) == "OK");
    CHECK(R({"SET", "k", "v"}) == "QUEUED");
    CHECK(R({cmd}) == kNotAllowed);
    CHECK(R({"EXEC"}) == kExecAbort);
    CHECK(R({"EXISTS", "k"}) == "0");
  }
}

TEST_CASE_FIXTURE(Fixture, "UNWATCH inside MULTI is queued, as in Redis") {
  CHECK(R({"MULTI"}) == "OK");
  CHECK(R({"UNWATCH"}) == "QUEUED");
  CHECK(R({"EXEC"}) == "[OK]");
}

TEST_CASE_FIXTURE(Fixture, "SELECT inside MULTI affects the following queued commands") {
  R({"SELECT", "0"});
  CHECK(R({"MULTI"}) == "OK");
  CHECK(R({"SET", "k", "db0"}) == "QUEUED");
  CHECK(R({"SELECT", "5"}) == "QUEUED");
  CHECK(R({"SET", "k", "db5"}) == "QUEUED");
  CHECK(R({"SELECT", "99"}) == "QUEUED");  // fails when run, and the db stays 5
  CHECK(R({"GET", "k"}) == "QUEUED");
  CHECK(R({"EXEC"}) == "[OK,OK,OK,ERR DB index is out of range,db5]");
  // The session stays in the database the transaction selected.
  CHECK(R({"GET", "k"}) == "db5");
  CHECK(R({"SELECT", "0"}) == "OK");
  CHECK(R({"GET", "k"}) == "db0");
  // The same in a transaction that only reads.
  CHECK(R({"MULTI"}) == "OK");
  CHECK(R({"SELECT", "5"}) == "QUEUED");
  CHECK(R({"GET", "k"}) == "QUEUED");
  CHECK(R({"EXEC"}) == "[OK,db5]");
  CHECK(R({"GET", "k"}) == "db5");
  R({"SELECT", "0"});
}

TEST_CASE_FIXTURE(Fixture, "Validators see the database of a queued SELECT") {
  // MOVE k 0 from db 0 is refused at once; after a queued SELECT 1 it is valid.
  R({"SELECT", "0"});
  CHECK(R({"MULTI"}) == "OK");
  CHECK(R({"SELECT", "1"}) == "QUEUED");
  CHECK(R({"SET", "k", "v"}) == "QUEUED");
  CHECK(R({"MOVE", "k", "0"}) == "QUEUED");
  CHECK(R({"EXEC"}) == "[OK,OK,1]");
  CHECK(R({"SELECT", "0"}) == "OK");
  CHECK(R({"GET", "k"}) == "v");
  CHECK(R({"MULTI"}) == "OK");
  CHECK(R({"MOVE", "k", "0"}) == "ERR source and destination objects are the same");
  CHECK(R({"EXEC"}) == kExecAbort);
}

TEST_CASE_FIXTURE(Fixture, "RESET inside MULTI discards the transaction and the watched keys") {
  R({"SET", "x", "1"});
  CHECK(R({"WATCH", "x"}) == "OK");
  CHECK(R({"MULTI"}) == "OK");
  CHECK(R({"SET", "k", "v"}) == "QUEUED");
  CHECK(R({"RESET"}) == "RESET");
  CHECK(R({"EXEC"}) == "ERR EXEC without MULTI");
  CHECK(R({"EXISTS", "k"}) == "0");
  // x is no longer watched: a change to it does not abort the next EXEC.
  Client b;
  CHECK(b.R({"SET", "x", "2"}) == "OK");
  CHECK(Txn({{"SET", "k", "v"}}) == "[OK]");
}

TEST_CASE_FIXTURE(Fixture, "QUIT inside MULTI closes the connection and runs nothing") {
  CHECK(R({"MULTI"}) == "OK");
  CHECK(R({"SET", "k", "v"}) == "QUEUED");
  CHECK(R({"QUIT"}) == "OK");
  Client b;
  CHECK(b.R({"EXISTS", "k"}) == "0");
}

TEST_CASE_FIXTURE(Fixture, "A pipelined transaction replies in order: +OK, +QUEUED..., then EXEC") {
  // A write before MULTI is still in the log when MULTI arrives: the replies keep their order.
  std::string bytes = "SET p 0\r\nMULTI\r\nSET p 1\r\nINCR p\r\nGET p\r\nEXEC\r\nGET p\r\n";
  std::string want =
      "+OK\r\n+OK\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n*3\r\n+OK\r\n:2\r\n$1\r\n2\r\n$1\r\n2\r\n";
  CHECK(cairn::testing::RawExchange(Server().port(), bytes, want.size()) == want);
}

TEST_CASE_FIXTURE(Fixture, "A write pipelined after EXEC runs in the database its SELECT chose") {
  // The SET after EXEC must wait for the transaction's apply: its SELECT decides SET's database.
  std::string bytes =
      "MULTI\r\nSELECT 1\r\nSET a 1\r\nEXEC\r\nSET b 2\r\nSELECT 0\r\nEXISTS b\r\n"
      "SELECT 1\r\nEXISTS a b\r\n";
  std::string want =
      "+OK\r\n+QUEUED\r\n+QUEUED\r\n*2\r\n+OK\r\n+OK\r\n+OK\r\n+OK\r\n:0\r\n+OK\r\n:2\r\n";
  CHECK(cairn::testing::RawExchange(Server().port(), bytes, want.size()) == want);
}

TEST_CASE_FIXTURE(Fixture, "RESP3 connections get EXEC replies in RESP3 form") {
  std::string bytes =
      "HELLO 3\r\nMULTI\r\nSET k v\r\nGET missing\r\nEXISTS k\r\nEXEC\r\n"
      "WATCH k\r\nSET k w\r\nMULTI\r\nSET k z\r\nEXEC\r\n"
      "WATCH k\r\nSET k w\r\nMULTI\r\nGET k\r\nEXEC\r\n";
  std::string out = cairn::testing::RawExchange(Server().port(), bytes, 1 << 20, 1500);
  // Skip HELLO's map; the rest is exact.
  size_t at = out.find("+OK\r\n+QUEUED");
  REQUIRE(at != std::string::npos);
  CHECK(out.substr(at) ==
        "+OK\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n*3\r\n+OK\r\n_\r\n:1\r\n"
        "+OK\r\n+OK\r\n+OK\r\n+QUEUED\r\n_\r\n"
        "+OK\r\n+OK\r\n+OK\r\n+QUEUED\r\n_\r\n");
  CHECK(R({"GET", "k"}) == "w");
}

TEST_CASE_FIXTURE(Fixture, "RESP2 gets a null array when a watched key changed") {
  std::string bytes = "WATCH k\r\nSET k w\r\nMULTI\r\nSET k z\r\nEXEC\r\n";
  std::string want = "+OK\r\n+OK\r\n+OK\r\n+QUEUED\r\n*-1\r\n";
  CHECK(cairn::testing::RawExchange(Server().port(), bytes, want.size()) == want);
}

// --- WATCH ---

TEST_CASE_FIXTURE(Fixture, "EXEC works on WATCHed key not modified") {
  for (const auto& body : Bodies()) {
    R({"SET", "x", "1"});
    CHECK(R({"WATCH", "x", "y", "z"}) == "OK");
    CHECK(R({"WATCH", "k"}) == "OK");
    CHECK(Txn(body) == Expected(body));
  }
}

TEST_CASE_FIXTURE(Fixture, "EXEC fail on WATCHed key modified (1 key of 1 watched)") {
  for (const auto& body : Bodies()) {
    Client b;
    R({"SET", "x", "30"});
    CHECK(R({"WATCH", "x"}) == "OK");
    CHECK(b.R({"SET", "x", "40"}) == "OK");
    CHECK(Txn(body) == "(nil)");
    CHECK(R({"EXISTS", "txn-side-effect"}) == "0");
  }
}

TEST_CASE_FIXTURE(Fixture, "EXEC fail on WATCHed key modified (1 key of 5 watched)") {
  for (const auto& body : Bodies()) {
    Client b;
    R({"SET", "x", "30"});
    CHECK(R({"WATCH", "a", "b", "x", "k", "z"}) == "OK");
    CHECK(b.R({"SET", "x", "40"}) == "OK");
    CHECK(Txn(body) == "(nil)");
  }
}

TEST_CASE_FIXTURE(Fixture, "EXEC fails on a WATCHed key rewritten with the same value") {
  // Any write counts, even one that leaves the value as it was (Redis: signalModifiedKey).
  for (const auto& body : Bodies()) {
    Client b;
    R({"SET", "x", "same"});
    CHECK(R({"WATCH", "x"}) == "OK");
    CHECK(b.R({"SET", "x", "same"}) == "OK");
    CHECK(Txn(body) == "(nil)");
  }
}

TEST_CASE_FIXTURE(Fixture, "EXEC fails when a watched missing key is created by another client") {
  for (const auto& body : Bodies()) {
    Client b;
    R({"DEL", "x"});
    CHECK(R({"WATCH", "x"}) == "OK");
    CHECK(b.R({"SET", "x", "1"}) == "OK");
    CHECK(Txn(body) == "(nil)");
  }
}

TEST_CASE_FIXTURE(Fixture,
                  "EXEC fails when a watched key is deleted, or deleted and created again") {
  for (const auto& body : Bodies()) {
    Client b;
    R({"SET", "x", "1"});
    CHECK(R({"WATCH", "x"}) == "OK");
    CHECK(b.R({"DEL", "x"}) == "1");
    CHECK(Txn(body) == "(nil)");
    R({"SET", "x", "1"});
    CHECK(R({"WATCH", "x"}) == "OK");
    CHECK(b.R({"DEL", "x"}) == "1");
    CHECK(b.R({"SET", "x", "1"}) == "OK");
    CHECK(Txn(body) == "(nil)");
  }
}

TEST_CASE_FIXTURE(Fixture, "A change by the watching client itself aborts its EXEC") {
  for (const auto& body : Bodies()) {
    R({"SET", "x", "1"});
    CHECK(R({"WATCH", "x"}) == "OK");
    CHECK(R({"INCR", "x"}) == "2");
    CHECK(Txn(body) == "(nil)");
  }
}

TEST_CASE_FIXTURE(Fixture, "A transaction of another client aborts EXEC on a key it changed") {
  for (const auto& body : Bodies()) {
    Client b;
    R({"SET", "x", "1"});
    CHECK(R({"WATCH", "x"}) == "OK");
    CHECK(Txn(b, {{"INCR", "x"}, {"GET", "x"}}) == "[2,2]");
    CHECK(Txn(body) == "(nil)");
  }
}

TEST_CASE_FIXTURE(Fixture, "RENAME touches the watched source and destination") {
  for (const auto& body : Bodies()) {
    Client b;
    R({"SET", "src", "1"});
    R({"SET", "dst", "2"});
    CHECK(R({"WATCH", "src"}) == "OK");
    CHECK(b.R({"RENAME", "src", "other"}) == "OK");
    CHECK(Txn(body) == "(nil)");
    CHECK(R({"WATCH", "dst"}) == "OK");
    CHECK(b.R({"RENAME", "other", "dst"}) == "OK");
    CHECK(Txn(body) == "(nil)");
  }
}

TEST_CASE_FIXTURE(Fixture, "After successful EXEC key is no longer watched") {
  for (const auto& body : Bodies()) {
    R({"SET", "x", "30"});
    CHECK(R({"WATCH", "x"}) == "OK");
    CHECK(Txn(body) == Expected(body));
    R({"SET", "x", "40"});
    CHECK(Txn(body) == Expected(body));
  }
}

TEST_CASE_FIXTURE(Fixture, "After failed EXEC key is no longer watched") {
  for (const auto& body : Bodies()) {
    R({"SET", "x", "30"});
    CHECK(R({"WATCH", "x"}) == "OK");
    R({"SET", "x", "40"});
    CHECK(Txn(body) == "(nil)");
    R({"SET", "x", "40"});
    CHECK(Txn(body) == Expected(body));
  }
}

TEST_CASE_FIXTURE(Fixture, "It is possible to UNWATCH") {
  for (const auto& body : Bodies()) {
    R({"SET", "x", "30"});
    CHECK(R({"WATCH", "x"}) == "OK");
    R({"SET", "x", "40"});
    CHECK(R({"UNWATCH"}) == "OK");
    CHECK(Txn(body) == Expected(body));
  }
}

TEST_CASE_FIXTURE(Fixture, "UNWATCH when there is nothing watched works as expected") {
  CHECK(R({"UNWATCH"}) == "OK");
}

TEST_CASE_FIXTURE(Fixture, "FLUSHALL is able to touch the watched keys") {
  for (const auto& body : Bodies()) {
    Client b;
    R({"SET", "x", "30"});
    CHECK(R({"WATCH", "x"}) == "OK");
    CHECK(b.R({"FLUSHALL"}) == "OK");
    CHECK(Txn(body) == "(nil)");
  }
}

TEST_CASE_FIXTURE(Fixture, "FLUSHALL does not touch non affected keys") {
  for (const auto& body : Bodies()) {
    R({"DEL", "x"});
    CHECK(R({"WATCH", "x"}) == "OK");
    CHECK(R({"FLUSHALL"}) == "OK");
    CHECK(Txn(body) == Expected(body));
  }
}

TEST_CASE_FIXTURE(Fixture, "FLUSHDB is able to touch the watched keys") {
  for (const auto& body : Bodies()) {
    R({"SET", "x", "30"});
    CHECK(R({"WATCH", "x"}) == "OK");
    CHECK(R({"FLUSHDB"}) == "OK");
    CHECK(Txn(body) == "(nil)");
  }
}

TEST_CASE_FIXTURE(Fixture, "FLUSHDB does not touch non affected keys") {
  for (const auto& body : Bodies()) {
    R({"DEL", "x"});
    CHECK(R({"WATCH", "x"}) == "OK");
    CHECK(R({"FLUSHDB"}) == "OK");
    CHECK(Txn(body) == Expected(body));
  }
}

TEST_CASE_FIXTURE(Fixture, "SWAPDB is able to touch the watched keys that exist") {
  for (const auto& body : Bodies()) {
    R({"FLUSHALL"});
    R({"SELECT", "0"});
    R({"SET", "x", "30"});
    CHECK(R({"WATCH", "x"}) == "OK");
    CHECK(R({"SWAPDB", "0", "1"}) == "OK");
    CHECK(Txn(body) == "(nil)");
  }
}

TEST_CASE_FIXTURE(Fixture, "SWAPDB is able to touch the watched keys that do not exist") {
  for (const auto& body : Bodies()) {
    R({"FLUSHALL"});
    R({"SELECT", "1"});
    R({"SET", "x", "30"});
    R({"SELECT", "0"});
    CHECK(R({"WATCH", "x"}) == "OK");
    CHECK(R({"SWAPDB", "0", "1"}) == "OK");
    CHECK(Txn(body) == "(nil)");
  }
}

TEST_CASE_FIXTURE(Fixture,
                  "SWAPDB touches a watched key replaced by one written in the same transaction") {
  // x in db 0 and in db 1 get the same mod_index (one log entry): only the database's change
  // index tells the swap apart.
  for (const auto& body : Bodies()) {
    R({"FLUSHALL"});
    R({"SELECT", "0"});
    CHECK(Txn({{"SET", "x", "a"}, {"SELECT", "1"}, {"SET", "x", "b"}, {"SELECT", "0"}}) ==
          "[OK,OK,OK,OK]");
    CHECK(R({"WATCH", "x"}) == "OK");
    CHECK(R({"SWAPDB", "0", "1"}) == "OK");
    CHECK(Txn(body) == "(nil)");
  }
}

TEST_CASE_FIXTURE(Fixture, "SWAPDB does not touch watched stale keys") {
  NoActiveExpire guard(a);
  for (const auto& body : Bodies()) {
    R({"FLUSHALL"});
    R({"SELECT", "1"});
    R({"SET", "x", "foo", "PX", "1"});
    SleepMs(3);
    CHECK(R({"WATCH", "x"}) == "OK");
    CHECK(R({"SWAPDB", "0", "1"}) == "OK");  // expired key replaced with no key => no change
    CHECK(Txn(body) == Expected(body));
    R({"SELECT", "0"});
  }
}

TEST_CASE_FIXTURE(Fixture, "SWAPDB does not touch non-existing key replaced with stale key") {
  NoActiveExpire guard(a);
  for (const auto& body : Bodies()) {
    R({"FLUSHALL"});
    R({"SELECT", "0"});
    R({"SET", "x", "foo", "PX", "1"});
    SleepMs(3);
    R({"SELECT", "1"});
    CHECK(R({"WATCH", "x"}) == "OK");
    CHECK(R({"SWAPDB", "0", "1"}) == "OK");
    CHECK(Txn(body) == Expected(body));
    R({"SELECT", "0"});
  }
}

TEST_CASE_FIXTURE(Fixture, "SWAPDB does not touch stale key replaced with another stale key") {
  NoActiveExpire guard(a);
  for (const auto& body : Bodies()) {
    R({"FLUSHALL"});
    R({"SELECT", "1"});
    R({"SET", "x", "foo", "PX", "1"});
    R({"SELECT", "0"});
    R({"SET", "x", "bar", "PX", "1"});
    SleepMs(3);
    R({"SELECT", "1"});
    CHECK(R({"WATCH", "x"}) == "OK");
    CHECK(R({"SWAPDB", "0", "1"}) == "OK");
    CHECK(Txn(body) == Expected(body));
    R({"SELECT", "0"});
  }
}

TEST_CASE_FIXTURE(Fixture, "WATCH is able to remember the DB a key belongs to") {
  for (const auto& body : Bodies()) {
    R({"SELECT", "5"});
    R({"SET", "x", "30"});
    CHECK(R({"WATCH", "x"}) == "OK");
    R({"SELECT", "1"});
    R({"SET", "x", "10"});
    R({"SELECT", "5"});
    CHECK(Txn(body) == Expected(body));
    R({"SELECT", "0"});
  }
}

TEST_CASE_FIXTURE(Fixture, "WATCH will consider touched keys target of EXPIRE") {
  for (const auto& body : Bodies()) {
    R({"DEL", "x"});
    R({"SET", "x", "foo"});
    CHECK(R({"WATCH", "x"}) == "OK");
    CHECK(R({"EXPIRE", "x", "10"}) == "1");
    CHECK(Txn(body) == "(nil)");
  }
}

TEST_CASE_FIXTURE(Fixture, "WATCH will consider touched expired keys") {
  // Active expiry deletes the key between WATCH and EXEC.
  for (const auto& body : Bodies()) {
    R({"SET", "x", "foo", "PX", "300"});
    CHECK(R({"WATCH", "x"}) == "OK");
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (R({"DBSIZE"}) != "0" && std::chrono::steady_clock::now() < deadline) SleepMs(20);
    REQUIRE(R({"EXISTS", "x"}) == "0");
    CHECK(Txn(body) == "(nil)");
    R({"FLUSHALL"});
  }
}

TEST_CASE_FIXTURE(Fixture, "EXEC fail on lazy expired WATCHed key") {
  // The key is still stored at EXEC, but past its time: it counts as changed.
  NoActiveExpire guard(a);
  for (const auto& body : Bodies()) {
    // As Redis's test, a few tries: on a slow machine the key may expire before WATCH.
    std::string res;
    for (int attempt = 0; attempt < 10 && res != "(nil)"; ++attempt) {
      R({"DEL", "key"});
      R({"SET", "key", "1", "PX", "100"});
      CHECK(R({"WATCH", "key"}) == "OK");
      SleepMs(120);
      CHECK(R({"MULTI"}) == "OK");
      CHECK(R({"INCR", "key"}) == "QUEUED");
      CHECK(R(body[0]) == "QUEUED");
      res = R({"EXEC"});
    }
    CHECK(res == "(nil)");
    CHECK(R({"EXISTS", "key"}) == "0");
  }
}

TEST_CASE_FIXTURE(Fixture, "WATCH stale keys should not fail EXEC") {
  NoActiveExpire guard(a);
  for (const auto& body : Bodies()) {
    R({"SET", "x", "foo", "PX", "1"});
    SleepMs(3);
    CHECK(R({"WATCH", "x"}) == "OK");
    CHECK(Txn(body) == Expected(body));
  }
}

TEST_CASE_FIXTURE(Fixture, "Delete WATCHed stale keys should not fail EXEC") {
  NoActiveExpire guard(a);
  for (const auto& body : Bodies()) {
    R({"SET", "x", "foo", "PX", "1"});
    SleepMs(3);
    CHECK(R({"WATCH", "x"}) == "OK");
    CHECK(R({"DEL", "x"}) == "0");  // Redis's DEL of a stale key also answers 0
    CHECK(Txn(body) == Expected(body));
  }
}

TEST_CASE_FIXTURE(Fixture, "FLUSHDB while watching stale keys should not fail EXEC") {
  NoActiveExpire guard(a);
  for (const auto& body : Bodies()) {
    R({"SET", "x", "foo", "PX", "1"});
    SleepMs(3);
    CHECK(R({"WATCH", "x"}) == "OK");
    CHECK(R({"FLUSHDB"}) == "OK");
    CHECK(Txn(body) == Expected(body));
  }
}

TEST_CASE_FIXTURE(Fixture, "DISCARD should clear the WATCH dirty flag on the key") {
  R({"WATCH", "x"});
  R({"SET", "x", "10"});
  CHECK(R({"MULTI"}) == "OK");
  CHECK(R({"DISCARD"}) == "OK");
  CHECK(Txn({{"INCR", "x"}}) == "[11]");
}

TEST_CASE_FIXTURE(Fixture, "DISCARD should UNWATCH all the keys") {
  R({"WATCH", "x"});
  R({"SET", "x", "10"});
  CHECK(R({"MULTI"}) == "OK");
  CHECK(R({"DISCARD"}) == "OK");
  R({"SET", "x", "10"});
  CHECK(Txn({{"INCR", "x"}}) == "[11]");
}

// --- Atomicity and concurrency ---

TEST_CASE_FIXTURE(Fixture, "Another connection never sees part of a transaction") {
  constexpr int kKeys = 50;
  std::atomic<bool> stop{false};
  std::atomic<int> torn{0};
  std::atomic<int> reads{0};
  std::thread reader([&] {
    Client b;
    std::vector<std::string> mget = {"MGET"};
    for (int i = 0; i < kKeys; ++i) mget.push_back("atom:" + std::to_string(i));
    while (!stop) {
      ReplyPtr r = Command(b.c.get(), mget);
      if (r == nullptr || r->type != REDIS_REPLY_ARRAY) break;
      std::string first = r->element[0]->type == REDIS_REPLY_STRING ? r->element[0]->str : "";
      for (size_t i = 1; i < r->elements; ++i) {
        std::string v = r->element[i]->type == REDIS_REPLY_STRING ? r->element[i]->str : "";
        if (v != first) ++torn;
      }
      ++reads;
    }
  });
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  int round = 0;
  for (; round < 300 && std::chrono::steady_clock::now() < deadline; ++round) {
    REQUIRE(R({"MULTI"}) == "OK");
    for (int i = 0; i < kKeys; ++i) {
      REQUIRE(R({"SET", "atom:" + std::to_string(i), std::to_string(round)}) == "QUEUED");
    }
    ReplyPtr r = Command(a.c.get(), {"EXEC"});
    REQUIRE(r != nullptr);
    REQUIRE(r->type == REDIS_REPLY_ARRAY);
    REQUIRE(r->elements == kKeys);
  }
  stop = true;
  reader.join();
  MESSAGE("rounds=" << round << " reads=" << reads.load());
  CHECK(reads.load() > 0);
  CHECK(torn.load() == 0);
}

TEST_CASE("50 clients incrementing a counter with WATCH/GET/MULTI/SET/EXEC lose no update") {
  constexpr int kClients = 50;
  constexpr int kSuccessesEach = 10;
  {
    Client setup;
    REQUIRE(setup.R({"FLUSHALL"}) == "OK");
    REQUIRE(setup.R({"SET", "counter", "0"}) == "OK");
  }
  std::atomic<int64_t> successes{0};
  std::atomic<int64_t> aborts{0};
  std::atomic<int> failures{0};
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  std::vector<std::thread> threads;
  for (int t = 0; t < kClients; ++t) {
    threads.emplace_back([&] {
      ContextPtr c = Server().Connect();
      if (c == nullptr) {
        ++failures;
        return;
      }
      int mine = 0;
      for (int attempt = 0;
           mine < kSuccessesEach && attempt < 100000 && std::chrono::steady_clock::now() < deadline;
           ++attempt) {
        auto run = [&](const std::vector<std::string>& argv) { return Command(c.get(), argv); };
        ReplyPtr w = run({"WATCH", "counter"});
        ReplyPtr g = run({"GET", "counter"});
        if (w == nullptr || g == nullptr || g->type != REDIS_REPLY_STRING) {
          ++failures;
          return;
        }
        int64_t v = std::stoll(std::string(g->str, g->len));
        ReplyPtr m = run({"MULTI"});
        ReplyPtr s = run({"SET", "counter", std::to_string(v + 1)});
        ReplyPtr e = run({"EXEC"});
        if (e == nullptr) {
          ++failures;
          return;
        }
        if (e->type == REDIS_REPLY_NIL) {
          ++aborts;
        } else if (e->type == REDIS_REPLY_ARRAY && e->elements == 1) {
          ++successes;
          ++mine;
        } else {
          ++failures;
          return;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  Client check;
  MESSAGE("successes=" << successes.load() << " aborts=" << aborts.load());
  CHECK(failures.load() == 0);
  CHECK(successes.load() > 0);
  CHECK(check.R({"GET", "counter"}) == std::to_string(successes.load()));
}

// --- Restart ---

TEST_CASE("A transaction's writes, SELECTs included, are there after kill -9 and restart") {
  ServerProcess srv;
  REQUIRE(srv.Start());
  {
    Client c(srv);
    CHECK(c.R({"MULTI"}) == "OK");
    CHECK(c.R({"SET", "a", "1"}) == "QUEUED");
    CHECK(c.R({"SELECT", "3"}) == "QUEUED");
    CHECK(c.R({"SET", "b", "2"}) == "QUEUED");
    CHECK(c.R({"CONFIG", "SET", "slowlog-max-len", "77"}) == "QUEUED");
    CHECK(c.R({"EXEC"}) == "[OK,OK,OK,OK]");
    CHECK(c.R({"GET", "b"}) == "2");
    // A transaction aborted by WATCH stays aborted on replay.
    CHECK(c.R({"SET", "w", "1"}) == "OK");
    CHECK(c.R({"WATCH", "w"}) == "OK");
    CHECK(c.R({"INCR", "w"}) == "2");
    CHECK(c.R({"MULTI"}) == "OK");
    CHECK(c.R({"SET", "aborted", "1"}) == "QUEUED");
    CHECK(c.R({"EXEC"}) == "(nil)");
  }
  srv.Kill();
  REQUIRE(srv.Start());
  Client c(srv);
  REQUIRE(cairn::testing::WaitLoaded(c.c.get()));
  CHECK(c.R({"GET", "a"}) == "1");
  CHECK(c.R({"SELECT", "3"}) == "OK");
  CHECK(c.R({"GET", "b"}) == "2");
  CHECK(c.R({"GET", "w"}) == "2");
  CHECK(c.R({"EXISTS", "aborted"}) == "0");
}

// --- Crash ---

TEST_CASE("kill -9 during 100-command transactions leaves each transaction all there or absent") {
  // Four writers each run MULTI, 100 SETs of their group's keys, EXEC, group after group, until
  // the server is killed. After a restart on the same dir, every group is complete or missing,
  // and every group whose EXEC was acknowledged is complete.
  constexpr int kWriters = 4;
  constexpr int kGroupSize = 100;
  ServerProcess srv;
  REQUIRE(srv.Start());
  std::atomic<bool> stop{false};
  std::vector<int> attempted(kWriters, -1);  // highest group sent, per writer
  std::vector<int> acked(kWriters, -1);      // highest group acknowledged, per writer
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      ContextPtr c = srv.Connect();
      if (c == nullptr) return;
      for (int g = 0; g < 100000 && !stop; ++g) {
        std::string prefix = "g:" + std::to_string(w) + ":" + std::to_string(g) + ":";
        // Pipelined: MULTI, the SETs and EXEC in one go, then read the replies.
        redisAppendCommand(c.get(), "MULTI");
        for (int i = 0; i < kGroupSize; ++i) {
          std::string key = prefix + std::to_string(i);
          const char* argv[] = {"SET", key.c_str(), "v"};
          size_t lens[] = {3, key.size(), 1};
          redisAppendCommandArgv(c.get(), 3, argv, lens);
        }
        redisAppendCommand(c.get(), "EXEC");
        attempted[w] = g;
        void* raw = nullptr;
        bool ok = true;
        for (int i = 0; i < kGroupSize + 2 && ok; ++i) {
          ok = redisGetReply(c.get(), &raw) == REDIS_OK && raw != nullptr;
          if (!ok) break;
          ReplyPtr r(static_cast<redisReply*>(raw));
          if (i == kGroupSize + 1) {
            ok = r->type == REDIS_REPLY_ARRAY && r->elements == kGroupSize;
          }
        }
        if (!ok) return;  // the server is gone
        acked[w] = g;
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  srv.Kill();
  stop = true;
  for (auto& th : writers) th.join();

  REQUIRE(srv.Start());
  Client c(srv);
  REQUIRE(cairn::testing::WaitLoaded(c.c.get()));
  int complete = 0, absent = 0, torn = 0, lost = 0;
  for (int w = 0; w < kWriters; ++w) {
    for (int g = 0; g <= attempted[w]; ++g) {
      std::vector<std::string> exists = {"EXISTS"};
      std::string prefix = "g:" + std::to_string(w) + ":" + std::to_string(g) + ":";
      for (int i = 0; i < kGroupSize; ++i) exists.push_back(prefix + std::to_string(i));
      int64_t n = std::stoll(c.R(exists));
      if (n == kGroupSize) {
        ++complete;
      } else if (n == 0) {
        ++absent;
        if (g <= acked[w]) ++lost;
      } else {
        ++torn;
      }
    }
  }
  MESSAGE("groups complete=" << complete << " absent=" << absent << " torn=" << torn
                             << " acknowledged-but-lost=" << lost);
  CHECK(torn == 0);
  CHECK(lost == 0);
  CHECK(complete > 0);
}

TEST_CASE("CLIENT LIST shows a client in MULTI with its queued count and the x flag") {
  auto c = cairn::testing::SharedServer().Connect();
  CHECK(cairn::testing::Run(c.get(), {"MULTI"}) == "OK");
  CHECK(cairn::testing::Run(c.get(), {"SET", "ml:a", "1"}) == "QUEUED");
  auto other = cairn::testing::SharedServer().Connect();
  std::string list = cairn::testing::Run(other.get(), {"CLIENT", "LIST"});
  CHECK(list.find("flags=x db=0 sub=0 psub=0 ssub=0 multi=1 ") != std::string::npos);
  CHECK(cairn::testing::Run(c.get(), {"DISCARD"}) == "OK");
}

TEST_CASE("BGSAVE inside a writing transaction saves after the transaction is applied") {
  auto c = cairn::testing::SharedServer().Connect();
  CHECK(cairn::testing::Run(c.get(), {"MULTI"}) == "OK");
  CHECK(cairn::testing::Run(c.get(), {"SET", "bgsave:k", "1"}) == "QUEUED");
  CHECK(cairn::testing::Run(c.get(), {"BGSAVE"}) == "QUEUED");
  CHECK(cairn::testing::Run(c.get(), {"EXEC"}) == "[OK,Background saving started]");
  CHECK(cairn::testing::Run(c.get(), {"GET", "bgsave:k"}) == "1");
  CHECK(cairn::testing::Run(c.get(), {"PING"}) == "PONG");
}

TEST_CASE("Pipelined transactions run ahead of pending writes; replies stay in request order") {
  // One connection sends everything at once: a write, then 20 writing transactions (their
  // MULTI/QUEUED replies are built while the writes before them are still in the log), a
  // read-only transaction (it must wait to see them), an EXECABORT, and a plain read.
  Fixture f;
  Client cl;
  std::vector<std::vector<std::string>> cmds = {{"SET", "ra:n", "0"}};
  std::vector<std::string> want = {"OK"};
  for (int i = 1; i <= 20; ++i) {
    cmds.push_back({"MULTI"});
    cmds.push_back({"INCR", "ra:n"});
    cmds.push_back({"SET", "ra:" + std::to_string(i), std::to_string(i)});
    cmds.push_back({"EXEC"});
    want.insert(want.end(), {"OK", "QUEUED", "QUEUED", "[" + std::to_string(i) + ",OK]"});
  }
  cmds.insert(cmds.end(), {{"MULTI"}, {"GET", "ra:n"}, {"GET", "ra:20"}, {"EXEC"}});
  want.insert(want.end(), {"OK", "QUEUED", "QUEUED", "[20,20]"});
  cmds.insert(cmds.end(), {{"MULTI"}, {"INCR", "ra:n"}, {"NOSUCHCOMMAND"}, {"EXEC"}});
  want.insert(want.end(), {"OK", "QUEUED", "ERR unknown command 'NOSUCHCOMMAND', with args beginning with: ",
                           "EXECABORT Transaction discarded because of previous errors."});
  cmds.push_back({"GET", "ra:n"});
  want.push_back("20");
  for (const auto& argv : cmds) {
    std::vector<const char*> ptrs;
    std::vector<size_t> lens;
    for (const auto& a : argv) {
      ptrs.push_back(a.data());
      lens.push_back(a.size());
    }
    redisAppendCommandArgv(cl.c.get(), static_cast<int>(argv.size()), ptrs.data(), lens.data());
  }
  for (size_t i = 0; i < want.size(); ++i) {
    void* raw = nullptr;
    REQUIRE(redisGetReply(cl.c.get(), &raw) == REDIS_OK);
    cairn::testing::ReplyPtr r(static_cast<redisReply*>(raw));
    CAPTURE(i);
    CHECK(cairn::testing::Render(r.get()) == want[i]);
  }
}
