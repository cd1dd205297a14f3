// The Raft core: see core.h. Section numbers refer to the extended Raft paper (Ongaro and
// Ousterhout, 2014) unless marked "thesis" (Ongaro, 2014).
#include "raft/core.h"

#include <algorithm>

#include "common/coding.h"
#include "raft/codec.h"

namespace cairn::raft {

namespace {

bool IsFromLeader(MessageType t) {
  return t == MessageType::kAppend || t == MessageType::kHeartbeat || t == MessageType::kSnapshot;
}

std::string EncodeReadSeq(uint64_t seq) {
  std::string out;
  PutVarint64(&out, seq);
  return out;
}

uint64_t DecodeReadSeq(std::string_view in) {
  uint64_t seq = 0;
  return GetVarint64(&in, &seq) ? seq : 0;
}

}  // namespace

const char* RoleName(Role role) {
  switch (role) {
    case Role::kFollower:
      return "follower";
    case Role::kPreCandidate:
      return "pre-candidate";
    case Role::kCandidate:
      return "candidate";
    case Role::kLeader:
      return "leader";
  }
  return "?";
}

Core::Core(PassKey, const Config& config, const Storage* storage, Rng rng)
    : config_(config),
      rng_(rng),
#ifdef CAIRN_RAFT_PLANTS
      log_(storage, config.max_apply_bytes, config.plant),
#else
      log_(storage, config.max_apply_bytes, Plant::kNone),
#endif
      tracker_(config.max_inflight_msgs) {
}

Result<std::unique_ptr<Core>> Core::Create(const Config& config, const Storage* storage, Rng rng) {
  if (config.id == kNoNode) return Status::InvalidArgument("node id 0 is reserved");
  if (config.election_ticks <= config.heartbeat_ticks || config.heartbeat_ticks <= 0) {
    return Status::InvalidArgument("election_ticks must exceed heartbeat_ticks > 0");
  }
  Result<InitialState> init = storage->GetInitialState();
  if (!init.ok()) return init.status();
  auto core = std::make_unique<Core>(PassKey(), config, storage, rng);
  const HardState& hs = init->hard_state;
  if (hs.commit > core->log_.LastIndex()) {
    return Status::Corruption("hard state commit is past the last index");
  }
  core->log_.CommitTo(hs.commit);
  if (config.applied > core->log_.committed()) {
    return Status::InvalidArgument("applied index is past the commit index");
  }
  core->log_.AppliedTo(config.applied);
  core->term_ = hs.term;
  core->vote_ = hs.vote;
  core->prev_hard_state_ = core->CurrentHardState();
  core->base_conf_ = init->conf;
  Result<std::vector<Entry>> whole =
      core->log_.Slice(core->log_.FirstIndex(), core->log_.LastIndex() + 1, UINT64_MAX);
  if (!whole.ok()) return whole.status();
  core->OnEntriesWritten(core->log_.FirstIndex(), *whole);
  core->InstallConf();  // the base configuration, even with no conf change in the log
  core->BecomeFollower(core->term_, kNoNode);
  return core;
}

// ---------------------------------------------------------------------------------------------
// Roles.

void Core::Reset(uint64_t term) {
  if (term_ != term) {
    term_ = term;
    vote_ = kNoNode;
  }
  lead_ = kNoNode;
  election_elapsed_ = 0;
  heartbeat_elapsed_ = 0;
  ResetRandomizedTimeout();
  lead_transferee_ = kNoNode;
  tracker_.ResetVotes();
  pending_reads_.clear();
  early_reads_.clear();
}

void Core::ResetRandomizedTimeout() {
  randomized_election_timeout_ =
      config_.election_ticks + static_cast<int>(rng_.Uniform(config_.election_ticks));
}

void Core::BecomeFollower(uint64_t term, NodeId lead) {
  Reset(term);
  role_ = Role::kFollower;
  lead_ = lead;
}

void Core::BecomePreCandidate() {
  // Pre-vote (thesis §9.6) changes neither term nor vote: a partitioned node that keeps failing
  // pre-votes cannot inflate its term and disrupt the cluster when it returns.
  role_ = Role::kPreCandidate;
  lead_ = kNoNode;
  tracker_.ResetVotes();
  ResetRandomizedTimeout();
}

void Core::BecomeCandidate() {
  Reset(term_ + 1);
  vote_ = config_.id;
  role_ = Role::kCandidate;
}

void Core::BecomeLeader() {
  Reset(term_);
  role_ = Role::kLeader;
  lead_ = config_.id;
  tracker_.ResetAll(log_.LastIndex() + 1);
  tracker_.ResetRecentActive(config_.id);
  if (Progress* self = tracker_.Get(config_.id)) {
    self->MaybeUpdate(log_.LastIndex());
    self->BecomeReplicate();
  }
  read_seq_ = 0;
  // The no-op entry of §8: committing it commits every earlier entry, lets ReadIndex start, and
  // must commit before any conf change (the single-server change fix, thesis errata).
  pending_conf_index_ = AppendEntries({Entry{}});
}

void Core::StartElection(bool pre_vote, bool transfer) {
  MessageType type;
  uint64_t vote_term;
  if (pre_vote) {
    BecomePreCandidate();
    type = MessageType::kPreVote;
    vote_term = term_ + 1;
  } else {
    BecomeCandidate();
    type = MessageType::kVote;
    vote_term = term_;
  }
  tracker_.RecordVote(config_.id, true);
  if (tracker_.TallyVotes() == ProgressTracker::VoteResult::kWon) {
    // A single voter wins at once.
    if (pre_vote) {
      StartElection(false, transfer);
    } else {
      BecomeLeader();
      BcastAppend();
    }
    return;
  }
  for (NodeId id : tracker_.conf().voters) {
    if (id == config_.id) continue;
    Message m;
    m.type = type;
    m.to = id;
    m.term = vote_term;
    m.index = log_.LastIndex();
    m.log_term = log_.LastTerm();
    if (transfer) m.context = kTransferContext;
    Send(std::move(m));
  }
}

void Core::Campaign() {
  if (role_ == Role::kLeader || !Promotable()) return;
  StartElection(config_.pre_vote, false);
}

// ---------------------------------------------------------------------------------------------
// Inputs.

Status Core::Step(const Message& m) {
  if (m.to != config_.id) return Status::InvalidArgument("message for another node");
  if (m.from == kNoNode || m.from == config_.id) return Status::InvalidArgument("bad sender");
  if (m.term > term_) {
    if (m.type == MessageType::kVote || m.type == MessageType::kPreVote) {
      // Check-quorum lease (thesis §4.2.3): while we heard from a leader within the minimum
      // election timeout, ignore candidates, unless a leadership transfer sent them.
      const bool forced = m.context == kTransferContext;
      const bool in_lease =
          config_.check_quorum && lead_ != kNoNode && election_elapsed_ < config_.election_ticks;
      if (!forced && in_lease) return Status::Ok();
    }
    if (m.type == MessageType::kPreVote) {
      // A pre-vote never changes our term.
    } else if (m.type == MessageType::kPreVoteResp && !m.reject) {
      // A granted pre-vote carries the term we will campaign in, not the voter's term.
    } else {
      BecomeFollower(m.term, IsFromLeader(m.type) ? m.from : kNoNode);
    }
  } else if (m.term < term_) {
    if ((config_.check_quorum || config_.pre_vote) &&
        (m.type == MessageType::kAppend || m.type == MessageType::kHeartbeat)) {
      // A stale leader that cannot reach anyone with its term would otherwise never learn the new
      // one (pre-vote keeps terms from rising): tell it.
      Message resp;
      resp.type = MessageType::kAppendResp;
      resp.to = m.from;
      Send(std::move(resp));
    } else if (m.type == MessageType::kPreVote) {
      Message resp;
      resp.type = MessageType::kPreVoteResp;
      resp.to = m.from;
      resp.reject = true;
      Send(std::move(resp));
    }
    return Status::Ok();
  }

  if (m.type == MessageType::kVote || m.type == MessageType::kPreVote) {
    HandleVote(m);
    return Status::Ok();
  }
  switch (role_) {
    case Role::kLeader:
      StepLeader(m);
      break;
    case Role::kPreCandidate:
    case Role::kCandidate:
      StepCandidate(m);
      break;
    case Role::kFollower:
      StepFollower(m);
      break;
  }
  return Status::Ok();
}

void Core::HandleVote(const Message& m) {
  const bool pre = m.type == MessageType::kPreVote;
  // §5.2: at most one vote per term, first come first served. A pre-vote for a later term
  // promises nothing, so it may be granted whatever we voted.
  bool can_vote =
      vote_ == m.from || (vote_ == kNoNode && lead_ == kNoNode) || (pre && m.term > term_);
#ifdef CAIRN_RAFT_PLANTS
  if (CAIRN_PLANTED(config_.plant, kDoubleVote) && !pre) can_vote = true;
#endif
  Message resp;
  resp.type = pre ? MessageType::kPreVoteResp : MessageType::kVoteResp;
  resp.to = m.from;
  // §5.4.1: only for a candidate whose log is at least as up to date as ours.
  if (can_vote && log_.IsUpToDate(m.index, m.log_term)) {
    resp.term = m.term;
    if (!pre) {
      election_elapsed_ = 0;
      vote_ = m.from;
    }
  } else {
    resp.term = term_;
    resp.reject = true;
  }
  Send(std::move(resp));
}

void Core::StepLeader(const Message& m) {
  switch (m.type) {
    case MessageType::kAppendResp:
      HandleAppendResp(m);
      break;
    case MessageType::kHeartbeatResp:
      HandleHeartbeatResp(m);
      break;
    case MessageType::kReadIndex:
      if (tracker_.Get(m.from) != nullptr) HandleReadRequest(m.from, m.context);
      break;
    default:
      break;  // e.g. a second leader's append in a broken (planted) run: ignore
  }
}

void Core::StepCandidate(const Message& m) {
  const MessageType wanted =
      role_ == Role::kPreCandidate ? MessageType::kPreVoteResp : MessageType::kVoteResp;
  if (IsFromLeader(m.type)) {
    // A leader exists for our term (§5.2): step down and follow it.
    BecomeFollower(m.term, m.from);
    StepFollower(m);
    return;
  }
  if (m.type != wanted) return;
  tracker_.RecordVote(m.from, !m.reject);
  switch (tracker_.TallyVotes()) {
    case ProgressTracker::VoteResult::kWon:
      if (role_ == Role::kPreCandidate) {
        StartElection(false, false);
      } else {
        BecomeLeader();
        BcastAppend();
      }
      break;
    case ProgressTracker::VoteResult::kLost:
      BecomeFollower(term_, kNoNode);
      break;
    case ProgressTracker::VoteResult::kPending:
      break;
  }
}

void Core::StepFollower(const Message& m) {
  switch (m.type) {
    case MessageType::kAppend:
      election_elapsed_ = 0;
      lead_ = m.from;
      HandleAppend(m);
      break;
    case MessageType::kHeartbeat:
      election_elapsed_ = 0;
      lead_ = m.from;
      HandleHeartbeat(m);
      break;
    case MessageType::kSnapshot:
      election_elapsed_ = 0;
      lead_ = m.from;
      HandleSnapshot(m);
      break;
    case MessageType::kTimeoutNow:
      // Leadership transfer (thesis §3.10): campaign at once, skipping pre-vote.
      if (Promotable()) StartElection(false, true);
      break;
    case MessageType::kReadIndexResp:
      read_states_.push_back(ReadState{m.index, m.context});
      break;
    default:
      break;
  }
}

void Core::HandleAppend(const Message& m) {
  Message resp;
  resp.type = MessageType::kAppendResp;
  resp.to = m.from;
  if (m.index < log_.committed()) {
    // Everything up to our commit index already matches the leader's log.
    resp.index = log_.committed();
    Send(std::move(resp));
    return;
  }
  uint64_t first_written = 0;
  std::optional<uint64_t> last_new =
      log_.MaybeAppend(m.index, m.log_term, m.commit, m.entries, &first_written);
  if (last_new) {
    if (first_written != 0) {
      OnEntriesWritten(first_written, std::span<const Entry>(m.entries).subspan(
                                          first_written - (m.index + 1)));
    }
    resp.index = *last_new;
    Send(std::move(resp));
    return;
  }
  // Reject with a hint (§5.3, "the follower can include the term of the conflicting entry"):
  // the last index at or before the probe whose term is no greater than the leader's term
  // there, so the leader skips a whole term of mismatches per round trip.
  uint64_t hint = std::min(m.index, log_.LastIndex());
  hint = log_.FindConflictByTerm(hint, m.log_term);
  resp.reject = true;
  resp.index = m.index;
  resp.reject_hint = hint;
  resp.log_term = log_.TermOrZero(hint);
  Send(std::move(resp));
}

void Core::HandleHeartbeat(const Message& m) {
  // The leader caps heartbeat commit at our match, which we have persisted; the clamp only
  // guards against a broken peer.
  log_.CommitTo(std::min(m.commit, log_.LastIndex()));
  Message resp;
  resp.type = MessageType::kHeartbeatResp;
  resp.to = m.from;
  resp.context = m.context;
  Send(std::move(resp));
}

void Core::HandleSnapshot(const Message& m) {
  const SnapshotMeta& meta = m.snapshot.meta;
  Message resp;
  resp.type = MessageType::kAppendResp;
  resp.to = m.from;
  if (meta.index <= log_.committed()) {
    resp.index = log_.committed();
  } else if (log_.MatchTerm(meta.index, meta.term)) {
    // We already hold the snapshot's last entry: by Log Matching, the prefix too.
    log_.CommitTo(meta.index);
    resp.index = log_.committed();
  } else {
    log_.Restore(m.snapshot);
    base_conf_ = meta.conf;
    conf_history_.clear();
    InstallConf();
    resp.index = log_.LastIndex();
  }
  Send(std::move(resp));
}

void Core::HandleAppendResp(const Message& m) {
  Progress* pr = tracker_.Get(m.from);
  if (pr == nullptr) return;
  pr->recent_active = true;
  if (m.reject) {
    uint64_t probe = m.reject_hint;
    if (m.log_term > 0) probe = log_.FindConflictByTerm(m.reject_hint, m.log_term);
    if (pr->MaybeDecrTo(m.index, probe)) {
      if (pr->state == ProgressState::kReplicate) pr->BecomeProbe();
      MaybeSendAppend(m.from, true);
    }
    return;
  }
  const bool was_paused = pr->IsPaused();
  if (!pr->MaybeUpdate(m.index)) return;
  switch (pr->state) {
    case ProgressState::kProbe:
      pr->BecomeReplicate();
      break;
    case ProgressState::kSnapshot:
      if (pr->match >= pr->pending_snapshot) {
        pr->BecomeProbe();
        pr->BecomeReplicate();
      }
      break;
    case ProgressState::kReplicate:
      pr->inflights.FreeLE(m.index);
      break;
  }
  if (MaybeCommit()) {
    BcastAppend();
  } else if (was_paused) {
    MaybeSendAppend(m.from, true);
  }
  while (MaybeSendAppend(m.from, false)) {
  }
  if (m.from == lead_transferee_ && pr->match == log_.LastIndex()) {
    Message timeout;
    timeout.type = MessageType::kTimeoutNow;
    timeout.to = m.from;
    Send(std::move(timeout));
  }
}

void Core::HandleHeartbeatResp(const Message& m) {
  Progress* pr = tracker_.Get(m.from);
  if (pr == nullptr) return;
  pr->recent_active = true;
  pr->probe_sent = false;  // a lost probe is retried once per heartbeat round
  if (pr->state == ProgressState::kReplicate && pr->inflights.Full()) pr->inflights.FreeFirstOne();
  if (pr->state == ProgressState::kSnapshot &&
      ++pr->snapshot_wait_heartbeats > config_.snapshot_retry_heartbeats) {
    pr->BecomeProbe();  // the snapshot (or its answer) was lost: probe, and resend if needed
  }
  if (pr->match < log_.LastIndex()) MaybeSendAppend(m.from, true);
  if (!m.context.empty() && tracker_.IsVoter(m.from)) {
    pr->read_ack = std::max(pr->read_ack, DecodeReadSeq(m.context));
    ReleaseConfirmedReads();
  }
}

void Core::Tick() {
  if (role_ == Role::kLeader) {
    TickHeartbeat();
  } else {
    TickElection();
  }
}

void Core::TickElection() {
  ++election_elapsed_;
  if (Promotable() && election_elapsed_ >= randomized_election_timeout_) {
    election_elapsed_ = 0;
    StartElection(config_.pre_vote, false);
  }
}

void Core::TickHeartbeat() {
  ++heartbeat_elapsed_;
  ++election_elapsed_;
  if (election_elapsed_ >= config_.election_ticks) {
    election_elapsed_ = 0;
    if (config_.check_quorum) {
      // Check-quorum (thesis §6.2): a leader that has not heard from a quorum within an election
      // timeout steps down, so a partitioned leader stops serving reads and taking writes.
      if (!tracker_.QuorumActive()) {
        BecomeFollower(term_, kNoNode);
        return;
      }
      tracker_.ResetRecentActive(config_.id);
    }
    lead_transferee_ = kNoNode;  // a transfer that did not finish in a timeout is abandoned
  }
  if (heartbeat_elapsed_ >= config_.heartbeat_ticks) {
    heartbeat_elapsed_ = 0;
    BcastHeartbeat();
  }
}

Result<uint64_t> Core::Propose(std::string data) {
  std::vector<std::string> one;
  one.push_back(std::move(data));
  return ProposeBatch(std::move(one));
}

Result<uint64_t> Core::ProposeBatch(std::vector<std::string> data) {
  if (role_ != Role::kLeader) return Status::Unavailable("not the leader");
  if (lead_transferee_ != kNoNode) return Status::Busy("leadership transfer in progress");
  if (data.empty()) return Status::InvalidArgument("empty proposal batch");
  if (log_.LastIndex() - log_.committed() >= config_.max_uncommitted_entries) {
    return Status::Busy("too many uncommitted entries");
  }
  std::vector<Entry> entries(data.size());
  for (size_t i = 0; i < data.size(); ++i) entries[i].data = std::move(data[i]);
  const uint64_t last = AppendEntries(std::move(entries));
  BcastAppend();
  return last - data.size() + 1;
}

Result<uint64_t> Core::ProposeConfChange(const ConfChange& cc) {
  if (role_ != Role::kLeader) return Status::Unavailable("not the leader");
  if (lead_transferee_ != kNoNode) return Status::Busy("leadership transfer in progress");
  if (pending_conf_index_ > log_.committed()) {
    return Status::Busy("the previous membership change is not committed yet");
  }
  const ConfState& conf = tracker_.conf();
  const bool voter = IsVoter(conf, cc.node);
  const bool learner = IsLearner(conf, cc.node);
  switch (cc.type) {
    case ConfChangeType::kAddLearner:
      if (cc.node == kNoNode || voter || learner) {
        return Status::InvalidArgument("node is already a member");
      }
      break;
    case ConfChangeType::kAddVoter: {
      if (!learner) return Status::InvalidArgument("only a learner can become a voter");
      const Progress* pr = tracker_.Get(cc.node);
      if (pr == nullptr || pr->match < log_.committed()) {
        return Status::Unavailable("learner has not caught up yet");
      }
      break;
    }
    case ConfChangeType::kRemoveNode:
      if (!voter && !learner) return Status::InvalidArgument("node is not a member");
      if (cc.node == config_.id) {
        return Status::InvalidArgument("a leader cannot remove itself; transfer leadership first");
      }
      break;
  }
  Entry e;
  e.type = EntryType::kConfChange;
  e.data = EncodeConfChange(cc);
  const uint64_t index = AppendEntries({std::move(e)});
  pending_conf_index_ = index;
  BcastAppend();
  return index;
}

Status Core::ReadIndex(std::string context) {
  if (role_ == Role::kLeader) {
    HandleReadRequest(config_.id, std::move(context));
    return Status::Ok();
  }
  if (lead_ == kNoNode) return Status::Unavailable("no known leader");
  Message m;
  m.type = MessageType::kReadIndex;
  m.to = lead_;
  m.context = std::move(context);
  Send(std::move(m));
  return Status::Ok();
}

Status Core::TransferLeadership(NodeId to) {
  if (role_ != Role::kLeader) return Status::Unavailable("not the leader");
  if (to == config_.id) return Status::Ok();
  if (!tracker_.IsVoter(to)) return Status::InvalidArgument("transferee is not a voter");
  lead_transferee_ = to;
  election_elapsed_ = 0;  // the transfer must finish within one election timeout
  Progress* pr = tracker_.Get(to);
  if (pr->match == log_.LastIndex()) {
    Message m;
    m.type = MessageType::kTimeoutNow;
    m.to = to;
    Send(std::move(m));
  } else {
    MaybeSendAppend(to, true);
  }
  return Status::Ok();
}

// ---------------------------------------------------------------------------------------------
// Replication.

void Core::Send(Message m) {
  m.from = config_.id;
  if (m.term == 0) m.term = term_;
  msgs_.push_back(std::move(m));
}

uint64_t Core::AppendEntries(std::vector<Entry> entries) {
  const uint64_t first = log_.LastIndex() + 1;
  for (size_t i = 0; i < entries.size(); ++i) {
    entries[i].term = term_;
    entries[i].index = first + i;
  }
  // The usual batch holds no conf change: it moves into the log, and membership stays as it is.
  const bool conf_change = std::any_of(entries.begin(), entries.end(), [](const Entry& e) {
    return e.type == EntryType::kConfChange;
  });
  uint64_t last = 0;
  if (conf_change) {
    last = log_.Append(entries);
    OnEntriesWritten(first, entries);
  } else {
    last = log_.Append(std::move(entries));
    OnEntriesWritten(first, {});
  }
  // The leader's own copy counts once persisted; the caller persists it before sending anything
  // or applying, so counting it now is safe.
  if (Progress* self = tracker_.Get(config_.id)) self->MaybeUpdate(last);
  MaybeCommit();
  return last;
}

bool Core::MaybeSendAppend(NodeId to, bool send_if_empty) {
  if (to == config_.id) return false;
  Progress* pr = tracker_.Get(to);
  if (pr == nullptr || pr->IsPaused()) return false;
  const uint64_t prev_index = pr->next - 1;
  Result<uint64_t> prev_term = log_.Term(prev_index);
  const uint64_t hi = std::min(log_.LastIndex() + 1, pr->next + config_.max_entries_per_msg);
  Result<std::vector<Entry>> entries = log_.Slice(pr->next, hi, config_.max_bytes_per_msg);
  if (!prev_term.ok() || !entries.ok()) {
    // The entries the follower needs were compacted (§7): send the snapshot instead.
    SendSnapshot(to, pr);
    return false;
  }
  if (entries->empty() && !send_if_empty) return false;
  Message m;
  m.type = MessageType::kAppend;
  m.to = to;
  m.index = prev_index;
  m.log_term = *prev_term;
  m.commit = log_.committed();
  if (!entries->empty()) {
    pr->SentEntries(entries->back().index);
  } else {
    pr->SentEntries(prev_index);
  }
  m.entries = std::move(*entries);
  Send(std::move(m));
  return true;
}

void Core::SendSnapshot(NodeId to, Progress* pr) {
  Result<Snapshot> snap = log_.GetSnapshot();
  if (!snap.ok() || snap->empty()) return;  // not available yet: retried on the next heartbeat
  Message m;
  m.type = MessageType::kSnapshot;
  m.to = to;
  pr->BecomeSnapshot(snap->meta.index);
  m.snapshot = std::move(*snap);
  Send(std::move(m));
}

void Core::BcastAppend() {
  for (auto& [id, pr] : tracker_.all()) MaybeSendAppend(id, true);
}

void Core::BcastHeartbeat() {
  const std::string context = pending_reads_.empty() ? std::string() : EncodeReadSeq(read_seq_);
  for (auto& [id, pr] : tracker_.all()) {
    if (id == config_.id) continue;
    Message m;
    m.type = MessageType::kHeartbeat;
    m.to = id;
    // Never tell a follower to commit past what it is known to hold.
    m.commit = std::min(pr.match, log_.committed());
    m.context = context;
    Send(std::move(m));
  }
}

bool Core::MaybeCommit() {
  const uint64_t index = tracker_.QuorumMatch();
  if (index <= log_.committed()) return false;
  // §5.4.2: a leader commits by counting replicas only entries of its own term (Figure 8);
  // earlier entries commit indirectly with them.
  bool own_term = log_.TermOrZero(index) == term_;
#ifdef CAIRN_RAFT_PLANTS
  if (CAIRN_PLANTED(config_.plant, kCommitOldTerm)) own_term = true;
#endif
  if (!own_term) return false;
  log_.CommitTo(index);
  if (CommittedInCurrentTerm() && !early_reads_.empty()) {
    std::vector<std::pair<NodeId, std::string>> reads = std::move(early_reads_);
    early_reads_.clear();
    for (auto& [from, context] : reads) HandleReadRequest(from, std::move(context));
  }
  return true;
}

bool Core::CommittedInCurrentTerm() const { return log_.TermOrZero(log_.committed()) == term_; }

// ---------------------------------------------------------------------------------------------
// Reads (thesis §6.4).

void Core::HandleReadRequest(NodeId from, std::string context) {
  bool ready = CommittedInCurrentTerm();
#ifdef CAIRN_RAFT_PLANTS
  if (CAIRN_PLANTED(config_.plant, kEarlyReadIndex)) ready = true;
#endif
  if (!ready) {
    // Until its no-op commits, a new leader does not know the commit index of its predecessor.
    early_reads_.emplace_back(from, std::move(context));
    return;
  }
  const uint64_t index = log_.committed();
  if (tracker_.conf().voters.size() == 1 && tracker_.IsVoter(config_.id)) {
    RespondToRead(from, index, std::move(context));
    return;
  }
  if (config_.read_only == ReadOnlyOption::kLeaseBased && config_.check_quorum) {
    RespondToRead(from, index, std::move(context));  // see ReadOnlyOption: needs bounded drift
    return;
  }
  pending_reads_.push_back(PendingRead{++read_seq_, index, from, std::move(context)});
  if (Progress* self = tracker_.Get(config_.id)) self->read_ack = read_seq_;
  BcastHeartbeat();
}

void Core::RespondToRead(NodeId from, uint64_t index, std::string context) {
  if (from == config_.id) {
    read_states_.push_back(ReadState{index, std::move(context)});
    return;
  }
  Message m;
  m.type = MessageType::kReadIndexResp;
  m.to = from;
  m.index = index;
  m.context = std::move(context);
  Send(std::move(m));
}

void Core::ReleaseConfirmedReads() {
  const uint64_t confirmed = tracker_.QuorumReadAck();
  while (!pending_reads_.empty() && pending_reads_.front().seq <= confirmed) {
    PendingRead& r = pending_reads_.front();
    RespondToRead(r.from, r.index, std::move(r.context));
    pending_reads_.pop_front();
  }
}

// ---------------------------------------------------------------------------------------------
// Membership (thesis §4.1): a node uses the latest configuration in its log, committed or not.

void Core::OnEntriesWritten(uint64_t first_index, std::span<const Entry> written) {
  bool changed = false;
  while (!conf_history_.empty() && conf_history_.back().first >= first_index) {
    conf_history_.pop_back();
    changed = true;
  }
  for (const Entry& e : written) {
    if (e.type != EntryType::kConfChange) continue;
    Result<ConfChange> cc = DecodeConfChange(e.data);
    if (!cc.ok()) continue;  // a checksummed log cannot hold this; skip rather than guess
    const ConfState& prev = conf_history_.empty() ? base_conf_ : conf_history_.back().second;
    conf_history_.emplace_back(e.index, ApplyConfChange(prev, *cc));
    changed = true;
  }
  // Most appends carry no conf change: the tracker then stays as it is (rebuilding it for the
  // same configuration was a third of the cost of a proposal).
  if (changed) InstallConf();
}

void Core::InstallConf() {
  const ConfState& conf = conf_history_.empty() ? base_conf_ : conf_history_.back().second;
  tracker_.SetConf(conf, log_.LastIndex() + 1);
}

ConfState Core::ConfStateAt(uint64_t index) const {
  for (auto it = conf_history_.rbegin(); it != conf_history_.rend(); ++it) {
    if (it->first <= index) return it->second;
  }
  return base_conf_;
}

// ---------------------------------------------------------------------------------------------
// Ready.

HardState Core::CurrentHardState() const {
  HardState hs{term_, vote_, log_.committed()};
#ifdef CAIRN_RAFT_PLANTS
  // The planted bug: votes are sent but never made durable, so a restart forgets them.
  if (CAIRN_PLANTED(config_.plant, kVoteBeforePersist)) hs.vote = kNoNode;
#endif
  return hs;
}

bool Core::HasReady() const {
  return !log_.unstable_entries().empty() || log_.unstable_snapshot().has_value() ||
         !msgs_.empty() || !read_states_.empty() || log_.HasNextCommittedEntries() ||
         CurrentHardState() != prev_hard_state_;
}

Ready Core::GetReady() {
  Ready rd;
  rd.entries = log_.unstable_entries();
  if (log_.unstable_snapshot()) rd.snapshot = *log_.unstable_snapshot();
  rd.committed_entries = log_.NextCommittedEntries(&rd.committed_storage);
  rd.messages = std::move(msgs_);
  msgs_.clear();
  rd.read_states = std::move(read_states_);
  read_states_.clear();
  const HardState hs = CurrentHardState();
  if (hs != prev_hard_state_) rd.hard_state = hs;
  return rd;
}

void Core::Advance(const Ready& rd) {
  // Both views may point into the unstable tail, which StableTo trims: read them first.
  const uint64_t applied = rd.committed_entries.empty() ? 0 : rd.committed_entries.back().index;
  const bool stable = !rd.entries.empty();
  const uint64_t stable_index = stable ? rd.entries.back().index : 0;
  const uint64_t stable_term = stable ? rd.entries.back().term : 0;
  if (rd.hard_state) prev_hard_state_ = *rd.hard_state;
  if (!rd.snapshot.empty()) {
    log_.StableSnapshotTo(rd.snapshot.meta.index);
    log_.AppliedTo(rd.snapshot.meta.index);
  }
  if (stable) log_.StableTo(stable_index, stable_term);
  if (applied != 0) log_.AppliedTo(applied);
}

}  // namespace cairn::raft
