// The core's view of its log: what storage holds (persisted) plus an unstable tail (and perhaps
// an unstable snapshot) that the next Ready hands to the caller to persist. It also tracks the
// commit and applied indexes. Owned by one Core; not thread-safe. Lookups are O(1) on the
// unstable tail and delegate to Storage below it.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "raft/plants.h"
#include "raft/storage.h"

namespace cairn::raft {

class RaftLog {
 public:
  RaftLog(const Storage* storage, uint64_t max_apply_bytes, Plant plant);

  uint64_t FirstIndex() const;
  uint64_t LastIndex() const;
  uint64_t LastTerm() const { return TermOrZero(LastIndex()); }
  // Term of entry `index`; kOutOfRange when compacted, kNotFound when past the end.
  Result<uint64_t> Term(uint64_t index) const;
  uint64_t TermOrZero(uint64_t index) const;
  bool MatchTerm(uint64_t index, uint64_t term) const;
  // Paper §5.4.1: is a log ending at (last_index, last_term) at least as up to date as ours?
  bool IsUpToDate(uint64_t last_index, uint64_t last_term) const;

  // Follower side of AppendEntries: if our entry at `index` has `log_term`, writes `entries`
  // (truncating a conflicting suffix), advances commit to min(commit, last new index) and returns
  // the last new index; *first_written is the first index actually written (0 if none).
  std::optional<uint64_t> MaybeAppend(uint64_t index, uint64_t log_term, uint64_t commit,
                                      const std::vector<Entry>& entries, uint64_t* first_written);
  // Leader side: appends after the last index. Returns the new last index.
  uint64_t Append(std::vector<Entry> entries);
  // Largest index <= `index` whose term is <= `term`: where a backtracking leader can probe next
  // without walking its log one index per round trip.
  uint64_t FindConflictByTerm(uint64_t index, uint64_t term) const;
  // Entries in [lo, hi), at most max_bytes (but at least one).
  Result<std::vector<Entry>> Slice(uint64_t lo, uint64_t hi, uint64_t max_bytes) const;

  uint64_t committed() const { return committed_; }
  uint64_t applied() const { return applied_; }
  void CommitTo(uint64_t index);
  void AppliedTo(uint64_t index);
  bool HasNextCommittedEntries() const;
  // The next committed entries to apply (at most max_apply_bytes, at least one): a view of the
  // unstable tail when they all lie in it, else of *storage, filled from storage. Valid until
  // the unstable tail changes.
  std::span<const Entry> NextCommittedEntries(std::vector<Entry>* storage) const;

  const std::vector<Entry>& unstable_entries() const { return unstable_; }
  const std::optional<Snapshot>& unstable_snapshot() const { return unstable_snapshot_; }
  // The caller persisted entries up to (index, term) / the unstable snapshot at index.
  void StableTo(uint64_t index, uint64_t term);
  void StableSnapshotTo(uint64_t index);
  // Replaces the log with a snapshot received from the leader.
  void Restore(const Snapshot& snap);
  Result<Snapshot> GetSnapshot() const;

 private:
  uint64_t FindConflict(const std::vector<Entry>& entries) const;
  void TruncateAndAppend(std::vector<Entry> entries);

  const Storage* storage_;
  const uint64_t max_apply_bytes_;
  [[maybe_unused]] const Plant plant_;
  std::optional<Snapshot> unstable_snapshot_;
  std::vector<Entry> unstable_;  // entries from offset_ on, not yet persisted
  uint64_t offset_ = 0;          // index of unstable_[0]; LastIndex() + 1 when unstable_ is empty
  uint64_t committed_ = 0;
  uint64_t applied_ = 0;
};

}  // namespace cairn::raft
