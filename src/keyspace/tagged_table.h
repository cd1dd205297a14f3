// TaggedTable: an open-addressing index of node pointers, shared by the memory tier and the
// pending overlay. The table only holds the pointers; nodes are owned by the caller.
//
// Linear probing, load at most 3/4. A slot is one word: 48 bits of node address, 8 bits of the
// key's hash (most probes never touch a node that is not the one sought) and 8 bits of distance
// from the home slot, saturated (deletion shifts the cluster back instead of leaving tombstones,
// and needs the distance; a saturated one is recomputed from the node's hash). So a hit costs
// two cache misses, the slot and the node, and a miss usually one.
//
// HashOf(const Node*) gives a node's hash: the hash it was inserted with. Not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "common/assert.h"
#include "common/coding.h"

namespace cairn::keyspace {

// The hash of a (namespace, key) in every in-memory table of the keyspace: computed once per
// lookup, it serves each table the lookup visits.
// KeyHashOf takes StableHash64(key) already computed. It is its own inverse in key_hash:
// KeyHashOf(ns, KeyHash(ns, key)) == StableHash64(key).
inline uint64_t KeyHashOf(uint64_t ns, uint64_t key_hash) {
  return key_hash ^ (ns * 0x9e3779b97f4a7c15ull);
}
inline uint64_t KeyHash(uint64_t ns, std::string_view key) {
  return KeyHashOf(ns, StableHash64(key));
}

// Starts loading the cache line holding p. Not __builtin_prefetch: g++ 12 treats a loop whose
// only effect is that builtin as having none, and deletes the loop (PrefetchNode below compiled
// to a bare `ret`).
inline void PrefetchLine(const void* p) {
#if defined(__x86_64__)
  asm volatile("prefetcht0 %0" : : "m"(*static_cast<const char*>(p)));
#else
  __builtin_prefetch(p);
#endif
}

template <typename Node, typename HashOf>
class TaggedTable {
 public:
  static constexpr size_t kNone = SIZE_MAX;
  static constexpr size_t kInitialSlots = 64;

  // Where a key that Find did not find would go: valid until the table next changes.
  struct Hole {
    size_t slot = kNone;
    size_t dist = 0;
  };

  TaggedTable() : slots_(kInitialSlots, 0) {}

  // The slot of the node with this hash for which match(node) holds, or kNone (then *hole, if
  // given, is where it would be inserted).
  template <typename Match>
  size_t Find(uint64_t hash, const Match& match, Hole* hole = nullptr) const {
    const size_t mask = slots_.size() - 1;
    const uint64_t tag = TagOf(hash);
    size_t i = hash & mask;
    for (size_t d = 0;; ++d, i = (i + 1) & mask) {
      const uint64_t s = slots_[i];
      if (s == 0) {
        if (hole != nullptr) *hole = Hole{i, d};
        return kNone;
      }
      if (SlotTag(s) == tag && match(NodeOf(s))) return i;
    }
  }

  // Prefetching, for a caller that knows its next lookups: first the line of the hash's home
  // slot; later, once that line has arrived, the node of the first matching tag near it (its
  // first `lines` cache lines). Returns whether such a node was seen.
  void PrefetchSlot(uint64_t hash) const {
    PrefetchLine(&slots_[hash & (slots_.size() - 1)]);
  }
  bool PrefetchNode(uint64_t hash, int lines) const {
    const size_t mask = slots_.size() - 1;
    const uint64_t tag = TagOf(hash);
    size_t i = hash & mask;
    for (int d = 0; d < kPrefetchProbes; ++d, i = (i + 1) & mask) {
      const uint64_t s = slots_[i];
      if (s == 0) return false;
      if (SlotTag(s) != tag) continue;
      const char* node = reinterpret_cast<const char*>(NodeOf(s));
      for (int l = 0; l < lines; ++l) PrefetchLine(node + 64 * l);
      return true;
    }
    return false;
  }

  Node* At(size_t slot) const { return slots_[slot] == 0 ? nullptr : NodeOf(slots_[slot]); }
  // Puts another node, for the same key, in an occupied slot.
  void Replace(size_t slot, Node* n) {
    slots_[slot] = MakeSlot(n, SlotTag(slots_[slot]), SlotDist(slots_[slot]));
  }

