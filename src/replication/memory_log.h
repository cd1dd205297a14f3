// MemoryLog: a DurableLog kept in memory (raft::MemoryStorage), for a node without durability
// (dir ":memory:") and for tests. Everything appended is "durable" at once; a restart forgets it.
#pragma once

#include <vector>

#include "raft/memory_storage.h"
#include "replication/durable_log.h"

namespace cairn::replication {

class MemoryLog final : public DurableLog {
 public:
  Status Bootstrap(const std::vector<raft::NodeId>& voters) { return storage_.Bootstrap(voters); }

  Result<raft::InitialState> GetInitialState() const override { return storage_.GetInitialState(); }
  Result<std::vector<raft::Entry>> Entries(uint64_t lo, uint64_t hi, uint64_t max_bytes) const override {
    return storage_.Entries(lo, hi, max_bytes);
  }
  Result<uint64_t> Term(uint64_t index) const override { return storage_.Term(index); }
  uint64_t FirstIndex() const override { return storage_.FirstIndex(); }
  uint64_t LastIndex() const override { return storage_.LastIndex(); }
  Result<raft::Snapshot> GetSnapshot() const override { return storage_.GetSnapshot(); }

  Status Append(std::span<const raft::Entry> entries) override {
    return storage_.Append(entries);
  }
  Status SetHardState(const raft::HardState& hs) override {
    storage_.SetHardState(hs);
    return Status::Ok();
  }
  // Drops what a checkpoint covers, as LogStore::Compact does on disk.
  Status Compact(uint64_t index, const raft::ConfState& conf) override {
    if (index < storage_.FirstIndex()) return Status::Ok();
    CAIRN_RETURN_IF_ERROR(storage_.CreateSnapshot(index, conf, {}));
    return storage_.Compact(index + 1);
  }

  Status Sync() override { return Status::Ok(); }

 private:
  raft::MemoryStorage storage_;
};

}  // namespace cairn::replication
