// DurableKeyspace's collection members: pending member records, point reads through the tier,
// walks merging the pending sets with LevelDB, and draining written members into the tier (the
// design is in durable_keyspace.h).
#include <map>

#include "common/coding.h"
#include "keyspace/durable_keyspace.h"

namespace cairn::keyspace {

uint64_t DurableKeyspace::MemberBytes(std::string_view member_key,
                                      const std::optional<std::string>& v) {
  constexpr uint64_t kMapNodeOverhead = 96;  // a std::map node with two std::string
  return kMapNodeOverhead + member_key.size() + (v.has_value() ? v->size() : 0);
}

const std::optional<std::string>* DurableKeyspace::FindPendingMember(
    std::string_view member_key) const {
  if (auto it = pending_->members.find(member_key); it != pending_->members.end()) {
    return &it->second;
  }
  if (in_flight_ != nullptr) {
    if (auto it = in_flight_->members.find(member_key); it != in_flight_->members.end()) {
      return &it->second;
    }
  }
  return nullptr;
}

void DurableKeyspace::FailApply(const Status& s) {
  if (in_apply_ && apply_status_.ok()) apply_status_ = s;
}

Result<std::optional<std::string>> DurableKeyspace::GetMember(int db, std::string_view key,
                                                              uint64_t version,
                                                              std::string_view member) {
  auto got = LookupMember(db, key, version, member);
  if (!got.ok()) FailApply(got.status());
  return got;
}

Result<MemberPage> DurableKeyspace::ScanMembers(int db, std::string_view key, uint64_t version,
                                                std::string_view from, size_t count) {
  auto page = WalkMembers(db, key, version, from, count);
  if (!page.ok()) FailApply(page.status());
  return page;
}

Result<std::optional<std::string>> DurableKeyspace::LookupMember(int db, std::string_view key,
                                                                 uint64_t version,
                                                                 std::string_view member) {
  const uint64_t ns = working_.dbs[db].ns;
  const std::string mk = MemberKey(ns, key, version, member);
  if (const std::optional<std::string>* p = FindPendingMember(mk)) return *p;
  if (const Entry* e = tier_.Get(MemberTierNs(ns), mk)) return std::optional<std::string>(e->value);
  if (TierHoldsEveryKeyOf(ns)) return std::optional<std::string>();
  ++store_reads_;
  std::string raw;
  Status s = engine_->Get(mk, &raw);
  if (s.code() == ErrorCode::kNotFound) return std::optional<std::string>();
  CAIRN_RETURN_IF_ERROR(s);
  std::string_view payload;
  CAIRN_RETURN_IF_ERROR(DecodeMemberValue(raw, &payload));
  scratch_ = Entry{};
  scratch_.value.assign(payload);
  tier_.Put(MemberTierNs(ns), mk, scratch_);
  return std::optional<std::string>(std::string(payload));
}

Result<MemberPage> DurableKeyspace::WalkMembers(int db, std::string_view key, uint64_t version,
                                                std::string_view from, size_t count) {
  return WalkRecords(MemberPrefix(working_.dbs[db].ns, key, version), from, count,
                     /*reverse=*/false);
}

// A merge of three sorted sources, newest first: pending_, in_flight_, LevelDB (which may also
// hold in_flight_'s records once written; equal keys are one record, the newest wins). Forward
// from prefix+from, or backward from the last key <= prefix+from.
Result<MemberPage> DurableKeyspace::WalkRecords(const std::string& prefix, std::string_view from,
                                                size_t count, bool reverse) {
  using Map = std::map<std::string, std::optional<std::string>, std::less<>>;
  const std::string start = prefix + std::string(from);
  struct MapCursor {
    const Map* map = nullptr;
    Map::const_iterator it;
    std::string_view prefix;
    bool reverse = false;
    bool done = false;
    void Init(const Map* m, std::string_view p, bool rev, const std::string& at) {
      map = m;
      prefix = p;
      reverse = rev;
      it = rev ? m->upper_bound(at) : m->lower_bound(at);
      if (rev) Step();
    }
    void Step() {  // one record on, in walk order
      if (!reverse) {
        ++it;
      } else if (it == map->begin()) {
        done = true;
      } else {
        --it;
      }
    }
    bool Valid() const {
      return !done && it != map->end() && std::string_view(it->first).starts_with(prefix);
    }
  };
  MapCursor maps[2];
  maps[0].Init(&pending_->members, prefix, reverse, start);
  size_t nmaps = 1;
  if (in_flight_ != nullptr) maps[nmaps++].Init(&in_flight_->members, prefix, reverse, start);
  // `a` comes before `b` in walk order.
  auto before = [reverse](std::string_view a, std::string_view b) {
    return reverse ? a > b : a < b;
  };
  EngineIterator it = engine_->NewPrefixIterator(prefix);
  reverse ? it.SeekForPrev(start) : it.Seek(start);
  MemberPage page;
  for (;;) {
    // The first key in walk order among the sources; the first source holding it (the newest)
    // decides.
    std::optional<std::string_view> least;
    const std::optional<std::string>* newest = nullptr;
    for (size_t i = 0; i < nmaps; ++i) {
      if (!maps[i].Valid()) continue;
      std::string_view k = maps[i].it->first;
      if (!least || before(k, *least)) {
        least = k;
        newest = &maps[i].it->second;
      }
    }
    bool from_store = false;
    if (it.Valid() && (!least || !before(*least, it.key()))) {
      from_store = !least || before(it.key(), *least);
      if (from_store) least = it.key();
    }
    if (!least) break;
    std::string k(*least);
    std::optional<std::string> payload;
    if (from_store) {
      std::string_view v;
      CAIRN_RETURN_IF_ERROR(DecodeMemberValue(it.value(), &v));
      payload.emplace(v);
    } else {
      payload = *newest;
    }
    for (size_t i = 0; i < nmaps; ++i) {
      if (maps[i].Valid() && maps[i].it->first == k) maps[i].Step();
    }
    if (it.Valid() && it.key() == k) reverse ? it.Prev() : it.Next();
    if (!payload.has_value()) continue;  // deleted
    std::string member = k.substr(prefix.size());
    if (page.members.size() >= count) {
      page.next = std::move(member);
      break;
    }
    page.members.emplace_back(std::move(member), std::move(*payload));
  }
  CAIRN_RETURN_IF_ERROR(it.status());
  return page;
}

void DurableKeyspace::PutMember(int db, std::string_view key, uint64_t version,
                                std::string_view member, std::string_view payload) {
  CAIRN_ASSERT(in_apply_);
  if (!apply_status_.ok()) return;
  SetMember(MemberKey(working_.dbs[db].ns, key, version, member), std::string(payload));
}

void DurableKeyspace::DeleteMember(int db, std::string_view key, uint64_t version,
                                   std::string_view member) {
  CAIRN_ASSERT(in_apply_);
  if (!apply_status_.ok()) return;
  SetMember(MemberKey(working_.dbs[db].ns, key, version, member), std::nullopt);
}

// A deletion is recorded even for a member only pending so far: LevelDB may hold an older one.
void DurableKeyspace::SetMember(std::string member_key, std::optional<std::string> payload) {
  Pending& p = *pending_;
  p.member_bytes += MemberBytes(member_key, payload);
  auto it = p.members.find(member_key);
  if (it == p.members.end()) {
    member_undo_.push_back(MemberUndo{member_key, false, std::nullopt});
    p.members.emplace(std::move(member_key), std::move(payload));
    return;
  }
  p.member_bytes -= MemberBytes(member_key, it->second);
  member_undo_.push_back(MemberUndo{std::move(member_key), true, std::move(it->second)});
  it->second = std::move(payload);
}

// The member half of DrainWritten, after the overlay's slots.
void DurableKeyspace::DrainMembers(size_t* max) {
  Pending& p = *in_flight_;
  for (; member_drain_ != p.members.end() && *max > 0; ++member_drain_) {
    --*max;
    const auto& [k, v] = *member_drain_;
    const uint64_t ns = DecodeBigEndian64(k.data() + 1);
    // Score index records are only walked (LevelDB and the pending sets), never point-read.
    if (p.IsFlushed(ns) || k[0] == static_cast<char>(RecordTag::kScore)) continue;
    if (v.has_value()) {
      drain_scratch_ = Entry{};
      drain_scratch_.value.assign(*v);
      tier_.Put(MemberTierNs(ns), k, drain_scratch_);
    } else {
      tier_.Erase(MemberTierNs(ns), k);
    }
  }
}

}  // namespace cairn::keyspace
