// Unit tests for the hierarchical timing wheel: due times at every level, bounded batches, re-adds.
#include "keyspace/ttl_wheel.h"

#include <doctest/doctest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "common/rng.h"

using namespace cairn::keyspace;

namespace {
constexpr int64_t kStart = 1'700'000'000'000;
constexpr int64_t kSecond = 1000;
constexpr int64_t kHour = 3600 * kSecond;
constexpr int64_t kDay = 24 * kHour;
}  // namespace

TEST_CASE("keys due in ms, seconds, hours and days come out exactly at their time") {
  TtlWheel wheel(kStart);
  const std::vector<std::pair<std::string, int64_t>> due = {// in time order
                                                            {"ms", kStart + 3},
                                                            {"sec", kStart + 5 * kSecond},
                                                            {"hour", kStart + 2 * kHour + 17},
                                                            {"day", kStart + 3 * kDay + 1},
                                                            {"year", kStart + 400 * kDay},
                                                            {"decade", kStart + 4000 * kDay}};
  for (const auto& [k, t] : due) wheel.Add(0, k, t);
  CHECK(wheel.size() == due.size());
  for (const auto& [k, t] : due) {
    INFO(k);
    CHECK(wheel.TakeDue(t - 1, 10).empty());
    auto items = wheel.TakeDue(t, 10);
    REQUIRE(items.size() == 1);
    CHECK(items[0].key == k);
    CHECK(items[0].expire_at_ms == t);
  }
  CHECK(wheel.size() == 0);
}

TEST_CASE("a big jump in time hands out everything due, in bounded batches, in time order") {
  TtlWheel wheel(kStart);
  cairn::Rng rng(42);
  std::multiset<int64_t> times;
  for (int i = 0; i < 5000; ++i) {
    int64_t t = kStart + 1 + static_cast<int64_t>(rng.Uniform(30 * kDay));
    times.insert(t);
    wheel.Add(7, "k" + std::to_string(i), t);
  }
  std::multiset<int64_t> got;
  int64_t last = 0;
  int calls = 0;
  while (true) {
    auto items = wheel.TakeDue(kStart + 31 * kDay, 100);
    if (items.empty()) break;
    ++calls;
    CHECK(items.size() <= 100);
    for (const auto& it : items) {
      CHECK(it.expire_at_ms >= last);  // slots drain earliest first
      last = it.expire_at_ms;
      CHECK(it.ns == 7);
      got.insert(it.expire_at_ms);
    }
  }
  CHECK(calls == 50);
  CHECK(got == times);
  CHECK(wheel.size() == 0);
}

TEST_CASE("stepping time forward releases each key in the step that reaches it") {
  TtlWheel wheel(kStart);
  cairn::Rng rng(7);
  std::map<std::string, int64_t> pending;
  for (int i = 0; i < 2000; ++i) {
    int64_t t = kStart + 1 + static_cast<int64_t>(rng.Uniform(2 * kHour));
    pending["k" + std::to_string(i)] = t;
    wheel.Add(0, "k" + std::to_string(i), t);
  }
  for (int64_t now = kStart; now <= kStart + 2 * kHour + kSecond; now += 997) {
    for (const auto& it : wheel.TakeDue(now, 100000)) {
      CHECK(it.expire_at_ms <= now);
      CHECK(it.expire_at_ms > now - 997);  // not late: released by the first step past it
      CHECK(pending.erase(it.key) == 1);
    }
  }
  CHECK(pending.empty());
}

TEST_CASE("re-adding a key with a new time gives one item per time; callers drop the stale one") {
  TtlWheel wheel(kStart);
  wheel.Add(0, "k", kStart + 10 * kSecond);
  wheel.Add(0, "k", kStart + 5 * kHour);
  auto first = wheel.TakeDue(kStart + 10 * kSecond, 10);
  REQUIRE(first.size() == 1);
  CHECK(first[0].expire_at_ms == kStart + 10 * kSecond);
  CHECK(wheel.TakeDue(kStart + 5 * kHour - 1, 10).empty());
  auto second = wheel.TakeDue(kStart + 5 * kHour, 10);
  REQUIRE(second.size() == 1);
  CHECK(second[0].expire_at_ms == kStart + 5 * kHour);
}

TEST_CASE("items already due, or added after time passed them, come out at once") {
  TtlWheel wheel(kStart);
  wheel.Add(0, "past", kStart - 5);
  wheel.Add(0, "now", kStart);
  CHECK(wheel.TakeDue(kStart, 10).size() == 2);
  CHECK(wheel.TakeDue(kStart + kDay, 10).empty());
  CHECK(wheel.now_ms() == kStart + kDay);
  wheel.Add(0, "late", kStart + 1);
  CHECK(wheel.TakeDue(kStart + kDay, 10).size() == 1);
}

TEST_CASE("a wheel starting at 0 takes epoch-scale times through its overflow") {
  TtlWheel wheel;
  wheel.Add(0, "a", kStart + 1);
  wheel.Add(0, "b", kStart + kDay);
  CHECK(wheel.TakeDue(kStart, 10).empty());
  CHECK(wheel.TakeDue(kStart + 1, 10).size() == 1);
  CHECK(wheel.TakeDue(kStart + kDay - 1, 10).empty());
  CHECK(wheel.TakeDue(kStart + kDay, 10).size() == 1);
}
