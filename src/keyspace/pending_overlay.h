// PendingOverlay: applied key changes not in LevelDB yet, (namespace, key) -> the entry or a
// pending deletion, as the write-behind keyspace keeps them (durable_keyspace.h). Reads consult
// it before the memory tier, so a lookup is on every command's path: it is a TaggedTable
// (tagged_table.h) of slots that hold their key inline, two cache misses for a hit.
//
// Every slot, and every value, lives in the arena given at construction, which must outlive the
// overlay: freeing the arena frees them all at once, so the overlay's destructor frees nothing.
// Slots never move: a Slot* stays valid until that slot is erased. Not thread-safe.
#pragma once

#include <cstdint>
#include <memory_resource>
#include <optional>
#include <string>
#include <string_view>

#include "keyspace/keyspace.h"
#include "keyspace/tagged_table.h"

namespace cairn::keyspace {

// An Entry as the overlay holds it, its value in the arena.
struct PendingEntry {
  ValueType type;
  int64_t expire_at_ms;
  uint64_t version;
  uint64_t mod_index;
  std::pmr::string value;
};

class PendingOverlay {
 public:
  struct Slot {
    uint64_t hash;
    uint64_t ns;
    std::optional<PendingEntry> entry;  // nullopt: the key is deleted
    uint32_t key_size;
    // The key's bytes follow the struct, in the same allocation.
    std::string_view key() const { return {key_bytes(), key_size}; }
    const char* key_bytes() const { return reinterpret_cast<const char*>(this + 1); }
    char* key_bytes() { return reinterpret_cast<char*>(this + 1); }
  };
  // What one slot costs besides its key and value bytes: the struct and two table words.
  static constexpr uint64_t kSlotOverhead = sizeof(Slot) + 2 * sizeof(uint64_t);

  explicit PendingOverlay(std::pmr::memory_resource* arena) : arena_(arena) {}
  PendingOverlay(const PendingOverlay&) = delete;
  PendingOverlay& operator=(const PendingOverlay&) = delete;

  // `hash`: KeyHash(ns, key).
  Slot* Find(uint64_t ns, std::string_view key, uint64_t hash) const;
  // Adds (ns, key), which must not be in the overlay, holding `entry`.
  Slot* Add(uint64_t ns, std::string_view key, uint64_t hash, std::optional<PendingEntry> entry);
  void Erase(Slot* slot);  // removes it and gives its memory back to the arena
  void Reserve(size_t slots) { table_.Reserve(slots); }
  // Prefetching (TaggedTable): the index line, then the slot: its first three cache lines, which
  // hold the entry and, past the struct's 104 bytes, the key wherever the slot starts in a line.
  void PrefetchIndex(uint64_t hash) const { table_.PrefetchSlot(hash); }
  bool PrefetchSlot(uint64_t hash) const { return table_.PrefetchNode(hash, 3); }

  size_t size() const { return table_.size(); }
  bool empty() const { return table_.empty(); }
  // Walking every slot: At(i) for i in [0, capacity()), nullptr where empty. Stable while the
  // overlay does not change.
  size_t capacity() const { return table_.capacity(); }
  const Slot* At(size_t i) const { return table_.At(i); }

 private:
  struct SlotHash {
    uint64_t operator()(const Slot* s) const { return s->hash; }
  };
  static size_t AllocBytes(size_t key_size) { return sizeof(Slot) + key_size; }

  std::pmr::memory_resource* const arena_;
  TaggedTable<Slot, SlotHash> table_;
};

}  // namespace cairn::keyspace
