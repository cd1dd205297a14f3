// WriteLog: the seam between the node and the log every write passes through. The node appends
// the encoded Effects of one loop iteration as a batch and applies them once they are durable
// (on_durable may fire on any thread; the node hops back to the loop). MemoryWriteLog is the
// log of a node without durability (tests); WalWriteLog (wal_write_log.h) is the file log.
// This is where the Raft log slots in: append, durable-up-to, read range, compact.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace cairn::server {

class WriteLog {
 public:
  virtual ~WriteLog() = default;
  // Appends payloads as the next records and returns the index of the last. Never blocks on I/O.
  // The payloads are only read during the call: the node keeps its own to apply.
  virtual Result<uint64_t> Append(std::span<const std::string_view> payloads) = 0;
  // Every record up to this index is durable under the configured fsync policy.
  virtual uint64_t durable_index() const = 0;
  virtual uint64_t last_index() const = 0;
  // Reads records with index in [from, to] (inclusive), in order, for replay.
  virtual Result<std::vector<std::pair<uint64_t, std::string>>> Read(uint64_t from, uint64_t to,
                                                                     size_t max_bytes) = 0;
  // The keyspace holds everything up to `index`: the log may drop it.
  virtual Status CompactPrefix(uint64_t index) = 0;
  // Blocks until everything appended is on disk (SAVE, shutdown).
  virtual Status Sync() = 0;
  // Health for INFO persistence (aof_last_write_status).
  virtual Status status() const = 0;
  // Counters for INFO: fsyncs done, records appended, batches written.
  virtual std::vector<std::pair<std::string, uint64_t>> Counters() const = 0;
};

// Instantly "durable" in-memory log: records are numbered and dropped.
class MemoryWriteLog final : public WriteLog {
 public:
  Result<uint64_t> Append(std::span<const std::string_view> payloads) override {
    last_ += payloads.size();
    return last_;
  }
  uint64_t durable_index() const override { return last_; }
  uint64_t last_index() const override { return last_; }
  Result<std::vector<std::pair<uint64_t, std::string>>> Read(uint64_t, uint64_t, size_t) override {
    return std::vector<std::pair<uint64_t, std::string>>{};
  }
  Status CompactPrefix(uint64_t) override { return Status::Ok(); }
  Status Sync() override { return Status::Ok(); }
  Status status() const override { return Status::Ok(); }
  std::vector<std::pair<std::string, uint64_t>> Counters() const override { return {}; }

 private:
  uint64_t last_ = 0;
};

}  // namespace cairn::server
