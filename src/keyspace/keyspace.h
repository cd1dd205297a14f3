// The keyspace interface: what commands read and what apply writes. Two implementations:
// MemoryKeyspace (tests, and the fallback for a node with no data dir) and DurableKeyspace
// (LevelDB behind an LRU memory tier, with a TTL wheel). Single-threaded: the loop thread owns it.
//
// Reads see every change applied so far, including earlier changes of the apply in progress.
// Writes happen only between BeginApply(index, now) and CommitApply(): one log entry, all or
// nothing. Pointers returned by Find stay valid until the next call on the keyspace.
//
// Groups: BeginGroup() .. EndGroup() around several applies lets a durable keyspace store them
// in one write (one LevelDB batch, one applied-index record: the group's last entry) instead of
// one write per entry. Inside a group every BeginApply/CommitApply is still an entry boundary:
// mod_index, DbChangeIndex and applied_index() move per entry, and each entry sees the writes,
// deletions, flushes and swaps of the entries before it. What is on disk only ever ends at an
// entry boundary: after a crash the entries not yet written are replayed from the log. A long
// group may be written in several parts, and a write-behind keyspace may keep entries in memory
// past EndGroup until Flush(): applied_index() is what memory holds, not what disk holds.
//
// A failed store write drops nothing from memory: the entries stay applied and pending, and the
// error comes back from EndGroup (or Flush, or CommitApply outside a group). The node treats a
// failed EndGroup as fatal: it aborts, and the restart replays the log.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace cairn::keyspace {

inline constexpr int kNumDatabases = 16;

// Persisted: values are pinned forever, never reused.
enum class ValueType : uint8_t { kString = 0, kList = 1, kSet = 2, kZSet = 3, kHash = 4 };

struct Entry {
  ValueType type = ValueType::kString;
  int64_t expire_at_ms = 0;  // 0: no expiry
  uint64_t version = 0;      // set by the keyspace on creation; member records belong to a version
  uint64_t mod_index = 0;    // set by the keyspace: log index of the last change (WATCH)
  std::string value;         // strings: the value itself

  bool ExpiredAt(int64_t now_ms) const { return expire_at_ms != 0 && expire_at_ms <= now_ms; }
};

// A page of a collection's members, in member byte order.
struct MemberPage {
  std::vector<std::pair<std::string, std::string>> members;  // (member, payload)
  std::optional<std::string> next;  // the first member not returned; nullopt: none is left
};

struct ScanPage {
  uint64_t next_cursor = 0;  // 0: the scan is complete
  std::vector<std::string> keys;
};

// A key whose expiry time has come, as the TTL wheel hands it out.
struct DueExpiry {
  int db = 0;
  std::string key;
  int64_t expire_at_ms = 0;
};

struct KeyspaceStats {
  uint64_t tier_hits = 0;
  uint64_t tier_misses = 0;
  uint64_t tier_evictions = 0;
  uint64_t store_reads = 0;  // key lookups that missed the tier and read LevelDB
  uint64_t store_reads_async = 0;  // of those, read off the loop (QueueStoreRead)
  uint64_t tier_bytes = 0;
  uint64_t tier_entries = 0;
  uint64_t pending_bytes = 0;  // applied, not in the store yet (write-behind)
  uint64_t expires[kNumDatabases] = {};  // keys with an expiry, per database
};

class Keyspace {
 public:
  virtual ~Keyspace() = default;

