// LogStore: raft::Storage on the write-ahead log, with the hard state and snapshot point beside it.
#include "replication/log_store.h"

#include <algorithm>

#include "raft/codec.h"
#include "replication/state_file.h"

namespace cairn::replication {
namespace {

constexpr char kHardStateFile[] = "hardstate";
constexpr char kSnapshotFile[] = "snapshot";
constexpr size_t kLoadChunkBytes = size_t{4} << 20;

Status CheckType(uint8_t type) {
  if (type == static_cast<uint8_t>(raft::EntryType::kNormal) ||
      type == static_cast<uint8_t>(raft::EntryType::kConfChange)) {
    return Status::Ok();
  }
  return Status::Corruption("raft log: unknown entry type " + std::to_string(type));
}

Result<raft::Entry> DecodeRecord(wal::Record r) {
  if (r.payload.empty()) {
    return Status::Corruption("raft log: record " + std::to_string(r.index) + " has no type");
  }
  const auto type = static_cast<uint8_t>(r.payload[0]);
  CAIRN_RETURN_IF_ERROR(CheckType(type));
  raft::Entry e;
  e.term = r.term;
  e.index = r.index;
  e.type = static_cast<raft::EntryType>(type);
  e.data = r.payload.substr(1);
  return e;
}

}  // namespace

LogStore::LogStore(PrivateTag, LogStoreOptions options)
    : options_(std::move(options)), env_(options_.env ? options_.env : wal::Env::Posix()) {}

LogStore::~LogStore() {
  if (log_) (void)Close();
}

Result<std::unique_ptr<LogStore>> LogStore::Open(LogStoreOptions options) {
  auto store = std::make_unique<LogStore>(PrivateTag{}, std::move(options));
  CAIRN_RETURN_IF_ERROR(store->Load());
  return store;
}

Status LogStore::Load() {
  CAIRN_RETURN_IF_ERROR(env_->CreateDirIfMissing(options_.dir));
  if (auto hs = ReadStateFile(env_, options_.dir, kHardStateFile); hs.ok()) {
    auto decoded = DecodeHardState(*hs);
    if (!decoded.ok()) return decoded.status();
    hard_state_ = written_hard_state_ = *decoded;
  } else if (hs.status().code() != ErrorCode::kNotFound) {
    return hs.status();
  }
  if (auto snap = ReadStateFile(env_, options_.dir, kSnapshotFile); snap.ok()) {
    auto decoded = DecodeSnapshotPoint(*snap);
    if (!decoded.ok()) return decoded.status();
    snapshot_ = *decoded;
  } else if (snap.status().code() != ErrorCode::kNotFound) {
    return snap.status();
  }
  wal::Options wo;
  wo.dir = options_.dir;
  wo.fsync = options_.fsync;
  wo.segment_bytes = options_.segment_bytes;
  wo.inline_writes = options_.inline_writes;
  wo.max_spares = options_.max_spares;
  wo.tail_cache_bytes = options_.tail_cache_bytes;
  wo.on_durable = options_.on_durable;
  wo.logger = options_.logger;
  wo.env = env_;
  auto log = wal::Log::Open(std::move(wo));
  if (!log.ok()) return log.status();
  log_ = std::move(*log);
  // A crash inside ApplySnapshot (or a torn tail below the snapshot point) leaves a log that ends
  // before the snapshot: everything in it is covered, so the log restarts after the snapshot.
  if (snapshot_.index > 0 && log_->last_index() < snapshot_.index) {
    CAIRN_RETURN_IF_ERROR(log_->Reset(snapshot_.index + 1));
  }
  if (log_->first_index() > FirstIndex()) {
    return Status::Corruption("raft log starts at " + std::to_string(log_->first_index()) +
                              " but nothing covers the entries before it (snapshot point " +
                              std::to_string(snapshot_.index) + ")");
  }
  return LoadTermIndex();
}

// One pass over the log at open: the term runs, and every record's type checked.
Status LogStore::LoadTermIndex() {
  term_runs_.clear();
  for (uint64_t next = FirstIndex(); next <= log_->last_index();) {
    auto records = log_->Read(next, log_->last_index(), kLoadChunkBytes);
    if (!records.ok()) return records.status();
    for (wal::Record& r : *records) {
      if (r.payload.empty()) {
        return Status::Corruption("raft log: record " + std::to_string(r.index) + " has no type");
      }
      CAIRN_RETURN_IF_ERROR(CheckType(static_cast<uint8_t>(r.payload[0])));
      NoteAppended(r.index, r.term);
      next = r.index + 1;
    }
  }
  return Status::Ok();
}

uint64_t LogStore::FirstIndex() const {
  return snapshot_.index > 0 ? snapshot_.index + 1 : log_->first_index();
}

uint64_t LogStore::LastIndex() const { return std::max(log_->last_index(), snapshot_.index); }

Result<uint64_t> LogStore::Term(uint64_t index) const {
  if (index == snapshot_.index) return snapshot_.term;
  if (index < FirstIndex()) return raft::CompactedError();
  if (index > LastIndex()) return raft::UnavailableIndexError();
  // The last run that starts at or before index.
  auto it = std::upper_bound(term_runs_.begin(), term_runs_.end(), index,
                             [](uint64_t i, const auto& run) { return i < run.first; });
  CAIRN_ASSERT(it != term_runs_.begin());
  return std::prev(it)->second;
}

// The membership as of the snapshot point; the core replays the conf changes in the log after it.
Result<raft::InitialState> LogStore::GetInitialState() const {
  return raft::InitialState{hard_state_, snapshot_.conf};
}

void LogStore::TrimUnsynced() const {
  const uint64_t durable = log_->durable_index();
  while (!unsynced_.empty() && unsynced_.front().index <= durable) unsynced_.pop_front();
}

Result<std::vector<raft::Entry>> LogStore::Entries(uint64_t lo, uint64_t hi,
                                                   uint64_t max_bytes) const {
  if (lo < FirstIndex()) return raft::CompactedError();
  if (hi > LastIndex() + 1) return raft::UnavailableIndexError();
  std::vector<raft::Entry> out;
  if (lo >= hi) return out;
  TrimUnsynced();
  uint64_t bytes = 0;
  const uint64_t durable = log_->durable_index();
  for (uint64_t next = lo; next < hi;) {
    if (next > durable) {
      // Not yet durable: served from memory, in order.
      CAIRN_ASSERT(!unsynced_.empty() && unsynced_.front().index <= next);
      for (size_t i = next - unsynced_.front().index; i < unsynced_.size() && next < hi; ++i) {
        const raft::Entry& e = unsynced_[i];
        if (!out.empty() && bytes + e.data.size() > max_bytes) return out;
        bytes += e.data.size();
        out.push_back(e);
        ++next;
      }
      return out;
    }
    auto records = log_->Read(next, std::min(hi - 1, durable), max_bytes - std::min(bytes, max_bytes));
    if (!records.ok()) return records.status();
    for (wal::Record& r : *records) {
      if (!out.empty() && bytes + r.payload.size() - 1 > max_bytes) return out;
      auto e = DecodeRecord(std::move(r));
      if (!e.ok()) return e.status();
      bytes += e->data.size();
      out.push_back(std::move(*e));
    }
    if (records->empty()) break;
    next = out.back().index + 1;
    if (bytes >= max_bytes) break;
  }
  return out;
}

Result<raft::Snapshot> LogStore::GetSnapshot() const {
  raft::Snapshot snap;
  snap.meta = snapshot_;
  return snap;
}

void LogStore::NoteAppended(uint64_t index, uint64_t term) {
  if (term_runs_.empty() || term_runs_.back().second != term) term_runs_.emplace_back(index, term);
}

void LogStore::DropTermsFrom(uint64_t index) {
  while (!term_runs_.empty() && term_runs_.back().first >= index) term_runs_.pop_back();
}

Status LogStore::Append(std::span<const raft::Entry> entries) {
  CAIRN_RETURN_IF_ERROR(log_->status());
  // What the snapshot already covers is not written again.
  while (!entries.empty() && entries.front().index <= snapshot_.index) entries = entries.subspan(1);
  if (entries.empty()) return Status::Ok();
  const uint64_t first = entries.front().index;
  if (first > log_->last_index() + 1) {
    return Status::InvalidArgument("raft log: append at " + std::to_string(first) +
                                   " leaves a gap after " + std::to_string(log_->last_index()));
  }
  if (first <= log_->last_index()) {
    if (first <= hard_state_.commit) {
      return Status::InvalidArgument("raft log: append at " + std::to_string(first) +
                                     " would overwrite committed entries (commit " +
                                     std::to_string(hard_state_.commit) + ")");
    }
    CAIRN_RETURN_IF_ERROR(log_->TruncateSuffix(first));
    DropTermsFrom(first);
    while (!unsynced_.empty() && unsynced_.back().index >= first) unsynced_.pop_back();
  }
  // Each record's payload is the type byte, then the data: framed from the two pieces.
  static constexpr char kTypeBytes[] = {static_cast<char>(raft::EntryType::kNormal),
                                        static_cast<char>(raft::EntryType::kConfChange)};
  append_views_.clear();
  for (const raft::Entry& e : entries) {
    CAIRN_ASSERT(e.index == first + append_views_.size());
    const auto type = static_cast<size_t>(e.type);
    CAIRN_ASSERT(type < sizeof(kTypeBytes));
    append_views_.push_back({e.index, e.term, std::string_view(&kTypeBytes[type], 1), e.data});
    NoteAppended(e.index, e.term);
  }
  log_->AppendViews(append_views_);
  TrimUnsynced();
  for (const raft::Entry& e : entries) {
    if (e.index > log_->durable_index()) unsynced_.push_back(e);
  }
  return log_->status();
}

Status LogStore::Bootstrap(const std::vector<raft::NodeId>& voters) {
  if (LastIndex() != 0 || hard_state_.term != 0) {
    return Status::InvalidArgument("raft log: bootstrap of a store that is not empty");
  }
  const std::vector<raft::Entry> ents = raft::BootstrapEntries(voters);
  CAIRN_RETURN_IF_ERROR(Append(ents));
  CAIRN_RETURN_IF_ERROR(log_->Sync());
  return SetHardState(raft::HardState{1, raft::kNoNode, ents.empty() ? 0 : ents.back().index});
}

Status LogStore::SetHardState(const raft::HardState& hs) {
  hard_state_ = hs;
  if (hs.term == written_hard_state_.term && hs.vote == written_hard_state_.vote) {
    return Status::Ok();  // commit alone: written with the next change, or at Sync
  }
  return WriteHardState();
}

Status LogStore::WriteHardState() {
  CAIRN_RETURN_IF_ERROR(WriteStateFile(env_, options_.dir, kHardStateFile, EncodeHardState(hard_state_)));
  written_hard_state_ = hard_state_;
  return Status::Ok();
}

Status LogStore::Compact(uint64_t index, const raft::ConfState& conf) {
  if (index <= snapshot_.index) return Status::Ok();
  if (index > hard_state_.commit || index > log_->last_index()) {
    return Status::InvalidArgument("raft log: compact to " + std::to_string(index) +
                                   " past the commit index " + std::to_string(hard_state_.commit));
  }
  auto term = Term(index);
  if (!term.ok()) return term.status();
  raft::SnapshotMeta meta{index, *term, conf};
  // The commit index must not fall behind the snapshot point on disk.
  if (written_hard_state_.commit < index) CAIRN_RETURN_IF_ERROR(WriteHardState());
  CAIRN_RETURN_IF_ERROR(WriteStateFile(env_, options_.dir, kSnapshotFile, EncodeSnapshotPoint(meta)));
  snapshot_ = meta;
  while (term_runs_.size() > 1 && term_runs_[1].first <= index + 1) term_runs_.erase(term_runs_.begin());
  return log_->CompactPrefix(index);
}

Status LogStore::ApplySnapshot(const raft::SnapshotMeta& meta) {
  if (meta.index <= snapshot_.index) return Status::Ok();
  // The point first: a crash after it and before the reset is repaired at the next Open.
  CAIRN_RETURN_IF_ERROR(WriteStateFile(env_, options_.dir, kSnapshotFile, EncodeSnapshotPoint(meta)));
  snapshot_ = meta;
  CAIRN_RETURN_IF_ERROR(log_->Reset(meta.index + 1));
  term_runs_.clear();
  unsynced_.clear();
  if (hard_state_.commit < meta.index) {
    hard_state_.commit = meta.index;
    CAIRN_RETURN_IF_ERROR(WriteHardState());
  }
  return Status::Ok();
}

uint64_t LogStore::durable_index() const { return log_->durable_index(); }

Status LogStore::Sync() {
  CAIRN_RETURN_IF_ERROR(log_->Sync());
  if (!(hard_state_ == written_hard_state_)) return WriteHardState();
  return Status::Ok();
}

Status LogStore::Close() {
  Status st = Sync();
  Status closed = log_->Close();
  log_.reset();
  return st.ok() ? closed : st;
}

}  // namespace cairn::replication
