// DurableKeyspace: the keyspace in LevelDB (format in encoding.h), with an LRU memory tier of hot
// entries in front and a TTL wheel paged in from the expiry index.
//
// LevelDB writes use sync=false because the log is what makes a write durable: after a crash the
// node replays the log after applied_index(). Each LevelDB write holds whole entries only: the
// changes, the counters and mapping records they touched, and one applied-index record (the last
// entry in it). So disk only ever holds a prefix of the log, ending at an entry boundary.
//
// Applied entries not written yet are "pending". Their key changes live in an overlay (key ->
// entry or deleted) that reads consult first, and their other records (expiry index, orphans) in
// one pending LevelDB batch; the memory tier, and `committed_`, only change once they are
// written. When they are written depends on write_behind_bytes:
//   0       write-through: outside a group each apply is written at CommitApply; in a group
//           (BeginGroup .. EndGroup) at EndGroup, or earlier once the group holds
//           kMaxGroupEntries entries or kMaxGroupBytes bytes.
//   > 0     write-behind: pending entries stay in memory across groups until they hold that many
//           bytes, Flush() is called (the node does so every log-compact-interval-ms, then drops
//           the log prefix), or a read that walks LevelDB needs them there (SCAN; the expiry
//           index when a pending expiry comes within the wheel's horizon). A key rewritten many
//           times in between is written once: for a hot set this takes most of LevelDB's work
//           (memtable inserts, its own log, compaction) off the write path. Expiries due within
//           the horizon go into the wheel at commit, so active expiry does not wait for a write;
//           paging may later load such a record again, so a due key still present after a write
//           can be handed out twice (the node's conditional delete makes the second a no-op).
// The overlay must outlive the entry: the tier may evict, and LevelDB does not have the pending
// writes yet, so a key deleted or rewritten earlier must be found there. Databases flushed or
// swapped meanwhile need nothing more: working_ maps them to their new namespaces.
//
// Errors: an entry that fails (a read error) is rolled back alone: its batch operations,
// overlay changes and state are undone, and the others stay pending. A failed LevelDB write
// loses nothing from memory: the entries stay pending, the write is retried by the next
// trigger, and the error comes back from EndGroup / Flush (CommitApply outside a group).
//
// Collection members ('D' records) take the same path under their own keys: pending ones in an
// ordered map per pending set (Pending::members, encoded MemberKey -> payload or a deletion), so
// that a walk of one collection (ScanMembers) merges the pending sets with a LevelDB iterator;
// written ones drain into the tier under MemberTierNs(ns), keyed by the encoded member key, and
// a point read (GetMember) goes pending sets -> tier -> one LevelDB Get, never a walk. Reads of
// members that miss memory are made on the loop thread (QueueStoreRead covers metadata only).
//
// Databases are logical names for physical namespaces: FLUSHDB/FLUSHALL point a database at a
// fresh namespace and SWAPDB swaps two mapping records, all O(1) and atomic in the apply's batch.
// CollectGarbage deletes the records of orphaned namespaces and collection versions in bounded
// steps; the orphan lists are records, so GC resumes after a restart.
//
// RAM: the tier's budget (maxmemory), LevelDB's block cache and write buffer (Options), the TTL
// wheel (at most ttl_max_loaded items paged in, plus keys given an expiry within the horizon), the
// pending overlay and batch (twice write_behind_bytes at most, counting a set being written;
// the limit is capped at an eighth of maxmemory; in write-through mode kMaxGroupEntries /
// kMaxGroupBytes), and nothing else per key. Open reads a few dozen small records, never the
// data. Threads: the loop thread calls everything; in write-behind mode a writer thread of its
// own encodes and writes frozen sets to LevelDB and frees them. Find of a key not in the tier
// reads LevelDB on the calling thread. With store_read_threads the node calls QueueStoreRead
// first: for a lone command it reads the key at once where memory serves it
// (Engine::GetIfCached), and queues it for reader threads (store_reader.h) where it would wait
// for the disk; a pipelined batch is queued whole. TakeStoreReads puts what the threads read
// into the tier, unless the store may have changed since (store_epoch_).
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <memory_resource>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "keyspace/encoding.h"
#include "keyspace/engine.h"
#include "keyspace/keyspace.h"
#include "keyspace/memory_tier.h"
#include "keyspace/pending_overlay.h"
#include "keyspace/store_reader.h"
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
  // Pending bytes kept in memory before they are written (see above); 0 = write-through. With a
  // tier budget the limit is at most an eighth of it (pending bytes stay under twice the limit).
  uint64_t write_behind_bytes = 0;
  // Threads reading keys the tier does not hold off the loop (QueueStoreRead); 0: none, every
  // store read is on the calling thread. on_store_read is called from them when a job is done.
  int store_read_threads = 0;
  std::function<void()> on_store_read;
};