  // Adds a node that is not in the table; `hole` from the Find that missed it, if the table has
  // not changed since (nullptr: probe again).
  void Insert(Node* n, uint64_t hash, const Hole* hole) {
    ++size_;
    if (size_ * 4 > slots_.size() * 3) {
      Rehash(slots_.size() * 2);
      hole = nullptr;
    }
    if (hole != nullptr && hole->slot != kNone) {
      slots_[hole->slot] = MakeSlot(n, TagOf(hash), hole->dist);
    } else {
      Place(n, hash);
    }
  }

  // Empties a slot. Knuth's deletion for linear probing: a later node of the cluster moves into
  // the hole unless its home slot lies between the hole and where it sits.
  void Remove(size_t hole) {
    CAIRN_ASSERT(slots_[hole] != 0);
    --size_;
    const size_t mask = slots_.size() - 1;
    slots_[hole] = 0;
    for (size_t j = (hole + 1) & mask; slots_[j] != 0; j = (j + 1) & mask) {
      const uint64_t s = slots_[j];
      size_t dist = SlotDist(s);
      if (dist == kSaturatedDist) dist = (j - (HashOf{}(NodeOf(s)) & mask)) & mask;
      const size_t gap = (j - hole) & mask;
      if (dist >= gap) {
        slots_[hole] = MakeSlot(NodeOf(s), SlotTag(s), dist - gap);
        slots_[j] = 0;
        hole = j;
      }
    }
  }

  // The slot of a node known to be in the table.
  size_t SlotOf(const Node* n) const {
    const size_t mask = slots_.size() - 1;
    for (size_t i = HashOf{}(n) & mask;; i = (i + 1) & mask) {
      CAIRN_ASSERT(slots_[i] != 0);
      if (NodeOf(slots_[i]) == n) return i;
    }
  }

  // Sizes the table for `n` nodes without growing on the way (its load stays at most 3/4).
  void Reserve(size_t n) {
    size_t capacity = slots_.size();
    while (n * 4 > capacity * 3) capacity *= 2;
    if (capacity != slots_.size()) Rehash(capacity);
  }

  // Forgets every node (the caller frees them) and shrinks back.
  void Clear() {
    std::vector<uint64_t>(kInitialSlots, 0).swap(slots_);
    size_ = 0;
  }

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  // Slots, for walking every node with At(0 .. capacity() - 1).
  size_t capacity() const { return slots_.size(); }
  // Bytes the table itself takes, per node it may hold at its current load.
  static constexpr uint64_t kSlotBytes = sizeof(uint64_t);

 private:
  static constexpr uint64_t kPointerBits = 48;
  static constexpr uint64_t kPointerMask = (uint64_t{1} << kPointerBits) - 1;
  static constexpr size_t kSaturatedDist = 255;
  static constexpr int kPrefetchProbes = 4;  // slots looked at by PrefetchNode: mostly one line

  static uint64_t TagOf(uint64_t hash) { return hash >> 56; }
  static uint64_t SlotTag(uint64_t s) { return (s >> kPointerBits) & 0xff; }
  static size_t SlotDist(uint64_t s) { return static_cast<size_t>(s >> 56); }
  static Node* NodeOf(uint64_t s) { return reinterpret_cast<Node*>(s & kPointerMask); }
  static uint64_t MakeSlot(const Node* n, uint64_t tag, size_t dist) {
    auto addr = static_cast<uint64_t>(reinterpret_cast<uintptr_t>(n));
    CAIRN_ASSERT((addr & ~kPointerMask) == 0);  // user-space addresses fit in 48 bits
    const uint64_t d = dist < kSaturatedDist ? dist : kSaturatedDist;
    return addr | tag << kPointerBits | d << 56;
  }

  void Place(Node* n, uint64_t hash) {
    const size_t mask = slots_.size() - 1;
    size_t i = hash & mask;
    size_t d = 0;
    while (slots_[i] != 0) {
      i = (i + 1) & mask;
      ++d;
    }
    slots_[i] = MakeSlot(n, TagOf(hash), d);
  }

  void Rehash(size_t capacity) {
    std::vector<uint64_t> old(capacity, 0);
    old.swap(slots_);
    for (uint64_t s : old) {
      if (s != 0) Place(NodeOf(s), HashOf{}(NodeOf(s)));
    }
  }

  std::vector<uint64_t> slots_;  // power-of-two size; 0: empty
  size_t size_ = 0;
};

}  // namespace cairn::keyspace
