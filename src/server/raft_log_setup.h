// Opens a node's Raft log store (<dir>/raft) for start-up: bootstraps a new cluster's membership
// into an empty store, and moves a data dir written before replication (<dir>/wal, untyped
// single-term records) onto the Raft log, so an upgraded node loses no acknowledged write.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "server/config.h"
#include "replication/log_store.h"
#include "wal/env.h"

namespace cairn::server {

// appendfsync as the log takes it.
wal::FsyncPolicy WalPolicy(FsyncPolicy p);

struct RaftLogSetup {
  std::string dir;  // the data dir
  uint64_t node_id = 1;
  std::vector<uint64_t> voters;  // the initial membership (cluster-peers' ids, or this node)
  uint64_t keyspace_applied = 0;  // what the keyspace already holds (a legacy log's replay point)
  replication::LogStoreOptions store;  // everything but `dir`, which is <dir>/raft
  std::function<void(std::string_view)> log;  // what start-up says about the log
};

struct OpenedRaftLog {
  std::unique_ptr<replication::LogStore> store;
  bool bootstrapped = false;  // a new cluster's membership was just written
  bool migrated = false;      // a legacy <dir>/wal was moved onto it
};

// Opens <dir>/raft. An empty store is bootstrapped with `voters`, unless <dir>/wal holds a log
// from before replication: then its records after keyspace_applied become entries of term 1 at
// the same indexes (after a snapshot point at keyspace_applied), followed by this node's
// membership as one more entry, all committed; the store is built in <dir>/raft.new and renamed
// into place, and only then is <dir>/wal removed, so a crash at any point repeats or finishes the
// move. A legacy log can only become a cluster of one voter. Finally the store's commit index is
// raised to keyspace_applied where it lags (it is written lazily; the keyspace only ever applied
// committed entries).
Result<OpenedRaftLog> OpenRaftLog(const RaftLogSetup& setup);

}  // namespace cairn::server
