// PeerTransport: carries raft::Messages between the nodes of a cluster over TCP on the libuv loop,
// with a checked handshake, reconnects and bounded send queues.
//
// Links: each node dials every peer it sends to (etcd's raft transport does the same), so a pair
// of nodes has two connections, each carrying frames one way only. A dialed link needs no
// tie-break when both sides connect at once, a restarted node simply dials again, and the
// acceptor knows from the handshake which member it hears. The acceptor sends only handshake
// replies; frames go dialer -> acceptor (raft/codec.h frames, checked on receipt).
//
// Ownership: the transport owns its listener, its links and its per-peer queues; the loop and the
// handler are the caller's (the loop must outlive the transport, and run so closes can finish:
// the destructor runs it briefly, bounded in rounds and time). Threads: loop thread only, the
// handler included; the handler may call Send and the peer functions but must not destroy the
// transport. Cost: Send encodes once (O(message)) and copies into the peer's queue; a queue is
// capped at max_queue_bytes (messages beyond are dropped and counted: Raft retransmits); input
// is capped per link at two handshake messages until the handshake is done, then at one largest
// frame plus one 64 KiB read.
#pragma once

#include <uv.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/rng.h"
#include "common/status.h"
#include "raft/codec.h"
#include "raft/types.h"
#include "replication/handshake.h"
#include "replication/link.h"

namespace cairn::replication {

// Turns a peer's host into IP literals. Tests inject one; the default resolves with
// uv_getaddrinfo on libuv's thread pool, so a slow DNS server never blocks the loop.
using Resolver = std::function<Result<std::vector<std::string>>(const std::string& host)>;

struct TransportOptions {
  raft::NodeId self_id = raft::kNoNode;
  std::string cluster_id;   // both ends must name the same one (at most kMaxClusterIdBytes)
  std::string auth_secret;  // cluster-auth-secret; empty: links are not authenticated
  // Where this node serves clients ("host:port"), told to every peer in the handshake so that
  // followers can relay clients to the leader.
  std::string client_address;
  size_t max_queue_bytes = 64u << 20;                        // per peer, queued plus in flight
  uint32_t max_frame_body_bytes = raft::kMaxFrameBodyBytes;  // a larger frame closes the link
  uint64_t backoff_min_ms = 50;
  uint64_t backoff_max_ms = 2000;
  uint64_t handshake_timeout_ms = 5000;  // connect plus handshake, either side
  // Inbound connections still in their handshake; more are closed at once (an open port must
  // not let anyone hold memory or descriptors without proving anything).
  size_t max_pending_handshakes = 64;
  Resolver resolver;  // empty: uv_getaddrinfo, asynchronously
  // Where the transport says why it refused or closed a link; default: a line on stderr.
  std::function<void(const std::string&)> log;
};

// The delay before reconnect attempt `attempt` (0 for the first retry): doubling from min_ms,
// capped at max_ms, with "equal jitter" (uniform in the upper half) so peers that lost each other
// at the same time do not retry in lockstep. Pure given the rng.
uint64_t BackoffDelayMs(uint32_t attempt, uint64_t min_ms, uint64_t max_ms, Rng& rng);

// Splits "host:port" ("[v6]:port" for an IPv6 literal). Errors: kInvalidArgument.
Status ParsePeerAddress(const std::string& address, std::string* host, int* port);

// Per-peer figures, for INFO.
struct PeerStats {
  raft::NodeId id = raft::kNoNode;
  std::string address;
  std::string client_address;      // where it serves clients, from its last proven handshake
  bool connected = false;          // our dialed link has finished its handshake
  size_t bytes_queued = 0;         // waiting plus in flight on the link
  uint64_t messages_sent = 0;      // handed to the kernel on an open link
  uint64_t messages_dropped = 0;   // queue full, or lost with a link that broke
  uint64_t messages_received = 0;  // on links this peer dialed to us
  uint64_t connects = 0;           // handshakes completed on our dialed link
  uint64_t connect_failures = 0;   // resolve, connect or handshake failures, refusals included
};

// Transport-wide figures: why links were refused or closed.
struct TransportCounters {
  uint64_t links_accepted = 0;  // inbound handshakes completed
  uint64_t links_refused = 0;   // inbound: refused (a reason below, a wrong cluster id or
                                // member, a timeout, or too many handshakes pending)
  uint64_t auth_failures = 0;   // inbound or outbound: a wrong or missing proof
  uint64_t bad_handshakes = 0;  // inbound or outbound: bytes that are not a handshake message
  uint64_t frames_received = 0;
  uint64_t frames_rejected = 0;  // corrupt, oversized, unknown version, or from the wrong node
};

class PeerTransport final : private LinkOwner {
 public:
  using Handler = std::function<void(raft::NodeId from, raft::Message message)>;

  PeerTransport(uv_loop_t* loop, TransportOptions options, Rng rng);
  ~PeerTransport() override;
  PeerTransport(const PeerTransport&) = delete;
  PeerTransport& operator=(const PeerTransport&) = delete;

