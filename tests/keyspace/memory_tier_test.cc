// Unit tests for the LRU memory tier: order of eviction, the byte budget, counters, re-accounting.
#include "keyspace/memory_tier.h"

#include <doctest/doctest.h>

#include <string>

using namespace cairn::keyspace;

namespace {
Entry Str(std::string v) {
  Entry e;
  e.value = std::move(v);
  return e;
}
}  // namespace

TEST_CASE("tier evicts the least recently used entry first") {
  const uint64_t one = MemoryTier::ChargeFor("k0", Str("v"));
  MemoryTier tier(3 * one);
  tier.Put(0, "k0", Str("v"));
  tier.Put(0, "k1", Str("v"));
  tier.Put(0, "k2", Str("v"));
  CHECK(tier.entries() == 3);
  REQUIRE(tier.Get(0, "k0") != nullptr);  // k1 is now the oldest
  tier.Put(0, "k3", Str("v"));
  CHECK(tier.entries() == 3);
  CHECK(tier.evictions() == 1);
  CHECK(tier.Peek(0, "k1") == nullptr);
  CHECK(tier.Peek(0, "k0") != nullptr);
  CHECK(tier.Peek(0, "k2") != nullptr);
  CHECK(tier.Peek(0, "k3") != nullptr);
}

TEST_CASE("tier keeps bytes within the budget and charges key, value and overhead") {
  MemoryTier tier(64 * 1024);
  for (int i = 0; i < 2000; ++i) {
    tier.Put(0, "key:" + std::to_string(i), Str(std::string(100, 'x')));
    CHECK(tier.bytes() <= 64 * 1024);
  }
  CHECK(tier.evictions() > 0);
  CHECK(tier.entries() < 2000);
  // A 100-byte value is out of line: charged with its allocation, on top of the node.
  Entry big = Str(std::string(100, 'x'));
  Entry small = Str("x");
  CHECK(MemoryTier::ChargeFor("key", big) >= MemoryTier::ChargeFor("key", small) + 100);
  CHECK(MemoryTier::ChargeFor("a-much-longer-key-name-here", small) >
        MemoryTier::ChargeFor("k", small));
  CHECK(tier.bytes() == tier.entries() * MemoryTier::ChargeFor("key:1000", big));
}

TEST_CASE("tier counts hits and misses, and namespaces keep keys apart") {
  MemoryTier tier(0);
  tier.Put(1, "k", Str("one"));
  tier.Put(2, "k", Str("two"));
  CHECK(tier.Get(1, "k")->value == "one");
  CHECK(tier.Get(2, "k")->value == "two");
  CHECK(tier.Get(3, "k") == nullptr);
  CHECK(tier.hits() == 2);
  CHECK(tier.misses() == 1);
  tier.ResetStats();
  CHECK(tier.hits() == 0);
  CHECK(tier.misses() == 0);
  CHECK(tier.EraseNamespace(1) == 1);
  CHECK(tier.Peek(1, "k") == nullptr);
  CHECK(tier.Peek(2, "k") != nullptr);
}

TEST_CASE("updating an entry re-accounts its bytes") {
  MemoryTier tier(0);
  tier.Put(0, "k", Str("short"));
  uint64_t small = tier.bytes();
  tier.Put(0, "k", Str(std::string(10'000, 'y')));
  CHECK(tier.entries() == 1);
  CHECK(tier.bytes() >= small + 10'000);
  tier.Put(0, "k", Str("short"));
  CHECK(tier.bytes() == small);
  CHECK(tier.Erase(0, "k"));
  CHECK(tier.bytes() == 0);
  CHECK(tier.entries() == 0);
}

TEST_CASE("an entry larger than the whole budget is not cached and drops the old version") {
  MemoryTier tier(4096);
  tier.Put(0, "k", Str("v"));
  CHECK(tier.Put(0, "k", Str(std::string(8192, 'z'))) == nullptr);
  CHECK(tier.Peek(0, "k") == nullptr);
  CHECK(tier.bytes() == 0);
}

TEST_CASE("lowering the budget evicts at once; the table survives growth") {
  MemoryTier tier(0);
  for (int i = 0; i < 10'000; ++i) tier.Put(i % 3, "k" + std::to_string(i), Str("v"));
  CHECK(tier.entries() == 10'000);
  for (int i = 0; i < 10'000; i += 997) {
    REQUIRE(tier.Get(i % 3, "k" + std::to_string(i)) != nullptr);
  }
  tier.SetBudget(tier.bytes() / 2);
  CHECK(tier.bytes() <= tier.budget());
  CHECK(tier.evictions() > 0);
  tier.Clear();
  CHECK(tier.entries() == 0);
  CHECK(tier.bytes() == 0);
}
