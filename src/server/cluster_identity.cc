// The data dir's identity file: encoding, atomic write, and the start-up claim rules.
#include "server/cluster_identity.h"

#include <algorithm>
#include <cstdio>

#include "commands/args.h"
#include "common/coding.h"

namespace cairn::server {
namespace {

constexpr char kMagic[] = "cairn-cluster-identity 1";

std::string Hex32(uint32_t v) {
  char buf[9];
  std::snprintf(buf, sizeof(buf), "%08x", v);
  return buf;
}

std::string JoinIds(const std::vector<uint64_t>& ids) {
  std::string s;
  for (uint64_t id : ids) s += (s.empty() ? "" : ",") + std::to_string(id);
  return s;
}

bool ParseUint(std::string_view s, uint64_t* out) {
  int64_t v = 0;
  if (s.empty() || !std::isdigit(static_cast<unsigned char>(s[0]))) return false;
  if (!commands::ParseInt64(std::string(s), &v) || v < 1) return false;
  *out = static_cast<uint64_t>(v);
  return true;
}

bool ParseIds(std::string_view s, std::vector<uint64_t>* ids) {
  size_t start = 0;
  while (start <= s.size()) {
    size_t comma = std::min(s.find(',', start), s.size());
    uint64_t id = 0;
    if (!ParseUint(s.substr(start, comma - start), &id)) return false;
    ids->push_back(id);
    start = comma + 1;
  }
  return std::is_sorted(ids->begin(), ids->end());
}

bool IsHex(std::string_view s, size_t n) {
  return s.size() == n && std::all_of(s.begin(), s.end(), [](char c) {
           return std::isdigit(static_cast<unsigned char>(c)) || (c >= 'a' && c <= 'f');
         });
}

Status Corrupt(const std::string& what) {
  return Status::Corruption("cluster-identity file is corrupt: " + what);
}

// Takes the next line, which must be "key value"; false when it is not.
bool TakeField(std::string_view* in, std::string_view key, std::string_view* value) {
  size_t nl = in->find('\n');
  if (nl == std::string_view::npos) return false;
  std::string_view line = in->substr(0, nl);
  *in = in->substr(nl + 1);
  if (line.size() <= key.size() || line.substr(0, key.size()) != key || line[key.size()] != ' ') {
    return false;
  }
  *value = line.substr(key.size() + 1);
  return true;
}

bool HoldsData(wal::Env* env, const std::string& dir) {
  auto names = env->ListDir(dir);
  if (!names.ok()) return false;
  return std::any_of(names->begin(), names->end(),
                     [](const std::string& n) { return n == "raft" || n == "wal" || n == "keyspace"; });
}

std::string Describe(uint64_t node_id, const std::string& cluster_id) {
  return "node " + std::to_string(node_id) + " of cluster " + cluster_id;
}

ClusterIdentity FromConfig(const ClusterConfig& cc) {
  return {cc.cluster_id, cc.node_id, cc.token, cc.VoterIds()};
}

Result<DataDirClaim> Record(wal::Env* env, const std::string& dir, ClusterIdentity id,
                            DataDirClaim::How how) {
  CAIRN_RETURN_IF_ERROR(WriteIdentity(env, dir, id));
  DataDirClaim claim;
  claim.identity = std::move(id);
  claim.how = how;
  return claim;
}

// A dir with data but no identity file predates cluster ids: it was a single node's.
Result<DataDirClaim> Adopt(wal::Env* env, const std::string& dir, const ClusterConfig& cc) {
  std::vector<uint64_t> self = {cc.node_id};
  ClusterIdentity id{DeriveClusterId(cc.token, self), cc.node_id, cc.token, self};
  auto claim = Record(env, dir, id, DataDirClaim::How::kAdopted);
  if (claim.ok() && cc.voters.size() > 1) {
    claim->notices.push_back("data dir " + dir + " holds data from before cluster ids: adopted as " +
                             Describe(id.node_id, id.cluster_id) + ", a cluster of one voter; " +
                             "cluster-peers lists voters " + JoinIds(cc.VoterIds()) +
                             " (the Raft log's membership wins)");
  }
  return claim;
}

Result<DataDirClaim> CheckRecorded(const std::string& dir, const ClusterIdentity& rec,
                                   const ClusterConfig& cc) {
  std::string mismatch = "data dir " + dir + " belongs to " + Describe(rec.node_id, rec.cluster_id) +
                         ", not " + Describe(cc.node_id, cc.cluster_id);
  if (rec.node_id != cc.node_id) return Status::InvalidArgument(mismatch + " (node-id)");
  if (rec.token != cc.token) {
    return Status::InvalidArgument(mismatch + " (cluster-token '" + rec.token + "', not '" + cc.token + "')");
  }
  DataDirClaim claim;
  claim.identity = rec;
  if (rec.voter_ids != cc.VoterIds()) {
    claim.notices.push_back("cluster-peers lists voters " + JoinIds(cc.VoterIds()) + " but data dir " +
                            dir + " was bootstrapped with voters " + JoinIds(rec.voter_ids) +
                            ": keeping cluster " + rec.cluster_id +
                            " (the Raft log's membership wins)");
  }
  return claim;
}

}  // namespace

std::string EncodeIdentity(const ClusterIdentity& id) {
  std::string s = std::string(kMagic) + "\n";
  s += "cluster-id " + id.cluster_id + "\n";
  s += "node-id " + std::to_string(id.node_id) + "\n";
  s += "cluster-token " + id.token + "\n";
  s += "voters " + JoinIds(id.voter_ids) + "\n";
  return s + "crc32c " + Hex32(Crc32c(s)) + "\n";
}

Result<ClusterIdentity> DecodeIdentity(std::string_view text) {
  size_t crc_at = text.rfind("crc32c ");
  if (text.substr(0, sizeof(kMagic)) != std::string(kMagic) + "\n") return Corrupt("not a version 1 identity file");
  if (crc_at == std::string_view::npos || crc_at < sizeof(kMagic)) return Corrupt("no checksum");
  std::string_view body = text.substr(0, crc_at);
  std::string_view crc = text.substr(crc_at + 7);
  if (crc != Hex32(Crc32c(body)) + "\n") return Corrupt("checksum mismatch");
  std::string_view in = body.substr(sizeof(kMagic));
  ClusterIdentity id;
  std::string_view v;
  if (!TakeField(&in, "cluster-id", &v) || !IsHex(v, 32)) return Corrupt("bad cluster-id");
  id.cluster_id = std::string(v);
  if (!TakeField(&in, "node-id", &v) || !ParseUint(v, &id.node_id)) return Corrupt("bad node-id");
  if (!TakeField(&in, "cluster-token", &v) || v.empty()) return Corrupt("bad cluster-token");
  id.token = std::string(v);
  if (!TakeField(&in, "voters", &v) || !ParseIds(v, &id.voter_ids)) return Corrupt("bad voters");
  if (!in.empty()) return Corrupt("unexpected lines");
  return id;
}

Status WriteIdentity(wal::Env* env, const std::string& dir, const ClusterIdentity& id) {
  std::string path = dir + "/" + kIdentityFileName;
  std::string tmp = path + ".tmp";
  {
    auto f = env->OpenWritable(tmp, 0, true);
    if (!f.ok()) return f.status();
    CAIRN_RETURN_IF_ERROR((*f)->Append(EncodeIdentity(id)));
    CAIRN_RETURN_IF_ERROR((*f)->Sync());
  }
  CAIRN_RETURN_IF_ERROR(env->RenameFile(tmp, path));
  return env->SyncDir(dir);
}

Result<ClusterIdentity> ReadIdentity(wal::Env* env, const std::string& dir) {
  std::string path = dir + "/" + kIdentityFileName;
  auto names = env->ListDir(dir);
  if (!names.ok()) return names.status();
  if (std::find(names->begin(), names->end(), kIdentityFileName) == names->end()) {
    return Status::NotFound(path);
  }
  auto text = env->ReadWholeFile(path);
  if (!text.ok()) return text.status();
  auto id = DecodeIdentity(*text);
  if (!id.ok()) return Status::Corruption(path + ": " + id.status().message());
  return id;
}

Result<DataDirClaim> ClaimDataDir(wal::Env* env, const std::string& dir, const ClusterConfig& cc) {
  auto rec = ReadIdentity(env, dir);
  bool has_data = HoldsData(env, dir);
  if (!rec.ok() && rec.status().code() != ErrorCode::kNotFound) return rec.status();
  if (!rec.ok()) {
    if (has_data) return Adopt(env, dir, cc);
    return Record(env, dir, FromConfig(cc), DataDirClaim::How::kBootstrapped);
  }
  if (!has_data && *rec != FromConfig(cc)) {
    auto claim = Record(env, dir, FromConfig(cc), DataDirClaim::How::kBootstrapped);
    if (claim.ok()) {
      claim->notices.push_back("data dir " + dir + " held no data yet: bootstrapped again as " +
                               Describe(cc.node_id, cc.cluster_id) + " (was " +
                               Describe(rec->node_id, rec->cluster_id) + ")");
    }
    return claim;
  }
  return CheckRecorded(dir, *rec, cc);
}

Result<ClusterConfig> StartCluster(const Config& config, wal::Env* env) {
  auto cc = MakeClusterConfig(config);
  if (!cc.ok()) return cc.status();
  if (config.dir != ":memory:") {
    auto claim = ClaimDataDir(env, config.dir, *cc);
    if (!claim.ok()) return claim.status();
    for (const std::string& line : claim->notices) std::fprintf(stderr, "%s\n", line.c_str());
    cc->cluster_id = claim->identity.cluster_id;
    cc->bootstrap_voters = claim->identity.voter_ids;
  }
  std::fprintf(stderr, "cluster: %s\n", cc->Describe().c_str());
  return cc;
}

}  // namespace cairn::server
