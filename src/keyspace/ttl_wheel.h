// TtlWheel: a hierarchical timing wheel of (namespace, key, expire_at_ms) for active expiry.
//
// Six levels: 256 slots of 1 ms, then five of 64 slots, each slot as wide as the whole level
// below (256 ms, ~16 s, ~17 min, ~18 h, ~48 days); a time beyond the top level (~8.7 years ahead)
// waits in an ordered overflow until the wheel gets near. An item lives in the lowest level whose
// current block contains its time, and is cascaded one level down when time reaches its slot, so
// each item moves at most six times. Advancing jumps straight to the next non-empty slot, so idle
// time costs nothing, and TakeDue stops as soon as it has `count` items: the cost of one call is
// O(count + levels * 256) plus the cascade of one slot.
//
// The wheel only schedules; it never decides. Items may be stale (the key was deleted or got a new
// expiry since): callers re-check them. It owns its items (about 48 bytes plus the key each).
// Not thread-safe: loop thread.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <vector>

namespace cairn::keyspace {

class TtlWheel {
 public:
  struct Item {
    int64_t expire_at_ms = 0;
    uint64_t ns = 0;  // the physical namespace the key lives in
    std::string key;
  };

  // `now_ms`: the wheel's notion of the present; items at or before it are due at once.
  explicit TtlWheel(int64_t now_ms = 0);

  void Add(uint64_t ns, std::string key, int64_t expire_at_ms);
  // Up to `count` items with expire_at_ms <= now_ms, earliest slots first. Time never goes back:
  // a now_ms below an earlier call's is treated as that earlier time.
  std::vector<Item> TakeDue(int64_t now_ms, size_t count);

  size_t size() const { return size_; }
  int64_t now_ms() const { return static_cast<int64_t>(now_); }
  void Clear();

 private:
  static constexpr int kLevels = 6;
  static constexpr std::array<int, kLevels + 1> kShift = {0, 8, 14, 20, 26, 32, 38};

  static size_t SlotsIn(int level) { return size_t{1} << (kShift[level + 1] - kShift[level]); }
  void Place(Item item);
  // Moves time forward towards target, filling due_ until it holds `want` items.
  void Advance(uint64_t target, size_t want);
  void MigrateOverflow();

  uint64_t now_;
  size_t size_ = 0;
  std::array<std::vector<std::vector<Item>>, kLevels> slots_;
  std::array<size_t, kLevels> level_count_ = {};
  std::multimap<uint64_t, Item> overflow_;  // items beyond the top level's current block
  std::deque<Item> due_;                    // items whose time has come, in order found
};

}  // namespace cairn::keyspace
