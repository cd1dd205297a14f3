// In-memory Storage: see memory_storage.h.
#include "raft/memory_storage.h"

namespace cairn::raft {

MemoryStorage::MemoryStorage() : entries_(1) {}

Status MemoryStorage::Bootstrap(const std::vector<NodeId>& voters) {
  if (LastIndex() != 0 || hard_state_.term != 0) return Status::InvalidArgument("not empty");
  std::vector<Entry> entries = BootstrapEntries(voters);
  if (entries.empty()) return Status::InvalidArgument("no voters");
  CAIRN_RETURN_IF_ERROR(Append(entries));
  hard_state_ = HardState{entries.back().term, kNoNode, entries.back().index};
  return Status::Ok();
}

Result<InitialState> MemoryStorage::GetInitialState() const {
  return InitialState{hard_state_, snapshot_.meta.conf};
}

uint64_t MemoryStorage::FirstIndex() const { return entries_[0].index + 1; }
uint64_t MemoryStorage::LastIndex() const { return entries_[0].index + entries_.size() - 1; }

Result<uint64_t> MemoryStorage::Term(uint64_t index) const {
  const uint64_t offset = entries_[0].index;
  if (index < offset) return CompactedError();
  if (index - offset >= entries_.size()) return UnavailableIndexError();
  return entries_[index - offset].term;
}

Result<std::vector<Entry>> MemoryStorage::Entries(uint64_t lo, uint64_t hi,
                                                  uint64_t max_bytes) const {
  const uint64_t offset = entries_[0].index;
  if (lo <= offset) return CompactedError();
  if (hi > LastIndex() + 1) return UnavailableIndexError();
  std::vector<Entry> out;
  uint64_t bytes = 0;
  for (uint64_t i = lo; i < hi; ++i) {
    const Entry& e = entries_[i - offset];
    bytes += e.data.size();
    if (!out.empty() && bytes > max_bytes) break;
    out.push_back(e);
  }
  return out;
}

Result<Snapshot> MemoryStorage::GetSnapshot() const { return snapshot_; }

Status MemoryStorage::Append(std::span<const Entry> entries) {
  if (entries.empty()) return Status::Ok();
  const uint64_t first = entries.front().index;
  if (first > LastIndex() + 1) return Status::InvalidArgument("append leaves a gap");
  // Entries already covered by the snapshot are committed and identical: skip them.
  size_t skip = 0;
  while (skip < entries.size() && entries[skip].index <= entries_[0].index) ++skip;
  if (skip == entries.size()) return Status::Ok();
  const uint64_t keep = entries[skip].index - entries_[0].index;
  entries_.resize(keep);
  entries_.insert(entries_.end(), entries.begin() + static_cast<long>(skip), entries.end());
  return Status::Ok();
}

Status MemoryStorage::ApplySnapshot(Snapshot snap) {
  if (snap.meta.index <= snapshot_.meta.index && !snapshot_.empty()) {
    return Status::OutOfRange("snapshot is older than the current one");
  }
  Entry dummy;
  dummy.index = snap.meta.index;
  dummy.term = snap.meta.term;
  entries_.assign(1, dummy);
  snapshot_ = std::move(snap);
  return Status::Ok();
}

Status MemoryStorage::CreateSnapshot(uint64_t index, const ConfState& conf, std::string data) {
  if (index <= snapshot_.meta.index) return Status::OutOfRange("snapshot is not newer");
  if (index > LastIndex()) return Status::InvalidArgument("snapshot past the last index");
  snapshot_.meta.index = index;
  snapshot_.meta.term = entries_[index - entries_[0].index].term;
  snapshot_.meta.conf = conf;
  snapshot_.data = std::move(data);
  return Status::Ok();
}

Status MemoryStorage::Compact(uint64_t index) {
  const uint64_t offset = entries_[0].index;
  if (index <= offset) return Status::OutOfRange("already compacted");
  if (index > LastIndex() + 1) return Status::InvalidArgument("compact past the last index");
  if (index - 1 > snapshot_.meta.index) return Status::InvalidArgument("compact past the snapshot");
  entries_.erase(entries_.begin(), entries_.begin() + static_cast<long>(index - 1 - offset));
  entries_[0].data.clear();
  entries_[0].type = EntryType::kNormal;
  return Status::Ok();
}

}  // namespace cairn::raft
