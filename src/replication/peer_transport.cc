// PeerTransport: membership, send queues, dialing with resolve and backoff, the retry/handshake
// timer, and link bookkeeping. The handshake and frame checks are in peer_transport_handshake.cc.
#include "replication/peer_transport.h"

#include <netdb.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <iterator>

#include "net/address.h"

namespace cairn::replication {
namespace {

// Two whole handshake messages: what a link may buffer before its handshake is done.
constexpr size_t kHandshakeInputBytes = 2 * (4 + kMaxHandshakeBodyBytes);
constexpr int kShutdownRounds = 100000;
constexpr auto kShutdownTime = std::chrono::seconds(2);

struct AddrInfoFree {
  void operator()(addrinfo* ai) const { uv_freeaddrinfo(ai); }
};

}  // namespace

uint64_t BackoffDelayMs(uint32_t attempt, uint64_t min_ms, uint64_t max_ms, Rng& rng) {
  uint64_t ceiling = std::max<uint64_t>(min_ms, 1);
  for (uint32_t i = 0; i < attempt && ceiling < max_ms; ++i) ceiling *= 2;
  ceiling = std::min(ceiling, std::max(max_ms, uint64_t{1}));
  const uint64_t floor = ceiling / 2;
  return floor + rng.Uniform(ceiling - floor + 1);
}

Status ParsePeerAddress(const std::string& address, std::string* host, int* port) {
  const size_t colon = address.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == address.size()) {
    return Status::InvalidArgument("peer address '" + address + "' is not host:port");
  }
  std::string h = address.substr(0, colon);
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  const std::string digits = address.substr(colon + 1);
  int p = 0;
  for (char c : digits) {
    if (c < '0' || c > '9' || p > 65535) {
      return Status::InvalidArgument("bad port in peer address '" + address + "'");
    }
    p = p * 10 + (c - '0');
  }
  if (h.empty() || p < 1 || p > 65535) {
    return Status::InvalidArgument("bad peer address '" + address + "'");
  }
  *host = std::move(h);
  *port = p;
  return Status::Ok();
}

PeerTransport::PeerTransport(uv_loop_t* loop, TransportOptions options, Rng rng)
    : loop_(loop), options_(std::move(options)), rng_(rng) {
  uv_timer_init(loop_, &timer_);
  timer_.data = this;
}

PeerTransport::~PeerTransport() {
  shutting_down_ = true;
  for (auto& [id, peer] : peers_) ++peer.dial_generation;
  std::vector<Link*> all;
  for (auto& [id, link] : links_) all.push_back(link.get());
  for (Link* link : all) link->Close();
  if (listening_) CloseOwnHandle(reinterpret_cast<uv_handle_t*>(&listener_));
  CloseOwnHandle(reinterpret_cast<uv_handle_t*>(&timer_));
  for (auto& [req, pending] : resolves_) uv_cancel(reinterpret_cast<uv_req_t*>(req));
  // Let libuv run the callbacks that still point into this object, bounded in rounds and time.
  const auto give_up = std::chrono::steady_clock::now() + kShutdownTime;
  for (int round = 0;
       round < kShutdownRounds && (!links_.empty() || closing_handles_ > 0 || !resolves_.empty()) &&
       std::chrono::steady_clock::now() < give_up;
       ++round) {
    uv_run(loop_, UV_RUN_NOWAIT);
  }
  // A resolve still running in libuv's thread pool frees itself when it ends.
  for (auto& [req, pending] : resolves_) pending.release()->owner = nullptr;
}

void PeerTransport::CloseOwnHandle(uv_handle_t* handle) {
  ++closing_handles_;
  uv_close(handle,
           [](uv_handle_t* h) { --static_cast<PeerTransport*>(h->data)->closing_handles_; });
}

Status PeerTransport::Listen(const std::string& host, int port) {
  if (listening_) return Status::InvalidArgument("the peer transport is already listening");
  uv_tcp_init(loop_, &listener_);
  listener_.data = this;
  Status st = net::BindAndListen(&listener_, host, port, 128, OnListenerConnection, &bound_port_);
  if (!st.ok()) {
    CloseOwnHandle(reinterpret_cast<uv_handle_t*>(&listener_));
    return Status::IoError("cluster port: " + st.message());
  }
  listening_ = true;
  return Status::Ok();
}

void PeerTransport::OnListenerConnection(uv_stream_t* listener, int status) {
  auto* self = static_cast<PeerTransport*>(listener->data);
  if (status < 0 || self->shutting_down_) return;
  const bool full = self->PendingHandshakes() >= self->options_.max_pending_handshakes;
  Link& link = self->NewLink(LinkRole::kAcceptor);
  if (!link.Accept(listener) || full) {
    // Not logged: under a flood of connections the log would be the flood.
    if (full) ++self->counters_.links_refused;
    link.Close();
    return;
  }
  link.deadline_ms = self->NowMs() + self->options_.handshake_timeout_ms;
  link.StartReading();
  self->ArmTimer();
}

