// The simulator's safety checks, fed by the simulation as events happen (persist, apply, read,
// leadership) so each check costs O(new work), not O(history), per step:
//  - election safety: at most one leader per term (paper §5.2);
//  - log matching: an (index, term) pair names one entry with one predecessor term (§5.3);
//  - leader completeness: entries applied before a term began are in that term's leader's log
//    (§5.4); and, more sharply, every node whose persisted log could win a vote from a majority
//    already holds every applied entry (the lemma behind §5.4.3), so an entry "committed" without
//    being safe fails at once rather than only when a rare schedule overwrites it;
//  - state machine safety: every node applies a prefix of one history (§5.4.3);
//  - acknowledged proposals stay in that history, and no proposal is applied twice;
//  - linearizable reads: a ReadIndex read reflects every write acknowledged and every read
//    completed before it started (thesis §6.4).
// The first violation is kept; the simulation stops there.
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "raft/core.h"
#include "raft/storage.h"

namespace cairn::sim {

class Checker {
 public:
  Checker();

  void OnLeader(raft::NodeId id, uint64_t term);
  void OnPersist(raft::NodeId id, std::span<const raft::Entry> entries,
                 const raft::Storage& disk);
  // `node_term` bounds from above the term in which the entry was committed.
  void OnApply(raft::NodeId id, const raft::Entry& e, uint64_t node_term);
  void OnSnapshotInstalled(raft::NodeId id, uint64_t index, uint64_t hash);
  void CheckLeaderLog(raft::NodeId id, const raft::Core& core, uint64_t* checked_term,
                      uint64_t* checked_upto);
  // `disks` are the persisted logs of all voters of a fixed membership.
  void CheckElectable(const std::vector<const raft::Storage*>& disks);
  // A read that must observe state at least `required_index` returned state at `result_index`.
  void OnRead(raft::NodeId id, const std::string& context, uint64_t required_index,
              uint64_t result_index);

  void Fail(std::string what);
  bool failed() const { return !violation_.empty(); }
  const std::string& violation() const { return violation_; }
  uint64_t history_length() const { return history_.size() - 1; }
  const raft::Entry& HistoryAt(uint64_t index) const { return history_[index].entry; }
  uint64_t leaders_elected() const { return leaders_.size(); }

 private:
  struct Applied {
    raft::Entry entry;
    uint64_t recorded_term = 0;  // term of the first node seen applying it
    uint64_t hash = 0;           // state hash after applying it
  };
  struct LogPoint {
    uint64_t entry_hash;
    uint64_t prev_term;
  };

  std::string violation_;
  std::map<uint64_t, raft::NodeId> leaders_;                      // term -> leader
  std::map<std::pair<uint64_t, uint64_t>, LogPoint> log_points_;  // (index, term)
  std::vector<Applied> history_;                                  // [0] is a sentinel
  std::unordered_map<std::string, uint64_t> applied_data_;        // proposal -> index
};

}  // namespace cairn::sim
