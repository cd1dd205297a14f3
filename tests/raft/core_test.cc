// Unit tests for the Raft core. Section numbers cite the extended Raft paper (Ongaro and
// Ousterhout, 2014); "thesis" cites Ongaro's dissertation (2014).
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include "raft/core.h"

#include <doctest/doctest.h>

#include "raft/codec.h"
#include "test_cluster.h"

namespace cairn::raft {
namespace {

using testing::TestCluster;

std::vector<Entry> TermsFrom(uint64_t first_index, std::vector<uint64_t> terms) {
  std::vector<Entry> out;
  for (uint64_t t : terms) {
    Entry e;
    e.term = t;
    e.index = first_index + out.size();
    e.data = "t" + std::to_string(t) + "i" + std::to_string(e.index);
    out.push_back(e);
  }
  return out;
}

// Storage for a 3-voter cluster whose log continues after the bootstrap entries (1..3).
void Prepare(MemoryStorage* s, std::vector<uint64_t> terms, uint64_t term) {
  REQUIRE(s->Bootstrap({1, 2, 3}).ok());
  REQUIRE(s->Append(TermsFrom(4, terms)).ok());
  s->SetHardState(HardState{term, kNoNode, 3});
}

std::vector<Message> TakeMessages(Core& core) {
  Ready rd = core.GetReady();
  core.Advance(rd);
  return rd.messages;
}

TEST_CASE("a single voter elects itself and commits alone (§5.2)") {
  TestCluster c(1);
  c.Elect(1);
  REQUIRE(c.node(1).Propose("x").ok());
  c.Flush();
  CHECK(c.node(1).committed() == c.node(1).last_index());
  CHECK(c.state(1).applied.back().data == "x");
}

TEST_CASE("three nodes elect exactly one leader and all follow it (§5.2)") {
  TestCluster c(3);
  c.Elect(1);
  for (NodeId id : {2, 3}) {
    CHECK(c.node(id).role() == Role::kFollower);
    CHECK(c.node(id).leader() == 1);
    CHECK(c.node(id).term() == c.node(1).term());
  }
}

TEST_CASE("election timeouts elect a leader with no campaign call (§5.2, randomized timeouts)") {
  TestCluster c(5);
  for (int i = 0; i < 100; ++i) {
    c.TickAll();
    c.Stabilize();
  }
  int leaders = 0;
  for (NodeId id = 1; id <= 5; ++id) leaders += c.node(id).role() == Role::kLeader;
  CHECK(leaders == 1);
}

TEST_CASE("a voter grants at most one vote per term (§5.2)") {
  MemoryStorage s;
  REQUIRE(s.Bootstrap({1, 2, 3}).ok());
  Config cfg;
  cfg.id = 1;
  cfg.check_quorum = false;
  auto core = Core::Create(cfg, &s, Rng(1));
  REQUIRE(core.ok());
  Core& n = **core;
  Message vote;
  vote.type = MessageType::kVote;
  vote.term = 5;
  vote.index = 3;
  vote.log_term = 1;
  vote.from = 2;
  vote.to = 1;
  REQUIRE(n.Step(vote).ok());
  auto first = TakeMessages(n);
  REQUIRE(first.size() == 1);
  CHECK_FALSE(first[0].reject);
  vote.from = 3;
  REQUIRE(n.Step(vote).ok());
  auto second = TakeMessages(n);
  REQUIRE(second.size() == 1);
  CHECK(second[0].reject);
  CHECK(n.vote() == 2);
}

TEST_CASE("a voter rejects a candidate whose log is less up to date (§5.4.1)") {
  MemoryStorage s;
  Prepare(&s, {2, 2}, 2);
  Config cfg;
  cfg.id = 1;
  auto core = Core::Create(cfg, &s, Rng(1));
  REQUIRE(core.ok());
  Message vote;
  vote.type = MessageType::kVote;
  vote.from = 2;
  vote.to = 1;
  vote.term = 3;
  vote.index = 9;     // longer, but
  vote.log_term = 1;  // an older last term
  REQUIRE((*core)->Step(vote).ok());
  auto msgs = TakeMessages(**core);
  REQUIRE(msgs.size() == 1);
  CHECK(msgs[0].reject);
}

TEST_CASE("pre-vote: a partitioned node does not inflate its term (thesis §9.6)") {
  TestCluster c(3);
  c.Elect(1);
  const uint64_t term = c.node(1).term();
  c.Isolate(3);
  c.Tick(3, 200);
  CHECK(c.node(3).term() == term);
  c.Heal();
  c.Tick(1);
  c.Stabilize();
  CHECK(c.node(1).role() == Role::kLeader);
  CHECK(c.node(1).term() == term);
}

TEST_CASE("check-quorum: a leader that cannot hear a quorum steps down (thesis §6.2)") {
  TestCluster c(3);
  c.Elect(1);
  c.Isolate(1);
  c.Tick(1, 2 * Config{}.election_ticks);
  CHECK(c.node(1).role() == Role::kFollower);
}

TEST_CASE(
    "check-quorum lease: a follower that hears its leader ignores a higher-term vote "
    "(thesis §4.2.3)") {
  TestCluster c(3);
  c.Elect(1);
  const uint64_t term = c.node(2).term();
  Message vote;
  vote.type = MessageType::kVote;
  vote.from = 3;
  vote.to = 2;
  vote.term = term + 5;
  vote.index = 100;
  vote.log_term = term;
  REQUIRE(c.node(2).Step(vote).ok());
  CHECK(c.node(2).term() == term);
  CHECK(c.node(2).leader() == 1);
}

TEST_CASE("a proposal replicates to every node and commits (§5.3)") {
  TestCluster c(3);
  c.Elect(1);
  REQUIRE(c.node(1).Propose("hello").ok());
  c.Stabilize();
  c.Tick(1);  // a heartbeat carries the new commit index to the followers
  c.Stabilize();
  for (NodeId id = 1; id <= 3; ++id) {
    REQUIRE_FALSE(c.state(id).applied.empty());
    CHECK(c.state(id).applied.back().data == "hello");
  }
}

TEST_CASE("a batch of proposals takes consecutive indexes and one append per follower") {
  TestCluster c(3);
  c.Elect(1);
  c.queue().clear();
  const uint64_t last_before = c.node(1).last_index();
  auto first = c.node(1).ProposeBatch({"a", "b", "c"});
  REQUIRE(first.ok());
  CHECK(*first == last_before + 1);
  CHECK(c.node(1).last_index() == last_before + 3);
  c.Flush();
  int appends_to_two = 0;
  for (const Message& m : c.queue()) {
    if (m.to == 2 && m.type == MessageType::kAppend) {
      ++appends_to_two;
      CHECK(m.entries.size() == 3);
    }
  }
  CHECK(appends_to_two == 1);
  c.Stabilize();
  c.Tick(1);
  c.Stabilize();
  const auto& applied = c.state(3).applied;
  REQUIRE(applied.size() >= 3);
  CHECK(applied[applied.size() - 3].data == "a");
  CHECK(applied.back().data == "c");
  CHECK(applied.back().index == *first + 2);
  CHECK(c.node(1).ProposeBatch({}).status().code() == ErrorCode::kInvalidArgument);
  CHECK(c.node(2).ProposeBatch({"x"}).status().code() == ErrorCode::kUnavailable);
}

TEST_CASE("followers and candidates refuse proposals") {
  TestCluster c(3);
  c.Elect(1);
  CHECK(c.node(2).Propose("x").status().code() == ErrorCode::kUnavailable);
}

TEST_CASE("pipelining keeps at most max_inflight_msgs appends in flight per follower") {
  Config cfg;
  cfg.max_inflight_msgs = 2;
  cfg.max_entries_per_msg = 1;
  TestCluster c(3, cfg);
  c.Elect(1);
  c.queue().clear();
  for (int i = 0; i < 6; ++i) REQUIRE(c.node(1).Propose("p" + std::to_string(i)).ok());
  c.Flush();
  int to_two = 0;
  for (const Message& m : c.queue()) to_two += m.to == 2 && m.type == MessageType::kAppend;
  CHECK(to_two == 2);
  c.Stabilize();
  CHECK(c.node(2).last_index() == c.node(1).last_index());
}

TEST_CASE("a conflicting follower suffix is found per term, not per index (§5.3, optimization)") {
  // Leader and node 3: terms 4 4 5 5 6 6 6 after the bootstrap; node 2 diverged long ago.
  TestCluster c(3, Config{}, [](NodeId id, MemoryStorage* s) {
    if (id == 2) {
      Prepare(s, {2, 2, 2, 3, 3, 3, 3, 3, 3, 3}, 3);
    } else {
      Prepare(s, {4, 4, 5, 5, 6, 6, 6}, 6);
    }
  });
  int rejects = 0;
  c.SetFilter([&](const Message& m) {
    if (m.type == MessageType::kAppendResp && m.from == 2 && m.reject) ++rejects;
    return true;
  });
  c.Elect(1);
  c.Tick(1);
  c.Stabilize();
  CHECK(rejects <= 3);  // one per conflicting term, where one per index would take 10
  const RaftLog& leader = c.node(1).log();
  const RaftLog& follower = c.node(2).log();
  REQUIRE(follower.LastIndex() == leader.LastIndex());
  for (uint64_t i = 1; i <= leader.LastIndex(); ++i) {
    CHECK(follower.TermOrZero(i) == leader.TermOrZero(i));
  }
}

TEST_CASE(
    "Figure 8: a leader never commits an earlier term's entry by counting replicas "
    "(§5.4.2)") {
  // Node 1 led term 2 and wrote index 4 alone. Re-elected in term 3, it copies index 4 to node 2:
  // index 4 is then on a majority, but a node with a term-3 entry at 4 could still win, so it
  // must not count as committed until the leader's own (term 3) no-op commits on top of it.
  Config cfg;
  cfg.max_entries_per_msg = 1;
  cfg.max_inflight_msgs = 1;
  TestCluster c(3, cfg, [](NodeId id, MemoryStorage* s) {
    if (id == 1) {
      Prepare(s, {2}, 2);
    } else {
      Prepare(s, {}, 2);
    }
  });
  c.Isolate(3);
  c.node(1).Campaign();
  bool checked = false;
  while (c.DeliverOne()) {
    const Progress* pr = c.node(1).GetProgress(2);
    if (c.node(1).role() == Role::kLeader && pr->match == 4) {
      CHECK(c.node(1).committed() < 4);
      checked = true;
    }
  }
  CHECK(checked);
  c.Tick(1);
  c.Stabilize();
  CHECK(c.node(1).committed() == 5);  // the no-op commits, and index 4 with it
  CHECK(c.node(1).log().TermOrZero(5) == c.node(1).term());
}

TEST_CASE("ReadIndex waits for the new leader's first commit in its term (thesis §6.4)") {
  TestCluster c(3);
  c.node(1).Campaign();
  while (c.node(1).role() != Role::kLeader) REQUIRE(c.DeliverOne());
  REQUIRE(c.node(1).ReadIndex("ctx").ok());
  c.Flush();
  CHECK(c.state(1).reads.empty());
  c.Stabilize();
  REQUIRE(c.state(1).reads.size() == 1);
  CHECK(c.state(1).reads[0].context == "ctx");
  CHECK(c.state(1).reads[0].index >= 4);  // at least the no-op
  CHECK(c.node(1).log().TermOrZero(c.state(1).reads[0].index) == c.node(1).term());
}

TEST_CASE("ReadIndex on a follower is answered through the leader (thesis §6.4)") {
  TestCluster c(3);
  c.Elect(1);
  REQUIRE(c.node(1).Propose("w").ok());
  c.Stabilize();
  REQUIRE(c.node(2).ReadIndex("f").ok());
  c.Stabilize();
  REQUIRE(c.state(2).reads.size() == 1);
  CHECK(c.state(2).reads[0].index == c.node(1).committed());
}

TEST_CASE("a leader cut off from its quorum answers no ReadIndex (thesis §6.4)") {
  TestCluster c(3);
  c.Elect(1);
  c.Isolate(1);
  REQUIRE(c.node(1).ReadIndex("stale?").ok());
  c.Tick(1, 3);
  c.Stabilize();
  CHECK(c.state(1).reads.empty());
}

TEST_CASE("lease reads answer at once, relying on bounded clock drift (thesis §6.4.1)") {
  Config cfg;
  cfg.read_only = ReadOnlyOption::kLeaseBased;
  TestCluster c(3, cfg);
  c.Elect(1);
  c.queue().clear();
  REQUIRE(c.node(1).ReadIndex("lease").ok());
  c.Flush();
  CHECK(c.state(1).reads.size() == 1);
}

TEST_CASE("leadership transfer hands over to an up-to-date follower (thesis §3.10)") {
  TestCluster c(3);
  c.Elect(1);
  REQUIRE(c.node(1).Propose("before").ok());
  c.Stabilize();
  REQUIRE(c.node(1).TransferLeadership(2).ok());
  c.Stabilize();
  CHECK(c.node(2).role() == Role::kLeader);
  CHECK(c.node(1).role() == Role::kFollower);
  CHECK(c.node(1).leader() == 2);
}

TEST_CASE("a leader refuses proposals while a transfer is under way (thesis §3.10)") {
  TestCluster c(3);
  c.Elect(1);
  c.Isolate(2);
  REQUIRE(c.node(1).TransferLeadership(2).ok());
  CHECK(c.node(1).Propose("x").status().code() == ErrorCode::kBusy);
  c.Tick(1, Config{}.election_ticks);  // the transfer times out
  CHECK(c.node(1).Propose("x").ok());
}

TEST_CASE("a follower behind the compacted prefix gets the snapshot (§7)") {
  TestCluster c(3);
  c.Elect(1);
  c.Isolate(3);
  for (int i = 0; i < 10; ++i) REQUIRE(c.node(1).Propose("v" + std::to_string(i)).ok());
  c.Stabilize();
  const uint64_t applied = c.node(1).applied();
  MemoryStorage& s = c.state(1).storage;
  REQUIRE(s.CreateSnapshot(applied, c.node(1).ConfStateAt(applied), "image").ok());
  REQUIRE(s.Compact(applied).ok());
  c.Heal();
  for (int i = 0; i < 3; ++i) {
    c.Tick(1);
    c.Stabilize();
  }
  CHECK(c.state(3).installed.meta.index == applied);
  CHECK(c.state(3).installed.data == "image");
  CHECK(c.node(3).last_index() == c.node(1).last_index());
  CHECK(c.node(3).committed() == c.node(1).committed());
}

TEST_CASE("a learner catches up, is promoted, and a voter is removed (thesis §4.1-4.2.1)") {
  TestCluster c(3);
  c.Elect(1);
  c.AddEmptyNode(4);
  Core& leader = c.node(1);
  CHECK(leader.ProposeConfChange({ConfChangeType::kAddVoter, 4}).status().code() ==
        ErrorCode::kInvalidArgument);  // not a learner yet
  REQUIRE(leader.ProposeConfChange({ConfChangeType::kAddLearner, 4}).ok());
  // One change at a time: the next waits for this one to commit.
  CHECK(leader.ProposeConfChange({ConfChangeType::kRemoveNode, 2}).status().code() ==
        ErrorCode::kBusy);
  c.Stabilize();
  c.Tick(1);
  c.Stabilize();
  CHECK(IsLearner(c.node(4).conf(), 4));
  CHECK(c.node(4).conf().voters == std::vector<NodeId>{1, 2, 3});
  CHECK(c.node(4).last_index() == leader.last_index());
  REQUIRE(leader.ProposeConfChange({ConfChangeType::kAddVoter, 4}).ok());
  c.Stabilize();
  c.Tick(1);
  c.Stabilize();
  CHECK(leader.conf().voters == std::vector<NodeId>{1, 2, 3, 4});
  CHECK(c.node(4).conf().voters == std::vector<NodeId>{1, 2, 3, 4});
  CHECK(leader.ProposeConfChange({ConfChangeType::kRemoveNode, 1}).status().code() ==
        ErrorCode::kInvalidArgument);  // transfer leadership first
  REQUIRE(leader.ProposeConfChange({ConfChangeType::kRemoveNode, 2}).ok());
  c.Stabilize();
  CHECK(leader.conf().voters == std::vector<NodeId>{1, 3, 4});
  REQUIRE(leader.Propose("after").ok());
  c.Stabilize();
  c.Tick(1);
  c.Stabilize();
  CHECK(c.state(4).applied.back().data == "after");
}

TEST_CASE("a learner that has not caught up cannot be promoted") {
  TestCluster c(3);
  c.Elect(1);
  c.AddEmptyNode(4);
  c.Isolate(4);
  REQUIRE(c.node(1).ProposeConfChange({ConfChangeType::kAddLearner, 4}).ok());
  c.Stabilize();
  c.Tick(1);
  c.Stabilize();
  CHECK(c.node(1).ProposeConfChange({ConfChangeType::kAddVoter, 4}).status().code() ==
        ErrorCode::kUnavailable);
}

TEST_CASE("a restarted node recovers term, vote, log and membership from storage") {
  TestCluster c(3);
  c.Elect(1);
  REQUIRE(c.node(1).Propose("durable").ok());
  c.Stabilize();
  const uint64_t term = c.node(2).term();
  const uint64_t last = c.node(2).last_index();
  c.Start(2);
  CHECK(c.node(2).term() == term);
  CHECK(c.node(2).last_index() == last);
  CHECK(c.node(2).conf().voters == std::vector<NodeId>{1, 2, 3});
}

}  // namespace
}  // namespace cairn::raft
