// Unit tests for the peer handshake codec and its HMAC proofs: pure functions, no sockets.
#include "replication/handshake.h"

#include <doctest/doctest.h>

#include <cstring>
#include <memory>

#include "common/coding.h"
#include "common/rng.h"

namespace cairn::replication {
namespace {

HandshakeMessage SampleHello() {
  return HelloMessage(true, "cluster-a", 7, 300, std::string(kNonceBytes, 'n'), "node-7.internal:6379");
}

std::string Encoded(const HandshakeMessage& m) { return EncodeHandshake(m); }

Status Decode(std::string bytes, HandshakeMessage* m = nullptr) {
  HandshakeMessage ignored;
  std::string_view in = bytes;
  return DecodeHandshake(&in, m != nullptr ? m : &ignored);
}

TEST_CASE("every handshake message kind round-trips and is consumed whole") {
  const HandshakeMessage all[] = {
      SampleHello(),
      WelcomeMessage(true, std::string(kNonceBytes, 'w'), std::string(kMacBytes, 'm')),
      WelcomeMessage(false, std::string(kNonceBytes, 'w'), ""),
      ProofMessage(std::string(kMacBytes, 'p')),
      ProofMessage(""),
      ReadyMessage(),
      RefuseMessage("not a member")};
  for (const HandshakeMessage& m : all) {
    std::string bytes = Encoded(m) + "tail";
    std::string_view in = bytes;
    HandshakeMessage got;
    REQUIRE(DecodeHandshake(&in, &got).ok());
    CHECK(got == m);
    CHECK(in == "tail");
  }
}

TEST_CASE("a partial handshake message asks for more and consumes nothing") {
  const std::string bytes = Encoded(SampleHello());
  for (size_t n = 0; n < bytes.size(); ++n) {
    std::string_view in(bytes.data(), n);
    HandshakeMessage m;
    CHECK(DecodeHandshake(&in, &m).code() == ErrorCode::kOutOfRange);
    CHECK(in.size() == n);
  }
}

TEST_CASE("an oversized, unknown-version, unknown-kind or malformed message is corrupt") {
  std::string oversized;
  PutFixed32(&oversized, kMaxHandshakeBodyBytes + 1);
  CHECK(Decode(oversized).code() == ErrorCode::kCorruption);  // the length alone is enough

  std::string bytes = Encoded(SampleHello());
  std::string bad_version = bytes;
  bad_version[4] = 1;  // version 1 (no client address) is no longer spoken
  CHECK(Decode(bad_version).code() == ErrorCode::kCorruption);
  std::string bad_kind = bytes;
  bad_kind[5] = 9;
  CHECK(Decode(bad_kind).code() == ErrorCode::kCorruption);
  std::string bad_flags = bytes;
  bad_flags[6] = 2;
  CHECK(Decode(bad_flags).code() == ErrorCode::kCorruption);

  // A body with a byte more than its fields: the length covers garbage.
  std::string body = bytes.substr(4) + "x";
  std::string trailing;
  PutFixed32(&trailing, static_cast<uint32_t>(body.size()));
  CHECK(Decode(trailing + body).code() == ErrorCode::kCorruption);

  CHECK(Decode(Encoded(ProofMessage("short"))).code() == ErrorCode::kCorruption);
  CHECK(Decode("*1\r\n$4\r\nPING\r\n").code() == ErrorCode::kCorruption);  // a Redis client
}

TEST_CASE("a proof depends on the secret, the role, every id and both nonces") {
  const std::string dn(kNonceBytes, 'd'), an(kNonceBytes, 'a');
  const Transcript t{"c", 1, 2, dn, an};
  const std::string mac = ComputeMac("secret", ProofRole::kAcceptor, t);
  CHECK(mac.size() == kMacBytes);
  CHECK(MacEquals(mac, ComputeMac("secret", ProofRole::kAcceptor, t)));
  CHECK(!MacEquals(mac, ComputeMac("secret2", ProofRole::kAcceptor, t)));
  CHECK(!MacEquals(mac, ComputeMac("secret", ProofRole::kDialer, t)));
  CHECK(!MacEquals(mac, ComputeMac("secret", ProofRole::kAcceptor, {"c2", 1, 2, dn, an})));
  CHECK(!MacEquals(mac, ComputeMac("secret", ProofRole::kAcceptor, {"c", 2, 1, dn, an})));
  CHECK(!MacEquals(mac, ComputeMac("secret", ProofRole::kAcceptor, {"c", 1, 2, an, an})));
  CHECK(!MacEquals(mac, ComputeMac("secret", ProofRole::kAcceptor, {"c", 1, 2, dn, dn})));
  CHECK(mac.find("secret") == std::string::npos);
  CHECK(!MacEquals(mac, mac.substr(0, 31)));
  CHECK(!MacEquals(mac, ""));
}

TEST_CASE("seeded mutations of valid messages never crash the decoder or overread") {
  Rng rng(2026);
  const std::vector<std::string> valid = {
      Encoded(SampleHello()),
      Encoded(WelcomeMessage(true, std::string(kNonceBytes, 'w'), std::string(kMacBytes, 'm'))),
      Encoded(ProofMessage(std::string(kMacBytes, 'p'))), Encoded(ReadyMessage()),
      Encoded(RefuseMessage("why"))};
  int decoded = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string bytes = valid[rng.Uniform(valid.size())];
    const int edits = 1 + static_cast<int>(rng.Uniform(4));
    for (int e = 0; e < edits; ++e) {
      const uint64_t op = rng.Uniform(3);
      if (op == 0 && !bytes.empty())
        bytes[rng.Uniform(bytes.size())] ^= static_cast<char>(1 + rng.Uniform(255));
      if (op == 1 && !bytes.empty()) bytes.resize(rng.Uniform(bytes.size()));
      if (op == 2) bytes.push_back(static_cast<char>(rng.Uniform(256)));
    }
    // Decode from an exact-size heap copy, so an overread is a sanitizer error.
    auto exact = std::make_unique<char[]>(bytes.size() + 1);
    std::memcpy(exact.get(), bytes.data(), bytes.size());
    std::string_view in(exact.get(), bytes.size());
    HandshakeMessage m;
    const Status st = DecodeHandshake(&in, &m);
    CHECK(in.size() <= bytes.size());
    if (!st.ok()) {
      CHECK(in.size() == bytes.size());  // nothing consumed on an error
      continue;
    }
    ++decoded;
    // What decodes is well formed: it survives its own round trip.
    std::string again = Encoded(m);
    std::string_view in2 = again;
    HandshakeMessage m2;
    REQUIRE(DecodeHandshake(&in2, &m2).ok());
    CHECK(m2 == m);
    CHECK(m.nonce.size() ==
          (m.kind == HandshakeKind::kHello || m.kind == HandshakeKind::kWelcome ? kNonceBytes : 0));
    CHECK((m.mac.empty() || m.mac.size() == kMacBytes));
  }
  CHECK(decoded > 0);  // some mutations (a flipped nonce byte, a trailing byte) stay valid
}

std::string Hex(std::string_view bytes) {
  static const char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned char c : bytes) {
    hex.push_back(kHex[c >> 4]);
    hex.push_back(kHex[c & 15]);
  }
  return hex;
}

