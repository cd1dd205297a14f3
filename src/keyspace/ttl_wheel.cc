// TtlWheel: placement by the highest block an item's time shares with "now", and jump-advance.
#include "keyspace/ttl_wheel.h"

#include <algorithm>

#include "common/assert.h"

namespace cairn::keyspace {
namespace {
// Times before the epoch are simply due: the wheel works on unsigned milliseconds.
uint64_t ToTick(int64_t ms) { return ms < 0 ? 0 : static_cast<uint64_t>(ms); }
}  // namespace

TtlWheel::TtlWheel(int64_t now_ms) : now_(ToTick(now_ms)) {
  for (int level = 0; level < kLevels; ++level) slots_[level].resize(SlotsIn(level));
}

void TtlWheel::Add(uint64_t ns, std::string key, int64_t expire_at_ms) {
  ++size_;
  Place(Item{expire_at_ms, ns, std::move(key)});
}

// The lowest level whose current block (around now_) contains the item's time; slot = the
// item's digit at that level. Its digit is then above now_'s, which Advance relies on.
void TtlWheel::Place(Item item) {
  uint64_t t = ToTick(item.expire_at_ms);
  if (t <= now_) {
    due_.push_back(std::move(item));
    return;
  }
  for (int level = 0; level < kLevels; ++level) {
    if ((t >> kShift[level + 1]) == (now_ >> kShift[level + 1])) {
      size_t slot = (t >> kShift[level]) & (SlotsIn(level) - 1);
      slots_[level][slot].push_back(std::move(item));
      ++level_count_[level];
      return;
    }
  }
  overflow_.emplace(t, std::move(item));
}

void TtlWheel::MigrateOverflow() {
  while (!overflow_.empty() &&
         (overflow_.begin()->first >> kShift[kLevels]) == (now_ >> kShift[kLevels])) {
    Item item = std::move(overflow_.begin()->second);
    overflow_.erase(overflow_.begin());
    Place(std::move(item));
  }
}

void TtlWheel::Advance(uint64_t target, size_t want) {
  while (due_.size() < want) {
    // Lower levels hold earlier times than higher ones, so the lowest non-empty level holds the
    // earliest items.
    int level = 0;
    while (level < kLevels && level_count_[level] == 0) ++level;
    if (level == kLevels) {
      if (overflow_.empty() || overflow_.begin()->first > target) {
        now_ = std::max(now_, target);
        MigrateOverflow();  // target may have entered the top block of some overflow items
        return;
      }
      now_ = std::max(now_, overflow_.begin()->first);
      MigrateOverflow();
      continue;
    }
    auto& slots = slots_[level];
    size_t slot = (now_ >> kShift[level]) & (slots.size() - 1);
    while (slot < slots.size() && slots[slot].empty()) ++slot;
    CAIRN_ASSERT(slot < slots.size());  // placement keeps items at or after now_'s digit
    uint64_t block = (now_ >> kShift[level + 1]) << kShift[level + 1];
    uint64_t slot_start = block | (static_cast<uint64_t>(slot) << kShift[level]);
    if (slot_start > target) {
      // Nothing is due before target; jumping there keeps every item's placement valid because
      // target stays inside the blocks that hold them.
      now_ = std::max(now_, target);
      return;
    }
    now_ = std::max(now_, slot_start);
    std::vector<Item> items = std::move(slots[slot]);
    slots[slot] = {};  // release the capacity: a drained slot costs nothing
    level_count_[level] -= items.size();
    // Level 0 slots are single milliseconds, so these all land in due_; higher levels cascade.
    for (Item& item : items) Place(std::move(item));
  }
}

std::vector<TtlWheel::Item> TtlWheel::TakeDue(int64_t now_ms, size_t count) {
  std::vector<Item> out;
  if (count == 0) return out;
  Advance(ToTick(now_ms), count);
  size_t n = std::min(count, due_.size());
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    out.push_back(std::move(due_.front()));
    due_.pop_front();
  }
  size_ -= n;
  return out;
}

void TtlWheel::Clear() {
  for (auto& level : slots_) {
    for (auto& slot : level) slot = {};
  }
  level_count_ = {};
  overflow_.clear();
  due_.clear();
  size_ = 0;
}

}  // namespace cairn::keyspace
