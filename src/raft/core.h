// The Raft core: a pure state machine over messages and ticks (no I/O, no clock, no threads), in
// the shape of etcd's raft. Inputs: Step, Tick, Propose, ProposeConfChange, ReadIndex,
// TransferLeadership. Output: a Ready the caller handles (persist, send, apply) and Advances.
// Randomness comes from the injected Rng, so a seed replays a node exactly.
//
// Features: pre-vote and check-quorum (§9.6 of Ongaro's thesis), pipelined and batched
// replication with a bounded in-flight window, term-hinted backtracking, commit by counting only
// for the leader's own term (paper §5.4.2), ReadIndex (thesis §6.4; optional lease mode),
// leadership transfer (thesis §3.10), snapshots (paper §7), single-server membership changes with
// learners (thesis §4.1: a configuration takes effect when its entry is appended to the log).
//
// One Core per node, driven from one thread. Between GetReady and Advance, the caller must not
// call any other input method.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "common/rng.h"
#include "common/status.h"
#include "raft/log.h"
#include "raft/plants.h"
#include "raft/progress.h"
#include "raft/storage.h"
#include "raft/types.h"

namespace cairn::raft {

enum class Role : uint8_t { kFollower, kPreCandidate, kCandidate, kLeader };
const char* RoleName(Role role);

enum class ReadOnlyOption : uint8_t {
  kSafe,  // confirm leadership with a heartbeat round per ReadIndex batch
  // Serve from the leader's commit index while check-quorum says a quorum was heard from within
  // the election timeout. Correct only if clocks drift by less than that margin between nodes:
  // a lease in ticks is only as good as the assumption that ticks run at the same rate.
  kLeaseBased,
};

struct Config {
  NodeId id = kNoNode;
  int election_ticks = 10;  // timeouts are drawn from [election_ticks, 2 * election_ticks)
  int heartbeat_ticks = 1;
  bool pre_vote = true;
  bool check_quorum = true;
  ReadOnlyOption read_only = ReadOnlyOption::kSafe;
  uint64_t max_entries_per_msg = 64;     // batching limit, in entries
  uint64_t max_bytes_per_msg = 1 << 20;  // batching limit, in data bytes
  size_t max_inflight_msgs = 32;         // pipelining window per follower
  // Proposals are refused (kBusy) while this many entries are uncommitted, so a leader that
  // cannot reach a quorum, or a slow one, does not grow its log without bound.
  uint64_t max_uncommitted_entries = 4096;
  uint64_t max_apply_bytes = 4 << 20;  // committed entries handed out per Ready
  uint64_t applied = 0;                // on restart: the state machine's applied index
  // In snapshot state, heartbeat replies to wait for before assuming the snapshot was lost.
  int snapshot_retry_heartbeats = 20;
#ifdef CAIRN_RAFT_PLANTS
  Plant plant = Plant::kNone;
#endif
};

class Core {
 public:
  // Restores a node from storage (hard state, membership, log).
  static Result<std::unique_ptr<Core>> Create(const Config& config, const Storage* storage,
                                              Rng rng);
  // Only Create can build one (it validates the config and restores state).
  class PassKey {
    friend class Core;
    PassKey() = default;
  };
  Core(PassKey, const Config& config, const Storage* storage, Rng rng);

  Status Step(const Message& m);
  void Tick();
  // Leader only: appends data to the log. Returns the entry's index.
  Result<uint64_t> Propose(std::string data);
  // Leader only: appends each of `data` as the next entries, in order, with one append to each
  // follower for the lot. Returns the first entry's index. All or nothing (kBusy refuses all).
  Result<uint64_t> ProposeBatch(std::vector<std::string> data);
  // Leader only; one change at a time, once the leader has committed an entry of its term.
  // kAddVoter accepts only a learner that has caught up with the commit index. A leader cannot
  // remove itself: transfer leadership first.
  Result<uint64_t> ProposeConfChange(const ConfChange& cc);
  // Asks for a read index; the answer comes as a ReadState with the same context (on a follower,
  // via the leader). The request may be lost on leader change: callers retry with a timeout.
  Status ReadIndex(std::string context);
  Status TransferLeadership(NodeId to);
  // Starts an election now (tests, and an operator's "campaign").
  void Campaign();