class DurableKeyspace final : public Keyspace {
 public:
  using Options = DurableKeyspaceOptions;

  static Result<std::unique_ptr<DurableKeyspace>> Open(Options options);
  ~DurableKeyspace() override;

  Result<const Entry*> Find(int db, std::string_view key, int64_t now_ms) override;
  Result<const Entry*> FindMeta(int db, std::string_view key, int64_t now_ms) override;
  uint64_t Size(int db) const override { return working_.dbs[db].counters.keys; }
  Result<ScanPage> Scan(int db, uint64_t cursor, size_t count, int64_t now_ms) override;
  Result<std::optional<std::string>> GetMember(int db, std::string_view key, uint64_t version,
                                               std::string_view member) override;
  Result<MemberPage> ScanMembers(int db, std::string_view key, uint64_t version,
                                 std::string_view from, size_t count) override;
  std::vector<DueExpiry> TakeDueExpiries(int64_t now_ms, size_t count) override;
  uint64_t DbChangeIndex(int db) const override { return working_.db_change_index[db]; }
  void PrefetchIndex(int db, uint64_t key_hash) const override;
  void PrefetchEntry(int db, uint64_t key_hash) const override;
  bool ReadsStore(int db) const override;
  bool QueueStoreRead(int db, std::string_view key, bool read_cached_inline) override;
  bool SubmitStoreReads(uint64_t tag) override;
  void TakeStoreReads(std::vector<uint64_t>* tags) override;
  void StopStoreReads() override;

  void BeginGroup() override;
  Status EndGroup() override;
  void BeginApply(uint64_t log_index, int64_t now_ms) override;
  void Put(int db, std::string_view key, Entry entry) override;
  bool Delete(int db, std::string_view key) override;
  void FlushDb(int db) override;
  void FlushAll() override;
  void SwapDb(int a, int b) override;
  void PutMember(int db, std::string_view key, uint64_t version, std::string_view member,
                 std::string_view payload) override;
  void DeleteMember(int db, std::string_view key, uint64_t version,
                    std::string_view member) override;
  // The score index (durable_zset.cc): 'Z' records, pending in Pending::members beside the 'D'
  // ones, walked like them; never put into the tier (nothing point-reads them).
  Result<MemberPage> ScanScores(int db, std::string_view key, uint64_t version,
                                std::string_view from, size_t count, bool reverse) override;
  void PutScore(int db, std::string_view key, uint64_t version, std::string_view entry) override;
  void DeleteScore(int db, std::string_view key, uint64_t version,
                   std::string_view entry) override;
  Status CommitApply() override;

  uint64_t applied_index() const override { return applied_index_; }
  // What LevelDB holds: applied_index() minus the entries of the group not written yet.
  uint64_t written_index() const { return written_index_; }

  // Write-through mode: a group's batch is written once it holds this many entries or bytes, and
  // the group goes on.
  static constexpr size_t kMaxGroupEntries = 4096;
  static constexpr size_t kMaxGroupBytes = 16 << 20;
  Status Flush() override;
  Status Checkpoint() override;
  uint64_t synced_index() const override { return synced_index_; }
  KeyspaceStats Stats() const override;
  void Pace(size_t commands) override;
  void ResetStats() override {
    tier_.ResetStats();
    store_reads_ = 0;
    store_reads_async_ = 0;
  }
  Result<size_t> CollectGarbage(size_t max_records) override;

