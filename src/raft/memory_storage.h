// Storage kept in memory, for unit tests and the simulator (where it stands for the disk: a node
// that crashes keeps exactly what was written here). Also has the write side a real store needs:
// append with suffix overwrite, snapshot install, snapshot creation and compaction.
// Not thread-safe. Costs: Term O(1), Entries O(n) copies, Append amortised O(n).
#pragma once

#include <span>
#include <vector>

#include "raft/storage.h"

namespace cairn::raft {

class MemoryStorage final : public Storage {
 public:
  // A fresh node with an empty log. A node of the initial cluster then calls Bootstrap; a node
  // added later stays empty and learns the membership from the leader's log or snapshot.
  MemoryStorage();
  // Writes the initial membership as committed log entries (see BootstrapEntries), so that a
  // node added later learns it by replication like any other change.
  Status Bootstrap(const std::vector<NodeId>& voters);

  Result<InitialState> GetInitialState() const override;
  Result<std::vector<Entry>> Entries(uint64_t lo, uint64_t hi, uint64_t max_bytes) const override;
  Result<uint64_t> Term(uint64_t index) const override;
  uint64_t FirstIndex() const override;
  uint64_t LastIndex() const override;
  Result<Snapshot> GetSnapshot() const override;

  void SetHardState(const HardState& hs) { hard_state_ = hs; }
  const HardState& hard_state() const { return hard_state_; }
  // Appends entries, overwriting any existing suffix from entries.front().index on.
  Status Append(std::span<const Entry> entries);
  // Replaces the whole log with the snapshot (a follower installing one from its leader).
  Status ApplySnapshot(Snapshot snap);
  // Records a snapshot of the state machine at `index` (which must be in the log).
  Status CreateSnapshot(uint64_t index, const ConfState& conf, std::string data);
  // Drops entries before `index`; the snapshot must already cover index - 1.
  Status Compact(uint64_t index);

 private:
  HardState hard_state_;
  Snapshot snapshot_;
  // entries_[0] is a dummy holding the snapshot's index and term, so Term(first - 1) works.
  std::vector<Entry> entries_;
};

}  // namespace cairn::raft
