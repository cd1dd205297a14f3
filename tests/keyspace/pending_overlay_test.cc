// Unit tests for the pending overlay and the tagged table under it: lookups by (namespace, key),
// deletion that shifts clusters back (with distances past the saturation point), growth, and a
// walk that visits every slot once.
#include "keyspace/pending_overlay.h"

#include <doctest/doctest.h>

#include <map>
#include <memory_resource>
#include <random>
#include <set>
#include <string>

using namespace cairn::keyspace;

namespace {

std::optional<PendingEntry> Value(std::pmr::memory_resource* arena, const std::string& v) {
  return PendingEntry{ValueType::kString, 0, 1, 1, std::pmr::string(v, arena)};
}

// The value a slot holds, "<deleted>" for a pending deletion, "<none>" when not found.
std::string ValueAt(const PendingOverlay& o, uint64_t ns, const std::string& key, uint64_t hash) {
  const PendingOverlay::Slot* s = o.Find(ns, key, hash);
  if (s == nullptr) return "<none>";
  if (!s->entry.has_value()) return "<deleted>";
  return std::string(s->entry->value);
}

}  // namespace

TEST_CASE("overlay finds by namespace and key, deletions included") {
  std::pmr::unsynchronized_pool_resource arena;
  PendingOverlay o(&arena);
  o.Add(0, "k", KeyHash(0, "k"), Value(&arena, "v0"));
  o.Add(1, "k", KeyHash(1, "k"), Value(&arena, "v1"));
  o.Add(0, "gone", KeyHash(0, "gone"), std::nullopt);
  o.Add(0, "", KeyHash(0, ""), Value(&arena, "empty key"));
  CHECK(o.size() == 4);
  CHECK(ValueAt(o, 0, "k", KeyHash(0, "k")) == "v0");
  CHECK(ValueAt(o, 1, "k", KeyHash(1, "k")) == "v1");
  CHECK(ValueAt(o, 2, "k", KeyHash(2, "k")) == "<none>");
  CHECK(ValueAt(o, 0, "gone", KeyHash(0, "gone")) == "<deleted>");
  CHECK(ValueAt(o, 0, "", KeyHash(0, "")) == "empty key");
  CHECK(ValueAt(o, 0, "kk", KeyHash(0, "kk")) == "<none>");
  PendingOverlay::Slot* s = o.Find(0, "k", KeyHash(0, "k"));
  REQUIRE(s != nullptr);
  CHECK(s->key() == "k");
  CHECK(s->ns == 0);
  s->entry = Value(&arena, "v0 again");  // slots are updated in place
  CHECK(ValueAt(o, 0, "k", KeyHash(0, "k")) == "v0 again");
  o.Erase(s);
  CHECK(o.size() == 3);
  CHECK(ValueAt(o, 0, "k", KeyHash(0, "k")) == "<none>");
  CHECK(ValueAt(o, 1, "k", KeyHash(1, "k")) == "v1");
}

// Every key given one hash: a single cluster far longer than the 255 a slot can record, so
// erasing from it must recompute distances from the slots' hashes.
TEST_CASE("overlay keeps every key findable while erasing from one long cluster") {
  std::pmr::unsynchronized_pool_resource arena;
  PendingOverlay o(&arena);
  constexpr uint64_t kSameHash = 0x5a5a5a5a5a5a5a5aull;
  constexpr int kKeys = 700;
  std::map<std::string, PendingOverlay::Slot*> live;
  for (int i = 0; i < kKeys; ++i) {
    std::string key = "key:" + std::to_string(i);
    live[key] = o.Add(0, key, kSameHash, Value(&arena, "v" + std::to_string(i)));
  }
  std::mt19937_64 rng(42);
  while (live.size() > 100) {
    auto it = live.begin();
    std::advance(it, rng() % live.size());
    o.Erase(it->second);
    live.erase(it);
    if (live.size() % 50 == 0) {
      for (const auto& [key, slot] : live) REQUIRE(o.Find(0, key, kSameHash) == slot);
    }
  }
  CHECK(o.size() == live.size());
  CHECK(o.Find(0, "key:never", kSameHash) == nullptr);
}

TEST_CASE("overlay grows past its initial table and a walk visits every slot once") {
  std::pmr::unsynchronized_pool_resource arena;
  PendingOverlay o(&arena);
  o.Reserve(1000);
  const size_t reserved = o.capacity();
  CHECK(reserved * 3 >= 1000 * 4);
  constexpr int kKeys = 5000;  // grows several times more
  for (int i = 0; i < kKeys; ++i) {
    std::string key = "k" + std::to_string(i);
    o.Add(static_cast<uint64_t>(i % 3), key, KeyHash(i % 3, key), Value(&arena, key));
  }
  CHECK(o.capacity() > reserved);
  CHECK(o.size() * 4 <= o.capacity() * 3);
  std::set<std::pair<uint64_t, std::string>> seen;
  for (size_t i = 0; i < o.capacity(); ++i) {
    const PendingOverlay::Slot* s = o.At(i);
    if (s == nullptr) continue;
    CHECK(std::string(s->entry->value) == std::string(s->key()));
    CHECK(seen.emplace(s->ns, std::string(s->key())).second);
  }
  CHECK(seen.size() == kKeys);
  for (int i = 0; i < kKeys; i += 97) {
    std::string key = "k" + std::to_string(i);
    CHECK(ValueAt(o, i % 3, key, KeyHash(i % 3, key)) == key);
    CHECK(ValueAt(o, (i + 1) % 3, key, KeyHash((i + 1) % 3, key)) == "<none>");
  }
}

TEST_CASE("KeyHashOf gives back a key's StableHash64 from its table hash (Encode sorts by it)") {
  for (uint64_t ns : {uint64_t{0}, uint64_t{7}, uint64_t{1} << 40}) {
    CHECK(KeyHashOf(ns, KeyHash(ns, "some:key")) == cairn::StableHash64("some:key"));
  }
}
