// Replicator: one node's side of the Raft group. It owns the raft::Core and drives it over a
// durable log (DurableLog, LogStore on disk) and a Transport: proposals in; committed entries, in
// log order, and the fate of this node's own proposals out. It knows nothing of commands: an
// entry's data is opaque, and each proposal carries a caller's cookie that comes back with its
// committed entry (applied) or alone (lost, or fate unknown).
//
// Rules it keeps for the caller:
// - persist before send: a Ready's entries and hard state are handed to the log, which must have
//   made them durable per its policy when Append/SetHardState return (LogStore with inline
//   writes), before the Ready's messages go to the transport;
// - a committed entry is matched to a proposal of this node by (index, term); the same index with
//   another term means the proposal lost (another leader's entry took its place) and never applies;
// - when this node stops being leader, proposals not yet committed have an unknown fate: the
//   caller is told at once (it closes those clients' connections, as Redis does when a primary
//   dies mid-request); if such an entry commits later it is applied like any other, with no
//   cookie.
//
// Threads: one (the loop). Cost per proposal: the core's copy of the data, the log's encode, and
// the committed entry handed out; no allocation beyond those.
#pragma once

#include <cstdint>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "common/rng.h"
#include "common/status.h"
#include "raft/core.h"
#include "raft/storage.h"
#include "raft/types.h"
#include "replication/durable_log.h"

namespace cairn::replication {

// Where messages to other nodes go (PeerTransport in the server; a queue in tests).
class Transport {
 public:
  virtual ~Transport() = default;
  virtual void Send(const raft::Message& m) = 0;
};

struct ReplicatorCallbacks {
  // A committed entry, in log order, on every node. `cookie` is the proposal's when this node
  // proposed it and is still waiting, else 0. A non-OK status stops the node (apply is
  // fail-stop: skipping an entry would make this replica diverge).
  std::function<Status(const raft::Entry& e, uint64_t cookie)> apply;
  // This node's proposal will never apply (another entry committed at its index).
  std::function<void(uint64_t cookie)> lost;
  // This node stopped being leader with these proposals uncommitted: their fate is unknown.
  std::function<void(const std::vector<uint64_t>& cookies)> unknown;
  // The answer to ReadIndex(context): a read that started before it is linearizable once the
  // applied index reaches rs.index. Called after the Ready's committed entries are applied.
  std::function<void(const raft::ReadState& rs)> read_index;
};

class Replicator {
 public:
  Replicator(const raft::Config& config, DurableLog* log, Transport* transport, Rng rng,
             ReplicatorCallbacks callbacks);
  // Restores the core from the log; `config.applied` is the state machine's applied index.
  Status Start();

  // Leader only: appends data to the log. kUnavailable when this node is not the leader (leader()
  // names the one it knows, or 0), kBusy when too much is uncommitted.
  Result<uint64_t> Propose(std::string data, uint64_t cookie);
  // A loop iteration's proposals at once (one append per follower): data[i] goes with
  // cookies[i]. Returns the first one's index; all or nothing.
  Result<uint64_t> ProposeBatch(std::vector<std::string> data, std::span<const uint64_t> cookies);
  void Tick();
  Status Step(const raft::Message& m);
  // Starts an election now: a cluster of one voter elects itself at start-up without waiting
  // out an election timeout.
  void Campaign() { core_->Campaign(); }
  // Asks for a read index (on a follower, from the leader); the answer comes to the read_index
  // callback with the same context, or never (a leader change loses it: ask again). kUnavailable
  // when no leader is known.
  Status ReadIndex(std::string context) { return core_->ReadIndex(std::move(context)); }
  bool HasReady() const { return core_->HasReady(); }
  // Runs the Readys the core has, at most max_rounds of them: persist, send, apply; then reports
  // a lost leadership. Each Ready hands out at most raft::Config::max_apply_bytes of committed
  // entries, so a bound keeps a long replay in slices. An error from the log or from apply is
  // returned, and the node must stop.
  Status Process(size_t max_rounds = SIZE_MAX);

  bool is_leader() const { return core_->role() == raft::Role::kLeader; }
  raft::NodeId leader() const { return core_->leader(); }
  raft::NodeId id() const { return core_->id(); }
  uint64_t term() const { return core_->term(); }
  uint64_t commit_index() const { return core_->committed(); }
  uint64_t applied_index() const { return applied_; }
  size_t pending_proposals() const { return pending_.size(); }
  // On the leader, the lowest match index over the voters (what every voter's log holds); 0 on
  // any other node.
  uint64_t min_voter_match() const;
  // On the leader, a voter's match index (0 when unknown or elsewhere).
  uint64_t match_index(raft::NodeId id) const;
  const raft::Core& core() const { return *core_; }

 private:
  struct Pending {
    uint64_t index;
    uint64_t term;
    uint64_t cookie;
  };
  Status ApplyCommitted(std::span<const raft::Entry> entries);
  uint64_t MatchProposal(const raft::Entry& e);
  void NoteLeadership();

  raft::Config config_;
  DurableLog* log_;
  Transport* transport_;
  Rng rng_;
  ReplicatorCallbacks callbacks_;
  std::unique_ptr<raft::Core> core_;
  std::deque<Pending> pending_;  // this node's proposals, in index order
  uint64_t applied_ = 0;
  bool was_leader_ = false;
};

}  // namespace cairn::replication
