// DurableLog: what the Replicator needs of a Raft log, the core's read side (raft::Storage) and
// the two writes a Ready asks for, each durable per the log's policy when it returns; plus what
// the node asks of it (compaction below a checkpoint, a full sync). LogStore is the one on disk,
// MemoryLog the one in memory.
#pragma once

#include <span>

#include "common/status.h"
#include "raft/storage.h"
#include "raft/types.h"

namespace cairn::replication {

class DurableLog : public raft::Storage {
 public:
  // Appends entries, replacing any suffix from entries.front().index on.
  virtual Status Append(std::span<const raft::Entry> entries) = 0;
  virtual Status SetHardState(const raft::HardState& hs) = 0;
  // The state machine's checkpoint covers everything up to `index`: the log may drop it.
  virtual Status Compact(uint64_t index, const raft::ConfState& conf) = 0;
  // Makes everything appended durable whatever the policy (SAVE, shutdown).
  virtual Status Sync() = 0;
};

}  // namespace cairn::replication
