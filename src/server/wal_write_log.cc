// WalWriteLog: adapts wal::Log to the node's WriteLog seam.
#include "server/wal_write_log.h"

#include <cstdio>

namespace cairn::server {
namespace {
// Single-node Cairn has one term; Raft will supply real terms through the same records.
constexpr uint64_t kSingleNodeTerm = 1;

wal::FsyncPolicy ToWal(FsyncPolicy p) {
  switch (p) {
    case FsyncPolicy::kAlways: return wal::FsyncPolicy::kAlways;
    case FsyncPolicy::kEverySec: return wal::FsyncPolicy::kEverySec;
    case FsyncPolicy::kNo: return wal::FsyncPolicy::kNo;
  }
  return wal::FsyncPolicy::kAlways;
}
}  // namespace

Result<std::unique_ptr<WalWriteLog>> WalWriteLog::Open(const std::string& dir, FsyncPolicy policy,
                                                       uint64_t segment_bytes,
                                                       std::function<void()> on_durable) {
  wal::Options o;
  o.dir = dir;
  o.fsync = ToWal(policy);
  o.segment_bytes = segment_bytes;
  o.inline_writes = true;
  // The node applies from its own proposals and replays from the segments: a tail cache would
  // only copy every payload (and free it later) on the loop thread. Raft's followers will want it.
  o.tail_cache_bytes = 0;
  // Segments written into spare files: an fdatasync of a write inside a file is cheaper than
  // one that grows it (wal/log.h), and under appendfsync always there is one per loop iteration.
  o.max_spares = 2;
  o.on_durable = [cb = std::move(on_durable)](uint64_t) { cb(); };
  o.on_failure = [](const Status& st) {
    std::fprintf(stderr, "write log failed, no more writes will be acknowledged: %s\n",
                 st.ToString().c_str());
  };
  o.logger = [](std::string_view msg) {
    std::fprintf(stderr, "write log recovery: %.*s\n", static_cast<int>(msg.size()), msg.data());
  };
  auto log = wal::Log::Open(std::move(o));
  if (!log.ok()) return log.status();
  return std::unique_ptr<WalWriteLog>(new WalWriteLog(std::move(*log), policy));
}

Result<uint64_t> WalWriteLog::Append(std::span<const std::string_view> payloads) {
  if (!log_->status().ok()) return log_->status();
  return log_->AppendPayloads(kSingleNodeTerm, payloads);
}

uint64_t WalWriteLog::durable_index() const {
  return policy_ == FsyncPolicy::kAlways ? log_->durable_index() : log_->last_index();
}

Result<std::vector<std::pair<uint64_t, std::string>>> WalWriteLog::Read(uint64_t from, uint64_t to,
                                                                        size_t max_bytes) {
  auto records = log_->Read(from, to, max_bytes);
  if (!records.ok()) return records.status();
  std::vector<std::pair<uint64_t, std::string>> out;
  out.reserve(records->size());
  for (auto& r : *records) out.emplace_back(r.index, std::move(r.payload));
  return out;
}

std::vector<std::pair<std::string, uint64_t>> WalWriteLog::Counters() const {
  wal::LogStats s = log_->stats();
  return {{"records_appended", s.records_appended}, {"batches_written", s.batches_written},
          {"bytes_written", s.bytes_written},       {"fsyncs", s.fsyncs},
          {"first_index", log_->first_index()}};
}

}  // namespace cairn::server
