// PeerTransport's side of each link: the handshake as dialer and as acceptor (hello, welcome,
// proof, ready, refusals), then the checks on every frame an accepted link carries.
#include <string_view>

#include "common/coding.h"
#include "replication/peer_transport.h"

namespace cairn::replication {
namespace {

// An idle link gives back an input buffer that a large frame grew beyond this.
constexpr size_t kKeepInputBytes = 1 << 20;

std::string NodeName(raft::NodeId id) { return "node " + std::to_string(id); }

// Decodes one handshake message from the link's input. Returns false when none is complete yet
// or on an error (then *error says why).
bool NextHandshake(Link& link, HandshakeMessage* m, Status* error) {
  std::string_view in = link.input().readable();
  const size_t before = in.size();
  Status st = DecodeHandshake(&in, m);
  if (st.code() == ErrorCode::kOutOfRange) return false;
  if (!st.ok()) {
    *error = std::move(st);
    return false;
  }
  link.input().Consume(before - in.size());
  return true;
}

}  // namespace

void PeerTransport::OnLinkData(Link& link) {
  if (link.role() == LinkRole::kDialer) {
    OnDialerData(link);
  } else {
    OnAcceptorData(link);
  }
}

void PeerTransport::SendHello(Link& link) {
  Result<std::string> nonce = RandomNonce();
  if (!nonce.ok()) {
    Log(nonce.status().ToString());
    link.Close();
    return;
  }
  link.local_nonce = std::move(*nonce);
  link.phase = LinkPhase::kAwaitWelcome;
  link.Write(EncodeHandshake(HelloMessage(!options_.auth_secret.empty(), options_.cluster_id,
                                          options_.self_id, link.peer, link.local_nonce,
                                          options_.client_address)));
}

void PeerTransport::OnDialerData(Link& link) {
  while (!link.closing() && link.phase != LinkPhase::kOpen) {
    HandshakeMessage m;
    Status error;
    if (!NextHandshake(link, &m, &error)) {
      if (error.ok()) return;  // wait for more bytes
      ++counters_.bad_handshakes;
      Log(NodeName(link.peer) + " answered with a bad handshake: " + error.message());
      link.Close();
      return;
    }
    OnDialerMessage(link, m);
  }
  if (!link.closing() && link.input().size() > 0) {
    // The acceptor only ever answers the handshake: anything after it is a protocol violation.
    ++counters_.bad_handshakes;
    Log(NodeName(link.peer) + " wrote on a link that carries frames the other way; closing");
    link.Close();
  }
}

void PeerTransport::OnDialerMessage(Link& link, const HandshakeMessage& m) {
  const bool ours = !options_.auth_secret.empty();
  if (m.kind == HandshakeKind::kRefuse) {
    Log(NodeName(link.peer) + " at " + link.remote() + " refused the link: " + m.reason);
    link.Close();
  } else if (link.phase == LinkPhase::kAwaitWelcome && m.kind == HandshakeKind::kWelcome) {
    const Transcript t{options_.cluster_id, options_.self_id, link.peer, link.local_nonce, m.nonce,
                       options_.client_address};
    if (m.auth != ours ||
        (ours && !MacEquals(m.mac, ComputeMac(options_.auth_secret, ProofRole::kAcceptor, t)))) {
      ++counters_.auth_failures;
      Log(NodeName(link.peer) + " at " + link.remote() +
          (m.auth != ours ? ": cluster-auth-secret is set on one side only"
                          : " failed to prove it knows cluster-auth-secret"));
      link.Close();
      return;
    }
    link.phase = LinkPhase::kAwaitReady;
    link.Write(EncodeHandshake(
        ProofMessage(ours ? ComputeMac(options_.auth_secret, ProofRole::kDialer, t) : "")));
  } else if (link.phase == LinkPhase::kAwaitReady && m.kind == HandshakeKind::kReady) {
    LinkOpened(link);
  } else {
    ++counters_.bad_handshakes;
    Log(NodeName(link.peer) + " sent an unexpected handshake message");
    link.Close();
  }
}

void PeerTransport::LinkOpened(Link& link) {
  link.phase = LinkPhase::kOpen;
  Peer* peer = FindPeer(link.peer);
  if (peer == nullptr || peer->link_id != link.id()) {
    link.Close();
    return;
  }
  if (peer->attempts > 0 || peer->stats.connects > 0) {
    Log("link to " + NodeName(peer->id) + " at " + peer->address + " is up");
  }
  peer->attempts = 0;
  peer->retry_at_ms = 0;
  ++peer->stats.connects;
  peer->stats.connected = true;
  FeedLink(*peer, link);
}

void PeerTransport::OnAcceptorData(Link& link) {
  while (!link.closing() && link.phase != LinkPhase::kOpen) {
    HandshakeMessage m;
    Status error;
    if (!NextHandshake(link, &m, &error)) {
      if (error.ok()) return;
      ++counters_.bad_handshakes;
      Refuse(link, "bad handshake: " + error.message());
      return;
    }
    if (link.phase == LinkPhase::kAwaitHello && m.kind == HandshakeKind::kHello) {
      OnHello(link, m);
    } else if (link.phase == LinkPhase::kAwaitProof && m.kind == HandshakeKind::kProof) {
      OnProof(link, m);
    } else {
      ++counters_.bad_handshakes;
      Refuse(link, "unexpected handshake message");
    }
  }
  if (!link.closing() && link.phase == LinkPhase::kOpen) OnFrames(link);
}

// Why a hello is refused, or empty when it may go on.
std::string PeerTransport::CheckHello(const HandshakeMessage& m) const {
  if (m.cluster_id != options_.cluster_id) {
    return "cluster id mismatch: the dialer is in cluster '" + m.cluster_id + "', this node in '" +
           options_.cluster_id + "'";
  }
  if (m.to != options_.self_id) {
    return "the dialer wanted node " + std::to_string(m.to) + " but reached node " +
           std::to_string(options_.self_id);
  }
  if (m.from == options_.self_id || !HasPeer(m.from)) {
    return "node " + std::to_string(m.from) + " is not a member of this cluster";
  }
  if (m.auth != !options_.auth_secret.empty()) return "cluster-auth-secret is set on one side only";
  return {};
}

void PeerTransport::OnHello(Link& link, const HandshakeMessage& m) {
  if (std::string why = CheckHello(m); !why.empty()) {
    if (m.cluster_id == options_.cluster_id && m.auth != !options_.auth_secret.empty()) {
      ++counters_.auth_failures;
    }
    Refuse(link, why);
    return;
  }
  Result<std::string> nonce = RandomNonce();
  if (!nonce.ok()) {
    Refuse(link, nonce.status().message());
    return;
  }
  link.peer = m.from;
  link.peer_nonce = m.nonce;
  link.peer_client_address = m.client_address;
  link.local_nonce = std::move(*nonce);
  const bool ours = !options_.auth_secret.empty();
  const Transcript t{options_.cluster_id, m.from, options_.self_id, m.nonce, link.local_nonce,
                     m.client_address};
  std::string mac = ours ? ComputeMac(options_.auth_secret, ProofRole::kAcceptor, t) : "";
  link.phase = LinkPhase::kAwaitProof;
  link.Write(EncodeHandshake(WelcomeMessage(ours, link.local_nonce, std::move(mac))));
}

void PeerTransport::OnProof(Link& link, const HandshakeMessage& m) {
  const bool ours = !options_.auth_secret.empty();
  const Transcript t{options_.cluster_id, link.peer, options_.self_id, link.peer_nonce,
                     link.local_nonce, link.peer_client_address};
  if (ours ? !MacEquals(m.mac, ComputeMac(options_.auth_secret, ProofRole::kDialer, t))
           : !m.mac.empty()) {
    ++counters_.auth_failures;
    Refuse(link, NodeName(link.peer) + " failed to prove it knows cluster-auth-secret");
    return;
  }
  if (!HasPeer(link.peer)) {  // removed while the handshake ran
    Refuse(link, NodeName(link.peer) + " is not a member of this cluster");
    return;
  }
  // A peer dials again when it believes its old link dead: that link is, or soon will be.
  std::vector<Link*> older;
  for (auto& [id, other] : links_) {
    if (other.get() != &link && other->role() == LinkRole::kAcceptor && other->peer == link.peer &&
        other->phase == LinkPhase::kOpen) {
      older.push_back(other.get());
    }
  }
  for (Link* other : older) other->Close();
  // Proven (or no secret): where this peer serves clients is now known.
  if (auto it = peers_.find(link.peer); it != peers_.end()) {
    it->second.stats.client_address = link.peer_client_address;
  }
  link.Write(EncodeHandshake(ReadyMessage()));
  link.phase = LinkPhase::kOpen;
  link.set_max_input_bytes(raft::kFrameHeaderBytes + options_.max_frame_body_bytes +
                           Link::kReadChunkBytes);
  ++counters_.links_accepted;
}

void PeerTransport::Refuse(Link& link, const std::string& why) {
  ++counters_.links_refused;
  Log("refused the peer link from " + link.remote() + ": " + why);
  link.Write(EncodeHandshake(RefuseMessage(why)));
  link.CloseAfterWrite();
}

// Decodes and delivers every whole frame in the link's input; any bad one closes the link.
void PeerTransport::OnFrames(Link& link) {
  while (!link.closing()) {
    std::string_view in = link.input().readable();
    if (in.size() >= 4 && DecodeFixed32(in.data()) > options_.max_frame_body_bytes) {
      ++counters_.frames_rejected;
      Log("closing the link from " + NodeName(link.peer) + ": frame length over the limit");
      link.Close();
      return;
    }
    const size_t before = in.size();
    raft::Message message;
    Status st = raft::DecodeFrame(&in, &message);
    if (st.code() == ErrorCode::kOutOfRange) {  // wait for the rest
      link.input().ShrinkIfIdle(kKeepInputBytes);
      return;
    }
    std::string why = st.ok() ? std::string() : st.message();
    if (st.ok() && message.from != link.peer) {
      why = "a message from node " + std::to_string(message.from) + " on its link";
    } else if (st.ok() && message.to != options_.self_id) {
      why = "a message for node " + std::to_string(message.to);
    }
    if (!why.empty()) {
      ++counters_.frames_rejected;
      Log("closing the link from " + NodeName(link.peer) + ": " + why);
      link.Close();
      return;
    }
    link.input().Consume(before - in.size());
    ++counters_.frames_received;
    if (Peer* peer = FindPeer(link.peer)) ++peer->stats.messages_received;
    if (handler_) handler_(link.peer, std::move(message));
  }
}

}  // namespace cairn::replication
