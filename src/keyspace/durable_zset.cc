// DurableKeyspace's sorted-set score index: 'Z' records (encoding.h) kept pending in the same
// ordered map as the member records, so an apply's undo, a checkpoint's batch and GC treat them
// alike; walks merge the pending sets with LevelDB in either direction (WalkRecords). They never
// enter the memory tier: nothing point-reads them, and a walk reads LevelDB anyway.
#include "keyspace/durable_keyspace.h"

namespace cairn::keyspace {

Result<MemberPage> DurableKeyspace::ScanScores(int db, std::string_view key, uint64_t version,
                                               std::string_view from, size_t count,
                                               bool reverse) {
  auto page = WalkRecords(ScorePrefix(working_.dbs[db].ns, key, version), from, count, reverse);
  if (!page.ok()) FailApply(page.status());
  return page;
}

void DurableKeyspace::PutScore(int db, std::string_view key, uint64_t version,
                               std::string_view entry) {
  CAIRN_ASSERT(in_apply_);
  if (!apply_status_.ok()) return;
  SetMember(ScorePrefix(working_.dbs[db].ns, key, version) + std::string(entry), std::string());
}

void DurableKeyspace::DeleteScore(int db, std::string_view key, uint64_t version,
                                  std::string_view entry) {
  CAIRN_ASSERT(in_apply_);
  if (!apply_status_.ok()) return;
  SetMember(ScorePrefix(working_.dbs[db].ns, key, version) + std::string(entry), std::nullopt);
}

}  // namespace cairn::keyspace
