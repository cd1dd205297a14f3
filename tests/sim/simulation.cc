// One seeded simulator run: see simulation.h. Time is counted in steps; every kStepsPerTick
// steps each live node's core ticks. Within a step: faults and clients act, due messages are
// delivered, then nodes whose disk is not stalled handle their Ready (persist, send, apply).
#include "sim/simulation.h"

#include <algorithm>
#include <map>
#include <memory>
#include <unordered_map>
#include <vector>

#include "common/rng.h"
#include "sim/checker.h"
#include "sim/network.h"
#include "sim/params.h"
#include "sim/sim_node.h"
#include "sim/trace.h"

namespace cairn::sim {

namespace {

using raft::NodeId;

constexpr uint64_t kStepsPerTick = 4;
constexpr uint64_t kFaultTicks = 500;
// After the faults stop: ticks allowed to elect a leader and commit a proposal, then for every
// member to apply it.
constexpr uint64_t kLivenessTicks = 150;
constexpr uint64_t kConvergeTicks = 500;  // generous: batch=1, window=1 is slow
constexpr uint64_t kReadTimeoutSteps = 400;

struct Proposal {
  NodeId node;
  uint64_t incarnation;
  uint64_t index;
};

struct PendingRead {
  NodeId node;
  uint64_t incarnation;
  uint64_t required_index;  // acknowledged writes and completed reads when it began
  uint64_t issued_step;
  bool has_index = false;
  uint64_t read_index = 0;
};

class Simulation {
 public:
  explicit Simulation(const SimOptions& options)
      : options_(options),
        rng_(options.seed * 0x9e3779b97f4a7c15ull + 1),
        params_(rng_),
        trace_(options.trace),
        network_(&rng_) {
#ifdef CAIRN_RAFT_PLANTS
    params_.core.plant = options.plant;
#endif
    network_.set_faults(params_.faults);
    std::vector<NodeId> voters;
    for (int i = 1; i <= params_.voters; ++i) voters.push_back(i);
    const int total = params_.voters + (params_.membership ? 1 : 0);
    for (int i = 1; i <= total; ++i) {
      nodes_.push_back(std::make_unique<SimNode>(i));
      // The spare node starts empty: it learns the membership from the log or a snapshot.
      if (i <= params_.voters) CAIRN_ASSERT(nodes_.back()->disk.Bootstrap(voters).ok());
      Restart(*nodes_.back());
    }
    trace_.Log(
        "seed %llu: %d voters%s, pre_vote=%d check_quorum=%d heartbeat=%d batch=%llu "
        "inflight=%zu drop=%.2f dup=%.2f delay<=%llu crash=%.2f partition=%.2f stall=%.1f "
        "snapshot_every=%llu",
        static_cast<unsigned long long>(options.seed), params_.voters,
        params_.membership ? " + spare" : "", params_.core.pre_vote, params_.core.check_quorum,
        params_.core.heartbeat_ticks,
        static_cast<unsigned long long>(params_.core.max_entries_per_msg),
        params_.core.max_inflight_msgs, params_.faults.drop, params_.faults.duplicate,
        static_cast<unsigned long long>(params_.faults.max_delay_steps), params_.crash_per_tick,
        params_.partition_per_tick, params_.disk_stall,
        static_cast<unsigned long long>(params_.snapshot_every));
  }

  SimResult Run();

 private:
  // Nodes.
  SimNode& Node(NodeId id) { return *nodes_[id - 1]; }
  void Crash(SimNode& n);
  void Restart(SimNode& n);
  // Returns true if the Ready granted a vote.
  bool HandleReady(SimNode& n);
  void Apply(SimNode& n, const raft::Entry& e);
  void MaybeSnapshot(SimNode& n);
  void Observe(SimNode& n);
  void TraceMessage(const raft::Message& m, const char* what);

  // Faults.
  void InjectFaults(uint64_t tick);
  void MakePartition();
  void HealEverything();

  // Clients.
  NodeId FindLeader();
  NodeId RandomUpNode();
  void ClientPropose();
  void ClientRead();
  void ClientChangeMembership();
  void ClientTransfer();
  void ServeReads(SimNode& n);

  // One step's phases.
  void TickAll(uint64_t tick);
  void ExpireReads();
  void ApplyScheduledIsolations();
  void DeliverMessages();
  void HandleReadies();
  void CheckStep();

  // Liveness after the faults stop; returns true when the run is complete.
  bool CheckLiveness(uint64_t tick);