  // --- Reads. A key past its expiry is missing (passive expiry). ---
  // Returns nullptr when the key does not exist.
  virtual Result<const Entry*> Find(int db, std::string_view key, int64_t now_ms) = 0;
  // Find for callers that need only the type, expiry and existence: the value may be left empty,
  // which saves a durable keyspace copying it (and touching its memory).
  virtual Result<const Entry*> FindMeta(int db, std::string_view key, int64_t now_ms) {
    return Find(db, key, now_ms);
  }
  // Exact count of keys in db, including expired keys not yet deleted (as Redis's DBSIZE).
  virtual uint64_t Size(int db) const = 0;
  // Cursor scan: every key present for the whole scan is returned at least once.
  virtual Result<ScanPage> Scan(int db, uint64_t cursor, size_t count, int64_t now_ms) = 0;
  // Up to `count` due expiries with expire_at_ms <= now_ms (active expiry; bounded cost).
  virtual std::vector<DueExpiry> TakeDueExpiries(int64_t now_ms, size_t count) = 0;
  // Log index of the last apply that flushed db (FLUSHDB, FLUSHALL) or swapped it with another
  // (SWAPDB); 0: never. Replicated state, persisted with the apply: WATCH compares it with the
  // value it saw, since a swap can bring in an entry with an equal mod_index.
  virtual uint64_t DbChangeIndex(int db) const = 0;

  // A hint that (db, key) is about to be looked up, so that a batch of applies can overlap the
  // cache misses of its lookups instead of taking them one by one. Two steps, each a few
  // applies before the lookup: PrefetchIndex (the index lines), then PrefetchEntry (reads those
  // lines, fetches the entry). `key_hash` is StableHash64(key). Changes nothing observable.
  virtual void PrefetchIndex(int db, uint64_t key_hash) const {}
  virtual void PrefetchEntry(int db, uint64_t key_hash) const {}

  // --- Reads off the caller's thread (outside applies). A keyspace that reads a slow store may
  // read keys it does not hold in memory on threads of its own, so that a command needing them
  // waits without stalling the others: QueueStoreRead each key the command will look up, then
  // SubmitStoreReads with a tag; TakeStoreReads later returns the tag, and the keys are then in
  // memory unless something changed them meanwhile (a lookup reads the store itself then).
  // Whether a store read may be queued for keys of this database at all (a cheap check).
  virtual bool ReadsStore(int db) const { return false; }
  // Queues a read of (db, key) when a lookup would read the store; returns whether it did. With
  // read_cached_inline, a read that memory can serve is done at once instead, and only one that
  // would wait for the disk is queued.
  virtual bool QueueStoreRead(int db, std::string_view key, bool read_cached_inline) { return false; }
  // Starts the queued reads as one job; false when none were queued.
  virtual bool SubmitStoreReads(uint64_t tag) { return false; }
  // Appends the tags of finished jobs to *tags, after bringing their keys into memory.
  virtual void TakeStoreReads(std::vector<uint64_t>* tags) {}
  // Stops the reader threads (before whatever their notification wakes goes away).
  virtual void StopStoreReads() {}

  // --- Collection members (hash fields; later set and zset members, list items). A collection's
  // members belong to its Entry::version, so deleting, retyping, expiring or flushing the key
  // drops them in O(1) (a durable keyspace collects the records in the background). `version` is
  // the version Find returns for (db, key) now: an older version's members may still be read
  // until they are collected, so callers never ask for one. Inside an apply, a failed member
  // read fails the apply as a failed lookup in Put does: the entry has no effect.
  // The member's payload (a hash field's value), or nullopt. Does not walk the collection.
  virtual Result<std::optional<std::string>> GetMember(int db, std::string_view key,
                                                       uint64_t version,
                                                       std::string_view member) = 0;
  // Up to `count` members (count > 0) from `from` on (inclusive), in member byte order, as of
  // the apply in progress; every member present for the whole walk is returned exactly once by
  // a walk that follows `next`.
  virtual Result<MemberPage> ScanMembers(int db, std::string_view key, uint64_t version,
                                         std::string_view from, size_t count) = 0;

