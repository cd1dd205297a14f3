// The settings one seed draws before a simulator run: cluster size, core configuration, network
// faults, fault rates, nemesis biases, client load and snapshot policy. Varying all of them per
// seed ("swarm testing") reaches more corners than one fixed mix of faults.
#pragma once

#include <cstdint>
#include <initializer_list>

#include "common/rng.h"
#include "raft/core.h"
#include "sim/network.h"

namespace cairn::sim {

template <typename T>
T Pick(Rng& rng, std::initializer_list<T> choices) {
  return *(choices.begin() + rng.Uniform(choices.size()));
}

// Everything a seed decides before the run starts.
struct Params {
  int voters = 3;
  bool membership = false;  // a spare node that clients add, promote and remove
  raft::Config core;
  NetworkFaults faults;
  double crash_per_tick = 0;
  double restart_per_tick = 0;
  double partition_per_tick = 0;
  double heal_per_tick = 0;
  double disk_stall = 0;  // probability a node's Ready waits a step (so a crash loses it)
  double propose_per_step = 0;
  double read_per_step = 0;
  double conf_per_tick = 0;
  double transfer_per_tick = 0;
  // Nemesis biases toward the moments where Raft bugs live: a newly elected leader cut off
  // before its first entries spread (Figure 8), a voter that crashes right after voting.
  double isolate_new_leader = 0;
  double crash_after_vote = 0;
  uint64_t snapshot_every = 0;  // 0: never snapshot
  uint64_t compact_keep = 0;    // entries kept below the snapshot

  explicit Params(Rng& rng) {
    voters = rng.Chance(0.6) ? 3 : 5;
    membership = rng.Chance(0.3);
    core.election_ticks = 10;
    core.heartbeat_ticks = Pick(rng, {1, 2, 3});
    core.pre_vote = rng.Chance(0.8);
    core.check_quorum = rng.Chance(0.8);
    core.max_entries_per_msg = Pick<uint64_t>(rng, {1, 2, 4, 64});
    core.max_inflight_msgs = Pick<size_t>(rng, {1, 2, 8, 32});
    core.snapshot_retry_heartbeats = 10;
    core.max_uncommitted_entries = Pick<uint64_t>(rng, {8, 64});
    faults.drop = Pick(rng, {0.0, 0.02, 0.1, 0.25});
    faults.duplicate = Pick(rng, {0.0, 0.02, 0.1});
    faults.min_delay_steps = 1;
    faults.max_delay_steps = Pick<uint64_t>(rng, {2, 4, 10, 25});
    crash_per_tick = Pick(rng, {0.0, 0.01, 0.03});
    restart_per_tick = Pick(rng, {0.05, 0.2});
    partition_per_tick = Pick(rng, {0.0, 0.01, 0.03});
    heal_per_tick = Pick(rng, {0.02, 0.08});
    disk_stall = Pick(rng, {0.0, 0.2, 0.5});
    propose_per_step = Pick(rng, {0.05, 0.15, 0.3});
    read_per_step = Pick(rng, {0.03, 0.1});
    conf_per_tick = membership ? 0.03 : 0.0;
    transfer_per_tick = Pick(rng, {0.0, 0.01});
    isolate_new_leader = Pick(rng, {0.0, 0.3, 0.6});
    crash_after_vote = Pick(rng, {0.0, 0.3, 0.6});
    snapshot_every = Pick<uint64_t>(rng, {0, 8, 32});
    compact_keep = Pick<uint64_t>(rng, {0, 4});
  }
};

}  // namespace cairn::sim