  const SimOptions options_;
  Rng rng_;
  Params params_;
  Trace trace_;
  Network network_;
  Checker checker_;
  std::vector<std::unique_ptr<SimNode>> nodes_;
  std::vector<raft::Role> last_roles_;
  uint64_t step_ = 0;
  bool faults_on_ = true;
  std::vector<std::pair<uint64_t, NodeId>> isolations_;  // (step, node) scheduled by the nemesis

  uint64_t next_client_id_ = 0;
  std::unordered_map<std::string, Proposal> proposals_;
  std::vector<std::pair<uint64_t, std::string>> acked_;  // (index, data)
  std::map<std::string, PendingRead> reads_;
  uint64_t acked_max_index_ = 0;
  uint64_t read_max_index_ = 0;

  std::string probe_data_;  // the liveness proposal
  NodeId probe_node_ = 0;
  uint64_t probe_tick_ = 0;
  uint64_t live_index_ = 0;
  uint64_t live_tick_ = 0;

  SimResult result_;
};

// ---------------------------------------------------------------------------------------------
// Nodes.

void Simulation::Crash(SimNode& n) {
  trace_.Log("n%llu crashes (term %llu, %s)", static_cast<unsigned long long>(n.id),
             static_cast<unsigned long long>(n.core->term()), raft::RoleName(n.core->role()));
  n.core.reset();  // loses everything not yet handed out in a handled Ready
  ++n.incarnation;
  ++result_.crashes;
}

void Simulation::Restart(SimNode& n) {
  raft::Config config = params_.core;
  config.id = n.id;
  Result<raft::Snapshot> snap = n.disk.GetSnapshot();
  CAIRN_ASSERT(snap.ok());
  n.state = StateImage{};
  if (!snap->empty()) CAIRN_ASSERT(DecodeImage(snap->data, &n.state));
  config.applied = n.state.applied_index;
  ++n.incarnation;
  Result<std::unique_ptr<raft::Core>> core = raft::Core::Create(
      config, &n.disk, Rng(options_.seed * 1000003 + n.id * 131 + n.incarnation));
  if (!core.ok()) {
    checker_.Fail("restart failed: " + core.status().ToString());
    return;
  }
  n.core = std::move(*core);
  trace_.Log("n%llu starts: term %llu, commit %llu, last index %llu, applied %llu",
             static_cast<unsigned long long>(n.id), static_cast<unsigned long long>(n.core->term()),
             static_cast<unsigned long long>(n.core->committed()),
             static_cast<unsigned long long>(n.core->last_index()),
             static_cast<unsigned long long>(n.state.applied_index));
}

void Simulation::TraceMessage(const raft::Message& m, const char* what) {
  if (!trace_.enabled()) return;
  trace_.Log("%s n%llu->n%llu %s term=%llu index=%llu log_term=%llu commit=%llu entries=%zu%s%s",
             what, static_cast<unsigned long long>(m.from), static_cast<unsigned long long>(m.to),
             raft::MessageTypeName(m.type), static_cast<unsigned long long>(m.term),
             static_cast<unsigned long long>(m.index), static_cast<unsigned long long>(m.log_term),
             static_cast<unsigned long long>(m.commit), m.entries.size(), m.reject ? " REJECT" : "",
             m.snapshot.empty() ? "" : " +snapshot");
}

bool Simulation::HandleReady(SimNode& n) {
  raft::Ready rd = n.core->GetReady();
  bool voted = false;
  // 1. Persist: snapshot, entries, hard state.
  if (!rd.snapshot.empty()) {
    const Status st = n.disk.ApplySnapshot(rd.snapshot);
    StateImage image;
    if (!st.ok() || !DecodeImage(rd.snapshot.data, &image)) {
      checker_.Fail("disk rejected a snapshot: " + st.ToString());
      return false;
    }
    checker_.OnSnapshotInstalled(n.id, image.applied_index, image.hash);
    n.state = image;
    ++result_.snapshots_installed;
    trace_.Log("n%llu installs snapshot at %llu", static_cast<unsigned long long>(n.id),
               static_cast<unsigned long long>(image.applied_index));
  }
  if (!rd.entries.empty()) {
    const Status st = n.disk.Append(rd.entries);
    if (!st.ok()) {
      checker_.Fail("disk rejected entries: " + st.ToString());
      return false;
    }
    checker_.OnPersist(n.id, rd.entries, n.disk);
  }
  if (rd.hard_state) n.disk.SetHardState(*rd.hard_state);
  // 2. Send.
  for (const raft::Message& m : rd.messages) {
    TraceMessage(m, "send");
    network_.Send(m, step_);
    voted |= m.type == raft::MessageType::kVoteResp && !m.reject;
  }
  // 3. Apply.
  for (const raft::Entry& e : rd.committed_entries) Apply(n, e);
  for (const raft::ReadState& rs : rd.read_states) {
    auto it = reads_.find(rs.context);
    if (it == reads_.end() || it->second.node != n.id || it->second.incarnation != n.incarnation) {
      continue;
    }
    it->second.has_index = true;
    it->second.read_index = rs.index;
  }
  n.core->Advance(rd);
  ServeReads(n);
  MaybeSnapshot(n);
  return voted;
}

void Simulation::Apply(SimNode& n, const raft::Entry& e) {
  if (e.index != n.state.applied_index + 1) {
    return checker_.Fail("node " + std::to_string(n.id) + " applied index " +
                         std::to_string(e.index) + " after " +
                         std::to_string(n.state.applied_index));
  }
  checker_.OnApply(n.id, e, n.core->term());
  n.state.hash = MixEntry(n.state.hash, e);
  n.state.applied_index = e.index;
  if (e.type != raft::EntryType::kNormal || e.data.empty()) return;
  if (e.data == probe_data_ && n.id == probe_node_ && live_index_ == 0) {
    live_index_ = e.index;
    trace_.Log("liveness proposal committed at index %llu",
               static_cast<unsigned long long>(e.index));
  }
  auto it = proposals_.find(e.data);
  if (it == proposals_.end()) return;
  if (it->second.node == n.id && it->second.incarnation == n.incarnation) {
    // The client that proposed through this node hears "OK" now.
    acked_.emplace_back(e.index, e.data);
    acked_max_index_ = std::max(acked_max_index_, e.index);
    ++result_.proposals_acked;
    trace_.Log("ack %s at index %llu via n%llu", e.data.c_str(),
               static_cast<unsigned long long>(e.index), static_cast<unsigned long long>(n.id));
    proposals_.erase(it);
  }
}

void Simulation::MaybeSnapshot(SimNode& n) {
  if (params_.snapshot_every == 0) return;
  const uint64_t snap_index = n.disk.FirstIndex() - 1;
  const uint64_t applied = n.state.applied_index;
  if (applied < snap_index + params_.snapshot_every || applied > n.disk.LastIndex()) return;
  Status st = n.disk.CreateSnapshot(applied, n.core->ConfStateAt(applied), EncodeImage(n.state));
  if (st.ok() && applied + 1 > params_.compact_keep + n.disk.FirstIndex()) {
    st = n.disk.Compact(applied + 1 - params_.compact_keep);
  }
  if (!st.ok()) checker_.Fail("snapshot or compaction failed: " + st.ToString());
}

void Simulation::Observe(SimNode& n) {
  if (!n.up()) return;
  const raft::Role role = n.core->role();
  if (role == raft::Role::kLeader) checker_.OnLeader(n.id, n.core->term());
  if (role == raft::Role::kLeader && last_roles_[n.id - 1] != raft::Role::kLeader && faults_on_ &&
      rng_.Chance(params_.isolate_new_leader)) {
    // Cut it off at once or after a few steps, when some of its entries may have spread.
    isolations_.emplace_back(step_ + (rng_.OneIn(2) ? rng_.Uniform(3) : rng_.Uniform(40)), n.id);
  }
  if (trace_.enabled() && last_roles_[n.id - 1] != role) {
    std::string voters;
    for (NodeId v : n.core->conf().voters) voters += " " + std::to_string(v);
    trace_.Log("n%llu is now %s in term %llu (last index %llu, voters%s)",
               static_cast<unsigned long long>(n.id), raft::RoleName(role),
               static_cast<unsigned long long>(n.core->term()),
               static_cast<unsigned long long>(n.core->last_index()), voters.c_str());
  }
  last_roles_[n.id - 1] = role;
}

// ---------------------------------------------------------------------------------------------
// Faults.

void Simulation::InjectFaults(uint64_t tick) {
  if (rng_.Chance(params_.crash_per_tick)) {
    const NodeId id = RandomUpNode();
    if (id != 0) Crash(Node(id));
  }
  for (auto& n : nodes_) {
    if (n->up()) continue;
    if ((n->restart_at_tick != 0 && tick >= n->restart_at_tick) ||
        rng_.Chance(params_.restart_per_tick)) {
      n->restart_at_tick = 0;
      Restart(*n);
    }
  }
  if (rng_.Chance(params_.partition_per_tick)) MakePartition();
  if (rng_.Chance(params_.heal_per_tick / 2)) {
    network_.HealAll();
    trace_.Log("network heals");
  }
  if (rng_.Chance(params_.heal_per_tick)) {
    // A partial heal lets one cut-off node back while others stay out: old leaders return to
    // face logs that moved on without them.
    const NodeId id = 1 + rng_.Uniform(nodes_.size());
    network_.HealNode(id);
    trace_.Log("network heals n%llu", static_cast<unsigned long long>(id));
  }
}

void Simulation::MakePartition() {
  const NodeId count = nodes_.size();
  switch (rng_.Uniform(4)) {
    case 0:
    case 1: {
      // Cut one node off both ways: often the leader, the interesting case.
      NodeId victim = FindLeader();
      if (victim == 0 || rng_.OneIn(2)) victim = 1 + rng_.Uniform(count);
      for (NodeId o = 1; o <= count; ++o) {
        if (o == victim) continue;
        network_.Block(victim, o);
        network_.Block(o, victim);
      }
      trace_.Log("partition: n%llu isolated", static_cast<unsigned long long>(victim));
      break;
    }
    case 2: {
      // Split in two random groups.
      std::vector<bool> side(count + 1);
      for (NodeId i = 1; i <= count; ++i) side[i] = rng_.OneIn(2);
      for (NodeId a = 1; a <= count; ++a) {
        for (NodeId b = 1; b <= count; ++b) {
          if (side[a] != side[b]) network_.Block(a, b);
        }
      }
      trace_.Log("partition: split in two");
      break;
    }
    default: {
      // One-way links: a hears b but b does not hear a.
      const NodeId a = 1 + rng_.Uniform(count), b = 1 + rng_.Uniform(count);
      if (a != b) network_.Block(a, b);
      trace_.Log("partition: one-way n%llu -/-> n%llu", static_cast<unsigned long long>(a),
                 static_cast<unsigned long long>(b));
      break;
    }
  }
}

void Simulation::HealEverything() {
  faults_on_ = false;
  network_.HealAll();
  NetworkFaults calm;
  calm.min_delay_steps = 1;
  calm.max_delay_steps = 2;
  network_.set_faults(calm);
  for (auto& n : nodes_) {
    if (!n->up()) Restart(*n);
  }
  trace_.Log("faults stop: network healed, all nodes up");
}

// ---------------------------------------------------------------------------------------------
// Clients.

NodeId Simulation::FindLeader() {
  NodeId best = 0;
  uint64_t best_term = 0;
  for (auto& n : nodes_) {
    if (n->up() && n->core->role() == raft::Role::kLeader && n->core->term() >= best_term) {
      best = n->id;
      best_term = n->core->term();
    }
  }
  return best;
}

NodeId Simulation::RandomUpNode() {
  std::vector<NodeId> up;
  for (auto& n : nodes_) {
    if (n->up()) up.push_back(n->id);
  }
  return up.empty() ? 0 : up[rng_.Uniform(up.size())];
}

void Simulation::ClientPropose() {
  NodeId target = FindLeader();
  if (target == 0 || rng_.OneIn(10)) target = RandomUpNode();
  if (target == 0) return;
  SimNode& n = Node(target);
  std::string data = "p" + std::to_string(++next_client_id_);
  Result<uint64_t> index = n.core->Propose(data);
  Observe(n);
  if (!index.ok()) return;
  trace_.Log("propose %s at n%llu -> index %llu", data.c_str(),
             static_cast<unsigned long long>(target), static_cast<unsigned long long>(*index));
  proposals_.emplace(std::move(data), Proposal{target, n.incarnation, *index});
}

void Simulation::ClientRead() {
  NodeId target = FindLeader();
  if (target == 0 || rng_.OneIn(4)) target = RandomUpNode();
  if (target == 0) return;
  SimNode& n = Node(target);
  std::string context = "r" + std::to_string(++next_client_id_);
  if (!n.core->ReadIndex(context).ok()) return;
  const uint64_t required = std::max(acked_max_index_, read_max_index_);
  trace_.Log("read %s at n%llu (must see index %llu)", context.c_str(),
             static_cast<unsigned long long>(target), static_cast<unsigned long long>(required));
  reads_.emplace(std::move(context), PendingRead{target, n.incarnation, required, step_});
}

void Simulation::ServeReads(SimNode& n) {
  for (auto it = reads_.begin(); it != reads_.end();) {
    PendingRead& r = it->second;
    if (r.node != n.id || !r.has_index || n.state.applied_index < r.read_index) {
      ++it;
      continue;
    }
    trace_.Log("read %s served by n%llu at index %llu (read index %llu)", it->first.c_str(),
               static_cast<unsigned long long>(n.id),
               static_cast<unsigned long long>(n.state.applied_index),
               static_cast<unsigned long long>(r.read_index));
    checker_.OnRead(n.id, it->first, r.required_index, n.state.applied_index);
    read_max_index_ = std::max(read_max_index_, n.state.applied_index);
    ++result_.reads_served;
    it = reads_.erase(it);
  }
}

void Simulation::ClientChangeMembership() {
  const NodeId leader = FindLeader();
  if (leader == 0) return;
  raft::Core& core = *Node(leader).core;
  const raft::ConfState& conf = core.conf();
  std::vector<raft::ConfChange> options;
  for (auto& n : nodes_) {
    if (raft::IsLearner(conf, n->id)) {
      options.push_back({raft::ConfChangeType::kAddVoter, n->id});
    } else if (!raft::IsVoter(conf, n->id)) {
      options.push_back({raft::ConfChangeType::kAddLearner, n->id});
    } else if (conf.voters.size() > static_cast<size_t>(params_.voters) && n->id != leader) {
      options.push_back({raft::ConfChangeType::kRemoveNode, n->id});
    }
  }
  if (options.empty()) return;
  const raft::ConfChange cc = options[rng_.Uniform(options.size())];
  Result<uint64_t> index = core.ProposeConfChange(cc);
  trace_.Log("conf change %d n%llu at n%llu: %s", static_cast<int>(cc.type),
             static_cast<unsigned long long>(cc.node), static_cast<unsigned long long>(leader),
             index.ok() ? "proposed" : index.status().ToString().c_str());
  Observe(Node(leader));
}

void Simulation::ClientTransfer() {
  const NodeId leader = FindLeader();
  if (leader == 0) return;
  raft::Core& core = *Node(leader).core;
  const std::vector<NodeId>& voters = core.conf().voters;
  if (voters.size() < 2) return;
  const NodeId to = voters[rng_.Uniform(voters.size())];
  const Status st = core.TransferLeadership(to);
  trace_.Log("transfer leadership n%llu -> n%llu: %s", static_cast<unsigned long long>(leader),
             static_cast<unsigned long long>(to), st.ok() ? "started" : st.ToString().c_str());
}

// ---------------------------------------------------------------------------------------------
// Liveness.

bool Simulation::CheckLiveness(uint64_t tick) {
  const uint64_t since = tick - kFaultTicks;
  if (live_index_ == 0) {
    if (since > kLivenessTicks) {
      checker_.Fail("liveness: no proposal committed within " + std::to_string(kLivenessTicks) +
                    " ticks after the faults stopped");
      return true;
    }
    const NodeId leader = FindLeader();
    // (Re)propose when there is a leader and the last probe went to another node or got stuck.
    if (leader != 0 && (leader != probe_node_ || tick > probe_tick_ + 30)) {
      SimNode& n = Node(leader);
      std::string data = "live" + std::to_string(++next_client_id_);
      if (n.core->Propose(data).ok()) {
        probe_data_ = std::move(data);
        probe_node_ = leader;
        probe_tick_ = tick;
      }
    }
    return false;
  }
  if (live_tick_ == 0) live_tick_ = tick;
  // Every member must catch up with the liveness proposal.
  const NodeId leader = FindLeader();
  bool converged = leader != 0;
  if (leader != 0) {
    const raft::ConfState& conf = Node(leader).core->conf();
    for (auto& n : nodes_) {
      const bool member = raft::IsVoter(conf, n->id) || raft::IsLearner(conf, n->id);
      if (member && n->state.applied_index < live_index_) converged = false;
    }
  }
  if (converged) {
    for (const auto& [index, data] : acked_) {
      if (index > checker_.history_length() || checker_.HistoryAt(index).data != data) {
        checker_.Fail("acknowledged proposal " + data + " is missing from the history");
      }
    }
    return true;
  }
  if (tick > live_tick_ + kConvergeTicks) {
    checker_.Fail("liveness: members did not catch up within " + std::to_string(kConvergeTicks) +
                  " ticks of the liveness proposal");
    return true;
  }
  return false;
}

void Simulation::TickAll(uint64_t tick) {
  if (tick == kFaultTicks) HealEverything();
  if (faults_on_) {
    InjectFaults(tick);
    if (rng_.Chance(params_.conf_per_tick)) ClientChangeMembership();
    if (rng_.Chance(params_.transfer_per_tick)) ClientTransfer();
  }
  for (auto& n : nodes_) {
    if (!n->up()) continue;
    n->core->Tick();
    Observe(*n);
  }
}

void Simulation::ExpireReads() {
  for (auto it = reads_.begin(); it != reads_.end();) {
    const PendingRead& r = it->second;
    const bool gone = step_ > r.issued_step + kReadTimeoutSteps || !Node(r.node).up() ||
                      Node(r.node).incarnation != r.incarnation;
    it = gone ? reads_.erase(it) : std::next(it);
  }
}

void Simulation::ApplyScheduledIsolations() {
  for (size_t i = 0; i < isolations_.size();) {
    if (!faults_on_ || isolations_[i].first > step_) {
      ++i;
      continue;
    }
    const NodeId victim = isolations_[i].second;
    for (auto& o : nodes_) {
      if (o->id == victim) continue;
      network_.Block(victim, o->id);
      network_.Block(o->id, victim);
    }
    trace_.Log("partition: n%llu isolated after becoming leader",
               static_cast<unsigned long long>(victim));
    isolations_.erase(isolations_.begin() + static_cast<long>(i));
  }
}

void Simulation::DeliverMessages() {
  raft::Message m;
  while (!checker_.failed() && network_.NextDue(step_, &m)) {
    if (m.to == 0 || m.to > nodes_.size() || !Node(m.to).up()) continue;  // lost
    SimNode& n = Node(m.to);
    const Status st = n.core->Step(m);
    if (!st.ok()) checker_.Fail("step failed: " + st.ToString());
    Observe(n);
  }
}

void Simulation::HandleReadies() {
  for (auto& n : nodes_) {
    if (checker_.failed()) break;
    if (!n->up() || !n->core->HasReady()) continue;
    if (faults_on_ && rng_.Chance(params_.disk_stall)) continue;
    if (HandleReady(*n) && faults_on_ && rng_.Chance(params_.crash_after_vote)) {
      // A power blip: back at once, or within a few ticks.
      Crash(*n);
      if (rng_.OneIn(2)) {
        Restart(*n);
      } else {
        n->restart_at_tick = step_ / kStepsPerTick + 1 + rng_.Uniform(3);
      }
    }
    Observe(*n);
  }
}

void Simulation::CheckStep() {
  for (auto& n : nodes_) {
    if (n->up() && n->core->role() == raft::Role::kLeader) {
      checker_.CheckLeaderLog(n->id, *n->core, &n->checked_term, &n->checked_upto);
    }
  }
  if (!params_.membership) {
    std::vector<const raft::Storage*> disks;
    for (auto& n : nodes_) disks.push_back(&n->disk);
    checker_.CheckElectable(disks);
  }
}

SimResult Simulation::Run() {
  last_roles_.assign(nodes_.size(), raft::Role::kFollower);
  for (step_ = 0; !checker_.failed(); ++step_) {
    trace_.set_step(step_);
    if (step_ % kStepsPerTick == 0) {
      const uint64_t tick = step_ / kStepsPerTick;
      if (!faults_on_ && CheckLiveness(tick)) break;
      TickAll(tick);
    }
    // After the faults stop, only the liveness proposal is written.
    if (faults_on_ && rng_.Chance(params_.propose_per_step)) ClientPropose();
    if (rng_.Chance(params_.read_per_step)) ClientRead();
    ExpireReads();
    ApplyScheduledIsolations();
    DeliverMessages();
    HandleReadies();
    CheckStep();
  }
  result_.ok = !checker_.failed();
  result_.violation = checker_.violation();
  result_.steps = step_;
  result_.leaders_elected = checker_.leaders_elected();
  result_.entries_applied = checker_.history_length();
  if (!result_.ok) trace_.Log("VIOLATION: %s", result_.violation.c_str());
  return result_;
}

}  // namespace

SimResult RunSimulation(const SimOptions& options) {
  Simulation sim(options);
  return sim.Run();
}

}  // namespace cairn::sim