Status PeerTransport::AddPeer(raft::NodeId id, const std::string& address) {
  if (id == raft::kNoNode || id == options_.self_id) {
    return Status::InvalidArgument("peer id " + std::to_string(id) + " is not another node");
  }
  std::string host;
  int port = 0;
  CAIRN_RETURN_IF_ERROR(ParsePeerAddress(address, &host, &port));
  auto [it, added] = peers_.try_emplace(id);
  Peer& peer = it->second;
  if (!added && peer.address == address) return Status::Ok();
  peer.id = id;
  peer.address = address;
  peer.stats.id = id;
  peer.stats.address = address;
  peer.attempts = 0;
  CloseDialedLink(peer);
  Dial(peer);
  return Status::Ok();
}

void PeerTransport::RemovePeer(raft::NodeId id) {
  Peer* peer = FindPeer(id);
  if (peer == nullptr) return;
  CloseDialedLink(*peer);
  peers_.erase(id);
  std::vector<Link*> inbound;
  for (auto& [link_id, link] : links_) {
    if (link->role() == LinkRole::kAcceptor && link->peer == id) inbound.push_back(link.get());
  }
  for (Link* link : inbound) link->Close();
  ArmTimer();
}

Status PeerTransport::Send(raft::NodeId to, const raft::Message& message) {
  Peer* peer = FindPeer(to);
  if (peer == nullptr) return Status::NotFound("node " + std::to_string(to) + " is not a peer");
  if (message.to != to || message.from != options_.self_id) {
    return Status::InvalidArgument("a message must go from this node to the peer it is sent to");
  }
  std::string frame = raft::EncodeFrame(message);
  if (frame.size() - raft::kFrameHeaderBytes > options_.max_frame_body_bytes) {
    ++peer->stats.messages_dropped;
    return Status::InvalidArgument("a message of " + std::to_string(frame.size()) +
                                   " bytes is larger than a frame may be");
  }
  Link* link = peer->link_id != 0 ? FindLink(peer->link_id) : nullptr;
  const size_t queued = peer->queue.size() + (link != nullptr ? link->buffered_bytes() : 0);
  if (queued + frame.size() > options_.max_queue_bytes) {
    ++peer->stats.messages_dropped;
    return Status::Busy("the send queue to node " + std::to_string(to) + " is full");
  }
  peer->queue.append(frame);
  ++peer->queue_frames;
  if (link != nullptr) FeedLink(*peer, *link);
  return Status::Ok();
}

// Hands the whole queue to the link as one write batch, once the link is open and idle.
void PeerTransport::FeedLink(Peer& peer, Link& link) {
  if (link.phase != LinkPhase::kOpen || link.closing() || !link.write_idle() ||
      peer.queue.empty()) {
    return;
  }
  link.batch_frames = peer.queue_frames;
  peer.queue_frames = 0;
  link.Write(std::move(peer.queue));
  peer.queue.clear();
}

void PeerTransport::Dial(Peer& peer) {
  if (shutting_down_) return;
  peer.retry_at_ms = 0;
  ++peer.dial_generation;
  std::string host;
  int port = 0;
  if (!ParsePeerAddress(peer.address, &host, &port).ok()) return;  // checked by AddPeer
  if (options_.resolver) {
    ResolveWith(options_.resolver, peer, host, port);
    return;
  }
  auto pending = std::make_unique<PendingResolve>();
  pending->owner = this;
  pending->peer = peer.id;
  pending->dial_generation = peer.dial_generation;
  pending->req.data = pending.get();
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_protocol = IPPROTO_TCP;
  const std::string service = std::to_string(port);
  const int rc =
      uv_getaddrinfo(loop_, &pending->req, OnResolved, host.c_str(), service.c_str(), &hints);
  if (rc != 0) {
    DialFailed(peer, std::string("cannot resolve: ") + uv_strerror(rc));
    return;
  }
  uv_getaddrinfo_t* key = &pending->req;
  resolves_.emplace(key, std::move(pending));
}

