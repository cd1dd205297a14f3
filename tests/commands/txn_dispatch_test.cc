// MULTI/EXEC through the Dispatcher, without a node: queuing replies, what EXEC logs, applying the
// record (on two replicas, which must agree), and the read-only path that logs nothing.
#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

#include "commands/dispatch.h"
#include "commands/txn.h"
#include "dispatch_harness.h"

using namespace cairn;
using namespace cairn::commands;

using namespace cairn::commands::testing;


TEST_CASE("A transaction that writes is one log record, applied with its reply array") {
  Node n;
  Session s;
  std::vector<std::string> log;
  CHECK(n.Run(s, {"SET", "a", "1"}) == "+OK\r\n");
  CHECK(n.Run(s, {"MULTI"}, &log) == "+OK\r\n");
  CHECK(n.Run(s, {"INCR", "a"}, &log) == "+QUEUED\r\n");
  CHECK(n.Run(s, {"GET", "a"}, &log) == "+QUEUED\r\n");
  CHECK(n.Run(s, {"SET", "b", "x"}, &log) == "+QUEUED\r\n");
  CHECK(log.empty());
  Outcome o;
  CHECK(n.Run(s, {"EXEC"}, &log, &o) == "");  // the reply comes at apply
  CHECK(o == Outcome::kProposed);
  REQUIRE(log.size() == 1);
  auto e = DecodeEffect(log[0]);
  REQUIRE(e.ok());
  CHECK(e->kind == EffectKind::kTransaction);
  CHECK(e->now_ms == kNow);
  CHECK(e->commands.size() == 3);
  CHECK(!s.txn.in_multi);
  // Nothing is visible before the apply; everything after it.
  CHECK(n.Run(s, {"GET", "b"}) == "$-1\r\n");
  CHECK(n.Apply(log[0], s) == "*3\r\n:2\r\n$1\r\n2\r\n+OK\r\n");
  CHECK(n.Run(s, {"GET", "b"}) == "$1\r\nx\r\n");
}

TEST_CASE("The same transaction record gives the same result on every replica") {
  Node leader, follower;
  Session s, stand_in;
  s.id = 1;
  for (Node* n : {&leader, &follower}) n->Run(s, {"SET", "w", "1"});
  s.db = 0;
  std::vector<std::string> log;
  leader.Run(s, {"WATCH", "w"}, &log);
  leader.Run(s, {"MULTI"}, &log);
  leader.Run(s, {"INCR", "w"}, &log);
  leader.Run(s, {"SET", "t", "v", "PX", "100"}, &log);
  leader.Run(s, {"PTTL", "t"}, &log);
  leader.Run(s, {"EXEC"}, &log);
  REQUIRE(log.size() == 1);
  std::string on_leader = leader.Apply(log[0], s);
  std::string on_follower = follower.Apply(log[0], stand_in);
  CHECK(on_leader == "*3\r\n:2\r\n+OK\r\n:100\r\n");
  CHECK(on_follower == on_leader);

  // A record whose watched key changed first aborts on both.
  log.clear();
  leader.Run(s, {"WATCH", "w"}, &log);
  leader.Run(s, {"MULTI"}, &log);
  leader.Run(s, {"SET", "w", "999"}, &log);
  leader.Run(s, {"EXEC"}, &log);
  REQUIRE(log.size() == 1);
  Session other;
  for (Node* n : {&leader, &follower}) n->Run(other, {"INCR", "w"});
  CHECK(leader.Apply(log[0], s) == "*-1\r\n");
  CHECK(follower.Apply(log[0], stand_in) == "*-1\r\n");
  CHECK(leader.Run(s, {"GET", "w"}) == "$1\r\n3\r\n");
  CHECK(follower.Run(s, {"GET", "w"}) == "$1\r\n3\r\n");
}

