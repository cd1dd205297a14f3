// A hand-driven Raft group for Replicator tests: replicas on LogStores in one temp dir, joined by a
// message queue that the test delivers, cuts or (with a seeded Rng) drops at random. No sockets, no
// clock: time is Tick.
#pragma once

#include <doctest/doctest.h>

#include <deque>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "../wal/test_util.h"
#include "common/rng.h"
#include "replication/log_store.h"
#include "replication/replicator.h"

namespace cairn::replication::testing {

using wal::testing::TempDir;

// One replica: its store, its replicator, and what it saw.
struct Replica {
  std::string dir;
  std::unique_ptr<LogStore> store;
  std::unique_ptr<Replicator> rep;
  std::vector<std::pair<std::string, uint64_t>> applied;  // (data, cookie)
  std::vector<uint64_t> applied_index;                     // the log index of each
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
        if (chaos_ != nullptr && chaos_->Chance(drop_chance_)) continue;
        if (!nodes[m.to].rep) continue;  // crashed
        REQUIRE(nodes[m.to].rep->Step(m).ok());
      }
      for (auto& [id, r] : nodes) {
        if (r.rep) REQUIRE(r.rep->Process().ok());
      }
    }
  }
  std::set<raft::NodeId> cut_;  // isolated nodes: nothing to or from them arrives
  Rng* chaos_ = nullptr;        // when set, each message is dropped with drop_chance_
  double drop_chance_ = 0;

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
      rp->applied_index.push_back(e.index);
      return Status::Ok();
    };
    cb.lost = [rp](uint64_t cookie) { rp->lost.push_back(cookie); };
    cb.unknown = [rp](const std::vector<uint64_t>& c) {
      rp->unknown.insert(rp->unknown.end(), c.begin(), c.end());
    };
    r.applied.clear();
    r.applied_index.clear();
    r.rep = std::make_unique<Replicator>(c, r.store.get(), &net_, Rng(id * 101), std::move(cb));
    REQUIRE(r.rep->Start().ok());
  }

  raft::NodeId WaitForLeader(const std::set<raft::NodeId>& among) {
    for (int i = 0; i < 300; ++i) {
      for (raft::NodeId id : among) {
        if (nodes_[id].rep && nodes_[id].rep->is_leader()) return id;
      }
      Tick();
    }
    FAIL("no leader elected");
    return 0;
  }

  void Tick() {
    for (auto& [id, r] : nodes_) {
      if (!r.rep) continue;
      r.rep->Tick();
      REQUIRE(r.rep->Process().ok());
    }
    net_.Deliver(nodes_);
  }

  // A crash: the replicator and everything it had in memory go; the store's files stay.
  void Crash(raft::NodeId id) {
    nodes_[id].rep.reset();
    nodes_[id].store.reset();
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

}  // namespace cairn::replication::testing