void PeerTransport::OnResolved(uv_getaddrinfo_t* req, int status, addrinfo* result) {
  std::unique_ptr<addrinfo, AddrInfoFree> addresses(result);
  auto* raw = static_cast<PendingResolve*>(req->data);
  PeerTransport* self = raw->owner;
  std::unique_ptr<PendingResolve> pending;
  if (self == nullptr) {
    pending.reset(raw);  // the transport is gone: only free the request
    return;
  }
  auto it = self->resolves_.find(req);
  pending = std::move(it->second);
  self->resolves_.erase(it);
  Peer* peer = self->FindPeer(pending->peer);
  if (self->shutting_down_ || peer == nullptr ||
      peer->dial_generation != pending->dial_generation) {
    return;  // removed, readdressed or redialed meanwhile
  }
  if (status != 0) {
    self->DialFailed(*peer, std::string("cannot resolve: ") + uv_strerror(status));
    return;
  }
  std::vector<sockaddr_storage> candidates;
  for (const addrinfo* ai = result; ai != nullptr; ai = ai->ai_next) {
    if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6) continue;
    sockaddr_storage ss{};
    std::memcpy(&ss, ai->ai_addr, std::min<size_t>(ai->ai_addrlen, sizeof(ss)));
    candidates.push_back(ss);
  }
  self->ConnectCandidates(*peer, std::move(candidates));
}

void PeerTransport::ResolveWith(const Resolver& resolver, Peer& peer, const std::string& host,
                                int port) {
  Result<std::vector<std::string>> ips = resolver(host);
  if (!ips.ok()) {
    DialFailed(peer, "cannot resolve: " + ips.status().message());
    return;
  }
  std::vector<sockaddr_storage> candidates;
  for (const std::string& ip : *ips) {
    sockaddr_storage ss{};
    const int rc = ip.find(':') != std::string::npos
                       ? uv_ip6_addr(ip.c_str(), port, reinterpret_cast<sockaddr_in6*>(&ss))
                       : uv_ip4_addr(ip.c_str(), port, reinterpret_cast<sockaddr_in*>(&ss));
    if (rc == 0) candidates.push_back(ss);
  }
  ConnectCandidates(peer, std::move(candidates));
}

void PeerTransport::ConnectCandidates(Peer& peer, std::vector<sockaddr_storage> candidates) {
  if (candidates.empty()) {
    DialFailed(peer, "the name resolves to no IPv4 or IPv6 address");
    return;
  }
  peer.candidates = std::move(candidates);
  peer.next_candidate = 0;
  ConnectNextCandidate(peer);
}

void PeerTransport::ConnectNextCandidate(Peer& peer) {
  const sockaddr_storage address = peer.candidates[peer.next_candidate++];
  Link& link = NewLink(LinkRole::kDialer);
  link.peer = peer.id;
  link.dial_generation = peer.dial_generation;
  link.deadline_ms = NowMs() + options_.handshake_timeout_ms;
  peer.link_id = link.id();
  ArmTimer();
  link.Connect(reinterpret_cast<const sockaddr*>(&address));
}

void PeerTransport::OnLinkConnected(Link& link, int status) {
  Peer* peer = FindPeer(link.peer);
  if (peer == nullptr || peer->link_id != link.id()) {
    link.Close();
    return;
  }
  if (status != 0) {
    // Logged once per outage: a dead peer is retried every few seconds for as long as it is down.
    if (peer->attempts == 0 && peer->next_candidate == peer->candidates.size()) {
      Log("cannot connect to node " + std::to_string(peer->id) + " at " + peer->address + ": " +
          uv_strerror(status) + " (retrying with backoff)");
    }
    return;  // the link closes itself; OnLinkClosing tries the next address or schedules a retry
  }
  link.StartReading();
  SendHello(link);
}

void PeerTransport::DialFailed(Peer& peer, const std::string& why) {
  ++peer.stats.connect_failures;
  if (peer.attempts == 0)
    Log("node " + std::to_string(peer.id) + " at " + peer.address + ": " + why);
  ScheduleRetry(peer);
}

void PeerTransport::ScheduleRetry(Peer& peer) {
  if (shutting_down_) return;
  const uint64_t delay =
      BackoffDelayMs(peer.attempts, options_.backoff_min_ms, options_.backoff_max_ms, rng_);
  ++peer.attempts;
  peer.retry_at_ms = NowMs() + delay;
  ArmTimer();
}

void PeerTransport::CloseDialedLink(Peer& peer) {
  ++peer.dial_generation;  // a resolve in flight is now stale
  peer.retry_at_ms = 0;
  peer.stats.connected = false;
  Link* link = peer.link_id != 0 ? FindLink(peer.link_id) : nullptr;
  peer.link_id = 0;
  if (link == nullptr) return;
  peer.stats.messages_dropped += link->batch_frames;
  link->batch_frames = 0;
  link->Close();
}

void PeerTransport::OnLinkWritten(Link& link, bool ok) {
  if (link.role() != LinkRole::kDialer) return;
  Peer* peer = FindPeer(link.peer);
  if (peer == nullptr || peer->link_id != link.id()) return;
  if (ok) {
    peer->stats.messages_sent += link.batch_frames;
  } else {
    peer->stats.messages_dropped += link.batch_frames;
  }
  link.batch_frames = 0;
  if (ok) FeedLink(*peer, link);
}

