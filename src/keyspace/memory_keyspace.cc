// MemoryKeyspace: hash maps per database plus a hash-ordered index for SCAN.
#include "keyspace/memory_keyspace.h"

#include "common/coding.h"

namespace cairn::keyspace {

Result<const Entry*> MemoryKeyspace::Find(int db, std::string_view key, int64_t now_ms) {
  auto& entries = dbs_[db].entries;
  auto it = entries.find(std::string(key));
  if (it == entries.end() || it->second.ExpiredAt(now_ms)) {
    ++misses_;
    return static_cast<const Entry*>(nullptr);
  }
  ++hits_;
  return static_cast<const Entry*>(&it->second);
}

Result<ScanPage> MemoryKeyspace::Scan(int db, uint64_t cursor, size_t count, int64_t now_ms) {
  ScanPage page;
  const auto& order = dbs_[db].scan_order;
  auto it = order.lower_bound({cursor, std::string()});
  uint64_t last_hash = 0;
  size_t visited = 0;
  // Never split a group of keys sharing one hash across two pages: the cursor is a hash.
  while (it != order.end() && (visited < count || it->first == last_hash)) {
    last_hash = it->first;
    const Entry& e = dbs_[db].entries.at(it->second);
    if (!e.ExpiredAt(now_ms)) page.keys.push_back(it->second);
    ++visited;
    ++it;
  }
  page.next_cursor = (it == order.end()) ? 0 : last_hash + 1;
  return page;
}

std::vector<DueExpiry> MemoryKeyspace::TakeDueExpiries(int64_t now_ms, size_t count) {
  std::vector<DueExpiry> out;
  while (!expiries_.empty() && out.size() < count) {
    auto it = expiries_.begin();
    if (std::get<0>(*it) > now_ms) break;
    out.push_back({std::get<1>(*it), std::get<2>(*it), std::get<0>(*it)});
    expiries_.erase(it);
  }
  return out;
}

void MemoryKeyspace::BeginGroup() {
  CAIRN_ASSERT(!in_group_ && !in_apply_);
  in_group_ = true;
}

Status MemoryKeyspace::EndGroup() {
  CAIRN_ASSERT(in_group_ && !in_apply_);
  in_group_ = false;
  return Status::Ok();
}

void MemoryKeyspace::BeginApply(uint64_t log_index, int64_t now_ms) {
  CAIRN_ASSERT(!in_apply_);
  in_apply_ = true;
  apply_index_ = log_index;
  apply_now_ms_ = now_ms;
}

std::string MemoryKeyspace::MemberKey(uint64_t version, std::string_view member) {
  std::string k;
  PutBigEndian64(&k, version);
  k.append(member);
  return k;
}

void MemoryKeyspace::DropMembers(const Entry& e) {
  if (e.type == ValueType::kString) return;
  members_.erase(members_.lower_bound(MemberKey(e.version, "")),
                 members_.lower_bound(MemberKey(e.version + 1, "")));
  scores_.erase(scores_.lower_bound(MemberKey(e.version, "")),
                scores_.lower_bound(MemberKey(e.version + 1, "")));
}

Result<std::optional<std::string>> MemoryKeyspace::GetMember(int, std::string_view,
                                                             uint64_t version,
                                                             std::string_view member) {
  auto it = members_.find(MemberKey(version, member));
  if (it == members_.end()) return std::optional<std::string>();
  return std::optional<std::string>(it->second);
}

Result<MemberPage> MemoryKeyspace::ScanMembers(int, std::string_view, uint64_t version,
                                               std::string_view from, size_t count) {
  MemberPage page;
  const std::string end = MemberKey(version + 1, "");
  auto it = members_.lower_bound(MemberKey(version, from));
  for (; it != members_.end() && it->first < end; ++it) {
    std::string_view member = std::string_view(it->first).substr(8);
    if (page.members.size() >= count) {
      page.next = std::string(member);
      break;
    }
    page.members.emplace_back(member, it->second);
  }
  return page;
}

void MemoryKeyspace::PutMember(int, std::string_view, uint64_t version, std::string_view member,
                               std::string_view payload) {
  CAIRN_ASSERT(in_apply_);
  members_.insert_or_assign(MemberKey(version, member), std::string(payload));
}

void MemoryKeyspace::DeleteMember(int, std::string_view, uint64_t version,
                                  std::string_view member) {
  CAIRN_ASSERT(in_apply_);
  members_.erase(MemberKey(version, member));
}

Result<MemberPage> MemoryKeyspace::ScanScores(int, std::string_view, uint64_t version,
                                              std::string_view from, size_t count,
                                              bool reverse) {
  MemberPage page;
  const std::string prefix = MemberKey(version, "");
  const std::string at = MemberKey(version, from);
  auto add = [&](const std::string& k) {
    std::string_view entry = std::string_view(k).substr(8);
    if (page.members.size() >= count) {
      page.next = std::string(entry);
      return false;
    }
    page.members.emplace_back(entry, std::string());
    return true;
  };
  if (!reverse) {
    for (auto it = scores_.lower_bound(at); it != scores_.end() && it->starts_with(prefix); ++it) {
      if (!add(*it)) break;
    }
    return page;
  }
  for (auto it = scores_.upper_bound(at); it != scores_.begin();) {
    --it;
    if (!it->starts_with(prefix) || !add(*it)) break;
  }
  return page;
}

void MemoryKeyspace::PutScore(int, std::string_view, uint64_t version, std::string_view entry) {
  CAIRN_ASSERT(in_apply_);
  scores_.insert(MemberKey(version, entry));
}

void MemoryKeyspace::DeleteScore(int, std::string_view, uint64_t version,
                                 std::string_view entry) {
  CAIRN_ASSERT(in_apply_);
  scores_.erase(MemberKey(version, entry));
}

void MemoryKeyspace::ForgetExpiry(int db, const std::string& key, const Entry& e) {
  if (e.expire_at_ms != 0) expiries_.erase({e.expire_at_ms, db, key});
}

void MemoryKeyspace::Put(int db, std::string_view key, Entry entry) {
  CAIRN_ASSERT(in_apply_);
  std::string k(key);
  auto& slot = dbs_[db].entries[k];
  bool existed = slot.mod_index != 0 || slot.version != 0;
  if (existed) {
    ForgetExpiry(db, k, slot);
    // An expired collection starts afresh: its members are gone with it.
    bool keep = slot.type == entry.type &&
                !(slot.type != ValueType::kString && slot.ExpiredAt(apply_now_ms_));
    if (!keep) DropMembers(slot);
    entry.version = keep ? slot.version : next_version_++;
  } else {
    entry.version = next_version_++;
    dbs_[db].scan_order.insert({StableHash64(k), k});
  }
  entry.mod_index = apply_index_;
  if (entry.expire_at_ms != 0) expiries_.insert({entry.expire_at_ms, db, k});
  slot = std::move(entry);
}

bool MemoryKeyspace::Delete(int db, std::string_view key) {
  CAIRN_ASSERT(in_apply_);
  std::string k(key);
  auto& entries = dbs_[db].entries;
  auto it = entries.find(k);
  if (it == entries.end()) return false;
  ForgetExpiry(db, k, it->second);
  DropMembers(it->second);
  dbs_[db].scan_order.erase({StableHash64(k), k});
  entries.erase(it);
  return true;
}

void MemoryKeyspace::FlushDb(int db) {
  CAIRN_ASSERT(in_apply_);
  for (auto& [k, e] : dbs_[db].entries) {
    ForgetExpiry(db, k, e);
    DropMembers(e);
  }
  dbs_[db] = Db();
  db_change_index_[db] = apply_index_;
}

void MemoryKeyspace::FlushAll() {
  for (int db = 0; db < kNumDatabases; ++db) FlushDb(db);
}

void MemoryKeyspace::SwapDb(int a, int b) {
  CAIRN_ASSERT(in_apply_);
  if (a == b) return;
  std::swap(dbs_[a], dbs_[b]);
  db_change_index_[a] = db_change_index_[b] = apply_index_;
  // The expiry set names databases by number: rebuild the entries of the two swapped ones.
  for (auto it = expiries_.begin(); it != expiries_.end();) {
    int d = std::get<1>(*it);
    if (d == a || d == b) {
      it = expiries_.erase(it);
    } else {
      ++it;
    }
  }
  for (int d : {a, b}) {
    for (auto& [k, e] : dbs_[d].entries) {
      if (e.expire_at_ms != 0) expiries_.insert({e.expire_at_ms, d, k});
    }
  }
}

Status MemoryKeyspace::CommitApply() {
  CAIRN_ASSERT(in_apply_);
  in_apply_ = false;
  applied_index_ = apply_index_;
  return Status::Ok();
}

KeyspaceStats MemoryKeyspace::Stats() const {
  KeyspaceStats s;
  s.tier_hits = hits_;
  s.tier_misses = misses_;
  for (const auto& [t, db, k] : expiries_) s.expires[db]++;
  return s;
}

}  // namespace cairn::keyspace
