// The data directory's identity: which node of which cluster a data dir belongs to, kept in
// `dir/cluster-identity` so that a dir is never started as another node or in another cluster.
// Written once, atomically (temp file, fsync, rename, fsync dir) through wal::Env, so tests can
// inject faults. Loop thread at start-up only; the file is a few hundred bytes.
//
// Format (text, one `key value` per line, in this order; version 1):
//   cairn-cluster-identity 1
//   cluster-id <32 hex digits>
//   node-id <integer >= 1>
//   cluster-token <token>
//   voters <sorted ids, comma-separated>     (the membership this dir was bootstrapped with)
//   crc32c <8 hex digits>                    (CRC-32C of every byte before this line)
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "server/cluster_config.h"
#include "wal/env.h"

namespace cairn::server {

inline constexpr char kIdentityFileName[] = "cluster-identity";

struct ClusterIdentity {
  std::string cluster_id;
  uint64_t node_id = 0;
  std::string token;
  std::vector<uint64_t> voter_ids;  // sorted
  bool operator==(const ClusterIdentity&) const = default;
};

std::string EncodeIdentity(const ClusterIdentity& id);
// Refuses (Corruption, naming what is wrong) a file of another format, a bad checksum, missing or
// malformed fields.
Result<ClusterIdentity> DecodeIdentity(std::string_view text);

// Writes dir/cluster-identity atomically: a crash leaves either the old file or the new one.
Status WriteIdentity(wal::Env* env, const std::string& dir, const ClusterIdentity& id);
// Reads dir/cluster-identity. NotFound when there is none.
Result<ClusterIdentity> ReadIdentity(wal::Env* env, const std::string& dir);

// What ClaimDataDir found and did, for the start-up log.
struct DataDirClaim {
  ClusterIdentity identity;  // what the dir now records: the cluster this node runs in
  enum class How { kBootstrapped, kAdopted, kRecorded } how = How::kRecorded;
  std::vector<std::string> notices;  // lines for stderr (a membership the flags disagree on...)
};

// Checks dir against the cluster config and records the identity when there is none:
//  - no identity file, no data (no raft/, wal/ or keyspace/): bootstrap, recording cc's cluster id;
//  - no identity file but data from before cluster ids: adopt it as cc.node_id's, a cluster of
//    one voter (a notice when cluster-peers lists more);
//  - an identity file: a different node id refuses; a different cluster-token refuses (another
//    cluster) naming both; other voter ids keep the recorded cluster with a notice: the Raft
//    log's membership wins (StartCluster returns the recorded voters as bootstrap_voters). A
//    dir whose file is all it holds (no data yet)
//    is bootstrapped again instead of refused.
Result<DataDirClaim> ClaimDataDir(wal::Env* env, const std::string& dir, const ClusterConfig& cc);

// Node's start-up step: MakeClusterConfig, then ClaimDataDir on config.dir (skipped for
// ":memory:"), then the notices and one line naming node id, cluster id and voters on stderr.
// The result carries the cluster id the dir records (an adopted dir's differs from the flags').
Result<ClusterConfig> StartCluster(const Config& config, wal::Env* env);

}  // namespace cairn::server
