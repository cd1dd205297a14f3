// One simulated server: its "disk" (MemoryStorage, which survives crashes), its Raft core (lost
// on a crash, with whatever it had not yet handed out in a Ready) and its state machine. The
// state machine is an append-only history summarised by (applied index, rolling hash), which is
// all the checker needs to compare states and snapshots.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "common/coding.h"
#include "raft/core.h"
#include "raft/memory_storage.h"

namespace cairn::sim {

// Folds one applied entry into a state hash; the checker computes the same over its history.
inline uint64_t MixEntry(uint64_t hash, const raft::Entry& e) {
  uint64_t h = hash ^ (StableHash64(e.data) + 0x9e3779b97f4a7c15ull + (hash << 6) + (hash >> 2));
  h ^= e.term * 0xff51afd7ed558ccdull;
  h ^= static_cast<uint64_t>(e.type) << 61;
  return h * 0xc4ceb9fe1a85ec53ull + e.index;
}

struct StateImage {
  uint64_t applied_index = 0;
  uint64_t hash = 0;
};

inline std::string EncodeImage(const StateImage& s) {
  std::string out;
  PutFixed64(&out, s.applied_index);
  PutFixed64(&out, s.hash);
  return out;
}

inline bool DecodeImage(std::string_view in, StateImage* s) {
  return GetFixed64(&in, &s->applied_index) && GetFixed64(&in, &s->hash) && in.empty();
}

struct SimNode {
  explicit SimNode(raft::NodeId node_id) : id(node_id) {}

  bool up() const { return core != nullptr; }

  raft::NodeId id;
  raft::MemoryStorage disk;
  std::unique_ptr<raft::Core> core;  // null while crashed
  uint64_t incarnation = 0;          // bumped by every crash and restart
  uint64_t restart_at_tick = 0;      // a scheduled restart after a short crash (0: none)
  StateImage state;                  // volatile: rebuilt from the disk's snapshot on restart
  // Leader-completeness bookkeeping: history checked against this node's log as leader of term.
  uint64_t checked_term = 0;
  uint64_t checked_upto = 0;
};

}  // namespace cairn::sim
