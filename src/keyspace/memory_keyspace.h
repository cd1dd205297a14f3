// MemoryKeyspace: the whole keyspace in RAM, for unit tests and nodes run without durability.
// Scan order is by a stable 64-bit hash of the key, and the cursor is the next hash to visit, so
// a cursor stays valid across writes. Collection members live in one ordered map keyed by
// (version, member), a zset's score index in another; deleting or replacing a collection erases its members at once (O(members),
// unlike the durable keyspace's O(1)). Loop thread only.
#pragma once

#include <map>
#include <set>
#include <string>
#include <tuple>
#include <unordered_map>

#include "keyspace/keyspace.h"

namespace cairn::keyspace {

class MemoryKeyspace final : public Keyspace {
 public:
  MemoryKeyspace() = default;

  Result<const Entry*> Find(int db, std::string_view key, int64_t now_ms) override;
  uint64_t Size(int db) const override { return dbs_[db].entries.size(); }
  Result<ScanPage> Scan(int db, uint64_t cursor, size_t count, int64_t now_ms) override;
  std::vector<DueExpiry> TakeDueExpiries(int64_t now_ms, size_t count) override;
  uint64_t DbChangeIndex(int db) const override { return db_change_index_[db]; }
  Result<std::optional<std::string>> GetMember(int db, std::string_view key, uint64_t version,
                                               std::string_view member) override;
  Result<MemberPage> ScanMembers(int db, std::string_view key, uint64_t version,
                                 std::string_view from, size_t count) override;

  // Nothing to batch in memory: a group only checks that calls nest properly.
  void BeginGroup() override;
  Status EndGroup() override;
  void BeginApply(uint64_t log_index, int64_t now_ms) override;
  void Put(int db, std::string_view key, Entry entry) override;
  bool Delete(int db, std::string_view key) override;
  void FlushDb(int db) override;
  void FlushAll() override;
  void SwapDb(int a, int b) override;
  void PutMember(int db, std::string_view key, uint64_t version, std::string_view member,
                 std::string_view payload) override;
  void DeleteMember(int db, std::string_view key, uint64_t version,
                    std::string_view member) override;
  Result<MemberPage> ScanScores(int db, std::string_view key, uint64_t version,
                                std::string_view from, size_t count, bool reverse) override;
  void PutScore(int db, std::string_view key, uint64_t version, std::string_view entry) override;
  void DeleteScore(int db, std::string_view key, uint64_t version,
                   std::string_view entry) override;
  Status CommitApply() override;

  uint64_t applied_index() const override { return applied_index_; }
  Status Flush() override { return Status::Ok(); }
  KeyspaceStats Stats() const override;
  void ResetStats() override { hits_ = misses_ = 0; }

 private:
  struct Db {
    std::unordered_map<std::string, Entry> entries;
    std::set<std::pair<uint64_t, std::string>> scan_order;  // (StableHash64(key), key)
  };
  void ForgetExpiry(int db, const std::string& key, const Entry& e);
  void DropMembers(const Entry& e);  // a collection's members, when the collection goes
  static std::string MemberKey(uint64_t version, std::string_view member);

  std::map<std::string, std::string, std::less<>> members_;  // MemberKey -> payload
  std::set<std::string, std::less<>> scores_;  // MemberKey(version, ScoreEntry): a zset's index

  Db dbs_[kNumDatabases];
  uint64_t db_change_index_[kNumDatabases] = {};
  // Every key with an expiry, by time; a DueExpiry is handed out once per (time, key).
  std::set<std::tuple<int64_t, int, std::string>> expiries_;
  uint64_t applied_index_ = 0;
  uint64_t apply_index_ = 0;
  bool in_apply_ = false;
  bool in_group_ = false;
  int64_t apply_now_ms_ = 0;
  uint64_t next_version_ = 1;
  uint64_t hits_ = 0;
  uint64_t misses_ = 0;
};

}  // namespace cairn::keyspace