TEST_CASE("HMAC-SHA256 matches RFC 4231 test case 2") {
  CHECK(Hex(HmacSha256("Jefe", "what do ya want for nothing?")) ==
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST_CASE("a proof signs the documented transcript") {
  const std::string dn(kNonceBytes, 'd'), an(kNonceBytes, 'a');
  std::string transcript = "cairn-peer-v2D";
  PutLengthPrefixed(&transcript, "clu");
  PutFixed64(&transcript, 5);
  PutFixed64(&transcript, 6);
  transcript += dn + an;
  PutLengthPrefixed(&transcript, "10.0.0.5:6379");
  CHECK(ComputeMac("k", ProofRole::kDialer, {"clu", 5, 6, dn, an, "10.0.0.5:6379"}) ==
        HmacSha256("k", transcript));
  // The client address is signed: another one gives another proof.
  CHECK(ComputeMac("k", ProofRole::kDialer, {"clu", 5, 6, dn, an, "10.0.0.6:6379"}) !=
        HmacSha256("k", transcript));
}

TEST_CASE("nonces are fresh") {
  Result<std::string> a = RandomNonce(), b = RandomNonce();
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(a->size() == kNonceBytes);
  CHECK(*a != *b);
}

}  // namespace
}  // namespace cairn::replication
