// WalWriteLog: the node's WriteLog on top of wal::Log (segmented files, group commit on a writer
// thread). Under appendfsync "always" a record counts as durable once fdatasynced; under
// "everysec" and "no" it counts once handed to the writer, as Redis acknowledges those writes
// before they reach the disk. The durable notification comes from the writer thread and is
// forwarded through a callback that must be thread-safe (the node uses uv_async_send).
#pragma once

#include <functional>
#include <memory>

#include "server/config.h"
#include "server/write_log.h"
#include "wal/log.h"

namespace cairn::server {

class WalWriteLog final : public WriteLog {
 public:
  static Result<std::unique_ptr<WalWriteLog>> Open(const std::string& dir, FsyncPolicy policy,
                                                   uint64_t segment_bytes,
                                                   std::function<void()> on_durable);

  Result<uint64_t> Append(std::span<const std::string_view> payloads) override;
  uint64_t durable_index() const override;
  uint64_t last_index() const override { return log_->last_index(); }
  Result<std::vector<std::pair<uint64_t, std::string>>> Read(uint64_t from, uint64_t to,
                                                             size_t max_bytes) override;
  Status CompactPrefix(uint64_t index) override { return log_->CompactPrefix(index); }
  Status Sync() override { return log_->Sync(); }
  Status status() const override { return log_->status(); }
  std::vector<std::pair<std::string, uint64_t>> Counters() const override;
  // appendfsync can change live; the file log keeps syncing as opened, the acknowledgement rule
  // follows the new value.
  void set_policy(FsyncPolicy p) { policy_ = p; }
  uint64_t first_index() const { return log_->first_index(); }

 private:
  WalWriteLog(std::unique_ptr<wal::Log> log, FsyncPolicy policy)
      : log_(std::move(log)), policy_(policy) {}
  std::unique_ptr<wal::Log> log_;
  FsyncPolicy policy_;
};

}  // namespace cairn::server
