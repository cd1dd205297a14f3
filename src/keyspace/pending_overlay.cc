// PendingOverlay: slots allocated in the arena with their key inline, indexed by a TaggedTable.
#include "keyspace/pending_overlay.h"

#include <cstring>
#include <new>
#include <utility>

namespace cairn::keyspace {

PendingOverlay::Slot* PendingOverlay::Find(uint64_t ns, std::string_view key,
                                           uint64_t hash) const {
  size_t i = table_.Find(hash, [&](const Slot* s) {
    return s->key_size == key.size() && s->ns == ns &&
           std::memcmp(s->key_bytes(), key.data(), key.size()) == 0;
  });
  return i == decltype(table_)::kNone ? nullptr : table_.At(i);
}

PendingOverlay::Slot* PendingOverlay::Add(uint64_t ns, std::string_view key, uint64_t hash,
                                          std::optional<PendingEntry> entry) {
  void* block = arena_->allocate(AllocBytes(key.size()), alignof(Slot));
  auto* slot = new (block) Slot{hash, ns, std::move(entry), static_cast<uint32_t>(key.size())};
  std::memcpy(slot->key_bytes(), key.data(), key.size());
  table_.Insert(slot, hash, nullptr);
  return slot;
}

void PendingOverlay::Erase(Slot* slot) {
  table_.Remove(table_.SlotOf(slot));
  const size_t bytes = AllocBytes(slot->key_size);
  slot->~Slot();
  arena_->deallocate(slot, bytes, alignof(Slot));
}

}  // namespace cairn::keyspace