  // --- The score index of a sorted set ('Z' records, encoding.h), beside its 'D' member records
  // (whose payload is the score). An index entry is ScoreEntry(score, member): the score as
  // be64 EncodeScore, then the member, so entry byte order is Redis's zset order (score, then
  // member bytes). Same version rules as members; the caller keeps the two in step.
  // Up to `count` entries from `from` on (inclusive), ascending; with `reverse`, from `from`
  // down (inclusive; kScoreEntryEnd: from the last), descending. `next`: the entry to resume at.
  // Payloads are empty. Costs O(count) plus a seek: no walk from the start.
  virtual Result<MemberPage> ScanScores(int db, std::string_view key, uint64_t version,
                                        std::string_view from, size_t count, bool reverse) = 0;

  // --- Writes, only inside an apply. ---
  // Opens a group of applies (not nested; see above). Outside a group each apply is written on
  // its own at CommitApply.
  virtual void BeginGroup() = 0;
  // Ends the group; writes what is pending unless the keyspace keeps it for later (write-behind).
  // An error is a failed store write (see above).
  virtual Status EndGroup() = 0;
  virtual void BeginApply(uint64_t log_index, int64_t now_ms) = 0;
  // Creates or replaces the key. type/expire_at_ms/value come from `entry`; version and mod_index
  // are set here: a key replaced by one of the same type keeps its version (and so a
  // collection's members), unless it is a collection past its expiry, which starts afresh.
  virtual void Put(int db, std::string_view key, Entry entry) = 0;
  // Sets or removes one member of the collection (db, key) at `version`: the version the key has
  // in this apply (after its Put, for a new key). Nothing else changes: the caller keeps the
  // collection's own entry (its member count) up to date with Put.
  virtual void PutMember(int db, std::string_view key, uint64_t version, std::string_view member,
                         std::string_view payload) = 0;
  virtual void DeleteMember(int db, std::string_view key, uint64_t version,
                            std::string_view member) = 0;
  // Adds or removes one score index entry (ScoreEntry) of the zset (db, key) at `version`.
  virtual void PutScore(int db, std::string_view key, uint64_t version,
                        std::string_view entry) = 0;
  virtual void DeleteScore(int db, std::string_view key, uint64_t version,
                           std::string_view entry) = 0;
  // Returns whether the key existed (expired or not).
  virtual bool Delete(int db, std::string_view key) = 0;
  virtual void FlushDb(int db) = 0;
  virtual void FlushAll() = 0;
  virtual void SwapDb(int a, int b) = 0;
  // Ends the entry. Inside a group an error means the entry had no effect; outside one it may
  // also be a failed store write, with the entry applied and pending (see above).
  virtual Status CommitApply() = 0;

  // Index of the last log entry applied. A durable keyspace persists it with the entry, or, in a
  // group, with the batch that holds the entry (at the latest at EndGroup).
  virtual uint64_t applied_index() const = 0;
  // Writes everything pending and makes everything applied durable on its own (SAVE, shutdown,
  // log compaction).
  virtual Status Flush() = 0;
  // Like Flush, but may only start the work (a write-behind keyspace writes in the background):
  // what is durable on its own is up to synced_index(), which the log may be compacted to.
  virtual Status Checkpoint() { return Flush(); }
  virtual uint64_t synced_index() const { return applied_index(); }
  virtual KeyspaceStats Stats() const = 0;
  virtual void ResetStats() = 0;
  // Physical clean-up of flushed databases and deleted collections, at most `max_records`
  // records per call (the node calls it every loop iteration, outside applies). Returns how many
  // records were removed; 0 means nothing is left to do. Not part of the replicated state.
  virtual Result<size_t> CollectGarbage(size_t max_records) { return size_t{0}; }
  // The node ran `commands` commands since the last call (once per loop iteration, outside
  // applies): work kept for later (moving written entries into the tier) advances in proportion,
  // so that it never stalls the loop in one piece, reads-only loads included.
  virtual void Pace(size_t commands) {}
  // The memory tier's byte budget (CONFIG SET maxmemory); 0 = no limit.
  virtual void SetMaxMemory(uint64_t bytes) {}
};

}  // namespace cairn::keyspace