  void SetMaxMemory(uint64_t bytes) override { tier_.SetBudget(bytes); }  // CONFIG SET maxmemory
  size_t orphaned_namespaces() const { return orphans_.size(); }
  // Bytes applied and not in LevelDB yet, being written or not.
  uint64_t pending_bytes() const { return pending_->bytes() + in_flight_bytes_; }
  // Waits for a background write and publishes it (tests; Flush does it too).
  Status WaitForWrite();
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

  // The overlay (pending_overlay.h): (namespace, key) -> the pending entry, or nullopt for a
  // pending deletion. Its slots, keys and values live in the set's arena (Pending::arena), so a
  // written set goes back to the OS in a few large chunks instead of leaving holes between the
  // tier's entries, which are allocated while the set is applied.
  using Overlay = PendingOverlay;
  using Slot = PendingOverlay::Slot;
  // What one overlay slot is charged in pending_bytes(): the slot, the key and the value.
  static uint64_t SlotBytes(std::string_view key, const std::optional<PendingEntry>& e);
  static void ToEntry(const PendingEntry& p, bool with_value, Entry* out);

  struct PendingExpiry {
    TtlWheel::Item item;
    bool in_wheel = false;  // added at commit (write-behind, due within the horizon)
  };
  // Entries applied and not in LevelDB yet. pending_ collects applies; Freeze() moves it into
  // in_flight_, whose write runs on writer_ (write-behind) or on the loop thread (everything
  // else), and PublishWritten() / DrainWritten() bring memory up to it once written.
  struct Pending {
    Pending();
    Pending(const Pending&) = delete;
    Pending& operator=(const Pending&) = delete;

    // Pools by size class: a rewritten key's old value is reused by the next, and the whole set
    // goes back in large chunks when freed. Declared before overlay, so it outlives it.
    std::unique_ptr<std::pmr::unsynchronized_pool_resource> arena;
    Overlay overlay;
    uint64_t overlay_bytes = 0;  // SlotBytes of every overlay slot
    EngineBatch batch;           // records other than the overlay's metadata records
    // Member records: encoded MemberKey -> payload, or nullopt for a deletion; in key order.
    std::map<std::string, std::optional<std::string>, std::less<>> members;
    uint64_t member_bytes = 0;  // MemberBytes of each
    std::vector<PendingExpiry> new_expiries;
    std::vector<uint64_t> flushed;  // namespaces of databases flushed by these entries
    bool flushed_all = false;
    size_t entries = 0;
    // Set by Freeze: the state the batch brings LevelDB to, and whether the overlay's records
    // are in `batch` yet (added by whoever writes it first; a retry reuses them).
    State state;
    uint64_t applied_index = 0;
    bool encoded = false;

    bool IsFlushed(uint64_t ns) const;
    uint64_t bytes() const {
      return overlay_bytes + member_bytes + (batch.empty() ? 0 : batch.ApproximateBytes());
    }
  };

