// ReadFence: linearizable reads in a cluster, by Raft's ReadIndex (thesis §6.4), batched per
// loop iteration. A read that must not be served from a deposed leader's or a lagging
// follower's state waits here: once per iteration every waiting client goes into one ReadIndex
// request; when its answer comes and the applied index reaches it, they all run. A request that
// a leader change lost is sent again after a bound in ticks. Pure bookkeeping over client ids
// (no I/O, no clock: ticks come from the caller); loop thread only.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <vector>

#include "common/status.h"
#include "raft/types.h"

namespace cairn::server {

class ReadFence {
 public:
  // A client whose read waits for the next request.
  void Wait(uint64_t client_id) { waiting_.push_back(client_id); }
  size_t waiting() const { return waiting_.size(); }
  size_t in_flight() const { return batches_.size(); }

  // Sends one request for every waiting client through read_index (Replicator::ReadIndex).
  // When it fails (no leader known) those clients are returned: they get CLUSTERDOWN.
  std::vector<uint64_t> Send(const std::function<Status(std::string context)>& read_index,
                             int64_t now_tick);
  // An answer: the batch it names may run once `rs.index` is applied.
  void OnReadState(const raft::ReadState& rs);
  // Appends the clients whose batch is answered and applied, in request order.
  void Release(uint64_t applied_index, std::vector<uint64_t>* ready);
  // Unanswered batches sent at least `after_ticks` ago wait again (a leader change lost them).
  void Retry(int64_t now_tick, int64_t after_ticks);

 private:
  struct Batch {
    uint64_t seq = 0;
    uint64_t index = 0;
    bool answered = false;
    int64_t sent_tick = 0;
    std::vector<uint64_t> clients;
  };
  std::vector<uint64_t> waiting_;
  std::deque<Batch> batches_;  // in seq order
  uint64_t next_seq_ = 1;
};

}  // namespace cairn::server
