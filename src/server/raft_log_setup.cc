// OpenRaftLog: bootstrap of a new store, and the one-way move of a pre-replication log onto it.
#include "server/raft_log_setup.h"

#include <filesystem>
#include <system_error>

#include "raft/types.h"
#include "wal/log.h"

namespace cairn::server {
namespace {

namespace fs = std::filesystem;
constexpr uint64_t kLegacyTerm = 1;  // the only term a pre-replication log ever wrote
constexpr size_t kMoveChunkBytes = size_t{4} << 20;

Status RemoveTree(const std::string& path) {
  std::error_code ec;
  fs::remove_all(path, ec);
  if (ec) return Status::IoError("cannot remove '" + path + "': " + ec.message());
  return Status::Ok();
}

bool Exists(const std::string& path) {
  std::error_code ec;
  return fs::exists(path, ec);
}

Result<std::unique_ptr<replication::LogStore>> OpenStore(const RaftLogSetup& setup,
                                                         const std::string& dir) {
  replication::LogStoreOptions o = setup.store;
  o.dir = dir;
  return replication::LogStore::Open(std::move(o));
}

// Copies the legacy records after keyspace_applied into `store` as term-1 entries, then this
// node's membership, and commits them all.
Status MoveLegacyRecords(const RaftLogSetup& setup, replication::LogStore* store) {
  wal::Options wo;
  wo.dir = setup.dir + "/wal";
  wo.fsync = wal::FsyncPolicy::kNo;
  wo.tail_cache_bytes = 0;
  wo.format_version = wal::kFormatVersionRecords;
  wo.logger = setup.log;
  auto legacy = wal::Log::Open(std::move(wo));
  if (!legacy.ok()) return legacy.status();
  const uint64_t from = setup.keyspace_applied + 1;
  const uint64_t last = (*legacy)->last_index();
  if (last >= from && (*legacy)->first_index() > from) {
    return Status::Corruption("the write log in " + setup.dir + "/wal starts at " +
                              std::to_string((*legacy)->first_index()) +
                              " but the keyspace has applied only up to " +
                              std::to_string(setup.keyspace_applied));
  }
  if (setup.keyspace_applied > 0) {
    CAIRN_RETURN_IF_ERROR(store->ApplySnapshot(raft::SnapshotMeta{setup.keyspace_applied, kLegacyTerm, {}}));
  }
  for (uint64_t next = from; next <= last;) {
    auto records = (*legacy)->Read(next, last, kMoveChunkBytes);
    if (!records.ok()) return records.status();
    if (records->empty()) break;
    std::vector<raft::Entry> entries;
    entries.reserve(records->size());
    for (wal::Record& r : *records) {
      entries.push_back(raft::Entry{kLegacyTerm, r.index, raft::EntryType::kNormal, std::move(r.payload)});
    }
    next = entries.back().index + 1;
    CAIRN_RETURN_IF_ERROR(store->Append(entries));
  }
  std::vector<raft::Entry> conf = raft::BootstrapEntries({setup.node_id});
  conf.front().index = store->LastIndex() + 1;
  conf.front().term = kLegacyTerm;
  CAIRN_RETURN_IF_ERROR(store->SetHardState(raft::HardState{kLegacyTerm, raft::kNoNode, 0}));
  CAIRN_RETURN_IF_ERROR(store->Append(conf));
  CAIRN_RETURN_IF_ERROR(store->SetHardState(raft::HardState{kLegacyTerm, raft::kNoNode, conf.front().index}));
  if (setup.log) {
    setup.log("moved " + std::to_string(last >= from ? last - from + 1 : 0) +
              " records of the write log from before replication (" + setup.dir +
              "/wal) onto the Raft log");
  }
  return store->Close();
}

Status MigrateLegacy(const RaftLogSetup& setup) {
  if (setup.voters.size() != 1 || setup.voters.front() != setup.node_id) {
    return Status::InvalidArgument(
        "the data dir " + setup.dir + " holds a write log from before replication (wal/): start it "
        "once as a single node (without cluster-peers) to move it onto the Raft log");
  }
  const std::string building = setup.dir + "/raft.new";
  CAIRN_RETURN_IF_ERROR(RemoveTree(building));  // a move that a crash interrupted starts over
  {
    auto store = OpenStore(setup, building);
    if (!store.ok()) return store.status();
    CAIRN_RETURN_IF_ERROR(MoveLegacyRecords(setup, store->get()));
  }
  wal::Env* env = setup.store.env != nullptr ? setup.store.env : wal::Env::Posix();
  CAIRN_RETURN_IF_ERROR(env->RenameFile(building, setup.dir + "/raft"));
  CAIRN_RETURN_IF_ERROR(env->SyncDir(setup.dir));
  return RemoveTree(setup.dir + "/wal");
}

// The keyspace applies only committed entries, so what it holds is committed, even where the
// store's commit index (written lazily) says less: a checkpoint may reach LevelDB before the
// next hard state write, and a kill -9 in between leaves the two so. An OS crash under
// appendfsync everysec/no can even lose log entries LevelDB kept: a sole voter then continues
// from a snapshot point at the keyspace's index (the keyspace is that snapshot).
Status CatchUpWithKeyspace(const RaftLogSetup& setup, replication::LogStore* store) {
  const uint64_t applied = setup.keyspace_applied;
  raft::HardState hs = store->hard_state();
  if (applied <= hs.commit) return Status::Ok();
  if (applied <= store->LastIndex()) {
    hs.commit = applied;
    CAIRN_RETURN_IF_ERROR(store->SetHardState(hs));
    return store->Sync();
  }
  if (setup.voters.size() != 1) {
    return Status::Corruption("the keyspace has applied up to " + std::to_string(applied) +
                              " but the Raft log ends at " + std::to_string(store->LastIndex()) +
                              ": this node's log lost entries its keyspace holds");
  }
  if (setup.log) {
    setup.log("the Raft log ends at " + std::to_string(store->LastIndex()) +
              " but the keyspace applied " + std::to_string(applied) +
              " (an OS crash lost the log's tail); continuing from the keyspace");
  }
  raft::SnapshotMeta meta{applied, hs.term, raft::ConfState{setup.voters, {}}};
  return store->ApplySnapshot(meta);
}

}  // namespace

wal::FsyncPolicy WalPolicy(FsyncPolicy p) {
  switch (p) {
    case FsyncPolicy::kAlways: return wal::FsyncPolicy::kAlways;
    case FsyncPolicy::kEverySec: return wal::FsyncPolicy::kEverySec;
    case FsyncPolicy::kNo: return wal::FsyncPolicy::kNo;
  }
  return wal::FsyncPolicy::kAlways;
}

Result<OpenedRaftLog> OpenRaftLog(const RaftLogSetup& setup) {
  OpenedRaftLog out;
  const std::string raft_dir = setup.dir + "/raft";
  const std::string legacy_dir = setup.dir + "/wal";
  if (!Exists(raft_dir) && Exists(legacy_dir)) {
    CAIRN_RETURN_IF_ERROR(MigrateLegacy(setup));
    out.migrated = true;
  } else if (Exists(legacy_dir)) {
    // The move finished but the old log's removal did not.
    CAIRN_RETURN_IF_ERROR(RemoveTree(legacy_dir));
  }
  auto store = OpenStore(setup, raft_dir);
  if (!store.ok()) return store.status();
  out.store = std::move(*store);
  if (out.store->LastIndex() == 0 && out.store->hard_state().term == 0) {
    CAIRN_RETURN_IF_ERROR(out.store->Bootstrap(setup.voters));
    out.bootstrapped = true;
  }
  CAIRN_RETURN_IF_ERROR(CatchUpWithKeyspace(setup, out.store.get()));
  return out;
}

}  // namespace cairn::server