void PeerTransport::OnLinkClosing(Link& link) {
  if (link.role() != LinkRole::kDialer) return;
  Peer* peer = FindPeer(link.peer);
  if (peer == nullptr || peer->link_id != link.id()) return;  // closed on purpose
  peer->link_id = 0;
  peer->stats.connected = false;
  peer->stats.messages_dropped += link.batch_frames;
  link.batch_frames = 0;
  if (shutting_down_) return;
  if (link.phase == LinkPhase::kOpen) {
    Log("link to node " + std::to_string(peer->id) + " at " + peer->address + " closed");
    ScheduleRetry(*peer);
    return;
  }
  if (link.phase == LinkPhase::kConnecting && peer->next_candidate < peer->candidates.size()) {
    ConnectNextCandidate(*peer);  // the name has another address: try it now
    return;
  }
  ++peer->stats.connect_failures;
  ScheduleRetry(*peer);
}

void PeerTransport::OnLinkFreed(Link& link) { links_.erase(link.id()); }

void PeerTransport::ArmTimer() {
  if (shutting_down_) return;
  uint64_t next = 0;
  auto consider = [&next](uint64_t at) {
    if (at != 0 && (next == 0 || at < next)) next = at;
  };
  for (const auto& [id, peer] : peers_) consider(peer.retry_at_ms);
  for (const auto& [id, link] : links_) {
    if (link->phase != LinkPhase::kOpen && !link->closing()) consider(link->deadline_ms);
  }
  if (next == 0) {
    uv_timer_stop(&timer_);
    return;
  }
  const uint64_t now = NowMs();
  uv_timer_start(&timer_, OnTimer, next > now ? next - now : 0, 0);
}

void PeerTransport::OnTimer(uv_timer_t* timer) {
  auto* self = static_cast<PeerTransport*>(timer->data);
  const uint64_t now = self->NowMs();
  std::vector<raft::NodeId> due;
  for (const auto& [id, peer] : self->peers_) {
    if (peer.retry_at_ms != 0 && peer.retry_at_ms <= now) due.push_back(id);
  }
  std::vector<Link*> late;
  for (const auto& [id, link] : self->links_) {
    if (link->phase != LinkPhase::kOpen && !link->closing() && link->deadline_ms <= now) {
      late.push_back(link.get());
    }
  }
  for (Link* link : late) {
    self->Log("handshake with " +
              (link->remote().empty() ? "node " + std::to_string(link->peer) : link->remote()) +
              " timed out");
    if (link->role() == LinkRole::kAcceptor) ++self->counters_.links_refused;
    link->Close();
  }
  for (raft::NodeId id : due) {
    if (Peer* peer = self->FindPeer(id)) self->Dial(*peer);
  }
  self->ArmTimer();
}

std::optional<PeerStats> PeerTransport::Stats(raft::NodeId id) const {
  auto it = peers_.find(id);
  if (it == peers_.end()) return std::nullopt;
  const Peer& peer = it->second;
  PeerStats stats = peer.stats;
  stats.bytes_queued = peer.queue.size();
  auto link = peer.link_id != 0 ? links_.find(peer.link_id) : links_.end();
  if (link != links_.end()) stats.bytes_queued += link->second->buffered_bytes();
  return stats;
}

std::vector<PeerStats> PeerTransport::AllStats() const {
  std::vector<PeerStats> all;
  for (const auto& [id, peer] : peers_) all.push_back(*Stats(id));
  return all;
}

PeerTransport::Peer* PeerTransport::FindPeer(raft::NodeId id) {
  auto it = peers_.find(id);
  return it == peers_.end() ? nullptr : &it->second;
}

Link* PeerTransport::FindLink(uint64_t id) {
  auto it = links_.find(id);
  return it == links_.end() ? nullptr : it->second.get();
}

size_t PeerTransport::PendingHandshakes() const {
  size_t n = 0;
  for (const auto& [id, link] : links_) {
    n += link->role() == LinkRole::kAcceptor && link->phase != LinkPhase::kOpen && !link->closing()
             ? 1
             : 0;
  }
  return n;
}

Link& PeerTransport::NewLink(LinkRole role) {
  const uint64_t id = next_link_id_++;
  LinkOwner* owner = this;  // a private base: convert here, where it is accessible
  auto link = std::make_unique<Link>(loop_, owner, id, role, kHandshakeInputBytes);
  Link& ref = *link;
  links_.emplace(id, std::move(link));
  return ref;
}

void PeerTransport::Log(const std::string& line) const {
  if (options_.log) {
    options_.log(line);
  } else {
    std::fprintf(stderr, "replication: %s\n", line.c_str());
  }
}

}  // namespace cairn::replication
