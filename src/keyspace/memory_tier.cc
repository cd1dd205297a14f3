// MemoryTier: single-allocation nodes indexed by an open-addressing table of tagged pointers,
// evicted by sampled LRU (the oldest of a few neighbouring table slots, as Redis samples).
#include "keyspace/memory_tier.h"

#include <cstddef>
#include <cstring>
#include <new>
#include <vector>

#include "common/assert.h"
#include "common/coding.h"

namespace cairn::keyspace {
namespace {
constexpr size_t kHeader = 16;  // bytes of MemoryTier::Node before the varints
}  // namespace

// One allocation per entry: this header (kHeader bytes), then varint(ns) varint(version)
// varint(mod_index) [varint(expire_at_ms)], then the key, then the value.
struct MemoryTier::Node {
  uint32_t used;  // the tier's use clock when last read or written (wraps; compared as an age)
  uint32_t key_size;
  uint32_t value_size;
  ValueType type;
  uint8_t flags;
  uint8_t meta_size;  // bytes of the varints
  uint8_t unused;

  static constexpr uint8_t kHasExpiry = 1;

  const char* bytes() const { return reinterpret_cast<const char*>(this) + kHeader; }
  char* bytes() { return reinterpret_cast<char*>(this) + kHeader; }
  std::string_view key() const { return {bytes() + meta_size, key_size}; }
  const char* value() const { return bytes() + meta_size + key_size; }
  uint64_t ns() const;
  bool Matches(uint64_t ns, std::string_view k) const;

