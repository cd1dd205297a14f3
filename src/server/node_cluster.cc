// Node's cluster side: the peer transport, relaying a follower's clients to the leader,
// ReadIndex reads, and how far the log may be compacted. The wiring and the write path are
// node.cc.
#include <algorithm>
#include <cinttypes>
#include <cstdio>

#include "commands/errors.h"
#include "server/node.h"

namespace cairn::server {

// The other voters, at the addresses this node's own cluster-peers gives them.
Status Node::StartPeers() {
  if (cluster_.voters.size() <= 1) return Status::Ok();
  replication::TransportOptions o;
  o.self_id = cluster_.node_id;
  o.cluster_id = cluster_.cluster_id;
  o.auth_secret = cluster_.auth_secret;
  o.client_address = ClientAddress();
  const uint64_t seed = static_cast<uint64_t>(clock_.MonotonicUs()) * 7919 + cluster_.node_id;
  peers_ = std::make_unique<replication::PeerTransport>(&loop_, std::move(o), Rng(seed));
  CAIRN_RETURN_IF_ERROR(peers_->Listen(config_.bind, cluster_.cluster_port));
  for (const Peer& p : cluster_.voters) {
    if (p.id == cluster_.node_id) continue;
    CAIRN_RETURN_IF_ERROR(peers_->AddPeer(p.id, FormatAddress(p.host, p.port)));
  }
  // Steps now; BeforePoll runs the Readys this causes before the loop polls again.
  peers_->SetHandler([this](raft::NodeId, raft::Message m) {
    Status st = replicator_->Step(m);
    if (!st.ok()) std::fprintf(stderr, "raft: message from %" PRIu64 " refused: %s\n", m.from,
                               st.ToString().c_str());
  });
  peer_sender_.peers = peers_.get();
  return Status::Ok();
}

// --- relaying clients to the leader ---

// Where other nodes send this node's clients: the announced address (an IP before a name: it
// needs no resolving).
std::string Node::ClientAddress() const {
  return FormatAddress(cluster_.announce_ip.empty() ? cluster_.announce_hostname : cluster_.announce_ip,
                       cluster_.announce_port);
}

std::string Node::RelayTarget() const {
  if (peers_ == nullptr || replicator_->is_leader()) return {};
  const raft::NodeId leader = replicator_->leader();
  if (leader == raft::kNoNode) return {};
  auto stats = peers_->Stats(leader);
  return stats ? stats->client_address : std::string();
}

// Writes, transactions and WATCH go to the leader; reads and the node's own commands (INFO,
// CONFIG, CLIENT, DEBUG ...) run here, as on a Redis replica.
bool Node::NeedsLeader(const Client& c, const std::vector<std::string>& argv) const {
  if (loading_ || c.session.txn.in_multi || argv.empty()) return false;
  const commands::CommandSpec* spec = table_.Find(argv[0]);
  if (spec == nullptr) return false;
  if (spec->is_write()) return true;
  return spec->name == "multi" || spec->name == "watch";
}

bool Node::StartRelay(Client& c, const std::vector<std::string>& argv, const std::string& target) {
  RelaySession session;
  session.password = c.session.authenticated ? config_.requirepass : "";
  session.protocol = c.session.protocol;
  session.db = c.session.db;
  session.name = c.session.name;
  Relay::Callbacks cb;
  net::Connection* conn = c.conn;
  cb.to_client = [this, conn](std::string_view bytes) {
    conn->output().append(bytes);
    stats_.net_output_bytes += bytes.size();
  };
  cb.closed = [conn](const std::string& why) {
    std::fprintf(stderr, "closing relayed client %" PRIu64 ": %s\n", conn->id(), why.c_str());
    conn->CloseAfterWrite();
  };
  auto relay = Relay::Open(&loop_, target, session, std::move(cb));
  if (!relay.ok()) {
    std::fprintf(stderr, "relay to the leader at %s: %s\n", target.c_str(),
                 relay.status().ToString().c_str());
    return false;
  }
  c.relay = std::move(*relay);
  relayed_leader_ = replicator_->leader();
  ++relays_opened_;
  std::string first;
  first += "*" + std::to_string(argv.size()) + "\r\n";
  for (const std::string& a : argv) first += "$" + std::to_string(a.size()) + "\r\n" + a + "\r\n";
  c.relay->Forward(first);
  return true;
}

void Node::ForwardInput(Client& c) {
  std::string_view in = c.conn->input().readable();
  if (in.empty()) return;
  stats_.net_input_bytes += in.size();
  c.relay->Forward(in);
  c.conn->input().Consume(in.size());
}

void Node::CloseRelaysOnLeaderChange() {
  if (relays_opened_ == 0 || replicator_->leader() == relayed_leader_) return;
  for (auto& [id, c] : clients_) {
    if (c->relay) c->conn->Close();
  }
  relayed_leader_ = replicator_->leader();
}

// --- linearizable reads (read_fence.h) ---

bool Node::NeedsReadIndex(const Client& c, const std::vector<std::string>& argv) const {
  if (loading_ || argv.empty()) return false;
  const commands::CommandSpec* spec = table_.Find(argv[0]);
  if (spec == nullptr || spec->is_write()) return false;
  if (c.session.txn.in_multi) return spec->name == "exec";  // queued reads run at EXEC
  return spec->first_key > 0 || spec->name == "dbsize" || spec->name == "scan" ||
         spec->name == "keys" || spec->name == "randomkey";
}

void Node::SendReadIndex() {
  if (read_fence_.waiting() == 0) return;
  ++read_index_rounds_;
  std::vector<uint64_t> refused = read_fence_.Send(
      [this](std::string context) { return replicator_->ReadIndex(std::move(context)); }, raft_ticks_);
  for (uint64_t id : refused) {
    if (Client* c = FindClient(id)) {
      c->read_refused = true;
      resume_.push_back(id);
    }
  }
}

void Node::ReleaseReads() {
  if (read_fence_.in_flight() == 0) return;
  std::vector<uint64_t> ready;
  read_fence_.Release(replicator_->applied_index(), &ready);
  for (uint64_t id : ready) {
    if (Client* c = FindClient(id)) {
      c->read_cleared = true;
      resume_.push_back(id);
    }
  }
}

// The log's membership (not cluster-peers, which only says where peers are) is this node alone.
bool Node::SoleVoter() const {
  const raft::ConfState& conf = replicator_->core().conf();
  return conf.voters.size() == 1 && conf.voters.front() == cluster_.node_id;
}

uint64_t Node::CompactionPoint() const {
  uint64_t point = keyspace_->synced_index();
  if (SoleVoter()) return point;
  if (!replicator_->is_leader()) return 0;  // a follower keeps its log for now
  return std::min(point, replicator_->min_voter_match());
}

}  // namespace cairn::server
