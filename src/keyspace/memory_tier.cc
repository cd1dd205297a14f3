// MemoryTier: intrusive LRU list + chained hash table over single-allocation nodes.
#include "keyspace/memory_tier.h"

#include <cstring>
#include <memory>
#include <new>

#include "common/assert.h"
#include "common/coding.h"

namespace cairn::keyspace {

// One allocation per entry: this header, then the key bytes.
struct MemoryTier::Node {
  Node* prev = nullptr;   // towards the most recently used
  Node* next = nullptr;   // towards the least recently used
  Node* chain = nullptr;  // next node in the same hash bucket
  uint64_t ns = 0;
  Entry entry;
  uint32_t key_size = 0;
  uint32_t hash32 = 0;  // low bits of Hash(): rehashing need not rehash the key bytes

  std::string_view key() const { return {reinterpret_cast<const char*>(this + 1), key_size}; }
  char* key_bytes() { return reinterpret_cast<char*>(this + 1); }

  static Node* Allocate(uint64_t ns, std::string_view key, uint32_t hash32, Entry entry) {
    void* mem = ::operator new(sizeof(Node) + key.size());
    Node* n = ::new (mem) Node{.ns = ns, .entry = std::move(entry)};
    n->key_size = static_cast<uint32_t>(key.size());
    n->hash32 = hash32;
    std::memcpy(n->key_bytes(), key.data(), key.size());
    return n;
  }
  static void Free(Node* n) {
    n->~Node();
    ::operator delete(n);
  }
};

namespace {

constexpr size_t kInitialBuckets = 64;
// libstdc++ keeps strings of up to 15 bytes inside the object.
constexpr size_t kInlineStringCapacity = 15;

// What glibc malloc really reserves for a request of n bytes: an 8-byte header, 16-byte
// granularity, a 32-byte minimum.
uint64_t MallocSize(uint64_t n) {
  uint64_t chunk = (n + 8 + 15) & ~uint64_t{15};
  return chunk < 32 ? 32 : chunk;
}

}  // namespace

MemoryTier::MemoryTier(uint64_t budget_bytes)
    : budget_(budget_bytes), buckets_(kInitialBuckets, nullptr) {}

MemoryTier::~MemoryTier() { Clear(); }

uint64_t MemoryTier::ChargeFor(std::string_view key, const Entry& entry) {
  // The node, plus its share of the bucket array (load factor between 1/2 and 1).
  uint64_t charge = MallocSize(sizeof(Node) + key.size()) + sizeof(Node*) * 3 / 2;
  if (entry.value.capacity() > kInlineStringCapacity) {
    charge += MallocSize(entry.value.capacity() + 1);
  }
  return charge;
}

uint64_t MemoryTier::Hash(uint64_t ns, std::string_view key) {
  return StableHash64(key) ^ (ns * 0x9e3779b97f4a7c15ull);
}

MemoryTier::Node** MemoryTier::Slot(uint64_t ns, std::string_view key, uint64_t hash) const {
  auto** slot = const_cast<Node**>(&buckets_[hash & (buckets_.size() - 1)]);
  while (*slot != nullptr) {
    Node* n = *slot;
    if (n->hash32 == static_cast<uint32_t>(hash) && n->ns == ns && n->key() == key) break;
    slot = &n->chain;
  }
  return slot;
}

void MemoryTier::LinkFront(Node* n) {
  n->prev = nullptr;
  n->next = lru_head_;
  if (lru_head_ != nullptr) lru_head_->prev = n;
  lru_head_ = n;
  if (lru_tail_ == nullptr) lru_tail_ = n;
}

void MemoryTier::Unlink(Node* n) {
  (n->prev != nullptr ? n->prev->next : lru_head_) = n->next;
  (n->next != nullptr ? n->next->prev : lru_tail_) = n->prev;
  n->prev = n->next = nullptr;
}

void MemoryTier::Remove(Node** slot) {
  Node* n = *slot;
  *slot = n->chain;
  Unlink(n);
  bytes_ -= ChargeFor(n->key(), n->entry);
  --entries_;
  Node::Free(n);
}

const Entry* MemoryTier::Get(uint64_t ns, std::string_view key) {
  Node* n = *Slot(ns, key, Hash(ns, key));
  if (n == nullptr) {
    ++misses_;
    return nullptr;
  }
  ++hits_;
  if (n != lru_head_) {
    Unlink(n);
    LinkFront(n);
  }
  return &n->entry;
}

const Entry* MemoryTier::Peek(uint64_t ns, std::string_view key) const {
  Node* n = *Slot(ns, key, Hash(ns, key));
  return n == nullptr ? nullptr : &n->entry;
}

const Entry* MemoryTier::Put(uint64_t ns, std::string_view key, Entry entry) {
  uint64_t hash = Hash(ns, key);
  Node** slot = Slot(ns, key, hash);
  if (budget_ != 0 && ChargeFor(key, entry) > budget_) {
    if (*slot != nullptr) Remove(slot);
    return nullptr;
  }
  Node* n = *slot;
  if (n != nullptr) {
    // Re-account: the new value may be larger or smaller than the old one.
    bytes_ -= ChargeFor(key, n->entry);
    // Re-construct rather than move-assign: assigning a short string into a long one would keep
    // the long one's buffer (and its bytes) alive.
    std::destroy_at(&n->entry);
    std::construct_at(&n->entry, std::move(entry));
    bytes_ += ChargeFor(key, n->entry);
    Unlink(n);
  } else {
    n = Node::Allocate(ns, key, static_cast<uint32_t>(hash), std::move(entry));
    *slot = n;
    bytes_ += ChargeFor(key, n->entry);
    ++entries_;
  }
  LinkFront(n);
  EvictToFit(n);
  MaybeGrow();
  return &n->entry;
}

bool MemoryTier::Erase(uint64_t ns, std::string_view key) {
  Node** slot = Slot(ns, key, Hash(ns, key));
  if (*slot == nullptr) return false;
  Remove(slot);
  return true;
}

size_t MemoryTier::EraseNamespace(uint64_t ns) {
  size_t erased = 0;
  for (Node*& head : buckets_) {
    Node** slot = &head;
    while (*slot != nullptr) {
      if ((*slot)->ns == ns) {
        Remove(slot);
        ++erased;
      } else {
        slot = &(*slot)->chain;
      }
    }
  }
  return erased;
}

void MemoryTier::Clear() {
  while (lru_head_ != nullptr) {
    Node* n = lru_head_;
    lru_head_ = n->next;
    Node::Free(n);
  }
  lru_tail_ = nullptr;
  buckets_.assign(kInitialBuckets, nullptr);
  buckets_.shrink_to_fit();
  bytes_ = entries_ = 0;
}

void MemoryTier::SetBudget(uint64_t budget_bytes) {
  budget_ = budget_bytes;
  EvictToFit(nullptr);
}

void MemoryTier::EvictToFit(const Node* keep) {
  if (budget_ == 0) return;
  while (bytes_ > budget_ && lru_tail_ != nullptr && lru_tail_ != keep) {
    Node* victim = lru_tail_;
    Node** slot = &buckets_[victim->hash32 & (buckets_.size() - 1)];
    while (*slot != victim) {
      CAIRN_ASSERT(*slot != nullptr);  // every node on the LRU list is in its bucket
      slot = &(*slot)->chain;
    }
    Remove(slot);
    ++evictions_;
  }
}

// Keeps the load factor at most 1. Bucket slots are charged per entry, so growth is accounted.
void MemoryTier::MaybeGrow() {
  if (entries_ <= buckets_.size()) return;
  std::vector<Node*> grown(buckets_.size() * 2, nullptr);
  for (Node* head : buckets_) {
    while (head != nullptr) {
      Node* next = head->chain;
      Node*& dst = grown[head->hash32 & (grown.size() - 1)];
      head->chain = dst;
      dst = head;
      head = next;
    }
  }
  buckets_.swap(grown);
}

}  // namespace cairn::keyspace