  // The allocation: never less than the struct itself (an empty key and value is shorter).
  static size_t AllocBytes(size_t meta, size_t key, size_t value) {
    size_t n = kHeader + meta + key + value;
    return n < sizeof(Node) ? sizeof(Node) : n;
  }
  size_t AllocBytes() const { return AllocBytes(meta_size, key_size, value_size); }
  static size_t MetaBytes(uint64_t ns, const Entry& e);
  // Writes everything but `used` into a block of at least AllocBytes(...) bytes.
  void Fill(uint64_t ns, std::string_view key, const Entry& e, size_t meta);
};

namespace {

// Two table slots per entry: the table is between 3/8 and 3/4 full.
constexpr uint64_t kSlotCharge = 2 * sizeof(uint64_t);
// The scratch entry keeps a buffer this large between reads; a larger one is let go.
constexpr size_t kScratchKeepBytes = 1 << 20;

// What glibc malloc really reserves for a request of n bytes: an 8-byte header, 16-byte
// granularity, a 32-byte minimum.
uint64_t MallocSize(uint64_t n) {
  uint64_t chunk = (n + 8 + 15) & ~uint64_t{15};
  return chunk < 32 ? 32 : chunk;
}

size_t VarintBytes(uint64_t v) {
  size_t n = 1;
  while (v >= 128) {
    v >>= 7;
    ++n;
  }
  return n;
}

char* PutVarint(char* p, uint64_t v) {
  while (v >= 128) {
    *p++ = static_cast<char>(v | 128);
    v >>= 7;
  }
  *p++ = static_cast<char>(v);
  return p;
}

// Only ever reads what PutVarint wrote into a node: no bounds to check.
const char* GetVarint(const char* p, uint64_t* v) {
  uint64_t result = 0;
  for (int shift = 0;; shift += 7) {
    auto b = static_cast<uint8_t>(*p++);
    result |= static_cast<uint64_t>(b & 127) << shift;
    if (b < 128) break;
  }
  *v = result;
  return p;
}

}  // namespace

uint64_t MemoryTier::Node::ns() const {
  uint64_t v = 0;
  GetVarint(bytes(), &v);
  return v;
}

bool MemoryTier::Node::Matches(uint64_t want_ns, std::string_view k) const {
  return key_size == k.size() && std::memcmp(bytes() + meta_size, k.data(), k.size()) == 0 &&
         ns() == want_ns;
}

size_t MemoryTier::Node::MetaBytes(uint64_t ns, const Entry& e) {
  size_t n = VarintBytes(ns) + VarintBytes(e.version) + VarintBytes(e.mod_index);
  if (e.expire_at_ms != 0) n += VarintBytes(static_cast<uint64_t>(e.expire_at_ms));
  return n;
}

void MemoryTier::Node::Fill(uint64_t ns, std::string_view key, const Entry& e, size_t meta) {
  key_size = static_cast<uint32_t>(key.size());
  value_size = static_cast<uint32_t>(e.value.size());
  type = e.type;
  flags = e.expire_at_ms != 0 ? kHasExpiry : 0;
  meta_size = static_cast<uint8_t>(meta);
  unused = 0;
  char* p = PutVarint(bytes(), ns);
  p = PutVarint(p, e.version);
  p = PutVarint(p, e.mod_index);
  if (e.expire_at_ms != 0) p = PutVarint(p, static_cast<uint64_t>(e.expire_at_ms));
  std::memcpy(p, key.data(), key.size());
  std::memcpy(p + key.size(), e.value.data(), e.value.size());
}

MemoryTier::MemoryTier(uint64_t budget_bytes) : budget_(budget_bytes) {
  static_assert(offsetof(Node, unused) + 1 == kHeader);
}

MemoryTier::~MemoryTier() { Clear(); }

uint64_t MemoryTier::ChargeFor(std::string_view key, const Entry& entry) {
  // As charged for a namespace below 128 (one varint byte), which is what a node stores for
  // every database until it has been flushed ~100 times.
  return MallocSize(Node::AllocBytes(Node::MetaBytes(0, entry), key.size(), entry.value.size())) +
         kSlotCharge;
}

namespace {
uint64_t ChargeOfNode(size_t alloc_bytes) { return MallocSize(alloc_bytes) + kSlotCharge; }
}  // namespace

uint64_t MemoryTier::NodeHash::operator()(const Node* n) const { return KeyHash(n->ns(), n->key()); }

size_t MemoryTier::FindSlot(uint64_t ns, std::string_view key, uint64_t hash,
                            Table::Hole* hole) const {
  return table_.Find(hash, [&](const Node* n) { return n->Matches(ns, key); }, hole);
}

void MemoryTier::Remove(size_t slot) {
  Node* n = table_.At(slot);
  table_.Remove(slot);
  bytes_ -= ChargeOfNode(n->AllocBytes());
  ::operator delete(n);
}

void MemoryTier::Decode(const Node* n, bool with_value) const {
  const char* p = n->bytes();
  uint64_t ns = 0, expire = 0;
  p = GetVarint(p, &ns);
  p = GetVarint(p, &scratch_.version);
  p = GetVarint(p, &scratch_.mod_index);
  if (n->flags & Node::kHasExpiry) GetVarint(p, &expire);
  scratch_.type = n->type;
  scratch_.expire_at_ms = static_cast<int64_t>(expire);
  if (!with_value) {
    scratch_.value.clear();
    return;
  }
  if (scratch_.value.capacity() > kScratchKeepBytes && n->value_size <= kScratchKeepBytes) {
    std::string().swap(scratch_.value);  // let a very large buffer go
  }
  scratch_.value.assign(n->value(), n->value_size);
}

const Entry* MemoryTier::Get(uint64_t ns, std::string_view key, bool with_value) {
  size_t slot = FindSlot(ns, key, KeyHash(ns, key));
  if (slot == Table::kNone) {
    ++misses_;
    return nullptr;
  }
  ++hits_;
  Node* n = table_.At(slot);
  n->used = ++clock_;
  Decode(n, with_value);
  return &scratch_;
}

const Entry* MemoryTier::Peek(uint64_t ns, std::string_view key, bool with_value) const {
  size_t slot = FindSlot(ns, key, KeyHash(ns, key));
  if (slot == Table::kNone) return nullptr;
  Decode(table_.At(slot), with_value);
  return &scratch_;
}

bool MemoryTier::Put(uint64_t ns, std::string_view key, const Entry& entry) {
  const uint64_t hash = KeyHash(ns, key);
  Table::Hole hole;
  size_t slot = FindSlot(ns, key, hash, &hole);
  const size_t meta = Node::MetaBytes(ns, entry);
  const size_t alloc = Node::AllocBytes(meta, key.size(), entry.value.size());
  const uint64_t charge = ChargeOfNode(alloc);
  if (budget_ != 0 && charge > budget_) {
    if (slot != Table::kNone) Remove(slot);
    dropped_ = true;
    return false;
  }
  Node* n = nullptr;
  if (slot != Table::kNone) {
    n = table_.At(slot);
    bytes_ -= ChargeOfNode(n->AllocBytes());
    if (alloc > n->AllocBytes() || MallocSize(alloc) != MallocSize(n->AllocBytes())) {
      // Larger, or a smaller malloc chunk would do: reallocate. Otherwise rewrite in place (the
      // block is at least as large as the fields that are current say).
      ::operator delete(n);
      n = static_cast<Node*>(::operator new(alloc));
      table_.Replace(slot, n);
    }
  } else {
    n = static_cast<Node*>(::operator new(alloc));
    table_.Insert(n, hash, &hole);
  }
  n->Fill(ns, key, entry, meta);
  n->used = ++clock_;
  bytes_ += charge;
  EvictToFit(n);
  return true;
}

bool MemoryTier::Erase(uint64_t ns, std::string_view key) {
  size_t slot = FindSlot(ns, key, KeyHash(ns, key));
  if (slot == Table::kNone) return false;
  Remove(slot);
  return true;
}

size_t MemoryTier::EraseNamespace(uint64_t ns) {
  // Collected first: removing shifts later slots back, which would make a walk skip some.
  std::vector<const Node*> doomed;
  for (size_t i = 0; i < table_.capacity(); ++i) {
    const Node* n = table_.At(i);
    if (n != nullptr && n->ns() == ns) doomed.push_back(n);
  }
  for (const Node* n : doomed) Remove(table_.SlotOf(n));
  return doomed.size();
}

void MemoryTier::Clear() {
  for (size_t i = 0; i < table_.capacity(); ++i) ::operator delete(table_.At(i));
  table_.Clear();
  bytes_ = 0;
  dropped_ = false;
}

void MemoryTier::SetBudget(uint64_t budget_bytes) {
  budget_ = budget_bytes;
  EvictToFit(nullptr);
}

// The least recently used of up to kEvictionSamples entries in the slots from a random one on
// (kNone if only `keep` is there). Neighbouring slots hold unrelated keys, and reading a run of
// slots is cheaper than as many random ones. The candidates' use clocks are prefetched together:
// read one by one, their cache misses were most of a cold read's eviction cost.
size_t MemoryTier::PickVictim(const Node* keep) {
  const size_t capacity = table_.capacity();
  size_t slots[kEvictionSamples];
  size_t sampled = 0;
  size_t slot = rng_.Uniform(capacity);
  for (size_t seen = 0; seen < capacity && sampled < kEvictionSamples; ++seen) {
    const Node* n = table_.At(slot);
    if (n != nullptr && n != keep) {
      PrefetchLine(n);
      slots[sampled++] = slot;
    }
    slot = slot + 1 == capacity ? 0 : slot + 1;
  }
  size_t victim = Table::kNone;
  uint32_t oldest_age = 0;
  for (size_t i = 0; i < sampled; ++i) {
    const uint32_t age = clock_ - table_.At(slots[i])->used;
    if (victim == Table::kNone || age > oldest_age) {
      victim = slots[i];
      oldest_age = age;
    }
  }
  return victim;
}

void MemoryTier::EvictToFit(const Node* keep) {
  if (budget_ == 0) return;
  while (bytes_ > budget_ && !table_.empty()) {
    const size_t victim = PickVictim(keep);
    if (victim == Table::kNone) break;
    Remove(victim);
    ++evictions_;
    dropped_ = true;
  }
}

}  // namespace cairn::keyspace
