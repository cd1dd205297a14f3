// Replicator: the Ready loop (persist, send, apply) and the bookkeeping of this node's proposals.
#include "replication/replicator.h"

namespace cairn::replication {

Replicator::Replicator(const raft::Config& config, DurableLog* log, Transport* transport, Rng rng,
                       ReplicatorCallbacks callbacks)
    : config_(config),
      log_(log),
      transport_(transport),
      rng_(std::move(rng)),
      callbacks_(std::move(callbacks)) {}

Status Replicator::Start() {
  auto core = raft::Core::Create(config_, log_, std::move(rng_));
  if (!core.ok()) return core.status();
  core_ = std::move(*core);
  applied_ = config_.applied;
  return Status::Ok();
}

Result<uint64_t> Replicator::Propose(std::string data, uint64_t cookie) {
  std::vector<std::string> one;
  one.push_back(std::move(data));
  return ProposeBatch(std::move(one), std::span<const uint64_t>(&cookie, 1));
}

Result<uint64_t> Replicator::ProposeBatch(std::vector<std::string> data,
                                          std::span<const uint64_t> cookies) {
  CAIRN_ASSERT(data.size() == cookies.size());
  if (!is_leader()) return Status::Unavailable("not the leader");
  auto first = core_->ProposeBatch(std::move(data));
  if (!first.ok()) return first.status();
  for (size_t i = 0; i < cookies.size(); ++i) {
    pending_.push_back(Pending{*first + i, core_->term(), cookies[i]});
  }
  return *first;
}

void Replicator::Tick() { core_->Tick(); }

uint64_t Replicator::match_index(raft::NodeId id) const {
  if (!is_leader()) return 0;
  const raft::Progress* pr = core_->GetProgress(id);
  return pr != nullptr ? pr->match : 0;
}

uint64_t Replicator::min_voter_match() const {
  if (!is_leader()) return 0;
  uint64_t low = UINT64_MAX;
  for (raft::NodeId id : core_->conf().voters) low = std::min(low, match_index(id));
  return low == UINT64_MAX ? 0 : low;
}

Status Replicator::Step(const raft::Message& m) { return core_->Step(m); }

Status Replicator::Process(size_t max_rounds) {
  for (size_t round = 0; round < max_rounds && core_->HasReady(); ++round) {
    raft::Ready rd = core_->GetReady();
    if (!rd.snapshot.empty()) {
      return Status::Internal("replication: installing a snapshot is not built yet");
    }
    if (!rd.entries.empty()) CAIRN_RETURN_IF_ERROR(log_->Append(rd.entries));
    if (rd.hard_state) CAIRN_RETURN_IF_ERROR(log_->SetHardState(*rd.hard_state));
    for (const raft::Message& m : rd.messages) transport_->Send(m);
    CAIRN_RETURN_IF_ERROR(ApplyCommitted(rd.committed_entries));
    if (callbacks_.read_index) {
      for (const raft::ReadState& rs : rd.read_states) callbacks_.read_index(rs);
    }
    core_->Advance(rd);
  }
  NoteLeadership();
  return Status::Ok();
}

Status Replicator::ApplyCommitted(std::span<const raft::Entry> entries) {
  for (const raft::Entry& e : entries) {
    const uint64_t cookie = MatchProposal(e);
    if (e.type == raft::EntryType::kNormal && !e.data.empty()) {
      CAIRN_RETURN_IF_ERROR(callbacks_.apply(e, cookie));
    }
    applied_ = e.index;
  }
  return Status::Ok();
}

// The cookie of this node's proposal at e's index when e is that proposal; proposals at or below
// e's index with another term lost.
uint64_t Replicator::MatchProposal(const raft::Entry& e) {
  while (!pending_.empty() && pending_.front().index <= e.index) {
    const Pending p = pending_.front();
    pending_.pop_front();
    if (p.index == e.index && p.term == e.term) return p.cookie;
    if (callbacks_.lost) callbacks_.lost(p.cookie);
  }
  return 0;
}

void Replicator::NoteLeadership() {
  const bool leader = is_leader();
  if (was_leader_ && !leader && !pending_.empty()) {
    std::vector<uint64_t> cookies;
    cookies.reserve(pending_.size());
    for (const Pending& p : pending_) cookies.push_back(p.cookie);
    pending_.clear();
    if (callbacks_.unknown) callbacks_.unknown(cookies);
  }
  was_leader_ = leader;
}

}  // namespace cairn::replication
