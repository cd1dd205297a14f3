// A simulated network between sim nodes: every message is encoded with the real wire codec,
// then dropped, delayed, duplicated (and so reordered) according to seeded fault settings, and
// blocked by partitions, which may be one-way. Deterministic given its Rng. Not thread-safe.
#pragma once

#include <cstdint>
#include <queue>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "common/rng.h"
#include "raft/types.h"

namespace cairn::sim {

struct NetworkFaults {
  double drop = 0;       // probability a message is lost
  double duplicate = 0;  // probability a message is delivered twice
  uint64_t min_delay_steps = 1;
  uint64_t max_delay_steps = 3;
};

class Network {
 public:
  explicit Network(Rng* rng) : rng_(rng) {}

  void set_faults(const NetworkFaults& faults) { faults_ = faults; }
  const NetworkFaults& faults() const { return faults_; }
  // Blocks messages from `from` to `to` (one direction only).
  void Block(raft::NodeId from, raft::NodeId to) { blocked_.insert({from, to}); }
  void HealAll() { blocked_.clear(); }
  // Restores every link to and from one node.
  void HealNode(raft::NodeId id) {
    for (auto it = blocked_.begin(); it != blocked_.end();) {
      it = (it->first == id || it->second == id) ? blocked_.erase(it) : std::next(it);
    }
  }
  bool Blocked(raft::NodeId from, raft::NodeId to) const { return blocked_.count({from, to}) != 0; }

  void Send(const raft::Message& m, uint64_t now_step);
  // Pops the next message due at or before now_step whose link is open (blocked ones are lost at
  // delivery time, as a cut cable loses what is on it). Returns false when none is due.
  bool NextDue(uint64_t now_step, raft::Message* out);
  size_t in_flight() const { return queue_.size(); }

 private:
  struct InFlight {
    uint64_t due_step;
    uint64_t seq;  // ties broken by a random sequence, so equal delays still reorder
    raft::NodeId from, to;
    std::string frame;
    bool operator>(const InFlight& o) const {
      return due_step != o.due_step ? due_step > o.due_step : seq > o.seq;
    }
  };
  void Enqueue(const raft::Message& m, const std::string& frame, uint64_t now_step);

  Rng* rng_;
  NetworkFaults faults_;
  std::set<std::pair<raft::NodeId, raft::NodeId>> blocked_;
  std::priority_queue<InFlight, std::vector<InFlight>, std::greater<>> queue_;
};

}  // namespace cairn::sim
