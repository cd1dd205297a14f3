// Unit tests for the Raft wire codec: round trips, and rejection of truncated, corrupted,
// oversized and unknown-version frames.
#include "raft/codec.h"

#include <doctest/doctest.h>

#include "common/coding.h"

namespace cairn::raft {
namespace {

Message Sample() {
  Message m;
  m.type = MessageType::kAppend;
  m.from = 3;
  m.to = 70000;
  m.term = 1ull << 40;
  m.log_term = 7;
  m.index = 123456789;
  m.commit = 99;
  m.reject = true;
  m.reject_hint = 5;
  m.context = std::string("ctx\0bin", 7);
  m.entries.push_back(Entry{7, 123456790, EntryType::kNormal, "set k v"});
  m.entries.push_back(Entry{7, 123456791, EntryType::kConfChange,
                            EncodeConfChange({ConfChangeType::kAddLearner, 9})});
  m.snapshot.meta = SnapshotMeta{100, 6, ConfState{{1, 2, 3}, {9}}};
  m.snapshot.data = std::string(1000, 'x');
  return m;
}

TEST_CASE("every message type round-trips through a frame") {
  for (uint8_t t = 1; t <= static_cast<uint8_t>(MessageType::kReadIndexResp); ++t) {
    Message m = Sample();
    m.type = static_cast<MessageType>(t);
    std::string frame = EncodeFrame(m);
    std::string_view in = frame;
    Message out;
    REQUIRE(DecodeFrame(&in, &out).ok());
    CHECK(in.empty());
    CHECK(out == m);
  }
  Message empty;
  std::string frame = EncodeFrame(empty);
  std::string_view in = frame;
  Message out;
  REQUIRE(DecodeFrame(&in, &out).ok());
  CHECK(out == empty);
}

TEST_CASE("consecutive frames decode one at a time from a stream") {
  std::string stream;
  Message a = Sample(), b;
  b.type = MessageType::kHeartbeat;
  b.commit = 42;
  AppendFrame(a, &stream);
  AppendFrame(b, &stream);
  std::string_view in = stream;
  Message out;
  REQUIRE(DecodeFrame(&in, &out).ok());
  CHECK(out == a);
  REQUIRE(DecodeFrame(&in, &out).ok());
  CHECK(out == b);
  CHECK(in.empty());
}

TEST_CASE("a truncated frame is rejected at every cut and nothing is consumed") {
  const std::string frame = EncodeFrame(Sample());
  for (size_t n = 0; n < frame.size(); ++n) {
    std::string_view in(frame.data(), n);
    Message out;
    const Status st = DecodeFrame(&in, &out);
    REQUIRE_FALSE(st.ok());
    CHECK(st.code() == ErrorCode::kOutOfRange);
    CHECK(in.size() == n);
  }
}

TEST_CASE("a corrupted byte anywhere in a frame is rejected") {
  const std::string frame = EncodeFrame(Sample());
  for (size_t i = 0; i < frame.size(); ++i) {
    std::string bad = frame;
    bad[i] = static_cast<char>(bad[i] ^ 0x20);
    std::string_view in = bad;
    Message out;
    CHECK_FALSE(DecodeFrame(&in, &out).ok());
  }
}

// Re-frames a body with a valid checksum, to reach the checks behind the CRC.
std::string Reframe(const std::string& body) {
  std::string out;
  PutFixed32(&out, static_cast<uint32_t>(body.size()));
  PutFixed32(&out, Crc32c(body));
  return out + body;
}

TEST_CASE("an unknown version, unknown type or trailing bytes are corruption") {
  const std::string frame = EncodeFrame(Sample());
  std::string body = frame.substr(kFrameHeaderBytes);
  Message out;
  {
    std::string b = body;
    b[0] = 2;  // version
    std::string f = Reframe(b);
    std::string_view in = f;
    CHECK(DecodeFrame(&in, &out).code() == ErrorCode::kCorruption);
  }
  {
    std::string b = body;
    b[1] = 13;  // type
    std::string f = Reframe(b);
    std::string_view in = f;
    CHECK(DecodeFrame(&in, &out).code() == ErrorCode::kCorruption);
  }
  {
    std::string f = Reframe(body + "x");
    std::string_view in = f;
    CHECK(DecodeFrame(&in, &out).code() == ErrorCode::kCorruption);
  }
}

TEST_CASE("a frame length over the limit is rejected before reading the body") {
  std::string f;
  PutFixed32(&f, kMaxFrameBodyBytes + 1);
  PutFixed32(&f, 0);
  std::string_view in = f;
  Message out;
  CHECK(DecodeFrame(&in, &out).code() == ErrorCode::kCorruption);
}

TEST_CASE("conf changes round-trip and reject malformed data") {
  for (auto type :
       {ConfChangeType::kAddLearner, ConfChangeType::kAddVoter, ConfChangeType::kRemoveNode}) {
    ConfChange cc{type, 12345};
    Result<ConfChange> out = DecodeConfChange(EncodeConfChange(cc));
    REQUIRE(out.ok());
    CHECK(*out == cc);
  }
  CHECK_FALSE(DecodeConfChange("").ok());
  CHECK_FALSE(DecodeConfChange(std::string("\x01\x07\x01", 3)).ok());      // bad type
  CHECK_FALSE(DecodeConfChange(std::string("\x02\x00\x01", 3)).ok());      // bad version
  CHECK_FALSE(DecodeConfChange(std::string("\x01\x00\x01\x00", 4)).ok());  // trailing
}

}  // namespace
}  // namespace cairn::raft
