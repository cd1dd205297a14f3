// Follower progress and quorum arithmetic: see progress.h.
#include "raft/progress.h"

#include <algorithm>

namespace cairn::raft {

void Inflights::FreeLE(uint64_t index) {
  while (!window_.empty() && window_.front() <= index) window_.pop_front();
}

void Progress::BecomeProbe() {
  // After a snapshot, the follower has at least the snapshot: probe right after it.
  if (state == ProgressState::kSnapshot) {
    next = std::max(match + 1, pending_snapshot + 1);
  } else {
    next = match + 1;
  }
  state = ProgressState::kProbe;
  probe_sent = false;
  pending_snapshot = 0;
  snapshot_wait_heartbeats = 0;
  inflights.Reset();
}

void Progress::BecomeReplicate() {
  state = ProgressState::kReplicate;
  next = match + 1;
  probe_sent = false;
  pending_snapshot = 0;
  inflights.Reset();
}

void Progress::BecomeSnapshot(uint64_t snapshot_index) {
  state = ProgressState::kSnapshot;
  pending_snapshot = snapshot_index;
  snapshot_wait_heartbeats = 0;
  probe_sent = false;
  inflights.Reset();
}

bool Progress::MaybeUpdate(uint64_t n) {
  bool updated = false;
  if (match < n) {
    match = n;
    updated = true;
    probe_sent = false;
  }
  next = std::max(next, n + 1);
  return updated;
}

bool Progress::MaybeDecrTo(uint64_t rejected, uint64_t probe_hint) {
  if (state == ProgressState::kReplicate) {
    // Stale if the rejection is for an index already matched.
    if (rejected <= match) return false;
    next = match + 1;
    return true;
  }
  // In probe, only the answer to the latest probe (for next - 1) counts.
  if (next == 0 || next - 1 != rejected) return false;
  next = std::max(std::min(rejected, probe_hint + 1), match + 1);
  probe_sent = false;
  return true;
}

void Progress::SentEntries(uint64_t last_index) {
  if (state == ProgressState::kReplicate) {
    if (last_index >= next) {
      next = last_index + 1;
      inflights.Add(last_index);
    }
  } else if (state == ProgressState::kProbe) {
    probe_sent = true;
  }
}

bool Progress::IsPaused() const {
  switch (state) {
    case ProgressState::kProbe:
      return probe_sent;
    case ProgressState::kReplicate:
      return inflights.Full();
    case ProgressState::kSnapshot:
      return true;
  }
  return true;
}

void ProgressTracker::SetConf(const ConfState& conf, uint64_t next_index) {
  conf_ = conf;
  std::map<NodeId, Progress> kept;
  auto keep = [&](NodeId id) {
    auto it = progress_.find(id);
    if (it != progress_.end()) {
      kept.emplace(id, std::move(it->second));
    } else {
      Progress p(max_inflight_);
      p.next = next_index;
      // A new member counts as active, so adding it does not make check-quorum step down.
      p.recent_active = true;
      kept.emplace(id, std::move(p));
    }
  };
  for (NodeId id : conf.voters) keep(id);
  for (NodeId id : conf.learners) keep(id);
  progress_ = std::move(kept);
}

Progress* ProgressTracker::Get(NodeId id) {
  auto it = progress_.find(id);
  return it == progress_.end() ? nullptr : &it->second;
}

void ProgressTracker::ResetAll(uint64_t next_index) {
  for (auto& [id, p] : progress_) {
    Progress fresh(max_inflight_);
    fresh.next = next_index;
    fresh.recent_active = p.recent_active;
    p = std::move(fresh);
  }
}

uint64_t ProgressTracker::QuorumOf(std::vector<uint64_t> values) const {
  if (values.empty()) return 0;
  // Sorted descending, the value at position size/2 is held by a majority (size/2 + 1 voters).
  std::sort(values.begin(), values.end(), std::greater<>());
  return values[values.size() / 2];
}

uint64_t ProgressTracker::QuorumMatch() const {
  std::vector<uint64_t> matches;
  for (NodeId id : conf_.voters) {
    auto it = progress_.find(id);
    matches.push_back(it == progress_.end() ? 0 : it->second.match);
  }
  return QuorumOf(std::move(matches));
}

uint64_t ProgressTracker::QuorumReadAck() const {
  std::vector<uint64_t> acks;
  for (NodeId id : conf_.voters) {
    auto it = progress_.find(id);
    acks.push_back(it == progress_.end() ? 0 : it->second.read_ack);
  }
  return QuorumOf(std::move(acks));
}

bool ProgressTracker::QuorumActive() const {
  size_t active = 0;
  for (NodeId id : conf_.voters) {
    auto it = progress_.find(id);
    if (it != progress_.end() && it->second.recent_active) ++active;
  }
  return active > conf_.voters.size() / 2;
}

void ProgressTracker::ResetRecentActive(NodeId self) {
  for (auto& [id, p] : progress_) p.recent_active = (id == self);
}

void ProgressTracker::RecordVote(NodeId id, bool granted) { votes_.emplace(id, granted); }

ProgressTracker::VoteResult ProgressTracker::TallyVotes() const {
  size_t granted = 0, rejected = 0;
  for (NodeId id : conf_.voters) {
    auto it = votes_.find(id);
    if (it == votes_.end()) continue;
    (it->second ? granted : rejected)++;
  }
  const size_t quorum = conf_.voters.size() / 2 + 1;
  if (granted >= quorum) return VoteResult::kWon;
  if (rejected > conf_.voters.size() - quorum) return VoteResult::kLost;
  return VoteResult::kPending;
}

}  // namespace cairn::raft
