// Encoding and atomic replacement of the log store's small state files (see state_file.h).
#include "replication/state_file.h"

#include "common/coding.h"

namespace cairn::replication {
namespace {

constexpr char kHardStateMagic[4] = {'C', 'R', 'H', 'S'};
constexpr char kSnapshotMagic[4] = {'C', 'R', 'S', 'P'};

std::string Seal(const char (&magic)[4], std::string body) {
  std::string out(magic, 4);
  out.push_back(static_cast<char>(kStateFileVersion));
  out += body;
  PutFixed32(&out, Crc32c(out));
  return out;
}

// Checks magic, version and checksum; returns the body.
Result<std::string_view> Unseal(const char (&magic)[4], std::string_view file, const char* what) {
  if (file.size() < 9 || file.substr(0, 4) != std::string_view(magic, 4)) {
    return Status::Corruption(std::string(what) + " file: bad magic or too short");
  }
  if (static_cast<uint8_t>(file[4]) != kStateFileVersion) {
    return Status::Corruption(std::string(what) + " file: unknown version " +
                              std::to_string(static_cast<uint8_t>(file[4])));
  }
  const size_t body_end = file.size() - 4;
  if (DecodeFixed32(file.data() + body_end) != Crc32c(file.substr(0, body_end))) {
    return Status::Corruption(std::string(what) + " file: checksum mismatch");
  }
  return file.substr(5, body_end - 5);
}

void PutIds(std::string* out, const std::vector<raft::NodeId>& ids) {
  PutVarint64(out, ids.size());
  for (raft::NodeId id : ids) PutVarint64(out, id);
}

bool GetIds(std::string_view* in, std::vector<raft::NodeId>* ids) {
  uint64_t n = 0;
  if (!GetVarint64(in, &n) || n > in->size()) return false;  // each id takes at least a byte
  ids->resize(n);
  for (auto& id : *ids) {
    if (!GetVarint64(in, &id)) return false;
  }
  return true;
}

}  // namespace

std::string EncodeHardState(const raft::HardState& hs) {
  std::string body;
  PutFixed64(&body, hs.term);
  PutFixed64(&body, hs.vote);
  PutFixed64(&body, hs.commit);
  return Seal(kHardStateMagic, std::move(body));
}

Result<raft::HardState> DecodeHardState(std::string_view file) {
  auto body = Unseal(kHardStateMagic, file, "hard state");
  if (!body.ok()) return body.status();
  std::string_view in = *body;
  raft::HardState hs;
  if (!GetFixed64(&in, &hs.term) || !GetFixed64(&in, &hs.vote) || !GetFixed64(&in, &hs.commit) ||
      !in.empty()) {
    return Status::Corruption("hard state file: malformed body");
  }
  return hs;
}

std::string EncodeSnapshotPoint(const raft::SnapshotMeta& meta) {
  std::string body;
  PutFixed64(&body, meta.index);
  PutFixed64(&body, meta.term);
  PutIds(&body, meta.conf.voters);
  PutIds(&body, meta.conf.learners);
  return Seal(kSnapshotMagic, std::move(body));
}

Result<raft::SnapshotMeta> DecodeSnapshotPoint(std::string_view file) {
  auto body = Unseal(kSnapshotMagic, file, "snapshot point");
  if (!body.ok()) return body.status();
  std::string_view in = *body;
  raft::SnapshotMeta meta;
  if (!GetFixed64(&in, &meta.index) || !GetFixed64(&in, &meta.term) ||
      !GetIds(&in, &meta.conf.voters) || !GetIds(&in, &meta.conf.learners) || !in.empty()) {
    return Status::Corruption("snapshot point file: malformed body");
  }
  return meta;
}

Status WriteStateFile(wal::Env* env, const std::string& dir, const std::string& name,
                      std::string_view contents) {
  const std::string tmp = dir + "/" + name + ".tmp";
  {
    auto file = env->OpenWritable(tmp, 0, /*truncate=*/true);
    if (!file.ok()) return file.status();
    CAIRN_RETURN_IF_ERROR((*file)->Append(contents));
    CAIRN_RETURN_IF_ERROR((*file)->Sync());
  }
  CAIRN_RETURN_IF_ERROR(env->RenameFile(tmp, dir + "/" + name));
  return env->SyncDir(dir);
}

Result<std::string> ReadStateFile(wal::Env* env, const std::string& dir, const std::string& name) {
  auto names = env->ListDir(dir);
  if (!names.ok()) return names.status();
  bool found = false;
  for (const auto& n : *names) found = found || n == name;
  if (!found) return Status::NotFound(dir + "/" + name + " does not exist");
  return env->ReadWholeFile(dir + "/" + name);
}

}  // namespace cairn::replication
