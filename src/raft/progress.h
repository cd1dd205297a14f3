// What a leader knows about each follower's log (match, next, flow-control state, in-flight
// window) and the quorum arithmetic over the voters. Owned by one Core; not thread-safe.
// Quorum queries cost O(voters log voters).
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <vector>

#include "raft/types.h"

namespace cairn::raft {

// A bounded window of append messages in flight to one follower (each remembered by its last
// index), so a leader pipelines without flooding a slow follower.
class Inflights {
 public:
  explicit Inflights(size_t capacity) : capacity_(capacity) {}
  void Add(uint64_t last_index) { window_.push_back(last_index); }
  // The follower acknowledged up to `index`: everything at or below it has arrived.
  void FreeLE(uint64_t index);
  void FreeFirstOne() {
    if (!window_.empty()) window_.pop_front();
  }
  bool Full() const { return window_.size() >= capacity_; }
  size_t Count() const { return window_.size(); }
  void Reset() { window_.clear(); }

 private:
  size_t capacity_;
  std::deque<uint64_t> window_;
};

enum class ProgressState : uint8_t {
  kProbe,      // one append per heartbeat until the follower's position is known
  kReplicate,  // position known: pipeline appends up to the in-flight window
  kSnapshot,   // a snapshot is on its way; pause appends
};

struct Progress {
  explicit Progress(size_t max_inflight) : inflights(max_inflight) {}

  uint64_t match = 0;
  uint64_t next = 1;
  ProgressState state = ProgressState::kProbe;
  bool probe_sent = false;           // in kProbe, an append is outstanding
  uint64_t pending_snapshot = 0;     // in kSnapshot, the index being sent
  int snapshot_wait_heartbeats = 0;  // in kSnapshot, heartbeat replies seen while waiting
  bool recent_active = false;        // heard from since the last check-quorum round
  uint64_t read_ack = 0;             // highest read-index sequence this peer confirmed
  Inflights inflights;

  void BecomeProbe();
  void BecomeReplicate();
  void BecomeSnapshot(uint64_t snapshot_index);
  // An accepted append up to n: true if it moved the match.
  bool MaybeUpdate(uint64_t n);
  // A rejected append for `rejected`: moves next back (at most to `probe_hint` + 1). False when
  // the rejection is stale.
  bool MaybeDecrTo(uint64_t rejected, uint64_t probe_hint);
  // Sent entries up to last_index (replicate: optimistic next; probe: wait for the answer).
  void SentEntries(uint64_t last_index);
  bool IsPaused() const;
};

// The progress of every member and the current membership, as the leader sees them.
class ProgressTracker {
 public:
  explicit ProgressTracker(size_t max_inflight) : max_inflight_(max_inflight) {}

  // Installs a membership: keeps progress for members that stay, adds fresh progress (next =
  // next_index) for new members, drops removed ones.
  void SetConf(const ConfState& conf, uint64_t next_index);
  const ConfState& conf() const { return conf_; }
  bool IsVoter(NodeId id) const { return raft::IsVoter(conf_, id); }
  Progress* Get(NodeId id);
  std::map<NodeId, Progress>& all() { return progress_; }
  void ResetAll(uint64_t next_index);

  // The highest index a quorum of voters has matched (paper §5.3).
  uint64_t QuorumMatch() const;
  // The highest read sequence a quorum of voters has confirmed.
  uint64_t QuorumReadAck() const;
  bool QuorumActive() const;
  void ResetRecentActive(NodeId self);

  // Elections: record a vote and tally.
  enum class VoteResult { kPending, kWon, kLost };
  void RecordVote(NodeId id, bool granted);
  void ResetVotes() { votes_.clear(); }
  VoteResult TallyVotes() const;

 private:
  uint64_t QuorumOf(std::vector<uint64_t> values) const;

  size_t max_inflight_;
  ConfState conf_;
  std::map<NodeId, Progress> progress_;  // voters and learners
  std::map<NodeId, bool> votes_;
};

}  // namespace cairn::raft
