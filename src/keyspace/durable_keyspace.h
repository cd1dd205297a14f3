// DurableKeyspace: the keyspace in LevelDB (format in encoding.h), with an LRU memory tier of hot
// entries in front and a TTL wheel paged in from the expiry index.
//
// Writes go into one pending LevelDB WriteBatch, written with sync=false because the log is what
// makes a write durable: after a crash the node replays the log after applied_index(). Outside a
// group each apply (BeginApply .. CommitApply) is written on its own; inside a group
// (BeginGroup .. EndGroup) the applies accumulate and are written together at EndGroup, or
// earlier once the batch holds kMaxGroupEntries entries or kMaxGroupBytes bytes. Each write
// holds the changes, the counters and mapping records they touched, and one applied-index record:
// the last entry in it. So disk only ever holds whole entries, up to an entry boundary.
//
// Until written, the pending entries' writes live in an overlay (key -> entry or deleted) that
// reads consult first; the memory tier, the wheel and `committed_` only change once the batch is
// written. The overlay must outlive the entry: the tier may evict, and LevelDB does not have the
// pending writes yet, so a key deleted or rewritten earlier in the group must be found there.
// Databases flushed or swapped in the group need nothing more: working_ maps them to their new
// namespaces. An entry that fails (a read error) is rolled back alone: its batch operations,
// overlay changes and state are undone, and the group goes on. A failed batch write puts memory
// back to what is on disk, drops the group's unwritten entries (later applies of the group fail
// with the same error, as EndGroup does) and leaves the caller to replay them from the log.
//
// Databases are logical names for physical namespaces: FLUSHDB/FLUSHALL point a database at a
// fresh namespace and SWAPDB swaps two mapping records, all O(1) and atomic in the apply's batch.
// CollectGarbage deletes the records of orphaned namespaces and collection versions in bounded
// steps; the orphan lists are records, so GC resumes after a restart.
//
// RAM: the tier's budget (maxmemory), LevelDB's block cache and write buffer (Options), the TTL
// wheel (at most ttl_max_loaded items paged in, plus keys given an expiry within the horizon), a
// group's pending batch and overlay (bounded by kMaxGroupEntries / kMaxGroupBytes), and nothing
// else per key. Open reads a few dozen small records, never the data. Loop thread only;
// Find of a key not in the tier reads LevelDB on the calling thread.
#pragma once

#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "keyspace/encoding.h"
#include "keyspace/engine.h"
#include "keyspace/keyspace.h"
#include "keyspace/memory_tier.h"
#include "keyspace/ttl_wheel.h"

namespace cairn::keyspace {

struct DurableKeyspaceOptions {
  std::string dir;                      // the LevelDB directory; created if missing
  uint64_t maxmemory_bytes = 0;         // memory tier budget; 0: no limit
  // LevelDB's own RAM, modest on purpose: the memory tier is the cache that matters (it holds
  // decoded entries); these two cost RSS on top of it (the memtable twice while it is flushed).
  size_t block_cache_bytes = 4 << 20;   // LevelDB block cache
  size_t write_buffer_bytes = 4 << 20;  // LevelDB memtable
  int max_open_files = 500;
  int64_t ttl_horizon_ms = 10 * 60 * 1000;  // how far ahead the wheel loads the expiry index
  size_t ttl_max_loaded = 1 << 18;          // paging stops while the wheel holds this many items
  size_t ttl_page_records = 4096;           // index records loaded per TakeDueExpiries call, max
};

class DurableKeyspace final : public Keyspace {
 public:
  using Options = DurableKeyspaceOptions;

  static Result<std::unique_ptr<DurableKeyspace>> Open(Options options);
  ~DurableKeyspace() override;

  Result<const Entry*> Find(int db, std::string_view key, int64_t now_ms) override;
  uint64_t Size(int db) const override { return working_.dbs[db].counters.keys; }
  Result<ScanPage> Scan(int db, uint64_t cursor, size_t count, int64_t now_ms) override;
  std::vector<DueExpiry> TakeDueExpiries(int64_t now_ms, size_t count) override;
  uint64_t DbChangeIndex(int db) const override { return working_.db_change_index[db]; }

  void BeginGroup() override;
  Status EndGroup() override;
  void BeginApply(uint64_t log_index, int64_t now_ms) override;
  void Put(int db, std::string_view key, Entry entry) override;
  bool Delete(int db, std::string_view key) override;
  void FlushDb(int db) override;
  void FlushAll() override;
  void SwapDb(int a, int b) override;
  Status CommitApply() override;

  uint64_t applied_index() const override { return applied_index_; }
  // What LevelDB holds: applied_index() minus the entries of the group not written yet.
  uint64_t written_index() const { return written_index_; }

