// Unit tests for the Replicator: replicas on LogStores in temp dirs, joined by a hand-driven
// message queue (no sockets, no clock: time is Tick), checking what each applies and what each
// learns about its own proposals.
#include <doctest/doctest.h>

#include <map>
#include <set>

#include "../wal/test_util.h"
#include "replication/log_store.h"
#include "replication/replicator.h"

namespace cairn::replication {
namespace {

using wal::testing::TempDir;

// One replica: its store, its replicator, and what it saw.
struct Replica {
  std::string dir;
  std::unique_ptr<LogStore> store;
  std::unique_ptr<Replicator> rep;
  std::vector<std::pair<std::string, uint64_t>> applied;  // (data, cookie)
  std::vector<uint64_t> lost, unknown;
};

class Net final : public Transport {
 public:
  void Send(const raft::Message& m) override { queue_.push_back(m); }

  // Delivers queued messages (and those they cause) until quiet, dropping those that cross a cut.
  void Deliver(std::map<raft::NodeId, Replica>& nodes) {
    for (int round = 0; round < 1000 && !queue_.empty(); ++round) {
      std::deque<raft::Message> batch;
      batch.swap(queue_);
      for (const raft::Message& m : batch) {
        if (cut_.count(m.from) || cut_.count(m.to) || !nodes.count(m.to)) continue;
        REQUIRE(nodes[m.to].rep->Step(m).ok());
      }
      for (auto& [id, r] : nodes) REQUIRE(r.rep->Process().ok());
    }
  }
  std::set<raft::NodeId> cut_;  // isolated nodes: nothing to or from them arrives

 private:
  std::deque<raft::Message> queue_;
};

class Cluster {
 public:
  explicit Cluster(int n) {
    for (int i = 1; i <= n; ++i) voters_.push_back(i);
    for (raft::NodeId id : voters_) Open(id, /*bootstrap=*/true);
  }

  void Open(raft::NodeId id, bool bootstrap) {
    Replica& r = nodes_[id];
    if (r.dir.empty()) r.dir = dir_.path() + "/n" + std::to_string(id);
    LogStoreOptions o;
    o.dir = r.dir;
    o.inline_writes = true;
    auto store = LogStore::Open(o);
    REQUIRE(store.ok());
    r.store = std::move(*store);
    if (bootstrap) REQUIRE(r.store->Bootstrap(voters_).ok());
    raft::Config c;
    c.id = id;
    c.applied = 0;  // these replicas keep no state machine: every committed entry applies again
    ReplicatorCallbacks cb;
    Replica* rp = &r;
    cb.apply = [rp](const raft::Entry& e, uint64_t cookie) {
      rp->applied.emplace_back(e.data, cookie);
      return Status::Ok();
    };
    cb.lost = [rp](uint64_t cookie) { rp->lost.push_back(cookie); };
    cb.unknown = [rp](const std::vector<uint64_t>& c) {
      rp->unknown.insert(rp->unknown.end(), c.begin(), c.end());
    };
    r.applied.clear();
    r.rep = std::make_unique<Replicator>(c, r.store.get(), &net_, Rng(id * 101), std::move(cb));
    REQUIRE(r.rep->Start().ok());
  }

  raft::NodeId WaitForLeader(const std::set<raft::NodeId>& among) {
    for (int i = 0; i < 300; ++i) {
      for (raft::NodeId id : among) {
        if (nodes_[id].rep->is_leader()) return id;
      }
      Tick();
    }
    FAIL("no leader elected");
    return 0;
  }

  void Tick() {
    for (auto& [id, r] : nodes_) {
      r.rep->Tick();
      REQUIRE(r.rep->Process().ok());
    }
    net_.Deliver(nodes_);
  }

  Replica& operator[](raft::NodeId id) { return nodes_[id]; }
  Net& net() { return net_; }
  std::map<raft::NodeId, Replica>& nodes() { return nodes_; }

  std::vector<std::string> Applied(raft::NodeId id) {
    std::vector<std::string> out;
    for (auto& [data, cookie] : nodes_[id].applied) out.push_back(data);
    return out;
  }

 private:
  TempDir dir_;
  std::vector<raft::NodeId> voters_;
  Net net_;
  std::map<raft::NodeId, Replica> nodes_;
};

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
  // The old leader proposes while cut off, and is healed before it notices it lost its quorum:
  // its entry sits at an index the new leader fills with its own.
  c.net().cut_ = {old};
  REQUIRE(c[old].rep->Propose("doomed", 7).ok());
  REQUIRE(c[old].rep->Process().ok());
  std::set<raft::NodeId> rest;
  for (raft::NodeId id : {1, 2, 3}) {
    if (id != old) rest.insert(id);
  }
  // Campaign through ticks of the rest only: the old leader is not ticked meanwhile.
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
  CHECK(c[old].rep->is_leader());  // it has not noticed yet
  c.net().cut_.clear();
  for (int i = 0; i < 20; ++i) c.Tick();
  CHECK_FALSE(c[old].rep->is_leader());
  // Either it stepped down first (unknown) or saw "winner" take the index first (lost): never both,
  // never applied.
  const bool reported = c[old].lost == std::vector<uint64_t>{7} || c[old].unknown == std::vector<uint64_t>{7};
  CHECK(reported);
  CHECK(c[old].lost.size() + c[old].unknown.size() == 1);
  CHECK(c.Applied(old) == std::vector<std::string>{"winner"});
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
