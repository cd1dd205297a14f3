// LogStore: the Raft log on disk. It is raft::Storage (what the core reads) plus the write side a
// Ready asks for (append with suffix overwrite, hard state, snapshot point, compaction), on the
// segmented write-ahead log of src/wal and two small state files (state_file.h).
//
// Layout of `dir`: the wal segments (each record's term in its frame; the payload is
// type:u8 followed by the entry's data), `hardstate` (term, vote, commit) and `snapshot` (the
// index, term and membership the compacted prefix is covered by). Entry indexes below the
// snapshot point are compacted even where their segment still exists; FirstIndex() is
// snapshot index + 1 (or the log's first record when there is no snapshot).
//
// Durability: SetHardState writes the file synchronously (fdatasync + rename + directory fsync)
// when the term or the vote changed, because both must be durable before any message that
// depends on them; a change of commit alone is kept in memory and written with the next one (or
// by Sync/Close), since a lost commit index is learned again from the leader or the log.
// Append follows the log's FsyncPolicy; durable_index() says how far entries are durable.
//
// Threads: the owning thread only (the loop), like wal::Log. Memory: the log's per-record offsets,
// a term index of one pair per run of equal terms, and entries not yet durable (kept so Entries
// can serve them before the writer thread has).
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"
#include "raft/storage.h"
#include "raft/types.h"
#include "replication/durable_log.h"
#include "wal/log.h"

namespace cairn::replication {

struct LogStoreOptions {
  std::string dir;
  wal::FsyncPolicy fsync = wal::FsyncPolicy::kAlways;
  uint64_t segment_bytes = uint64_t{64} << 20;
  bool inline_writes = false;
  size_t max_spares = 0;
  // The wal's tail cache (wal::Options): 0 keeps no copy of appended entries; reads of durable
  // entries (a lagging follower's catch-up) then come from the segments (the page cache).
  size_t tail_cache_bytes = 0;
  std::function<void(uint64_t durable_index)> on_durable;  // from the writer thread
  std::function<void(std::string_view)> logger;
  wal::Env* env = nullptr;  // null: wal::Env::Posix()
};

class LogStore final : public DurableLog {
  struct PrivateTag {};

 public:
  // Opens or creates the store, recovering the log (see wal::Log::Open) and reading the state
  // files. A state file that fails its checksum is an error: the store will not guess a term.
  static Result<std::unique_ptr<LogStore>> Open(LogStoreOptions options);
  LogStore(PrivateTag, LogStoreOptions options);
  ~LogStore() override;

  // raft::Storage
  Result<raft::InitialState> GetInitialState() const override;
  Result<std::vector<raft::Entry>> Entries(uint64_t lo, uint64_t hi,
                                           uint64_t max_bytes) const override;
  Result<uint64_t> Term(uint64_t index) const override;
  uint64_t FirstIndex() const override;
  uint64_t LastIndex() const override;
  // The snapshot point with empty data: the state machine's image is streamed separately.
  Result<raft::Snapshot> GetSnapshot() const override;

  // Writes the initial membership of a new cluster (raft::BootstrapEntries) as committed entries.
  // Only on an empty store.
  Status Bootstrap(const std::vector<raft::NodeId>& voters);
  // Appends entries, first dropping any existing suffix from entries.front().index on (a leader's
  // log wins over a follower's uncommitted tail). Entries at or below the snapshot point are
  // skipped. A gap after LastIndex() is an error.
  Status Append(std::span<const raft::Entry> entries) override;
  Status SetHardState(const raft::HardState& hs) override;
  const raft::HardState& hard_state() const { return hard_state_; }
  // A checkpoint of the state machine now covers everything up to `index` (which must be in the
  // log and at most the commit index): records the snapshot point and lets the log drop whole
  // segments at or below it.
  Status Compact(uint64_t index, const raft::ConfState& conf) override;
  // A follower installs a leader's snapshot: the whole log is replaced by the snapshot point.
  Status ApplySnapshot(const raft::SnapshotMeta& meta);

  uint64_t durable_index() const;
  Status status() const { return log_->status(); }
  void set_fsync(wal::FsyncPolicy p) { log_->set_fsync(p); }
  // For INFO: the log's write counters, and the first record still on disk.
  wal::LogStats stats() const { return log_->stats(); }
  uint64_t first_record_index() const { return log_->first_index(); }
  // Makes every appended entry and the current hard state durable, whatever the policy.
  Status Sync() override;
  Status Close();

 private:
  Status Load();
  Status LoadTermIndex();
  Status WriteHardState();
  void NoteAppended(uint64_t index, uint64_t term);
  void DropTermsFrom(uint64_t index);
  void TrimUnsynced() const;

  LogStoreOptions options_;
  wal::Env* env_;
  std::unique_ptr<wal::Log> log_;
  raft::HardState hard_state_;
  raft::HardState written_hard_state_;  // what the hardstate file holds
  raft::SnapshotMeta snapshot_;
  // (first index, term) of each run of equal terms in the log, in index order.
  std::vector<std::pair<uint64_t, uint64_t>> term_runs_;
  // Entries appended but perhaps not yet durable, in index order (Entries serves them).
  mutable std::deque<raft::Entry> unsynced_;
  std::vector<wal::Log::RecordView> append_views_;  // Append's scratch
};

}  // namespace cairn::replication
