// MemoryTier: an LRU cache of decoded entries in front of LevelDB, bounded by a byte budget
// (`maxmemory`; 0 means no limit). Every entry here is also in LevelDB (writes go through both),
// so evicting one loses nothing: the next read of it goes to disk.
//
// Entries are keyed by (physical namespace, key). Each lives in one heap node holding the LRU
// links, the hash-chain link, the decoded Entry and the key bytes inline; the index is an
// intrusive chained hash table. bytes() charges what malloc really hands out for the node and for
// an out-of-line value, plus the bucket slot, so the budget bounds the RSS the tier causes.
// Get/Put/Erase are O(1); EraseNamespace and Clear are O(entries). Not thread-safe: loop thread.
// A pointer returned by Get/Put stays valid until the next non-const call.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "keyspace/keyspace.h"

namespace cairn::keyspace {

class MemoryTier {
 public:
  explicit MemoryTier(uint64_t budget_bytes);
  ~MemoryTier();
  MemoryTier(const MemoryTier&) = delete;
  MemoryTier& operator=(const MemoryTier&) = delete;

  // The cached entry, now most recently used; nullptr on a miss. Counts a hit or a miss.
  const Entry* Get(uint64_t ns, std::string_view key);
  // The cached entry without touching LRU order or counters.
  const Entry* Peek(uint64_t ns, std::string_view key) const;
  // Inserts or replaces the entry, then evicts least recently used ones to fit the budget.
  // Returns the stored entry, or nullptr when the entry alone exceeds the budget: then it is not
  // cached (and an older cached version of it is dropped).
  const Entry* Put(uint64_t ns, std::string_view key, Entry entry);
  bool Erase(uint64_t ns, std::string_view key);
  size_t EraseNamespace(uint64_t ns);  // drops a flushed database's entries
  void Clear();
  void SetBudget(uint64_t budget_bytes);  // CONFIG SET maxmemory; evicts at once if needed

  // What one entry costs in bytes (exposed so tests and INFO can reason about it).
  static uint64_t ChargeFor(std::string_view key, const Entry& entry);

  uint64_t budget() const { return budget_; }
  uint64_t bytes() const { return bytes_; }
  uint64_t entries() const { return entries_; }
  uint64_t hits() const { return hits_; }
  uint64_t misses() const { return misses_; }
  uint64_t evictions() const { return evictions_; }
  void ResetStats() { hits_ = misses_ = evictions_ = 0; }

 private:
  struct Node;
  static uint64_t Hash(uint64_t ns, std::string_view key);
  Node** Slot(uint64_t ns, std::string_view key, uint64_t hash) const;
  void LinkFront(Node* n);
  void Unlink(Node* n);
  void Remove(Node** slot);  // unlinks from chain and LRU, frees
  void EvictToFit(const Node* keep);
  void MaybeGrow();

  uint64_t budget_;
  std::vector<Node*> buckets_;  // power-of-two size; chains through Node::chain
  Node* lru_head_ = nullptr;    // most recently used
  Node* lru_tail_ = nullptr;    // next to evict
  uint64_t bytes_ = 0;
  uint64_t entries_ = 0;
  uint64_t hits_ = 0;
  uint64_t misses_ = 0;
  uint64_t evictions_ = 0;
};

}  // namespace cairn::keyspace