  // The entry as of the apply in progress (overlay, then tier, then LevelDB), expired or not.
  // with_value = false may leave the value out (writes only need the rest of the old entry).
  Result<const Entry*> Lookup(uint64_t ns, std::string_view key, bool with_value);
  // Lookup, an expired entry as missing (Find and FindMeta).
  Result<const Entry*> FindLive(int db, std::string_view key, int64_t now_ms, bool with_value);
  const std::optional<PendingEntry>* FindOverlay(uint64_t ns, std::string_view key,
                                                 uint64_t hash) const;
  // A pending entry as an Entry (in pending_scratch_, valid until the next call).
  const Entry* Materialize(const std::optional<PendingEntry>& p, bool with_value);
  // Lookup past pending_: the set being written, the tier, LevelDB.
  Result<const Entry*> LookupBelowPending(uint64_t ns, std::string_view key, uint64_t hash,
                                          bool with_value);
  // What a write needs: the key's slot in pending_->overlay (nullptr if none) and its entry now.
  struct WriteTarget {
    Slot* slot;
    const Entry* entry;
  };
  Result<WriteTarget> LookupForWrite(uint64_t ns, std::string_view key);
  void DeleteExpiryRecord(uint64_t ns, std::string_view key, int64_t expire_at_ms);
  void PutExpiryRecord(uint64_t ns, std::string_view key, int64_t expire_at_ms);
  void ForgetVersion(uint64_t ns, std::string_view key, const Entry& old);
  // `slot`: the key's slot in pending_->overlay, or nullptr to add one.
  void SetOverlay(Slot* slot, uint64_t ns, std::string_view key, std::optional<Entry> entry);
  void RollbackEntry();
  // GetMember and ScanMembers; a failure inside an apply fails the apply (FailApply).
  Result<std::optional<std::string>> LookupMember(int db, std::string_view key, uint64_t version,
                                                  std::string_view member);
  Result<MemberPage> WalkMembers(int db, std::string_view key, uint64_t version,
                                 std::string_view from, size_t count);
  // The walk under any prefix of records kept in Pending::members ('D' and 'Z').
  Result<MemberPage> WalkRecords(const std::string& prefix, std::string_view from, size_t count,
                                 bool reverse);
  void FailApply(const Status& s);
  // Members: the tier keeps them apart from metadata, under a namespace no database uses.
  static uint64_t MemberTierNs(uint64_t ns) { return ns | (uint64_t{1} << 63); }
  static uint64_t MemberBytes(std::string_view member_key, const std::optional<std::string>& v);
  // The newest pending record of an encoded member key (nullptr: none pending).
  const std::optional<std::string>* FindPendingMember(std::string_view member_key) const;
  void SetMember(std::string member_key, std::optional<std::string> payload);
  void DrainMembers(size_t* max);
  Status WritePending();
  bool WriteBehind() const { return options_.write_behind_bytes != 0; }
  // Write-behind writes are synced (on the writer thread, mostly): each one is a checkpoint the
  // log can be compacted to. Write-through writes are not; Flush syncs them.
  bool SyncWrites() const { return WriteBehind(); }
  Status WriteBehindStep();
  uint64_t WriteBehindLimit() const;
  void ScheduleNewExpiries();
  void AddStateToBatch();
  void Freeze();
  static Status Encode(Pending* p);  // adds the overlay's metadata records to p->batch, once
  void PublishWritten();
  void DrainWritten(size_t max);
  // Write-behind: hands pending_ to the writer thread unless a write is in flight already.
  void StartBackgroundWrite();
  // Collects a finished background write (waiting for it if `wait`), publishing it; a failed one
  // stays in flight, written again by the next call that waits.
  Status CollectWrite(bool wait);
  void WriterLoop();

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
  uint64_t synced_index_ = 0;   // last entry in LevelDB and synced to disk
  MemoryTier tier_;
  // Namespaces from this one on were made by this process (or LevelDB held no key when it was
  // opened): every key of theirs that LevelDB holds went through an overlay and was drained into
  // the tier. While the tier kept every entry it was given (a FLUSHALL clears it along with every
  // live namespace), a key of theirs in no overlay and not in the tier does not exist: no LevelDB
  // read, which for a write of a new key is most of its cost.
  uint64_t first_tiered_ns_ = UINT64_MAX;
  bool TierHoldsEveryKeyOf(uint64_t ns) const {
    return ns >= first_tiered_ns_ && tier_.kept_every_put();
  }
  uint64_t store_reads_ = 0;  // KeyspaceStats::store_reads
  uint64_t store_reads_async_ = 0;  // KeyspaceStats::store_reads_async