TEST_CASE("The EXEC record carries what WATCH saw") {
  Node n;
  Session s;
  n.Run(s, {"SET", "k", "v"});
  uint64_t k_index = n.index;
  std::vector<std::string> log;
  n.Run(s, {"WATCH", "k", "missing", "k"}, &log);
  CHECK(s.txn.watched.size() == 2);  // a repeated key keeps its first observation
  n.Run(s, {"MULTI"}, &log);
  n.Run(s, {"DEL", "k"}, &log);
  n.Run(s, {"EXEC"}, &log);
  REQUIRE(log.size() == 1);
  auto e = DecodeEffect(log[0]);
  REQUIRE(e.ok());
  REQUIRE(e->watches.size() == 2);
  CHECK(e->watches[0] == WatchedKey{0, "k", true, k_index, 0});
  CHECK(e->watches[1] == WatchedKey{0, "missing", false, 0, 0});
  CHECK(s.txn.watched.empty());  // EXEC unwatches
}

TEST_CASE("A read-only transaction runs at once and logs nothing") {
  Node n;
  Session s;
  n.Run(s, {"SET", "k", "v"});
  std::vector<std::string> log;
  n.Run(s, {"WATCH", "k"}, &log);
  n.Run(s, {"MULTI"}, &log);
  n.Run(s, {"GET", "k"}, &log);
  n.Run(s, {"PING"}, &log);
  Outcome o;
  CHECK(n.Run(s, {"EXEC"}, &log, &o) == "*2\r\n$1\r\nv\r\n+PONG\r\n");
  CHECK(o == Outcome::kReplied);
  CHECK(log.empty());
  // And its WATCH is checked locally.
  n.Run(s, {"WATCH", "k"}, &log);
  n.Run(s, {"SET", "k", "changed"});
  n.Run(s, {"MULTI"}, &log);
  n.Run(s, {"GET", "k"}, &log);
  CHECK(n.Run(s, {"EXEC"}, &log) == "*-1\r\n");
  CHECK(log.empty());
}

TEST_CASE("A queuing error is replied at once and EXEC answers EXECABORT without logging") {
  Node n;
  Session s;
  std::vector<std::string> log;
  n.Run(s, {"MULTI"}, &log);
  CHECK(n.Run(s, {"SET", "a", "1"}, &log) == "+QUEUED\r\n");
  CHECK(n.Run(s, {"SET", "a", "1", "PX", "nope"}, &log) ==
        "-ERR value is not an integer or out of range\r\n");
  CHECK(s.txn.dirty);
  CHECK(n.Run(s, {"EXEC"}, &log) ==
        "-EXECABORT Transaction discarded because of previous errors.\r\n");
  CHECK(log.empty());
  CHECK(!s.txn.in_multi);
}

TEST_CASE("Building a transaction runs ahead of the session's earlier writes; reading waits") {
  Node n;
  Session s;
  s.pending_writes = 1;  // a write of this client is still in the log
  Outcome o;
  // Reads of keys wait: WATCH, and a read-only EXEC.
  CHECK(n.Run(s, {"WATCH", "k"}, nullptr, &o) == "");
  CHECK(o == Outcome::kWaitForWrites);
  CHECK(s.txn.watched.empty());
  // MULTI, queuing and DISCARD reply what they would anyway (the node holds the bytes back).
  CHECK(n.Run(s, {"MULTI"}, nullptr, &o) == "+OK\r\n");
  CHECK(o == Outcome::kReplied);
  CHECK(n.Run(s, {"GET", "k"}, nullptr, &o) == "+QUEUED\r\n");
  CHECK(n.Run(s, {"EXEC"}, nullptr, &o) == "");
  CHECK(o == Outcome::kWaitForWrites);  // read-only: it runs now, so it must see the write
  CHECK(s.txn.in_multi);
  CHECK(n.Run(s, {"DISCARD"}, nullptr, &o) == "+OK\r\n");
  CHECK(!s.txn.in_multi);
  // A transaction with a write is logged behind the pending one: no waiting.
  std::vector<std::string> log;
  n.Run(s, {"MULTI"}, &log);
  CHECK(n.Run(s, {"INCR", "k"}, &log) == "+QUEUED\r\n");
  CHECK(n.Run(s, {"EXEC"}, &log, &o) == "");
  CHECK(o == Outcome::kProposed);
  CHECK(log.size() == 1);
  // So is a refused one (EXECABORT does not read keys).
  n.Run(s, {"MULTI"});
  n.Run(s, {"NOSUCHCOMMAND"});
  CHECK(n.Run(s, {"EXEC"}, nullptr, &o) ==
        "-EXECABORT Transaction discarded because of previous errors.\r\n");
  // After a logged EXEC that changes the session (a queued SELECT), nothing runs ahead: the next
  // MULTI's database is only known once it is applied.
  n.Run(s, {"MULTI"});
  n.Run(s, {"SELECT", "3"});
  n.Run(s, {"SET", "a", "1"});
  n.Run(s, {"EXEC"}, &log, &o);
  CHECK(o == Outcome::kProposed);
  CHECK(s.exec_changes_session);
  CHECK(n.Run(s, {"MULTI"}, nullptr, &o) == "");
  CHECK(o == Outcome::kWaitForWrites);
}

