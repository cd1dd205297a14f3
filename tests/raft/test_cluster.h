// A hand-driven cluster for Raft unit tests: real cores over MemoryStorage, with a message queue
// the test can deliver, drop or inspect one message at a time. No randomness beyond each core's
// seeded Rng, no clock: tests advance time with Tick.
#pragma once

#include <doctest/doctest.h>

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <vector>

#include "raft/core.h"
#include "raft/memory_storage.h"

namespace cairn::raft::testing {

struct TestNode {
  MemoryStorage storage;
  std::unique_ptr<Core> core;
  std::vector<Entry> applied;
  std::vector<ReadState> reads;
  Snapshot installed;
};

class TestCluster {
 public:
  // Nodes 1..n, all voters. `customize` may edit each node's storage before its core starts.
  explicit TestCluster(int n, Config base = {},
                       std::function<void(NodeId, MemoryStorage*)> customize = nullptr)
      : base_(base) {
    std::vector<NodeId> voters;
    for (int i = 1; i <= n; ++i) voters.push_back(i);
    for (NodeId id : voters) {
      auto node = std::make_unique<TestNode>();
      if (customize) {
        customize(id, &node->storage);
      } else {
        REQUIRE(node->storage.Bootstrap(voters).ok());
      }
      nodes_[id] = std::move(node);
      Start(id);
    }
  }

  // Adds an empty node (not a member) that learns the membership from the leader.
  void AddEmptyNode(NodeId id) {
    nodes_[id] = std::make_unique<TestNode>();
    Start(id);
  }

  void Start(NodeId id) {
    Config c = base_;
    c.id = id;
    auto core = Core::Create(c, &nodes_[id]->storage, Rng(id * 7919));
    REQUIRE(core.ok());
    nodes_[id]->core = std::move(*core);
  }

  Core& node(NodeId id) { return *nodes_.at(id)->core; }
  TestNode& state(NodeId id) { return *nodes_.at(id); }

  // Handles every pending Ready: persist, queue messages, apply.
  void Flush() {
    for (auto& [id, n] : nodes_) {
      while (n->core->HasReady()) {
        Ready rd = n->core->GetReady();
        if (!rd.snapshot.empty()) {
          REQUIRE(n->storage.ApplySnapshot(rd.snapshot).ok());
          n->installed = rd.snapshot;
        }
        REQUIRE(n->storage.Append(rd.entries).ok());
        if (rd.hard_state) n->storage.SetHardState(*rd.hard_state);
        for (Message& m : rd.messages) queue_.push_back(std::move(m));
        for (const Entry& e : rd.committed_entries) n->applied.push_back(e);
        for (ReadState& r : rd.read_states) n->reads.push_back(std::move(r));
        n->core->Advance(rd);
      }
    }
  }

  bool Cut(NodeId from, NodeId to) const {
    return isolated_.count(from) != 0 || isolated_.count(to) != 0 || dropped_.count({from, to});
  }

  // Delivers queued messages (and what they cause) until none is left; returns how many.
  int Stabilize(int limit = 100000) {
    int delivered = 0;
    Flush();
    while (!queue_.empty() && delivered < limit) {
      Message m = std::move(queue_.front());
      queue_.pop_front();
      if (Cut(m.from, m.to) || nodes_.count(m.to) == 0) continue;
      if (filter_ && !filter_(m)) continue;
      REQUIRE(node(m.to).Step(m).ok());
      ++delivered;
      Flush();
    }
    return delivered;
  }

  // Delivers one message; false when the queue is empty.
  bool DeliverOne() {
    Flush();
    while (!queue_.empty()) {
      Message m = std::move(queue_.front());
      queue_.pop_front();
      if (Cut(m.from, m.to) || nodes_.count(m.to) == 0) continue;
      if (filter_ && !filter_(m)) continue;
      REQUIRE(node(m.to).Step(m).ok());
      Flush();
      return true;
    }
    return false;
  }

  void Tick(NodeId id, int times = 1) {
    for (int i = 0; i < times; ++i) node(id).Tick();
    Flush();
  }
  void TickAll(int times = 1) {
    for (int i = 0; i < times; ++i) {
      for (auto& [id, n] : nodes_) n->core->Tick();
    }
    Flush();
  }

  void Elect(NodeId id) {
    node(id).Campaign();
    Stabilize();
    REQUIRE(node(id).role() == Role::kLeader);
  }

  void Isolate(NodeId id) { isolated_.insert(id); }
  void Drop(NodeId from, NodeId to) { dropped_.insert({from, to}); }
  void Heal() {
    isolated_.clear();
    dropped_.clear();
  }
  // Only messages for which `keep` returns true are delivered (until cleared with nullptr).
  void SetFilter(std::function<bool(const Message&)> keep) { filter_ = std::move(keep); }
  std::deque<Message>& queue() { return queue_; }

 private:
  Config base_;
  std::map<NodeId, std::unique_ptr<TestNode>> nodes_;
  std::deque<Message> queue_;
  std::set<NodeId> isolated_;
  std::set<std::pair<NodeId, NodeId>> dropped_;
  std::function<bool(const Message&)> filter_;
};

}  // namespace cairn::raft::testing
