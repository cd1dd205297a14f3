// DurableKeyspace: the keyspace in LevelDB (format in encoding.h), with an LRU memory tier of hot
// entries in front and a TTL wheel paged in from the expiry index.
//
// Each apply (BeginApply .. CommitApply) is one LevelDB WriteBatch holding the changes, the
// counters and mapping records they touch, and the applied log index; it is written with
// sync=false because the Raft log is what makes a write durable: after a crash the node replays
// the log after applied_index(). Until the commit, the apply's writes live in an overlay that
// reads consult first; the memory tier, the wheel and the in-memory counters only change once the
// batch is written, so a failed write leaves memory equal to disk.
//
// Databases are logical names for physical namespaces: FLUSHDB/FLUSHALL point a database at a
// fresh namespace and SWAPDB swaps two mapping records, all O(1) and atomic in the apply's batch.
// CollectGarbage deletes the records of orphaned namespaces and collection versions in bounded
// steps; the orphan lists are records, so GC resumes after a restart.
//
// RAM: the tier's budget (maxmemory), LevelDB's block cache and write buffer (Options), the TTL
// wheel (at most ttl_max_loaded items paged in, plus keys given an expiry within the horizon), and
// nothing else per key. Open reads a few dozen small records, never the data. Loop thread only;
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
  size_t block_cache_bytes = 8 << 20;   // LevelDB block cache
  size_t write_buffer_bytes = 8 << 20;  // LevelDB memtable
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

  void BeginApply(uint64_t log_index, int64_t now_ms) override;
  void Put(int db, std::string_view key, Entry entry) override;
  bool Delete(int db, std::string_view key) override;
  void FlushDb(int db) override;
  void FlushAll() override;
  void SwapDb(int a, int b) override;
  Status CommitApply() override;

  uint64_t applied_index() const override { return applied_index_; }
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
  Result<const Entry*> Lookup(uint64_t ns, std::string_view key);
  static std::string OverlayKey(uint64_t ns, std::string_view key);
  void DeleteExpiryRecord(uint64_t ns, std::string_view key, int64_t expire_at_ms);
  void PutExpiryRecord(uint64_t ns, std::string_view key, int64_t expire_at_ms);
  void ForgetVersion(uint64_t ns, std::string_view key, const Entry& old);
  void AddStateToBatch();
  void PublishApply();
  void ResetApply();

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
  State working_;    // committed_ plus the apply in progress
  uint64_t applied_index_ = 0;
  MemoryTier tier_;
  std::deque<uint64_t> orphans_;  // namespaces awaiting GC, oldest first

  // The expiry index is loaded into the wheel up to (excluding) wheel_cursor_, a LevelDB key;
  // next_unloaded_ms_ is a lower bound on the time of the first record not loaded.
  TtlWheel wheel_;
  std::string wheel_cursor_;
  int64_t next_unloaded_ms_ = INT64_MIN;

  // The apply in progress.
  bool in_apply_ = false;
  uint64_t apply_index_ = 0;
  Status apply_status_;  // the first error of the apply; CommitApply returns it
  EngineBatch batch_;
  std::unordered_map<std::string, std::optional<Entry>> overlay_;  // nullopt: deleted
  std::vector<TtlWheel::Item> new_expiries_;
  std::vector<uint64_t> flushed_;
  bool flushed_all_ = false;

  Entry scratch_;  // a Find result too large for the tier
};

}  // namespace cairn::keyspace