TEST_CASE("Node-level commands of a logged transaction run only for the proposer") {
  // CONFIG SET acts once, on the node serving the client; replay and followers apply the record
  // with a stand-in session (id 0) and skip it, as Redis replicates only a transaction's writes.
  Node n;
  Session s;
  s.id = 9;
  std::vector<std::string> log;
  n.Run(s, {"MULTI"}, &log);
  n.Run(s, {"CONFIG", "SET", "maxmemory", "0"}, &log);
  n.Run(s, {"SELECT", "2"}, &log);
  n.Run(s, {"SET", "k", "v"}, &log);
  n.Run(s, {"EXEC"}, &log);
  REQUIRE(log.size() == 1);
  CHECK(n.Apply(log[0], s) == "*3\r\n+OK\r\n+OK\r\n+OK\r\n");
  CHECK(n.server.config_sets == 1);
  Node replica;
  Session stand_in;
  CHECK(replica.Apply(log[0], stand_in) == "*3\r\n$-1\r\n+OK\r\n+OK\r\n");
  CHECK(replica.server.config_sets == 0);
  auto e = replica.ks.Find(2, "k", kNow);  // SELECT still moved the writes
  REQUIRE(e.ok());
  CHECK(*e != nullptr);
}

TEST_CASE("A SELECT queued in a logged transaction moves the session after the apply") {
  Node n;
  Session s;
  std::vector<std::string> log;
  n.Run(s, {"MULTI"}, &log);
  n.Run(s, {"SELECT", "7"}, &log);
  n.Run(s, {"SET", "k", "in7"}, &log);
  n.Run(s, {"EXEC"}, &log);
  REQUIRE(log.size() == 1);
  CHECK(s.db == 0);  // until the record is applied
  CHECK(n.Apply(log[0], s) == "*2\r\n+OK\r\n+OK\r\n");
  CHECK(s.db == 7);
  CHECK(n.Run(s, {"GET", "k"}) == "$3\r\nin7\r\n");
  // On a replica, the stand-in session's database does not leak into the record's: db comes
  // from the record.
  Node replica;
  Session stand_in;
  stand_in.db = 3;
  CHECK(replica.Apply(log[0], stand_in) == "*2\r\n+OK\r\n+OK\r\n");
  auto e = replica.ks.Find(7, "k", kNow);
  REQUIRE(e.ok());
  CHECK(*e != nullptr);
}

TEST_CASE("RESP3 sessions get the EXEC array and a null in RESP3 form") {
  Node n;
  Session s;
  s.protocol = 3;
  std::vector<std::string> log;
  n.Run(s, {"MULTI"}, &log);
  n.Run(s, {"SET", "k", "v"}, &log);
  n.Run(s, {"GET", "missing"}, &log);
  n.Run(s, {"EXEC"}, &log);
  REQUIRE(log.size() == 1);
  CHECK(n.Apply(log[0], s) == "*2\r\n+OK\r\n_\r\n");
  n.Run(s, {"WATCH", "k"});
  n.Run(s, {"SET", "k", "w"});
  n.Run(s, {"MULTI"});
  n.Run(s, {"GET", "k"});
  CHECK(n.Run(s, {"EXEC"}) == "_\r\n");
}