  bool HasReady() const;
  Ready GetReady();
  void Advance(const Ready& rd);

  NodeId id() const { return config_.id; }
  uint64_t term() const { return term_; }
  NodeId vote() const { return vote_; }
  NodeId leader() const { return lead_; }
  Role role() const { return role_; }
  uint64_t committed() const { return log_.committed(); }
  uint64_t applied() const { return log_.applied(); }
  uint64_t last_index() const { return log_.LastIndex(); }
  uint64_t first_index() const { return log_.FirstIndex(); }
  NodeId lead_transferee() const { return lead_transferee_; }
  const ConfState& conf() const { return tracker_.conf(); }
  // The membership in force at `index` (for snapshots taken at an applied index).
  ConfState ConfStateAt(uint64_t index) const;
  const Progress* GetProgress(NodeId id) { return tracker_.Get(id); }
  const RaftLog& log() const { return log_; }

 private:
  // Roles.
  void Reset(uint64_t term);
  void BecomeFollower(uint64_t term, NodeId lead);
  void BecomePreCandidate();
  void BecomeCandidate();
  void BecomeLeader();
  void StartElection(bool pre_vote, bool transfer);
  bool Promotable() const { return tracker_.IsVoter(config_.id); }
  void ResetRandomizedTimeout();

  // Input handling.
  void StepLeader(const Message& m);
  void StepCandidate(const Message& m);
  void StepFollower(const Message& m);
  void HandleVote(const Message& m);
  void HandleAppend(const Message& m);
  void HandleHeartbeat(const Message& m);
  void HandleSnapshot(const Message& m);
  void HandleAppendResp(const Message& m);
  void HandleHeartbeatResp(const Message& m);
  void TickElection();
  void TickHeartbeat();

  // Replication.
  void Send(Message m);
  uint64_t AppendEntries(std::vector<Entry> entries);
  bool MaybeSendAppend(NodeId to, bool send_if_empty);
  void SendSnapshot(NodeId to, Progress* pr);
  void BcastAppend();
  void BcastHeartbeat();
  bool MaybeCommit();
  bool CommittedInCurrentTerm() const;

  // Reads.
  void HandleReadRequest(NodeId from, std::string context);
  void RespondToRead(NodeId from, uint64_t index, std::string context);
  void ReleaseConfirmedReads();

  // Membership.
  // The log now holds `written` from first_index on (its whole suffix): membership follows the
  // conf changes in it. Re-installs the configuration only when it changed.
  void OnEntriesWritten(uint64_t first_index, std::span<const Entry> written);
  void InstallConf();

  HardState CurrentHardState() const;

  const Config config_;
  Rng rng_;
  RaftLog log_;
  ProgressTracker tracker_;

  uint64_t term_ = 0;
  NodeId vote_ = kNoNode;
  NodeId lead_ = kNoNode;
  Role role_ = Role::kFollower;
  int election_elapsed_ = 0;
  int heartbeat_elapsed_ = 0;
  int randomized_election_timeout_ = 0;
  NodeId lead_transferee_ = kNoNode;
  uint64_t pending_conf_index_ = 0;  // a conf change at or below committed may be proposed

  struct PendingRead {
    uint64_t seq;
    uint64_t index;
    NodeId from;
    std::string context;
  };
  uint64_t read_seq_ = 0;
  std::deque<PendingRead> pending_reads_;                    // awaiting a quorum of acks
  std::vector<std::pair<NodeId, std::string>> early_reads_;  // awaiting the first commit in term

  // Membership from the log (thesis §4.1): base_conf_ is the snapshot's, conf_history_ holds
  // (index, membership after that entry) for each conf change entry in the log.
  ConfState base_conf_;
  std::vector<std::pair<uint64_t, ConfState>> conf_history_;

  std::vector<Message> msgs_;
  std::vector<ReadState> read_states_;
  HardState prev_hard_state_;
};

}  // namespace cairn::raft
