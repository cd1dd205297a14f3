// Small checksummed state files the Raft log store keeps beside its log: the hard state (term,
// vote, commit) and the snapshot point (index, term, membership). Each is replaced atomically
// (write a temporary, fdatasync, rename over, fsync the directory), so a crash leaves either the
// old or the new contents, never a mix. Pure encode/decode plus one write and one read through
// the wal::Env seam; no state, any thread.
//
// Format (little-endian), one record per file:
//   magic:4 ("CRHS" hard state, "CRSP" snapshot point)  version:u8=1  body  crc32c(all before):fixed32
//   hard state body     term:fixed64 vote:fixed64 commit:fixed64
//   snapshot point body index:fixed64 term:fixed64 n_voters:varint voter:varint* n_learners:varint
//                       learner:varint*
// A new layout gets a new version byte; versions are never reused.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"
#include "raft/types.h"
#include "wal/env.h"

namespace cairn::replication {

inline constexpr uint8_t kStateFileVersion = 1;

std::string EncodeHardState(const raft::HardState& hs);
Result<raft::HardState> DecodeHardState(std::string_view file);
std::string EncodeSnapshotPoint(const raft::SnapshotMeta& meta);
Result<raft::SnapshotMeta> DecodeSnapshotPoint(std::string_view file);

// Replaces dir/name with `contents` durably (see above).
Status WriteStateFile(wal::Env* env, const std::string& dir, const std::string& name,
                      std::string_view contents);
// The contents of dir/name, or NotFound when it does not exist.
Result<std::string> ReadStateFile(wal::Env* env, const std::string& dir, const std::string& name);

}  // namespace cairn::replication