  // Reads off the loop (QueueStoreRead). store_epoch_ changes whenever LevelDB's records of a key
  // may change, or a key may leave the overlays for LevelDB: when a set is frozen (its write
  // starts), when a written set leaves in_flight_, at GC writes. A read made while it did not
  // change, of a key that is now in no overlay and not in the tier, is what a lookup would read.
  void BumpStoreEpoch() { ++store_epoch_; }
  // Whether a lookup of (ns, key) would read LevelDB now.
  bool NeedsStoreRead(uint64_t ns, std::string_view key) const;
  void AdmitStoreRead(const StoreReader::Read& r);  // into the tier, if still what LevelDB holds
  // A metadata record read from LevelDB, decoded into scratch_ and cached in the tier.
  Status CacheStoreRecord(uint64_t ns, std::string_view key, std::string_view raw);
  std::unique_ptr<StoreReader> reader_;  // after engine_: it reads through it
  StoreReader::Job queued_;
  std::vector<StoreReader::Job> finished_;  // TakeStoreReads' scratch
  uint64_t store_epoch_ = 0;
  size_t applies_since_drain_ = 0;  // paces DrainWritten between groups
  std::deque<uint64_t> orphans_;  // namespaces awaiting GC, oldest first

  // The expiry index is loaded into the wheel up to (excluding) wheel_cursor_, a LevelDB key;
  // next_unloaded_ms_ is a lower bound on the time of the first record not loaded.
  TtlWheel wheel_;
  std::string wheel_cursor_;
  int64_t next_unloaded_ms_ = INT64_MIN;

  // The apply in progress.
  bool in_group_ = false;
  bool in_apply_ = false;
  uint64_t apply_index_ = 0;
  int64_t apply_now_ms_ = 0;
  Status write_status_;  // a failed write since the group began; EndGroup returns it
  Status apply_status_;  // the first error of the apply; CommitApply returns it

  std::unique_ptr<Pending> pending_ = std::make_unique<Pending>();
  // The pending slot Lookup found last, reused by LookupForWrite of the same key; reset when a
  // slot may go (RollbackEntry) or pending_ is replaced (Freeze).
  Slot* last_found_ = nullptr;
  // Write-behind: the earliest pending expiry not in the wheel; paging the index in past it
  // writes the pending entries first, so that the cursor never skips a record not on disk yet.
  int64_t pending_far_min_ms_ = INT64_MAX;

  // The frozen entries being written. Reads consult its overlay after pending_'s. While the
  // writer has it (writer_busy_), the loop thread only reads its overlay.
  std::unique_ptr<Pending> in_flight_;
  uint64_t in_flight_bytes_ = 0;  // its pending_bytes() share, fixed at Freeze
  bool in_flight_written_ = false;  // in LevelDB; its entries are being moved into the tier
  size_t drain_next_ = 0;  // the next of them: an index into its overlay's slots
  // The next of its member records to drain, once its slots are done.
  std::map<std::string, std::optional<std::string>, std::less<>>::const_iterator member_drain_;
  bool writer_busy_ = false;       // loop thread's view: handed to writer_, not collected yet
  std::thread writer_;
  std::mutex writer_mu_;
  std::condition_variable writer_cv_;
  Pending* to_write_ = nullptr;              // guarded by writer_mu_
  bool write_done_ = false;                  // guarded
  Status write_result_;                      // guarded
  std::unique_ptr<Pending> to_free_;         // guarded: written and published, freed off the loop
  bool stopping_ = false;                    // guarded

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
    Slot* slot;
    bool existed;
    std::optional<PendingEntry> before;
  };
  std::vector<OverlayUndo> undo_;
  // Member records the apply in progress changed, oldest first, with what they held before.
  struct MemberUndo {
    std::string key;
    bool existed;
    std::optional<std::string> before;
  };
  std::vector<MemberUndo> member_undo_;

  Entry scratch_;          // an entry just read from LevelDB
  Entry pending_scratch_;  // a pending entry, as Lookup returns it
  Entry drain_scratch_;    // a written entry on its way into the tier
};

}  // namespace cairn::keyspace
