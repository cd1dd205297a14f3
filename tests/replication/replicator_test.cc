// Unit tests for the Replicator: replicas on LogStores in temp dirs, joined by a hand-driven
// message queue (no sockets, no clock: time is Tick), checking what each applies and what each
// learns about its own proposals.
#include <doctest/doctest.h>

#include <set>

#include "replica_cluster.h"

namespace cairn::replication {
namespace {

using testing::Cluster;

TEST_CASE("A single voter commits its proposals in order, each with its cookie") {
  Cluster c(1);
  c.WaitForLeader({1});
  for (uint64_t i = 1; i <= 3; ++i) REQUIRE(c[1].rep->Propose("w" + std::to_string(i), 100 + i).ok());
  REQUIRE(c[1].rep->Process().ok());
  REQUIRE(c[1].applied.size() == 3);
  CHECK(c[1].applied[0] == std::make_pair(std::string("w1"), uint64_t{101}));
  CHECK(c[1].applied[2] == std::make_pair(std::string("w3"), uint64_t{103}));
  CHECK(c[1].rep->pending_proposals() == 0);
  CHECK(c[1].rep->applied_index() == c[1].rep->commit_index());
}

TEST_CASE("A batch of proposals commits in order, each entry with its own cookie") {
  Cluster c(1);
  c.WaitForLeader({1});
  const uint64_t cookies[] = {11, 12, 13};
  auto first = c[1].rep->ProposeBatch({"b1", "b2", "b3"}, cookies);
  REQUIRE(first.ok());
  REQUIRE(c[1].rep->Process().ok());
  REQUIRE(c[1].applied.size() == 3);
  CHECK(c[1].applied[0] == std::make_pair(std::string("b1"), uint64_t{11}));
  CHECK(c[1].applied[2] == std::make_pair(std::string("b3"), uint64_t{13}));
  CHECK(c[1].applied_index[0] == *first);
}

TEST_CASE("Three replicas apply the same entries in the same order; a follower refuses proposals") {
  Cluster c(3);
  const raft::NodeId lead = c.WaitForLeader({1, 2, 3});
  const raft::NodeId follower = lead == 1 ? 2 : 1;
  auto refused = c[follower].rep->Propose("x", 1);
  CHECK(refused.status().code() == ErrorCode::kUnavailable);
  CHECK(c[follower].rep->leader() == lead);
  for (int i = 0; i < 20; ++i) REQUIRE(c[lead].rep->Propose("e" + std::to_string(i), i + 1).ok());
  REQUIRE(c[lead].rep->Process().ok());
  c.net().Deliver(c.nodes());
  c.Tick();  // the heartbeat carries the final commit index to the followers
  for (raft::NodeId id : {1, 2, 3}) {
    REQUIRE(c.Applied(id).size() == 20);
    CHECK(c.Applied(id) == c.Applied(lead));
  }
  // Only the proposer gets cookies back.
  CHECK(c[lead].applied[5].second == 6);
  CHECK(c[follower].applied[5].second == 0);
}

TEST_CASE("A deposed leader's uncommitted proposal is reported unknown, then lost once another commits") {
  Cluster c(3);
  const raft::NodeId old = c.WaitForLeader({1, 2, 3});
  REQUIRE(c[old].rep->Propose("kept", 1).ok());
  REQUIRE(c[old].rep->Process().ok());
  c.net().Deliver(c.nodes());
  c.Tick();
  // The old leader is cut off; what it proposes now cannot commit.
  c.net().cut_ = {old};
  REQUIRE(c[old].rep->Propose("doomed", 2).ok());
  REQUIRE(c[old].rep->Process().ok());
  std::set<raft::NodeId> rest;
  for (raft::NodeId id : {1, 2, 3}) {
    if (id != old) rest.insert(id);
  }
  const raft::NodeId lead = c.WaitForLeader(rest);
  REQUIRE(c[lead].rep->Propose("winner", 3).ok());
  REQUIRE(c[lead].rep->Process().ok());
  c.net().Deliver(c.nodes());
  // Check-quorum: the isolated leader steps down on its own, and says its proposal's fate is open.
  for (int i = 0; i < 60 && c[old].rep->is_leader(); ++i) c.Tick();
  CHECK_FALSE(c[old].rep->is_leader());
  CHECK(c[old].unknown == std::vector<uint64_t>{2});
  // Healed: the old leader's log takes the new leader's entries; "doomed" never applies anywhere.
  c.net().cut_.clear();
  for (int i = 0; i < 20; ++i) c.Tick();
  for (raft::NodeId id : {1, 2, 3}) {
    const auto applied = c.Applied(id);
    CHECK(applied == std::vector<std::string>{"kept", "winner"});
  }
  CHECK(c[lead].applied.back().second == 3);
}

TEST_CASE("A proposal whose index another leader's entry took is reported lost") {
  Cluster c(3);
  const raft::NodeId old = c.WaitForLeader({1, 2, 3});
  c.Tick();
  c.net().cut_ = {old};
  auto doomed = c[old].rep->Propose("doomed", 7);
  REQUIRE(doomed.ok());
  REQUIRE(c[old].rep->Process().ok());
  std::set<raft::NodeId> rest;
  for (raft::NodeId id : {1, 2, 3}) {
    if (id != old) rest.insert(id);
  }
  // The others elect a leader without ticking the old one, which still believes it leads.
  raft::NodeId lead = 0;
  for (int i = 0; i < 300 && lead == 0; ++i) {
    for (raft::NodeId id : rest) {
      c[id].rep->Tick();
      REQUIRE(c[id].rep->Process().ok());
    }
    c.net().Deliver(c.nodes());
    for (raft::NodeId id : rest) {
      if (c[id].rep->is_leader()) lead = id;
    }
  }
  REQUIRE(lead != 0);
  REQUIRE(c[lead].rep->Propose("winner", 8).ok());
  REQUIRE(c[lead].rep->Process().ok());
  c.net().Deliver(c.nodes());
  REQUIRE(c[lead].rep->commit_index() > *doomed);
  REQUIRE(c[old].rep->is_leader());
  // The new leader's first word to the old one is an append that carries the commit past the
  // doomed index: step-down and the conflicting commit arrive in one Process.
  LogStore& store = *c[lead].store;
  raft::Message m;
  m.type = raft::MessageType::kAppend;
  m.from = lead;
  m.to = old;
  m.term = c[lead].rep->term();
  m.index = *doomed - 1;
  m.log_term = *store.Term(*doomed - 1);
  m.entries = *store.Entries(*doomed, store.LastIndex() + 1, UINT64_MAX);
  m.commit = c[lead].rep->commit_index();
  REQUIRE(c[old].rep->Step(m).ok());
  REQUIRE(c[old].rep->Process().ok());
  CHECK_FALSE(c[old].rep->is_leader());
  CHECK(c[old].lost == std::vector<uint64_t>{7});
  CHECK(c[old].unknown.empty());
  CHECK(c.Applied(old) == std::vector<std::string>{"winner"});
  CHECK(c[old].applied.back().second == 0);  // another node's proposal: no cookie here
}

TEST_CASE("A replica restarted from its log store rejoins and catches up") {
  Cluster c(3);
  const raft::NodeId lead = c.WaitForLeader({1, 2, 3});
  const raft::NodeId down = lead == 3 ? 2 : 3;
  REQUIRE(c[lead].rep->Propose("before", 1).ok());
  REQUIRE(c[lead].rep->Process().ok());
  c.net().Deliver(c.nodes());
  c.Tick();
  c.net().cut_ = {down};
  REQUIRE(c[lead].rep->Propose("while-down", 2).ok());
  REQUIRE(c[lead].rep->Process().ok());
  c.net().Deliver(c.nodes());
  c.Tick();
  c[down].rep.reset();
  c[down].store.reset();
  c.Open(down, /*bootstrap=*/false);
  c.net().cut_.clear();
  for (int i = 0; i < 20; ++i) c.Tick();
  CHECK(c.Applied(down) == std::vector<std::string>{"before", "while-down"});
  CHECK(c[down].rep->term() == c[lead].rep->term());
}

}  // namespace
}  // namespace cairn::replication
