// The peer link handshake: its wire messages and the HMAC challenge/response that proves both
// ends know the cluster secret without sending it.
//
// Pure functions over value types, thread-safe; HMAC-SHA256 and nonces come from OpenSSL's
// libcrypto. Each message costs O(its size) (under kMaxHandshakeBodyBytes); decoding never reads
// past its input and rejects partial, oversized, unknown-version or malformed messages.
//
// Message (version 2), integers little-endian or varint:
//   length:fixed32  body[length]                  length <= kMaxHandshakeBodyBytes
//   body := version:u8=2 kind:u8 fields
//   kHello   (dialer -> acceptor)  flags:u8 cluster_id:lenprefixed from:varint to:varint nonce[16]
//                                  client_address:lenprefixed (where the dialer serves clients,
//                                  "host:port": followers relay clients to the leader there)
//   kWelcome (acceptor -> dialer)  flags:u8 nonce[16] mac:lenprefixed (empty, or 32 bytes)
//   kProof   (dialer -> acceptor)  mac:lenprefixed (empty, or 32 bytes)
//   kReady   (acceptor -> dialer)  nothing: the link is open
//   kRefuse  (either way)          reason:lenprefixed (text, for the other side's log)
//   flags := bit 0 "this side has a cluster secret"; other bits must be zero
// The mac is HMAC-SHA256(secret, transcript), transcript := "cairn-peer-v2" role:u8 ('A' for the
// acceptor's proof, 'D' for the dialer's) cluster_id:lenprefixed dialer:fixed64
// acceptor:fixed64 dialer_nonce[16] acceptor_nonce[16] dialer_client_address:lenprefixed (so a
// man in the middle cannot point followers elsewhere). Version 1 had no client address. The role byte keeps one side's answer
// from being replayed as the other's; the fresh nonces keep an old answer from being replayed.
// Versions and kind values are never reused; a new layout gets a new version byte.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"
#include "raft/types.h"

namespace cairn::replication {

inline constexpr uint8_t kHandshakeVersion = 2;
inline constexpr size_t kMaxHandshakeBodyBytes = 512;
inline constexpr size_t kMaxClusterIdBytes = 128;
inline constexpr size_t kMaxRefuseReasonBytes = 200;
inline constexpr size_t kMaxClientAddressBytes = 300;
inline constexpr size_t kNonceBytes = 16;
inline constexpr size_t kMacBytes = 32;

enum class HandshakeKind : uint8_t {
  kHello = 1,
  kWelcome = 2,
  kProof = 3,
  kReady = 4,
  kRefuse = 5,
};

// One handshake message; each kind uses the fields its comment in the layout above names.
struct HandshakeMessage {
  HandshakeKind kind = HandshakeKind::kHello;
  bool auth = false;                  // hello, welcome: the sender has a cluster secret
  std::string cluster_id;             // hello
  raft::NodeId from = raft::kNoNode;  // hello: the dialer
  raft::NodeId to = raft::kNoNode;    // hello: the node the dialer believes it reached
  std::string nonce;                  // hello, welcome: kNonceBytes
  std::string mac;                    // welcome, proof: empty without a secret, else kMacBytes
  std::string reason;                 // refuse
  std::string client_address;         // hello: where the dialer serves clients (may be empty)

  bool operator==(const HandshakeMessage&) const = default;
};

HandshakeMessage HelloMessage(bool auth, std::string cluster_id, raft::NodeId from, raft::NodeId to,
                              std::string nonce, std::string client_address = "");
HandshakeMessage WelcomeMessage(bool auth, std::string nonce, std::string mac);
HandshakeMessage ProofMessage(std::string mac);
HandshakeMessage ReadyMessage();
HandshakeMessage RefuseMessage(std::string reason);

void AppendHandshake(const HandshakeMessage& m, std::string* out);
std::string EncodeHandshake(const HandshakeMessage& m);
// Decodes the message at the front of *in and consumes it. kOutOfRange: only part of a message
// is there (nothing consumed); kCorruption: an oversized length, an unknown version or kind, or
// malformed fields (the message says which).
Status DecodeHandshake(std::string_view* in, HandshakeMessage* out);

// What both ends of a link sign.
struct Transcript {
  std::string_view cluster_id;
  raft::NodeId dialer = raft::kNoNode;
  raft::NodeId acceptor = raft::kNoNode;
  std::string_view dialer_nonce;
  std::string_view acceptor_nonce;
  std::string_view dialer_client_address = {};
};

enum class ProofRole : uint8_t { kAcceptor = 'A', kDialer = 'D' };

// HMAC-SHA256(key, data): kMacBytes raw bytes.
std::string HmacSha256(std::string_view key, std::string_view data);
// HMAC-SHA256(secret, transcript for role).
std::string ComputeMac(std::string_view secret, ProofRole role, const Transcript& t);
// Constant-time comparison (its time depends only on the sizes).
bool MacEquals(std::string_view a, std::string_view b);
// kNonceBytes from the operating system's cryptographic generator.
Result<std::string> RandomNonce();

}  // namespace cairn::replication
