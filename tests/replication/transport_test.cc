// PeerTransport over real loopback sockets: delivery and order, reconnects, handshake refusals,
// authentication, frame checks and bounded queues. Raw sockets play the misbehaving peers.
#include <doctest/doctest.h>

#include <map>
#include <memory>
#include <vector>

#include "common/coding.h"
#include "raft/codec.h"
#include "replication/peer_transport.h"
#include "test_util.h"

namespace cairn::replication {
namespace {

using raft::Message;
using raft::NodeId;
using testing::Loopback;
using testing::Msg;
using testing::RawSocket;
using testing::TestLoop;

// One transport plus what it delivered and logged.
struct Node {
  std::unique_ptr<PeerTransport> transport;
  std::vector<std::pair<NodeId, Message>> received;
  std::vector<std::string> log;

  PeerTransport* operator->() { return transport.get(); }
  size_t CountFrom(NodeId from) const {
    size_t n = 0;
    for (const auto& [f, m] : received) n += f == from ? 1 : 0;
    return n;
  }
  bool Logged(std::string_view part) const {
    for (const std::string& line : log) {
      if (line.find(part) != std::string::npos) return true;
    }
    return false;
  }
};

TransportOptions Options(NodeId id, std::string cluster = "test-cluster", std::string secret = "") {
  TransportOptions o;
  o.self_id = id;
  o.cluster_id = std::move(cluster);
  o.auth_secret = std::move(secret);
  o.backoff_min_ms = 10;
  o.backoff_max_ms = 100;
  return o;
}

std::unique_ptr<Node> StartNode(TestLoop& loop, TransportOptions options, int port = 0,
                                const std::string& host = "127.0.0.1") {
  auto node = std::make_unique<Node>();
  Node* n = node.get();
  options.log = [n](const std::string& line) { n->log.push_back(line); };
  const Rng rng(options.self_id);
  node->transport = std::make_unique<PeerTransport>(loop.get(), std::move(options), rng);
  REQUIRE(node->transport->Listen(host, port).ok());
  node->transport->SetHandler(
      [n](NodeId from, Message m) { n->received.emplace_back(from, std::move(m)); });
  return node;
}

// Nodes 1 and 2 that know each other, and have each sent the other message 1.
std::pair<std::unique_ptr<Node>, std::unique_ptr<Node>> StartPair(TestLoop& loop,
                                                                  TransportOptions options_1,
                                                                  TransportOptions options_2) {
  auto a = StartNode(loop, std::move(options_1));
  auto b = StartNode(loop, std::move(options_2));
  REQUIRE((*a)->AddPeer(2, Loopback((*b)->bound_port())).ok());
  REQUIRE((*b)->AddPeer(1, Loopback((*a)->bound_port())).ok());
  REQUIRE((*a)->Send(2, Msg(1, 2, 1)).ok());
  REQUIRE((*b)->Send(1, Msg(2, 1, 1)).ok());
  return {std::move(a), std::move(b)};
}

PeerStats StatsOf(Node& node, NodeId peer) {
  std::optional<PeerStats> s = node->Stats(peer);
  REQUIRE(s.has_value());
  return *s;
}

// Checks that `node` got exactly messages 1..count from `from`, in order and intact.
void CheckInOrder(const Node& node, NodeId from, NodeId to, uint64_t count) {
  uint64_t next = 1;
  for (const auto& [f, m] : node.received) {
    if (f != from) continue;
    CHECK(m == Msg(from, to, next));
    ++next;
  }
  CHECK(next == count + 1);
}

TEST_CASE("two transports exchange messages both ways, in order per link") {
  TestLoop loop;
  auto a = StartNode(loop, Options(1));
  auto b = StartNode(loop, Options(2));
  REQUIRE((*a)->AddPeer(2, Loopback((*b)->bound_port())).ok());
  REQUIRE((*b)->AddPeer(1, Loopback((*a)->bound_port())).ok());
  for (uint64_t i = 1; i <= 200; ++i) {
    REQUIRE((*a)->Send(2, Msg(1, 2, i)).ok());
    REQUIRE((*b)->Send(1, Msg(2, 1, i)).ok());
  }
  REQUIRE(loop.RunUntil([&] { return a->received.size() == 200 && b->received.size() == 200; }));
  CheckInOrder(*b, 1, 2, 200);
  CheckInOrder(*a, 2, 1, 200);
  REQUIRE(loop.RunUntil([&] { return StatsOf(*a, 2).messages_sent == 200; }));
  const PeerStats s = StatsOf(*a, 2);
  CHECK(s.connected);
  CHECK(s.connects == 1);
  CHECK(s.messages_dropped == 0);
  CHECK(s.bytes_queued == 0);
  CHECK(StatsOf(*b, 1).messages_received == 200);
  CHECK((*b)->counters().links_accepted == 1);
  CHECK((*b)->counters().frames_rejected == 0);
}

TEST_CASE("each side learns where the other serves clients, from its proven handshake") {
  TestLoop loop;
  for (const std::string secret : {"", "s3cret"}) {
    CAPTURE(secret);
    TransportOptions o1 = Options(1, "test-cluster", secret);
    o1.client_address = "10.0.0.1:7001";
    TransportOptions o2 = Options(2, "test-cluster", secret);
    o2.client_address = "node-2.internal:7002";
    auto [a, b] = StartPair(loop, std::move(o1), std::move(o2));
    REQUIRE(loop.RunUntil([&] { return a->received.size() == 1 && b->received.size() == 1; }));
    CHECK(StatsOf(*b, 1).client_address == "10.0.0.1:7001");
    CHECK(StatsOf(*a, 2).client_address == "node-2.internal:7002");
  }
}

TEST_CASE("three transports deliver every message to the right node, in order per sender") {
  TestLoop loop;
  std::map<NodeId, std::unique_ptr<Node>> nodes;
  for (NodeId id : {1, 2, 3}) nodes[id] = StartNode(loop, Options(id));
  for (auto& [id, node] : nodes) {
    for (auto& [peer, other] : nodes) {
      if (peer != id) REQUIRE((*node)->AddPeer(peer, Loopback((*other)->bound_port())).ok());
    }
  }
  for (uint64_t i = 1; i <= 50; ++i) {
    for (auto& [id, node] : nodes) {
      for (NodeId peer : {1, 2, 3}) {
        if (peer != id) REQUIRE((*node)->Send(peer, Msg(id, peer, i)).ok());
      }
    }
  }
  REQUIRE(loop.RunUntil([&] {
    for (auto& [id, node] : nodes) {
      if (node->received.size() != 100) return false;
    }
    return true;
  }));
  for (auto& [id, node] : nodes) {
    for (NodeId from : {1, 2, 3}) {
      if (from != id) CheckInOrder(*node, from, id, 50);
    }
    REQUIRE(loop.RunUntil([&] {
      const std::vector<PeerStats> all = (*node)->AllStats();
      return all.size() == 2 && all[0].messages_sent == 50 && all[1].messages_sent == 50;
    }));
  }
}

TEST_CASE("a link comes back after the listener goes away and returns on the same port") {
  TestLoop loop;
  auto a = StartNode(loop, Options(1));
  auto b = StartNode(loop, Options(2));
  const int port = (*b)->bound_port();
  REQUIRE((*a)->AddPeer(2, Loopback(port)).ok());
  REQUIRE((*b)->AddPeer(1, Loopback((*a)->bound_port())).ok());
  REQUIRE((*a)->Send(2, Msg(1, 2, 1)).ok());
  REQUIRE(loop.RunUntil([&] { return b->received.size() == 1; }));

  b.reset();  // the listener and every link of node 2 go away
  REQUIRE(loop.RunUntil([&] { return !StatsOf(*a, 2).connected; }));
  REQUIRE(loop.RunUntil([&] { return StatsOf(*a, 2).connect_failures >= 2; }));
  REQUIRE((*a)->Send(2, Msg(1, 2, 2)).ok());  // queued while the peer is down

  b = StartNode(loop, Options(2), port);
  REQUIRE((*b)->AddPeer(1, Loopback((*a)->bound_port())).ok());
  REQUIRE(loop.RunUntil([&] { return b->received.size() == 1; }));
  CHECK(b->received[0].second == Msg(1, 2, 2));
  CHECK(StatsOf(*a, 2).connects == 2);
  CHECK(a->Logged("closed"));
}

TEST_CASE("a peer naming another cluster id is refused") {
  TestLoop loop;
  auto [a, b] = StartPair(loop, Options(1, "cluster-x"), Options(2, "cluster-y"));
  REQUIRE(loop.RunUntil(
      [&] { return (*b)->counters().links_refused >= 1 && (*a)->counters().links_refused >= 1; }));
  loop.RunFor(100);
  CHECK(b->received.empty());
  CHECK(!StatsOf(*a, 2).connected);
  CHECK(StatsOf(*a, 2).connect_failures >= 1);
  CHECK(b->Logged("cluster id mismatch"));
  CHECK(a->Logged("refused the link: cluster id mismatch"));  // the dialer is told why
}

TEST_CASE("a node that is not a member is refused") {
  TestLoop loop;
  auto a = StartNode(loop, Options(1));
  auto b = StartNode(loop, Options(2));
  REQUIRE((*a)->AddPeer(2, Loopback((*b)->bound_port())).ok());
  REQUIRE((*b)->AddPeer(3, "127.0.0.1:1").ok());  // node 2 knows 3, not 1
  REQUIRE((*a)->Send(2, Msg(1, 2, 1)).ok());
  REQUIRE(loop.RunUntil([&] { return (*b)->counters().links_refused >= 2; }));
  CHECK(b->received.empty());
  CHECK(b->Logged("node 1 is not a member"));
  CHECK(!StatsOf(*a, 2).connected);

  // Once node 2 learns of node 1 (a membership change), the next attempt gets through.
  REQUIRE((*b)->AddPeer(1, Loopback((*a)->bound_port())).ok());
  REQUIRE(loop.RunUntil([&] { return b->received.size() == 1; }));
}

TEST_CASE("a wrong cluster secret is refused both ways; the right one is accepted") {
  TestLoop loop;
  SUBCASE("different secrets") {
    auto [a, b] = StartPair(loop, Options(1, "c", "secret-one"), Options(2, "c", "secret-two"));
    // Each dialer checks the acceptor's proof first, so each side catches the other's.
    REQUIRE(loop.RunUntil([&] {
      return (*a)->counters().auth_failures >= 1 && (*b)->counters().auth_failures >= 1;
    }));
    loop.RunFor(100);
    CHECK(a->received.empty());
    CHECK(b->received.empty());
    CHECK(!StatsOf(*a, 2).connected);
    CHECK(!StatsOf(*b, 1).connected);
    CHECK(a->Logged("failed to prove it knows cluster-auth-secret"));
  }
  SUBCASE("a secret on one side only") {
    auto [a, b] = StartPair(loop, Options(1, "c", "secret-one"), Options(2, "c", ""));
    REQUIRE(loop.RunUntil([&] {
      return (*a)->counters().links_refused >= 1 && (*b)->counters().links_refused >= 1;
    }));
    loop.RunFor(100);
    CHECK(a->received.empty());
    CHECK(b->received.empty());
    CHECK(b->Logged("set on one side only"));
  }
  SUBCASE("the same secret") {
    auto [a, b] = StartPair(loop, Options(1, "c", "secret-one"), Options(2, "c", "secret-one"));
    REQUIRE(loop.RunUntil([&] { return a->received.size() == 1 && b->received.size() == 1; }));
    CHECK((*a)->counters().auth_failures == 0);
    CHECK((*b)->counters().auth_failures == 0);
  }
}

// Plays a dialer by hand: says hello as `from` to node `to`, checks the welcome, proves itself
// with `secret`. Returns the welcome.
HandshakeMessage RawHello(TestLoop& loop, RawSocket& raw, NodeId from, NodeId to,
                          const std::string& cluster, const std::string& secret) {
  REQUIRE(raw.SendAll(loop, EncodeHandshake(HelloMessage(!secret.empty(), cluster, from, to,
                                                         std::string(kNonceBytes, 'r')))));
  HandshakeMessage welcome;
  REQUIRE(raw.ReadHandshake(loop, &welcome));
  REQUIRE(welcome.kind == HandshakeKind::kWelcome);
  return welcome;
}

void RawProof(TestLoop& loop, RawSocket& raw, std::string mac) {
  REQUIRE(raw.SendAll(loop, EncodeHandshake(ProofMessage(std::move(mac)))));
}

// A raw dialer that completes the handshake as node 1 with node 2 (no secret).
RawSocket OpenRawLink(TestLoop& loop, Node& b) {
  RawSocket raw = RawSocket::Connect(b->bound_port());
  REQUIRE(raw.valid());
  RawHello(loop, raw, 1, 2, "test-cluster", "");
  RawProof(loop, raw, "");
  HandshakeMessage ready;
  REQUIRE(raw.ReadHandshake(loop, &ready));
  REQUIRE(ready.kind == HandshakeKind::kReady);
  return raw;
}

TEST_CASE("an acceptor refuses a dialer whose proof is wrong, and sends no secret") {
  TestLoop loop;
  const std::string secret = "hunter2-cluster-secret";
  auto b = StartNode(loop, Options(2, "c", secret));
  REQUIRE((*b)->AddPeer(1, "127.0.0.1:1").ok());
  RawSocket raw = RawSocket::Connect((*b)->bound_port());
  REQUIRE(raw.valid());
  const HandshakeMessage welcome = RawHello(loop, raw, 1, 2, "c", secret);
  const std::string dialer_nonce(kNonceBytes, 'r');
  CHECK(welcome.auth);
  CHECK(welcome.mac ==
        ComputeMac(secret, ProofRole::kAcceptor, {"c", 1, 2, dialer_nonce, welcome.nonce}));
  // A proof for the acceptor's role, replayed back as the dialer's, must not pass.
  RawProof(loop, raw, welcome.mac);
  HandshakeMessage refuse;
  REQUIRE(raw.ReadHandshake(loop, &refuse));
  CHECK(refuse.kind == HandshakeKind::kRefuse);
  CHECK(raw.WaitClosed(loop));
  CHECK((*b)->counters().auth_failures == 1);
  CHECK((*b)->counters().links_refused == 1);
  CHECK((*b)->counters().links_accepted == 0);
  CHECK(raw.received().find(secret) == std::string::npos);
}

TEST_CASE("the secret never appears in the handshake a dialer sends") {
  TestLoop loop;
  const std::string secret = "hunter2-cluster-secret";
  int port = 0;
  RawSocket listener = RawSocket::Listen(&port);
  REQUIRE(listener.valid());
  auto a = StartNode(loop, Options(1, "c", secret));
  REQUIRE((*a)->AddPeer(2, Loopback(port)).ok());
  REQUIRE((*a)->Send(2, Msg(1, 2, 1)).ok());
  RawSocket raw = listener.Accept(loop);
  REQUIRE(raw.valid());
  HandshakeMessage hello;
  REQUIRE(raw.ReadHandshake(loop, &hello));
  REQUIRE(hello.kind == HandshakeKind::kHello);
  CHECK(hello.auth);
  CHECK(hello.from == 1);
  CHECK(hello.to == 2);
  const std::string acceptor_nonce(kNonceBytes, 'w');
  const Transcript t{"c", 1, 2, hello.nonce, acceptor_nonce};
  REQUIRE(
      raw.SendAll(loop, EncodeHandshake(WelcomeMessage(
                            true, acceptor_nonce, ComputeMac(secret, ProofRole::kAcceptor, t)))));
  HandshakeMessage proof;
  REQUIRE(raw.ReadHandshake(loop, &proof));
  CHECK(proof.mac == ComputeMac(secret, ProofRole::kDialer, t));
  REQUIRE(raw.SendAll(loop, EncodeHandshake(ReadyMessage())));
  // The queued message follows as a frame.
  const std::string frame = raft::EncodeFrame(Msg(1, 2, 1));
  REQUIRE(loop.RunUntil([&] { return raw.Drain() && raw.received().size() >= frame.size(); }));
  CHECK(raw.received() == frame);
  const std::string captured = raw.received() + hello.nonce + proof.mac;
  CHECK(captured.find(secret) == std::string::npos);
  CHECK(StatsOf(*a, 2).connected);
}

TEST_CASE("a dialer closes a link whose acceptor writes after the handshake") {
  TestLoop loop;
  int port = 0;
  RawSocket listener = RawSocket::Listen(&port);
  REQUIRE(listener.valid());
  auto a = StartNode(loop, Options(1));
  REQUIRE((*a)->AddPeer(2, Loopback(port)).ok());
  RawSocket raw = listener.Accept(loop);
  REQUIRE(raw.valid());
  HandshakeMessage hello, proof;
  REQUIRE(raw.ReadHandshake(loop, &hello));
  REQUIRE(
      raw.SendAll(loop, EncodeHandshake(WelcomeMessage(false, std::string(kNonceBytes, 'w'), ""))));
  REQUIRE(raw.ReadHandshake(loop, &proof));
  REQUIRE(raw.SendAll(loop, EncodeHandshake(ReadyMessage())));
  REQUIRE(loop.RunUntil([&] { return StatsOf(*a, 2).connected; }));
  // Frames flow dialer -> acceptor only: a frame the other way breaks the protocol.
  REQUIRE(raw.SendAll(loop, raft::EncodeFrame(Msg(2, 1, 1))));
  CHECK(raw.WaitClosed(loop));
  CHECK((*a)->counters().bad_handshakes == 1);
  CHECK(a->received.empty());
  CHECK(a->Logged("carries frames the other way"));
}

TEST_CASE("a corrupt frame closes the link and is counted") {
  TestLoop loop;
  auto b = StartNode(loop, Options(2));
  REQUIRE((*b)->AddPeer(1, "127.0.0.1:1").ok());
  RawSocket raw = OpenRawLink(loop, *b);
  REQUIRE(raw.SendAll(loop, raft::EncodeFrame(Msg(1, 2, 1))));
  REQUIRE(loop.RunUntil([&] { return b->received.size() == 1; }));
  std::string bad = raft::EncodeFrame(Msg(1, 2, 2));
  bad[bad.size() - 3] ^= 0x40;  // a flipped bit in the body: the checksum no longer matches
  REQUIRE(raw.SendAll(loop, bad));
  CHECK(raw.WaitClosed(loop));
  CHECK((*b)->counters().frames_rejected == 1);
  CHECK(b->received.size() == 1);
  CHECK(b->Logged("checksum"));
}

TEST_CASE("an oversized frame length closes the link without waiting for the body") {
  TestLoop loop;
  auto b = StartNode(loop, Options(2));
  REQUIRE((*b)->AddPeer(1, "127.0.0.1:1").ok());
  RawSocket raw = OpenRawLink(loop, *b);
  std::string header;
  PutFixed32(&header, raft::kMaxFrameBodyBytes + 1);
  PutFixed32(&header, 0);
  REQUIRE(raw.SendAll(loop, header));
  CHECK(raw.WaitClosed(loop));
  CHECK((*b)->counters().frames_rejected == 1);
}

TEST_CASE("a frame over the configured limit closes the link; Send refuses one too") {
  TestLoop loop;
  TransportOptions o = Options(2);
  o.max_frame_body_bytes = 1024;
  auto b = StartNode(loop, o);
  REQUIRE((*b)->AddPeer(1, "127.0.0.1:1").ok());
  CHECK((*b)->Send(1, Msg(2, 1, 1, 2000)).code() == ErrorCode::kInvalidArgument);
  CHECK(StatsOf(*b, 1).messages_dropped == 1);
  RawSocket raw = OpenRawLink(loop, *b);
  REQUIRE(raw.SendAll(loop, raft::EncodeFrame(Msg(1, 2, 1, 500))));
  REQUIRE(loop.RunUntil([&] { return b->received.size() == 1; }));
  // Only the header goes out: the link must close without waiting for a body it would buffer.
  REQUIRE(raw.SendAll(loop, raft::EncodeFrame(Msg(1, 2, 2, 2000)).substr(0, 8)));
  CHECK(raw.WaitClosed(loop));
  CHECK((*b)->counters().frames_rejected == 1);
  CHECK(b->received.size() == 1);
}

TEST_CASE("a handler that removes the sender stops delivery of the rest of its batch") {
  TestLoop loop;
  auto b = StartNode(loop, Options(2));
  REQUIRE((*b)->AddPeer(1, "127.0.0.1:1").ok());
  (*b)->SetHandler([&](NodeId from, Message m) {
    b->received.emplace_back(from, std::move(m));
    (*b)->RemovePeer(from);
  });
  RawSocket raw = OpenRawLink(loop, *b);
  REQUIRE(raw.SendAll(loop, raft::EncodeFrame(Msg(1, 2, 1)) + raft::EncodeFrame(Msg(1, 2, 2))));
  CHECK(raw.WaitClosed(loop));
  CHECK(b->received.size() == 1);
  CHECK(!(*b)->HasPeer(1));
}

TEST_CASE("a frame from another node than the one that said hello closes the link") {
  TestLoop loop;
  auto b = StartNode(loop, Options(2));
  REQUIRE((*b)->AddPeer(1, "127.0.0.1:1").ok());
  REQUIRE((*b)->AddPeer(3, "127.0.0.1:1").ok());
  RawSocket raw = OpenRawLink(loop, *b);
  REQUIRE(raw.SendAll(loop, raft::EncodeFrame(Msg(3, 2, 1))));
  CHECK(raw.WaitClosed(loop));
  CHECK((*b)->counters().frames_rejected == 1);
  CHECK(b->received.empty());
}

TEST_CASE("garbage instead of a hello closes the link; the transport keeps working") {
  TestLoop loop;
  auto b = StartNode(loop, Options(2));
  REQUIRE((*b)->AddPeer(1, "127.0.0.1:1").ok());
  std::string too_long;
  PutFixed32(&too_long, 100000);
  too_long += std::string(1000, 'h');
  std::string bad_kind;
  PutFixed32(&bad_kind, 2);
  bad_kind += std::string("\x01\x09", 2);
  const std::vector<std::string> garbage = {"*1\r\n$4\r\nPING\r\n", too_long, bad_kind,
                                            std::string(64, '\0')};
  for (const std::string& bytes : garbage) {
    RawSocket raw = RawSocket::Connect((*b)->bound_port());
    REQUIRE(raw.valid());
    REQUIRE(raw.SendAll(loop, bytes));
    CHECK(raw.WaitClosed(loop));
  }
  CHECK((*b)->counters().bad_handshakes == garbage.size());
  CHECK((*b)->counters().links_accepted == 0);
  RawSocket good = OpenRawLink(loop, *b);
  REQUIRE(good.SendAll(loop, raft::EncodeFrame(Msg(1, 2, 1))));
  REQUIRE(loop.RunUntil([&] { return b->received.size() == 1; }));
}

TEST_CASE("a hello meant for another node id is refused") {
  TestLoop loop;
  auto b = StartNode(loop, Options(2));
  REQUIRE((*b)->AddPeer(1, "127.0.0.1:1").ok());
  RawSocket raw = RawSocket::Connect((*b)->bound_port());
  REQUIRE(raw.valid());
  REQUIRE(raw.SendAll(loop, EncodeHandshake(HelloMessage(false, "test-cluster", 1, 5,
                                                         std::string(kNonceBytes, 'r')))));
  HandshakeMessage refuse;
  REQUIRE(raw.ReadHandshake(loop, &refuse));
  CHECK(refuse.kind == HandshakeKind::kRefuse);
  CHECK(refuse.reason.find("wanted node 5") != std::string::npos);
  CHECK(raw.WaitClosed(loop));
  CHECK((*b)->counters().links_refused == 1);
}

TEST_CASE("a member that dials again replaces its older inbound link") {
  TestLoop loop;
  auto b = StartNode(loop, Options(2));
  REQUIRE((*b)->AddPeer(1, "127.0.0.1:1").ok());
  RawSocket first = OpenRawLink(loop, *b);
  RawSocket second = OpenRawLink(loop, *b);
  CHECK(first.WaitClosed(loop));
  REQUIRE(second.SendAll(loop, raft::EncodeFrame(Msg(1, 2, 1))));
  REQUIRE(loop.RunUntil([&] { return b->received.size() == 1; }));
  CHECK((*b)->counters().links_accepted == 2);
}

TEST_CASE("a connection that never says hello is closed after the handshake timeout") {
  TestLoop loop;
  TransportOptions o = Options(2);
  o.handshake_timeout_ms = 100;
  auto b = StartNode(loop, o);
  RawSocket raw = RawSocket::Connect((*b)->bound_port());
  REQUIRE(raw.valid());
  CHECK(raw.WaitClosed(loop, 3000));
  CHECK((*b)->counters().links_refused == 1);
}

TEST_CASE("connections beyond the pending-handshake limit are closed at once") {
  TestLoop loop;
  TransportOptions o = Options(2);
  o.max_pending_handshakes = 4;
  auto b = StartNode(loop, o);
  REQUIRE((*b)->AddPeer(1, "127.0.0.1:1").ok());
  std::vector<RawSocket> silent;
  for (int i = 0; i < 4; ++i) {
    silent.push_back(RawSocket::Connect((*b)->bound_port()));
    REQUIRE(silent.back().valid());
  }
  loop.RunFor(50);  // the transport accepts all four
  CHECK((*b)->counters().links_refused == 0);
  RawSocket extra = RawSocket::Connect((*b)->bound_port());
  REQUIRE(extra.valid());
  CHECK(extra.WaitClosed(loop, 2000));
  CHECK((*b)->counters().links_refused == 1);
  for (RawSocket& s : silent) CHECK(s.Drain());  // still open, still waiting for a hello
  // Once they hang up there is room again.
  silent.clear();
  loop.RunFor(50);
  RawSocket good = OpenRawLink(loop, *b);
  REQUIRE(good.SendAll(loop, raft::EncodeFrame(Msg(1, 2, 1))));
  REQUIRE(loop.RunUntil([&] { return b->received.size() == 1; }));
}

TEST_CASE("the send queue of a peer that never reads stays bounded and counts its drops") {
  TestLoop loop;
  int port = 0;
  RawSocket listener = RawSocket::Listen(&port, 64 * 1024);
  REQUIRE(listener.valid());
  TransportOptions o = Options(1);
  o.max_queue_bytes = 4u << 20;
  auto a = StartNode(loop, o);
  REQUIRE((*a)->AddPeer(2, Loopback(port)).ok());
  // Complete the handshake by hand, then never read again.
  RawSocket raw = listener.Accept(loop);
  REQUIRE(raw.valid());
  HandshakeMessage hello;
  REQUIRE(raw.ReadHandshake(loop, &hello));
  REQUIRE(
      raw.SendAll(loop, EncodeHandshake(WelcomeMessage(false, std::string(kNonceBytes, 'w'), ""))));
  HandshakeMessage proof;
  REQUIRE(raw.ReadHandshake(loop, &proof));
  REQUIRE(raw.SendAll(loop, EncodeHandshake(ReadyMessage())));
  REQUIRE(loop.RunUntil([&] { return StatsOf(*a, 2).connected; }));

  constexpr uint64_t kMessages = 64;
  uint64_t busy = 0;
  for (uint64_t i = 1; i <= kMessages; ++i) {
    const Status st = (*a)->Send(2, Msg(1, 2, i, 1 << 20));
    busy += st.code() == ErrorCode::kBusy ? 1 : 0;
    CHECK(StatsOf(*a, 2).bytes_queued <= o.max_queue_bytes);
    loop.RunFor(5);  // let the kernel take what it will
  }
  const PeerStats s = StatsOf(*a, 2);
  CHECK(s.bytes_queued <= o.max_queue_bytes);
  CHECK(s.messages_dropped == busy);
  CHECK(busy >= kMessages / 2);  // 64 MiB offered; the queue and the kernel hold a few MiB
  CHECK(s.messages_sent + s.messages_dropped <= kMessages);
  CHECK(s.connected);  // a slow peer is not a dead one
}

TEST_CASE("a host name is resolved at connect time") {
  TestLoop loop;
  auto a = StartNode(loop, Options(1));
  auto b = StartNode(loop, Options(2));
  REQUIRE((*a)->AddPeer(2, "localhost:" + std::to_string((*b)->bound_port())).ok());
  REQUIRE((*b)->AddPeer(1, Loopback((*a)->bound_port())).ok());
  REQUIRE((*a)->Send(2, Msg(1, 2, 1)).ok());
  REQUIRE(loop.RunUntil([&] { return b->received.size() == 1; }));
  CHECK(b->received[0].second == Msg(1, 2, 1));
}

TEST_CASE("each connect resolves the name again: a peer back at a new address is found") {
  TestLoop loop;
  std::string node_2_ip = "127.0.0.1";
  int resolves = 0;
  TransportOptions o = Options(1);
  o.resolver = [&](const std::string& host) -> Result<std::vector<std::string>> {
    ++resolves;
    if (host != "node-2") return Status::NotFound("unknown host " + host);
    return std::vector<std::string>{node_2_ip};
  };
  auto a = StartNode(loop, o);
  auto b = StartNode(loop, Options(2));
  const int port = (*b)->bound_port();
  REQUIRE((*b)->AddPeer(1, Loopback((*a)->bound_port())).ok());
  REQUIRE((*a)->AddPeer(2, "node-2:" + std::to_string(port)).ok());
  REQUIRE((*a)->Send(2, Msg(1, 2, 1)).ok());
  REQUIRE(loop.RunUntil([&] { return b->received.size() == 1; }));
  CHECK(resolves == 1);

  b.reset();  // the "container" restarts somewhere else: same name and port, new address
  node_2_ip = "127.0.0.3";
  b = StartNode(loop, Options(2), port, node_2_ip);
  REQUIRE((*b)->AddPeer(1, Loopback((*a)->bound_port())).ok());
  REQUIRE((*a)->Send(2, Msg(1, 2, 2)).ok());
  REQUIRE(loop.RunUntil([&] { return b->received.size() == 1; }));
  CHECK(b->received[0].second == Msg(1, 2, 2));
  CHECK(resolves >= 2);
}

TEST_CASE("every address a name resolves to is tried in turn before backing off") {
  TestLoop loop;
  TransportOptions o = Options(1);
  o.backoff_min_ms = 5000;  // a retry would outlast the test's wait: only the fallback can connect
  o.backoff_max_ms = 5000;
  o.resolver = [](const std::string&) -> Result<std::vector<std::string>> {
    return std::vector<std::string>{"127.0.0.2", "127.0.0.1"};  // nobody listens on .2
  };
  auto a = StartNode(loop, o);
  auto b = StartNode(loop, Options(2));
  REQUIRE((*b)->AddPeer(1, Loopback((*a)->bound_port())).ok());
  REQUIRE((*a)->AddPeer(2, "node-2:" + std::to_string((*b)->bound_port())).ok());
  REQUIRE((*a)->Send(2, Msg(1, 2, 1)).ok());
  REQUIRE(loop.RunUntil([&] { return b->received.size() == 1; }, 3000));
  CHECK(StatsOf(*a, 2).connect_failures == 0);
}

TEST_CASE("a name that does not resolve is retried with backoff, and readdressing fixes it") {
  TestLoop loop;
  auto a = StartNode(loop, Options(1));
  auto b = StartNode(loop, Options(2));
  REQUIRE((*b)->AddPeer(1, Loopback((*a)->bound_port())).ok());
  REQUIRE((*a)->AddPeer(2, "no-such-host.invalid:7000").ok());
  REQUIRE((*a)->Send(2, Msg(1, 2, 1)).ok());
  REQUIRE(loop.RunUntil([&] { return StatsOf(*a, 2).connect_failures >= 2; }, 10000));
  CHECK(a->Logged("cannot resolve"));
  REQUIRE((*a)->AddPeer(2, Loopback((*b)->bound_port())).ok());
  REQUIRE(loop.RunUntil([&] { return b->received.size() == 1; }));
}

TEST_CASE("removing a peer closes its links both ways and refuses it afterwards") {
  TestLoop loop;
  auto [a, b] = StartPair(loop, Options(1), Options(2));
  REQUIRE(loop.RunUntil([&] { return a->received.size() == 1 && b->received.size() == 1; }));
  (*b)->RemovePeer(1);
  CHECK(!(*b)->HasPeer(1));
  CHECK((*b)->Send(1, Msg(2, 1, 2)).code() == ErrorCode::kNotFound);
  REQUIRE(loop.RunUntil([&] { return !StatsOf(*a, 2).connected; }));
  REQUIRE(loop.RunUntil([&] { return (*b)->counters().links_refused >= 1; }));
  REQUIRE((*a)->Send(2, Msg(1, 2, 2)).ok());
  loop.RunFor(100);
  CHECK(b->received.size() == 1);
}

TEST_CASE("Send checks its arguments") {
  TestLoop loop;
  auto a = StartNode(loop, Options(1));
  CHECK((*a)->Send(9, Msg(1, 9, 1)).code() == ErrorCode::kNotFound);
  REQUIRE((*a)->AddPeer(2, "127.0.0.1:1").ok());
  CHECK((*a)->Send(2, Msg(3, 2, 1)).code() == ErrorCode::kInvalidArgument);
  CHECK((*a)->Send(2, Msg(1, 3, 1)).code() == ErrorCode::kInvalidArgument);
  CHECK((*a)->AddPeer(1, "127.0.0.1:1").code() == ErrorCode::kInvalidArgument);
  CHECK((*a)->AddPeer(4, "nonsense").code() == ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace cairn::replication
