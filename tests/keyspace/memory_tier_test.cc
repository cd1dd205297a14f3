// Unit tests for the LRU memory tier: order of eviction, the byte budget, counters, re-accounting,
// and the compact node encoding and open-addressing index.
#include "keyspace/memory_tier.h"

#include <doctest/doctest.h>

#include <map>
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
  // Key and value share the node's allocation: both are charged, with the node's overhead.
  Entry big = Str(std::string(100, 'x'));
  Entry small = Str("x");
  // 99 more value bytes, up to malloc's 16-byte rounding.
  CHECK(MemoryTier::ChargeFor("key", big) >= MemoryTier::ChargeFor("key", small) + 99 - 15);
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
  CHECK(tier.bytes() >= small + 9'995 - 15);  // the value grew by 9,995 bytes, up to rounding
  tier.Put(0, "k", Str("short"));
  CHECK(tier.bytes() == small);
  CHECK(tier.Erase(0, "k"));
  CHECK(tier.bytes() == 0);
  CHECK(tier.entries() == 0);
}

TEST_CASE("an entry larger than the whole budget is not cached and drops the old version") {
  MemoryTier tier(4096);
  tier.Put(0, "k", Str("v"));
  CHECK_FALSE(tier.Put(0, "k", Str(std::string(8192, 'z'))));
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

TEST_CASE("tier round-trips every field and survives heavy insert, update and erase churn") {
  MemoryTier tier(0);
  std::map<std::pair<uint64_t, std::string>, Entry> model;
  uint64_t x = 12345;
  auto next = [&] {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return x;
  };
  for (int step = 0; step < 60'000; ++step) {
    uint64_t ns = next() % 4 == 0 ? (uint64_t{1} << 40) + next() % 3 : next() % 3;
    std::string key = "k" + std::to_string(next() % 3000);
    uint64_t op = next() % 10;
    if (op < 6) {
      Entry e;
      e.type = static_cast<ValueType>(next() % 5);
      e.expire_at_ms = next() % 2 ? 0 : static_cast<int64_t>(next() >> 1);
      e.version = next() % 3 ? next() % 1000 : next();
      e.mod_index = next() >> (next() % 64);
      e.value = std::string(next() % 3 ? next() % 40 : next() % 3000, static_cast<char>('a' + step % 26));
      REQUIRE(tier.Put(ns, key, e));
      model[{ns, key}] = e;
    } else if (op < 8) {
      CHECK(tier.Erase(ns, key) == (model.erase({ns, key}) == 1));
    } else {
      const Entry* got = tier.Get(ns, key, next() % 2 == 0);
      auto it = model.find({ns, key});
      REQUIRE((got != nullptr) == (it != model.end()));
      if (got != nullptr) {
        CHECK(got->type == it->second.type);
        CHECK(got->expire_at_ms == it->second.expire_at_ms);
        CHECK(got->version == it->second.version);
        CHECK(got->mod_index == it->second.mod_index);
        CHECK((got->value.empty() || got->value == it->second.value));
      }
    }
    if (step % 20'000 == 19'999) CHECK(tier.EraseNamespace(1) > 0);
    if (step % 20'000 == 19'999) std::erase_if(model, [](const auto& kv) { return kv.first.first == 1; });
  }
  CHECK(tier.entries() == model.size());
  uint64_t bytes = 0;
  for (const auto& [k, e] : model) {
    const Entry* got = tier.Peek(k.first, k.second);
    REQUIRE(got != nullptr);
    CHECK(got->value == e.value);
    CHECK(got->mod_index == e.mod_index);
    if (k.first < 128) bytes += MemoryTier::ChargeFor(k.second, e);
  }
  CHECK(bytes <= tier.bytes());
  for (const auto& [k, e] : model) REQUIRE(tier.Erase(k.first, k.second));
  CHECK(tier.entries() == 0);
  CHECK(tier.bytes() == 0);
}

TEST_CASE("a 16-byte key with a 32-byte value costs one 80-byte chunk plus its table share") {
  Entry e = Str(std::string(32, 'v'));
  e.version = 1'000'000;
  e.mod_index = 1'000'000;
  CHECK(MemoryTier::ChargeFor("key:000012345678", e) == 80 + 16);
}

TEST_CASE("tier eviction samples: recently used entries outlive untouched ones") {
  const Entry v = Str(std::string(32, 'v'));
  const uint64_t one = MemoryTier::ChargeFor("key:000000000000", v);
  MemoryTier tier(1000 * one);
  auto key = [](int i) {
    std::string k = std::to_string(i);
    return "key:" + std::string(12 - k.size(), '0') + k;
  };
  for (int i = 0; i < 1000; ++i) tier.Put(0, key(i), v);
  REQUIRE(tier.evictions() == 0);
  for (int i = 0; i < 500; ++i) REQUIRE(tier.Get(0, key(i)) != nullptr);  // the hot half
  for (int i = 1000; i < 1250; ++i) tier.Put(0, key(i), v);              // 250 evictions
  CHECK(tier.evictions() == 250);
  int hot_left = 0, cold_left = 0;
  for (int i = 0; i < 500; ++i) hot_left += tier.Peek(0, key(i)) != nullptr;
  for (int i = 500; i < 1000; ++i) cold_left += tier.Peek(0, key(i)) != nullptr;
  MESSAGE("hot kept " << hot_left << "/500, cold kept " << cold_left << "/500");
  // Each eviction takes the oldest of 8 samples: a hot entry goes only when all 8 are hot or
  // newer, which the cold half makes rare while it lasts.
  CHECK(hot_left >= 470);  // evicting at random would keep ~375 of each half
  CHECK(cold_left <= 290);
}

TEST_CASE("kept_every_put turns false on an eviction or a refused entry, true again on Clear") {
  const uint64_t one = MemoryTier::ChargeFor("k0", Str("v"));
  MemoryTier tier(2 * one);
  tier.Put(0, "k0", Str("v"));
  tier.Put(0, "k1", Str("v"));
  CHECK(tier.Erase(0, "k1"));  // an erase is not a loss
  CHECK(tier.kept_every_put());
  tier.Put(0, "k1", Str("v"));
  tier.Put(0, "k2", Str("v"));
  CHECK(tier.evictions() == 1);
  CHECK_FALSE(tier.kept_every_put());
  tier.ResetStats();
  CHECK_FALSE(tier.kept_every_put());
  tier.Clear();
  CHECK(tier.kept_every_put());
  CHECK_FALSE(tier.Put(0, "huge", Str(std::string(4 * one, 'x'))));
  CHECK_FALSE(tier.kept_every_put());
}
