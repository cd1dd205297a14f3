// Peer link handshake messages and their HMAC proofs: see handshake.h for the layout.
#include "replication/handshake.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "common/coding.h"

namespace cairn::replication {
namespace {

constexpr uint8_t kFlagAuth = 1;
constexpr uint8_t kMaxKind = static_cast<uint8_t>(HandshakeKind::kRefuse);
constexpr std::string_view kTranscriptLabel = "cairn-peer-v2";

bool GetByte(std::string_view* in, uint8_t* v) {
  if (in->empty()) return false;
  *v = static_cast<uint8_t>(in->front());
  in->remove_prefix(1);
  return true;
}

bool GetBounded(std::string_view* in, size_t max_bytes, std::string* out) {
  std::string_view s;
  if (!GetLengthPrefixed(in, &s) || s.size() > max_bytes) return false;
  out->assign(s);
  return true;
}

bool GetFlags(std::string_view* in, bool* auth) {
  uint8_t flags = 0;
  if (!GetByte(in, &flags) || (flags & ~kFlagAuth) != 0) return false;
  *auth = (flags & kFlagAuth) != 0;
  return true;
}

bool GetNonce(std::string_view* in, std::string* nonce) {
  if (in->size() < kNonceBytes) return false;
  nonce->assign(in->substr(0, kNonceBytes));
  in->remove_prefix(kNonceBytes);
  return true;
}

// An empty mac (no secret) or a full one; nothing in between.
bool GetMac(std::string_view* in, std::string* mac) {
  return GetBounded(in, kMacBytes, mac) && (mac->empty() || mac->size() == kMacBytes);
}

bool GetFields(HandshakeKind kind, std::string_view* in, HandshakeMessage* m) {
  switch (kind) {
    case HandshakeKind::kHello:
      return GetFlags(in, &m->auth) && GetBounded(in, kMaxClusterIdBytes, &m->cluster_id) &&
             GetVarint64(in, &m->from) && GetVarint64(in, &m->to) && GetNonce(in, &m->nonce) &&
             GetBounded(in, kMaxClientAddressBytes, &m->client_address);
    case HandshakeKind::kWelcome:
      return GetFlags(in, &m->auth) && GetNonce(in, &m->nonce) && GetMac(in, &m->mac);
    case HandshakeKind::kProof:
      return GetMac(in, &m->mac);
    case HandshakeKind::kReady:
      return true;
    case HandshakeKind::kRefuse:
      return GetBounded(in, kMaxRefuseReasonBytes, &m->reason);
  }
  return false;
}

void PutFields(const HandshakeMessage& m, std::string* out) {
  const char flags = static_cast<char>(m.auth ? kFlagAuth : 0);
  switch (m.kind) {
    case HandshakeKind::kHello:
      out->push_back(flags);
      PutLengthPrefixed(out, m.cluster_id);
      PutVarint64(out, m.from);
      PutVarint64(out, m.to);
      out->append(m.nonce);
      PutLengthPrefixed(out, std::string_view(m.client_address).substr(0, kMaxClientAddressBytes));
      return;
    case HandshakeKind::kWelcome:
      out->push_back(flags);
      out->append(m.nonce);
      PutLengthPrefixed(out, m.mac);
      return;
    case HandshakeKind::kProof:
      PutLengthPrefixed(out, m.mac);
      return;
    case HandshakeKind::kReady:
      return;
    case HandshakeKind::kRefuse:
      PutLengthPrefixed(out, std::string_view(m.reason).substr(0, kMaxRefuseReasonBytes));
      return;
  }
}

}  // namespace

HandshakeMessage HelloMessage(bool auth, std::string cluster_id, raft::NodeId from, raft::NodeId to,
                              std::string nonce, std::string client_address) {
  HandshakeMessage m;
  m.kind = HandshakeKind::kHello;
  m.client_address = std::move(client_address);
  m.auth = auth;
  m.cluster_id = std::move(cluster_id);
  m.from = from;
  m.to = to;
  m.nonce = std::move(nonce);
  return m;
}

HandshakeMessage WelcomeMessage(bool auth, std::string nonce, std::string mac) {
  HandshakeMessage m;
  m.kind = HandshakeKind::kWelcome;
  m.auth = auth;
  m.nonce = std::move(nonce);
  m.mac = std::move(mac);
  return m;
}

HandshakeMessage ProofMessage(std::string mac) {
  HandshakeMessage m;
  m.kind = HandshakeKind::kProof;
  m.mac = std::move(mac);
  return m;
}

HandshakeMessage ReadyMessage() {
  HandshakeMessage m;
  m.kind = HandshakeKind::kReady;
  return m;
}

HandshakeMessage RefuseMessage(std::string reason) {
  HandshakeMessage m;
  m.kind = HandshakeKind::kRefuse;
  m.reason = std::move(reason);
  return m;
}

std::string EncodeHandshake(const HandshakeMessage& m) {
  std::string out;
  AppendHandshake(m, &out);
  return out;
}

void AppendHandshake(const HandshakeMessage& m, std::string* out) {
  std::string body;
  body.push_back(static_cast<char>(kHandshakeVersion));
  body.push_back(static_cast<char>(m.kind));
  PutFields(m, &body);
  PutFixed32(out, static_cast<uint32_t>(body.size()));
  out->append(body);
}

Status DecodeHandshake(std::string_view* in, HandshakeMessage* out) {
  if (in->size() < 4) return Status::OutOfRange("truncated handshake header");
  const uint32_t length = DecodeFixed32(in->data());
  if (length > kMaxHandshakeBodyBytes) {
    return Status::Corruption("handshake message of " + std::to_string(length) +
                              " bytes is over the limit");
  }
  if (in->size() - 4 < length) return Status::OutOfRange("truncated handshake message");
  std::string_view body = in->substr(4, length);
  uint8_t version = 0, kind = 0;
  if (!GetByte(&body, &version) || version != kHandshakeVersion) {
    return Status::Corruption("unsupported handshake version " + std::to_string(version));
  }
  if (!GetByte(&body, &kind) || kind == 0 || kind > kMaxKind) {
    return Status::Corruption("unknown handshake message kind " + std::to_string(kind));
  }
  HandshakeMessage m;
  m.kind = static_cast<HandshakeKind>(kind);
  if (!GetFields(m.kind, &body, &m) || !body.empty()) {
    return Status::Corruption("malformed handshake message");
  }
  *out = std::move(m);
  in->remove_prefix(4 + length);
  return Status::Ok();
}

std::string ComputeMac(std::string_view secret, ProofRole role, const Transcript& t) {
  std::string data(kTranscriptLabel);
  data.push_back(static_cast<char>(role));
  PutLengthPrefixed(&data, t.cluster_id);
  PutFixed64(&data, t.dialer);
  PutFixed64(&data, t.acceptor);
  data.append(t.dialer_nonce);
  data.append(t.acceptor_nonce);
  PutLengthPrefixed(&data, t.dialer_client_address);
  return HmacSha256(secret, data);
}

std::string HmacSha256(std::string_view key, std::string_view data) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  const unsigned char* ok =
      HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac, &mac_len);
  CAIRN_ASSERT(ok != nullptr && mac_len == kMacBytes);  // fails only without SHA-256 at all
  return std::string(reinterpret_cast<const char*>(mac), mac_len);
}

bool MacEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

Result<std::string> RandomNonce() {
  std::string nonce(kNonceBytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(nonce.data()), kNonceBytes) != 1) {
    return Status::Internal("the system's random generator failed");
  }
  return nonce;
}

}  // namespace cairn::replication