  // Listens for peers on host:port (port 0: any free port, see bound_port()).
  Status Listen(const std::string& host, int port);
  int bound_port() const { return bound_port_; }
  void SetHandler(Handler handler) { handler_ = std::move(handler); }

  // Adds a member, or gives a known one a new address (its link is redialed). The address is
  // "host:port"; the host is resolved again at every connect. Only members may dial us.
  Status AddPeer(raft::NodeId id, const std::string& address);
  // Forgets a member: its queue is dropped and its links, both ways, are closed.
  void RemovePeer(raft::NodeId id);
  bool HasPeer(raft::NodeId id) const { return peers_.count(id) != 0; }

  // Queues message for peer `to`; it goes out once the link to `to` is up. Errors: kNotFound
  // (not a member), kInvalidArgument (message.from is not this node or message.to is not `to`,
  // or it is larger than a frame may be), kBusy (the peer's queue is full: dropped and counted).
  Status Send(raft::NodeId to, const raft::Message& message);

  std::optional<PeerStats> Stats(raft::NodeId id) const;
  std::vector<PeerStats> AllStats() const;
  const TransportCounters& counters() const { return counters_; }

 private:
  struct Peer {
    raft::NodeId id = raft::kNoNode;
    std::string address;
    std::string queue;  // whole frames waiting for the link
    uint64_t queue_frames = 0;
    uint64_t link_id = 0;          // our dialed link, 0 when none
    uint64_t dial_generation = 0;  // bumped per dial: stale resolves and links are ignored
    uint32_t attempts = 0;         // failed dials since the last success
    uint64_t retry_at_ms = 0;      // loop time of the next dial, 0 when none is scheduled
    std::vector<sockaddr_storage> candidates;  // the last resolve's addresses, tried in order
    size_t next_candidate = 0;
    PeerStats stats;
  };
  // A uv_getaddrinfo in flight. Its owner is cleared if the transport goes away first; the
  // callback then only frees it.
  struct PendingResolve {
    uv_getaddrinfo_t req{};
    PeerTransport* owner = nullptr;
    raft::NodeId peer = raft::kNoNode;
    uint64_t dial_generation = 0;
  };

  // LinkOwner
  void OnLinkConnected(Link& link, int status) override;
  void OnLinkData(Link& link) override;
  void OnLinkWritten(Link& link, bool ok) override;
  void OnLinkClosing(Link& link) override;
  void OnLinkFreed(Link& link) override;

  // Dialing (peer_transport.cc).
  void Dial(Peer& peer);
  static void OnResolved(uv_getaddrinfo_t* req, int status, addrinfo* result);
  void ResolveWith(const Resolver& resolver, Peer& peer, const std::string& host, int port);
  void ConnectCandidates(Peer& peer, std::vector<sockaddr_storage> candidates);
  void ConnectNextCandidate(Peer& peer);
  void DialFailed(Peer& peer, const std::string& why);
  void ScheduleRetry(Peer& peer);
  void CloseDialedLink(Peer& peer);
  void FeedLink(Peer& peer, Link& link);
  static void OnListenerConnection(uv_stream_t* listener, int status);
  static void OnTimer(uv_timer_t* timer);
  void ArmTimer();

  // Handshake and frames (peer_transport_handshake.cc).
  void SendHello(Link& link);
  void OnDialerData(Link& link);
  void OnDialerMessage(Link& link, const HandshakeMessage& m);
  void OnAcceptorData(Link& link);
  void OnHello(Link& link, const HandshakeMessage& m);
  void OnProof(Link& link, const HandshakeMessage& m);
  void OnFrames(Link& link);
  void Refuse(Link& link, const std::string& why);
  std::string CheckHello(const HandshakeMessage& m) const;
  void LinkOpened(Link& link);

  Peer* FindPeer(raft::NodeId id);
  Link* FindLink(uint64_t id);
  Link& NewLink(LinkRole role);
  size_t PendingHandshakes() const;
  void Log(const std::string& line) const;
  void CloseOwnHandle(uv_handle_t* handle);
  uint64_t NowMs() const { return uv_now(loop_); }

  uv_loop_t* loop_;
  const TransportOptions options_;
  Rng rng_;
  Handler handler_;
  uv_tcp_t listener_{};
  uv_timer_t timer_{};
  bool listening_ = false;
  bool shutting_down_ = false;
  int bound_port_ = 0;
  int closing_handles_ = 0;  // our own handles whose close callback has not run yet
  uint64_t next_link_id_ = 1;
  std::map<raft::NodeId, Peer> peers_;
  std::unordered_map<uint64_t, std::unique_ptr<Link>> links_;
  std::unordered_map<uv_getaddrinfo_t*, std::unique_ptr<PendingResolve>> resolves_;
  TransportCounters counters_;
};

}  // namespace cairn::replication