  // A group's batch is written once it holds this many entries or bytes, and the group goes on.
  static constexpr size_t kMaxGroupEntries = 4096;
  static constexpr size_t kMaxGroupBytes = 16 << 20;
  Status Flush() override;
  KeyspaceStats Stats() const override;
  void ResetStats() override { tier_.ResetStats(); }
  Result<size_t> CollectGarbage(size_t max_records) override;

  void SetMaxMemory(uint64_t bytes) override { tier_.SetBudget(bytes); }  // CONFIG SET maxmemory
  size_t orphaned_namespaces() const { return orphans_.size(); }
  size_t wheel_size() const { return wheel_.size(); }
  const Engine& engine() const { return *engine_; }

 private:
  struct DbState {
    uint64_t ns = 0;
    Counters counters;
    bool operator==(const DbState& o) const {
      return ns == o.ns && counters.keys == o.counters.keys &&
             counters.expires == o.counters.expires;
    }
  };
  // Everything Open loads; small, so an apply works on a copy and publishes it on commit.
  struct State {
    DbState dbs[kNumDatabases];
    uint64_t next_version = 1;
    uint64_t next_ns = kNumDatabases;
    uint64_t db_change_index[kNumDatabases] = {};  // 'W' records
  };

  DurableKeyspace(Options options, std::unique_ptr<Engine> engine);
  Status Load();
  Status LoadU64(std::string_view key, uint64_t* out, uint64_t missing);

  // The entry as of the apply in progress (overlay, then tier, then LevelDB), expired or not.
  // with_value = false may leave the value out (writes only need the rest of the old entry).
  Result<const Entry*> Lookup(uint64_t ns, std::string_view key, bool with_value);
  static std::string OverlayKey(uint64_t ns, std::string_view key);
  void DeleteExpiryRecord(uint64_t ns, std::string_view key, int64_t expire_at_ms);
  void PutExpiryRecord(uint64_t ns, std::string_view key, int64_t expire_at_ms);
  void ForgetVersion(uint64_t ns, std::string_view key, const Entry& old);
  void SetOverlay(uint64_t ns, std::string_view key, std::optional<Entry> entry);
  void RollbackEntry();
  Status WritePending();
  void AddStateToBatch();
  void PublishPending();
  void ResetPending();

  // TTL paging and checks.
  void PageInExpiries(int64_t now_ms);
  bool StillScheduled(const TtlWheel::Item& item);
  int DbOfNamespace(uint64_t ns) const;

  // GC steps; each appends deletions to `batch` and counts them in *done.
  Status CollectNamespace(uint64_t ns, size_t max_records, EngineBatch* batch, size_t* done,
                          bool* finished);
  Status CollectVersions(size_t max_records, EngineBatch* batch, size_t* done);

  // Constant after Open.
  const Options options_;
  const std::unique_ptr<Engine> engine_;

  State committed_;  // as in LevelDB
  State working_;    // committed_ plus the pending entries and the apply in progress
  uint64_t applied_index_ = 0;  // last entry committed (in memory; on disk once written)
  uint64_t written_index_ = 0;  // last entry in LevelDB
  MemoryTier tier_;
  std::deque<uint64_t> orphans_;  // namespaces awaiting GC, oldest first

  // The expiry index is loaded into the wheel up to (excluding) wheel_cursor_, a LevelDB key;
  // next_unloaded_ms_ is a lower bound on the time of the first record not loaded.
  TtlWheel wheel_;
  std::string wheel_cursor_;
  int64_t next_unloaded_ms_ = INT64_MIN;

  // The pending entries (committed, not written yet) and the apply in progress.
  bool in_group_ = false;
  bool in_apply_ = false;
  uint64_t apply_index_ = 0;
  size_t pending_entries_ = 0;
  Status group_status_;  // a failed write of this group: its later applies and EndGroup fail
  Status apply_status_;  // the first error of the apply; CommitApply returns it
  EngineBatch batch_;
  std::unordered_map<std::string, std::optional<Entry>> overlay_;  // nullopt: deleted
  std::vector<TtlWheel::Item> new_expiries_;
  std::vector<uint64_t> flushed_;
  bool flushed_all_ = false;

  // Where the apply in progress started, to roll back that entry alone if it fails.
  struct EntryMark {
    State state;
    size_t batch_ops = 0;
    size_t new_expiries = 0;
    size_t flushed = 0;
    bool flushed_all = false;
  };
  EntryMark mark_;
  // Overlay slots the apply in progress changed, oldest first, with what they held before.
  struct OverlayUndo {
    const std::string* okey;  // the overlay node's own key: stable until it is erased
    bool existed;
    std::optional<Entry> before;
  };
  std::vector<OverlayUndo> undo_;

  Entry scratch_;  // an entry just read from LevelDB
};

}  // namespace cairn::keyspace
