// The narrow interface through which the Raft core reads what the caller has persisted (etcd's
// Storage shape). The core only reads; the caller writes what each Ready asks it to. Entries are
// numbered from FirstIndex(); the entry just before it is covered by the snapshot, whose term
// Term(FirstIndex() - 1) still answers. Implementations need not be thread-safe.
#pragma once

#include <cstdint>
#include <vector>

#include "common/status.h"
#include "raft/types.h"

namespace cairn::raft {

// The state a node restarts from.
struct InitialState {
  HardState hard_state;
  ConfState conf;  // membership as of the snapshot (or the bootstrap membership)
};

// Error codes the core relies on: kOutOfRange means the index was compacted away; kNotFound
// means it is past the last index; kUnavailable means "try again later" (snapshot in progress).
inline Status CompactedError() { return Status::OutOfRange("compacted"); }
inline Status UnavailableIndexError() { return Status::NotFound("index past the last entry"); }

class Storage {
 public:
  virtual ~Storage() = default;
  virtual Result<InitialState> GetInitialState() const = 0;
  // Entries in [lo, hi), at most max_bytes of data but always at least one when lo < hi.
  virtual Result<std::vector<Entry>> Entries(uint64_t lo, uint64_t hi,
                                             uint64_t max_bytes) const = 0;
  // Term of entry i, for i in [FirstIndex() - 1, LastIndex()].
  virtual Result<uint64_t> Term(uint64_t index) const = 0;
  virtual uint64_t FirstIndex() const = 0;
  virtual uint64_t LastIndex() const = 0;
  // The most recent snapshot, to send to a follower that fell behind the compacted prefix.
  virtual Result<Snapshot> GetSnapshot() const = 0;
};

}  // namespace cairn::raft
