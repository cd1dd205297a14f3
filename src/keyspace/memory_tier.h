// MemoryTier: a cache of hot entries in front of LevelDB, bounded by a byte budget (`maxmemory`;
// 0 means no limit). Every entry here is also in LevelDB (writes go through both), so evicting one
// loses nothing: the next read of it goes to disk.
//
// Entries are keyed by (physical namespace, key). Each lives in ONE heap block: a 32-bit use
// clock, the sizes and type, then varints (namespace, version, modification index, expiry if
// any), then the key and the value bytes, so a small string costs one malloc chunk (a 16-byte key
// with a 32-byte value: 80 bytes). The index is a TaggedTable (tagged_table.h) of node pointers.
// bytes() charges the malloc chunk of each node plus two table slots, so the budget bounds the
// RSS the tier causes.
//
// Eviction approximates LRU as Redis does: the least recently used of kEvictionSamples entries,
// found walking the table from a random slot (exact with at most that many entries). An exact
// LRU list cost two pointers per entry and, on every hit, writes to both neighbouring nodes: two
// more cache misses. With 8 samples, evicting a quarter of a tier whose older half was never
// read again keeps 483 of the 500 recently read entries (tests/keyspace/memory_tier_test.cc).
//
// Reads decode the entry into a scratch Entry owned by the tier (one copy of the value, none
// with with_value = false): a pointer returned by Get or Peek stays valid until the next call on
// the tier. Get/Put/Erase are O(1) expected; EraseNamespace and Clear are O(entries).
// Not thread-safe: loop thread.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "common/rng.h"
#include "keyspace/keyspace.h"
#include "keyspace/tagged_table.h"

namespace cairn::keyspace {

class MemoryTier {
 public:
  explicit MemoryTier(uint64_t budget_bytes);
  ~MemoryTier();
  MemoryTier(const MemoryTier&) = delete;
  MemoryTier& operator=(const MemoryTier&) = delete;

  // The cached entry, now most recently used; nullptr on a miss. Counts a hit or a miss. With
  // with_value = false the returned entry's value is empty (type, expiry, version, mod_index
  // only): what a write needs to know about the entry it replaces, without copying the value.
  const Entry* Get(uint64_t ns, std::string_view key, bool with_value = true);
  // The cached entry without touching LRU order or counters.
  const Entry* Peek(uint64_t ns, std::string_view key, bool with_value = true) const;
  // Whether the entry is cached, by KeyHash: no LRU touch, no counters, no decoding.
  bool Contains(uint64_t ns, std::string_view key, uint64_t hash) const {
    return FindSlot(ns, key, hash) != Table::kNone;
  }
  // Inserts or replaces the entry, then evicts least recently used ones to fit the budget.
  // Returns false when the entry alone exceeds the budget: then it is not cached (and an older
  // cached version of it is dropped).
  bool Put(uint64_t ns, std::string_view key, const Entry& entry);
  bool Erase(uint64_t ns, std::string_view key);
  // Prefetching (TaggedTable), by KeyHash: the index line, then the node's first line.
  void PrefetchIndex(uint64_t hash) const { table_.PrefetchSlot(hash); }
  bool PrefetchNode(uint64_t hash) const { return table_.PrefetchNode(hash, 1); }
  size_t EraseNamespace(uint64_t ns);  // drops a flushed database's entries
  void Clear();
  void SetBudget(uint64_t budget_bytes);  // CONFIG SET maxmemory; evicts at once if needed

  // What one entry costs in bytes (exposed so tests and INFO can reason about it).
  static constexpr size_t kEvictionSamples = 8;  // Redis samples 5 but keeps a pool of candidates

  static uint64_t ChargeFor(std::string_view key, const Entry& entry);

  uint64_t budget() const { return budget_; }
  uint64_t bytes() const { return bytes_; }
  uint64_t entries() const { return table_.size(); }
  uint64_t hits() const { return hits_; }
  uint64_t misses() const { return misses_; }
  uint64_t evictions() const { return evictions_; }
  // True while every entry Put since construction or the last Clear is still here unless Erased:
  // nothing was evicted or refused for its size. ResetStats does not change it.
  bool kept_every_put() const { return !dropped_; }
  void ResetStats() { hits_ = misses_ = evictions_ = 0; }

 private:
  struct Node;
  struct NodeHash {
    uint64_t operator()(const Node* n) const;
  };
  using Table = TaggedTable<Node, NodeHash>;
  // The slot holding (ns, key), or Table::kNone (then *hole is where it would go).
  size_t FindSlot(uint64_t ns, std::string_view key, uint64_t hash,
                  Table::Hole* hole = nullptr) const;
  size_t PickVictim(const Node* keep);
  void Remove(size_t slot);  // drops it from the table and frees it
  void EvictToFit(const Node* keep);
  void Decode(const Node* n, bool with_value) const;

  uint64_t budget_;
  Table table_;
  uint32_t clock_ = 0;  // ticks once per Get hit or Put; a node keeps the tick of its last use
  Rng rng_{0x6c72752d74696572};  // where eviction samples start; fixed: a cache, not state
  uint64_t bytes_ = 0;
  uint64_t hits_ = 0;
  uint64_t misses_ = 0;
  uint64_t evictions_ = 0;
  bool dropped_ = false;  // see kept_every_put()
  mutable Entry scratch_;  // what Get and Peek return
};

}  // namespace cairn::keyspace
