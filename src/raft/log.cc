// The core's log view: see log.h.
#include "raft/log.h"

#include <algorithm>

#include "common/assert.h"

namespace cairn::raft {

RaftLog::RaftLog(const Storage* storage, uint64_t max_apply_bytes, Plant plant)
    : storage_(storage), max_apply_bytes_(max_apply_bytes), plant_(plant) {
  offset_ = storage_->LastIndex() + 1;
  // Everything up to the snapshot is committed and applied by construction.
  committed_ = storage_->FirstIndex() - 1;
  applied_ = committed_;
}

uint64_t RaftLog::FirstIndex() const {
  if (unstable_snapshot_) return unstable_snapshot_->meta.index + 1;
  return storage_->FirstIndex();
}

uint64_t RaftLog::LastIndex() const {
  if (!unstable_.empty()) return offset_ + unstable_.size() - 1;
  if (unstable_snapshot_) return unstable_snapshot_->meta.index;
  return storage_->LastIndex();
}

Result<uint64_t> RaftLog::Term(uint64_t index) const {
  if (unstable_snapshot_) {
    if (index == unstable_snapshot_->meta.index) return unstable_snapshot_->meta.term;
    if (index < unstable_snapshot_->meta.index) return CompactedError();
  }
  if (index >= offset_) {
    if (index - offset_ < unstable_.size()) return unstable_[index - offset_].term;
    return UnavailableIndexError();
  }
  return storage_->Term(index);
}

uint64_t RaftLog::TermOrZero(uint64_t index) const {
  Result<uint64_t> t = Term(index);
  return t.ok() ? *t : 0;
}

bool RaftLog::MatchTerm(uint64_t index, uint64_t term) const {
  Result<uint64_t> t = Term(index);
  return t.ok() && *t == term;
}

bool RaftLog::IsUpToDate(uint64_t last_index, uint64_t last_term) const {
  const uint64_t our_term = LastTerm();
  return last_term > our_term || (last_term == our_term && last_index >= LastIndex());
}

std::optional<uint64_t> RaftLog::MaybeAppend(uint64_t index, uint64_t log_term, uint64_t commit,
                                             const std::vector<Entry>& entries,
                                             uint64_t* first_written) {
  *first_written = 0;
  if (!MatchTerm(index, log_term)) return std::nullopt;
  const uint64_t last_new = index + entries.size();
  const uint64_t conflict = FindConflict(entries);
  if (conflict != 0) {
    // A committed entry never changes (Log Matching + Leader Completeness); if it would, the
    // cluster is already broken and continuing would spread the damage.
    CAIRN_ASSERT(conflict > committed_ || CAIRN_PLANTED(plant_, kNoTruncate) ||
                 CAIRN_PLANTED(plant_, kApplyUncommitted));
    uint64_t from = conflict;
    if (CAIRN_PLANTED(plant_, kNoTruncate)) from = std::max(from, LastIndex() + 1);
    if (from <= last_new) {
      const std::vector<Entry> tail(entries.begin() + static_cast<long>(from - (index + 1)),
                                    entries.end());
      TruncateAndAppend(tail);
      *first_written = from;
    }
  }
  CommitTo(std::min(commit, last_new));
  return last_new;
}

uint64_t RaftLog::Append(std::vector<Entry> entries) {
  if (!entries.empty()) {
    CAIRN_ASSERT(entries.front().index > committed_);
    TruncateAndAppend(std::move(entries));
  }
  return LastIndex();
}

// The first index whose entry is new or differs in term from ours; 0 if all already match.
uint64_t RaftLog::FindConflict(const std::vector<Entry>& entries) const {
  for (const Entry& e : entries) {
    if (!MatchTerm(e.index, e.term)) return e.index;
  }
  return 0;
}

uint64_t RaftLog::FindConflictByTerm(uint64_t index, uint64_t term) const {
  for (;;) {
    Result<uint64_t> t = Term(index);
    // Unknown (compacted or past the end) terms stop the walk: the leader probes from here.
    if (!t.ok() || *t <= term) return index;
    --index;
  }
}

void RaftLog::TruncateAndAppend(std::vector<Entry> entries) {
  const uint64_t after = entries.front().index;
  if (after <= offset_) {
    // Replaces the whole unstable tail; storage's stale suffix is overwritten when persisted.
    offset_ = after;
    unstable_ = std::move(entries);
    return;
  }
  if (after != offset_ + unstable_.size()) unstable_.resize(after - offset_);
  unstable_.insert(unstable_.end(), std::make_move_iterator(entries.begin()),
                   std::make_move_iterator(entries.end()));
}

Result<std::vector<Entry>> RaftLog::Slice(uint64_t lo, uint64_t hi, uint64_t max_bytes) const {
  std::vector<Entry> out;
  if (lo >= hi) return out;
  if (lo < FirstIndex()) return CompactedError();
  if (hi > LastIndex() + 1) return UnavailableIndexError();
  if (lo < offset_) {
    Result<std::vector<Entry>> stored = storage_->Entries(lo, std::min(hi, offset_), max_bytes);
    if (!stored.ok()) return stored.status();
    out = std::move(*stored);
    // Storage stopped early for size: do not continue into the unstable tail.
    if (out.empty() || out.back().index + 1 < std::min(hi, offset_)) return out;
  }
  uint64_t bytes = 0;
  for (const Entry& e : out) bytes += e.data.size();
  for (uint64_t i = std::max(lo, offset_); i < hi; ++i) {
    const Entry& e = unstable_[i - offset_];
    bytes += e.data.size();
    if (!out.empty() && bytes > max_bytes) break;
    out.push_back(e);
  }
  return out;
}

void RaftLog::CommitTo(uint64_t index) {
  if (index <= committed_) return;
  CAIRN_ASSERT(index <= LastIndex());
  committed_ = index;
}

void RaftLog::AppliedTo(uint64_t index) {
  if (index == 0) return;
  CAIRN_ASSERT(index <= committed_ || CAIRN_PLANTED(plant_, kApplyUncommitted));
  applied_ = std::max(applied_, index);
}

bool RaftLog::HasNextCommittedEntries() const {
  if (unstable_snapshot_) return false;  // the snapshot is applied first
  uint64_t hi = committed_;
  if (CAIRN_PLANTED(plant_, kApplyUncommitted)) hi = std::min(LastIndex(), committed_ + 1);
  return hi > std::max(applied_, FirstIndex() - 1);
}

std::span<const Entry> RaftLog::NextCommittedEntries(std::vector<Entry>* storage) const {
  if (!HasNextCommittedEntries()) return {};
  uint64_t hi = committed_;
  if (CAIRN_PLANTED(plant_, kApplyUncommitted)) hi = std::min(LastIndex(), committed_ + 1);
  const uint64_t lo = std::max(applied_ + 1, FirstIndex());
  if (lo >= offset_ && !unstable_snapshot_) {
    // All in the unstable tail: a view, no copies (a leader applying its own new entries).
    size_t n = 0;
    uint64_t bytes = 0;
    for (uint64_t i = lo; i <= hi; ++i, ++n) {
      bytes += unstable_[i - offset_].data.size();
      if (n > 0 && bytes > max_apply_bytes_) break;
    }
    return std::span<const Entry>(unstable_.data() + (lo - offset_), n);
  }
  Result<std::vector<Entry>> ents = Slice(lo, hi + 1, max_apply_bytes_);
  CAIRN_ASSERT(ents.ok());  // [applied+1, committed] is never compacted or missing
  *storage = std::move(*ents);
  return *storage;
}

void RaftLog::StableTo(uint64_t index, uint64_t term) {
  if (index < offset_ || index - offset_ >= unstable_.size()) return;
  if (unstable_[index - offset_].term != term) return;  // overwritten since the Ready
  unstable_.erase(unstable_.begin(), unstable_.begin() + static_cast<long>(index + 1 - offset_));
  offset_ = index + 1;
}

void RaftLog::StableSnapshotTo(uint64_t index) {
  if (unstable_snapshot_ && unstable_snapshot_->meta.index == index) unstable_snapshot_.reset();
}

void RaftLog::Restore(const Snapshot& snap) {
  committed_ = snap.meta.index;
  unstable_snapshot_ = snap;
  unstable_.clear();
  offset_ = snap.meta.index + 1;
}

Result<Snapshot> RaftLog::GetSnapshot() const {
  if (unstable_snapshot_) return *unstable_snapshot_;
  return storage_->GetSnapshot();
}

}  // namespace cairn::raft
