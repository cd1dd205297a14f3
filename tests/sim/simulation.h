// One deterministic run of the Raft simulator: a seed chooses the cluster (3 or 5 voters, maybe a
// spare node for membership changes), the core's settings, the network's faults, and the fault
// schedule (crashes and restarts, partitions, one-way links, slow disks), and drives clients that
// propose, read, change membership and transfer leadership. After the fault phase everything
// heals and the run checks liveness. Safety is checked after every event (see checker.h).
#pragma once

#include <cstdint>
#include <string>

#include "raft/plants.h"

namespace cairn::sim {

struct SimOptions {
  uint64_t seed = 1;
  raft::Plant plant = raft::Plant::kNone;
  bool trace = false;  // print every event to stdout
};

struct SimResult {
  bool ok = true;
  std::string violation;
  uint64_t steps = 0;
  uint64_t leaders_elected = 0;
  uint64_t entries_applied = 0;  // length of the one history
  uint64_t proposals_acked = 0;
  uint64_t reads_served = 0;
  uint64_t snapshots_installed = 0;
  uint64_t crashes = 0;
};

SimResult RunSimulation(const SimOptions& options);

}  // namespace cairn::sim
