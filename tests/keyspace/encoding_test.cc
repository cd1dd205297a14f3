// Unit tests for the on-disk format: round trips, key order, and rejection of damaged records.
#include "keyspace/encoding.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "common/coding.h"

using namespace cairn;
using namespace cairn::keyspace;

TEST_CASE("record tags and formats are pinned") {
  // These bytes are on disk: changing one is an incompatible format change.
  CHECK(static_cast<char>(RecordTag::kSingleton) == 'S');
  CHECK(static_cast<char>(RecordTag::kDbMapping) == 'L');
  CHECK(static_cast<char>(RecordTag::kCounters) == 'C');
  CHECK(static_cast<char>(RecordTag::kOrphanNamespace) == 'O');
  CHECK(static_cast<char>(RecordTag::kOrphanVersion) == 'G');
  CHECK(static_cast<char>(RecordTag::kMeta) == 'M');
  CHECK(static_cast<char>(RecordTag::kMember) == 'D');
  CHECK(static_cast<char>(RecordTag::kScore) == 'Z');
  CHECK(static_cast<char>(RecordTag::kExpiry) == 'E');
  CHECK(kFormatV1 == 1);
  CHECK(static_cast<int>(ValueType::kHash) == 4);
  CHECK(SingletonKey(Singleton::kAppliedIndex) == std::string("S\x01", 2));
}

TEST_CASE("meta value round-trips every field, binary value included") {
  Entry e;
  e.type = ValueType::kZSet;
  e.expire_at_ms = 1'700'000'123'456;
  e.version = 1ull << 40;
  e.mod_index = 987654321;
  e.value = std::string("a\0b\xff", 4);
  Entry out;
  REQUIRE(DecodeMetaValue(EncodeMetaValue(e), &out).ok());
  CHECK(out.type == e.type);
  CHECK(out.expire_at_ms == e.expire_at_ms);
  CHECK(out.version == e.version);
  CHECK(out.mod_index == e.mod_index);
  CHECK(out.value == e.value);

  ValueType type;
  int64_t expire = 0;
  REQUIRE(DecodeMetaHeader(EncodeMetaValue(e), &type, &expire).ok());
  CHECK(type == ValueType::kZSet);
  CHECK(expire == e.expire_at_ms);
}

TEST_CASE("corrupt or short records are rejected with Corruption") {
  Entry e;
  e.value = "v";
  std::string good = EncodeMetaValue(e);
  Entry out;
  CHECK(DecodeMetaValue("", &out).code() == ErrorCode::kCorruption);
  CHECK(DecodeMetaValue(good.substr(0, 2), &out).code() == ErrorCode::kCorruption);
  std::string bad_format = good;
  bad_format[0] = 9;
  CHECK(DecodeMetaValue(bad_format, &out).code() == ErrorCode::kCorruption);
  std::string bad_type = good;
  bad_type[1] = 7;
  CHECK(DecodeMetaValue(bad_type, &out).code() == ErrorCode::kCorruption);

  uint64_t v = 0;
  CHECK(DecodeU64Value(EncodeU64Value(5) + "x", &v).code() == ErrorCode::kCorruption);
  CHECK(DecodeU64Value(std::string(1, '\x01'), &v).code() == ErrorCode::kCorruption);
  Counters c;
  CHECK(DecodeCounters(EncodeCounters({3, 1}).substr(0, 2), &c).code() == ErrorCode::kCorruption);
  CHECK(DecodeCounters(EncodeCounters({1, 3}), &c).code() == ErrorCode::kCorruption);
  ExpiryKeyParts ep;
  CHECK(DecodeExpiryKey("E1234", &ep).code() == ErrorCode::kCorruption);
  CHECK(DecodeExpiryKey(MetaKey(1, "k"), &ep).code() == ErrorCode::kCorruption);
  MetaKeyParts mp;
  CHECK(DecodeMetaKey("M12345678", &mp).code() == ErrorCode::kCorruption);
  VersionRef ref;
  std::string ov = OrphanVersionKey(1, "key", 2);
  CHECK(DecodeOrphanVersionKey(ov.substr(0, ov.size() - 1), &ref).code() == ErrorCode::kCorruption);
  CHECK(DecodeFormatOnlyValue("").code() == ErrorCode::kCorruption);
}

TEST_CASE("small records round-trip") {
  uint64_t v = 0;
  REQUIRE(DecodeU64Value(EncodeU64Value(~0ull), &v).ok());
  CHECK(v == ~0ull);
  Counters c;
  REQUIRE(DecodeCounters(EncodeCounters({10, 4}), &c).ok());
  CHECK(c.keys == 10);
  CHECK(c.expires == 4);
  uint64_t ns = 0;
  REQUIRE(DecodeNamespaceKey(RecordTag::kOrphanNamespace, OrphanNamespaceKey(77), &ns).ok());
  CHECK(ns == 77);
  VersionRef ref;
  REQUIRE(DecodeOrphanVersionKey(OrphanVersionKey(3, std::string("k\0y", 3), 9), &ref).ok());
  CHECK(ref.ns == 3);
  CHECK(ref.key == std::string("k\0y", 3));
  CHECK(ref.version == 9);
  CHECK(DecodeFormatOnlyValue(EncodeFormatOnlyValue()).ok());
}

TEST_CASE("expiry index keys sort in time order, then namespace, then key") {
  std::vector<std::string> keys = {ExpiryKey(1'000, 5, "zzz"),      ExpiryKey(999, 9, "a"),
                                   ExpiryKey(256, 0, "m"),          ExpiryKey(1'000, 5, "aaa"),
                                   ExpiryKey(1ll << 40, 0, "late"), ExpiryKey(1'000, 2, "zzz")};
  std::sort(keys.begin(), keys.end());
  std::vector<std::pair<int64_t, std::string>> got;
  for (const auto& k : keys) {
    ExpiryKeyParts p;
    REQUIRE(DecodeExpiryKey(k, &p).ok());
    got.emplace_back(p.expire_at_ms, std::to_string(p.ns) + "/" + std::string(p.key));
  }
  std::vector<std::pair<int64_t, std::string>> want = {{256, "0/m"},     {999, "9/a"},
                                                       {1'000, "2/zzz"}, {1'000, "5/aaa"},
                                                       {1'000, "5/zzz"}, {1ll << 40, "0/late"}};
  CHECK(got == want);
}

TEST_CASE("meta keys sort by namespace, then StableHash64 of the key") {
  std::vector<std::string> names;
  for (int i = 0; i < 200; ++i) names.push_back("key:" + std::to_string(i));
  std::vector<std::string> keys;
  for (const auto& n : names) keys.push_back(MetaKey(7, n));
  keys.push_back(MetaKey(6, "last-but-first"));
  keys.push_back(MetaKey(8, "first-but-last"));
  std::sort(keys.begin(), keys.end());
  MetaKeyParts first, last;
  REQUIRE(DecodeMetaKey(keys.front(), &first).ok());
  REQUIRE(DecodeMetaKey(keys.back(), &last).ok());
  CHECK(first.ns == 6);
  CHECK(last.ns == 8);
  uint64_t prev = 0;
  for (size_t i = 1; i + 1 < keys.size(); ++i) {
    MetaKeyParts p;
    REQUIRE(DecodeMetaKey(keys[i], &p).ok());
    CHECK(p.ns == 7);
    CHECK(p.hash == StableHash64(p.key));
    CHECK(p.hash >= prev);
    prev = p.hash;
    // A seek key for a hash lands at or before the record with that hash.
    CHECK(MetaSeekKey(7, p.hash) <= keys[i]);
  }
}

TEST_CASE("member and score records of a version share a prefix no other key has") {
  std::string prefix = MemberPrefix(1, "ab", 5);
  std::string_view member;
  const std::string member_key = MemberKey(1, "ab", 5, "field");  // views point into it
  REQUIRE(DecodeMemberKey(member_key, prefix, &member).ok());
  CHECK(member == "field");
  // Length-prefixed keys: key "a" + member "b..." can never look like key "ab".
  CHECK_FALSE(MemberKey(1, "a", 5, "b").starts_with(prefix));
  CHECK_FALSE(MemberKey(1, "ab", 6, "x").starts_with(prefix));
  std::string_view payload;
  const std::string member_value = EncodeMemberValue("pay");
  REQUIRE(DecodeMemberValue(member_value, &payload).ok());
  CHECK(payload == "pay");

  for (int64_t pos : {std::numeric_limits<int64_t>::min(), int64_t{-5}, int64_t{0}, int64_t{7}}) {
    int64_t back = 0;
    REQUIRE(DecodeListPosition(EncodeListPosition(pos), &back).ok());
    CHECK(back == pos);
  }
  CHECK(EncodeListPosition(-1) < EncodeListPosition(0));
  CHECK(EncodeListPosition(-100) < EncodeListPosition(-1));
}

TEST_CASE("scores encode in numeric order and round-trip") {
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<double> scores = {-inf, -1e300, -2.5, -1,  -1e-300, -0.0,
                                0.0,  1e-300, 1,    2.5, 1e300,   inf};
  for (size_t i = 0; i < scores.size(); ++i) {
    CHECK(DecodeScore(EncodeScore(scores[i])) == scores[i]);
    CHECK(std::signbit(DecodeScore(EncodeScore(scores[i]))) == std::signbit(scores[i]));
    if (i > 0) CHECK(EncodeScore(scores[i - 1]) < EncodeScore(scores[i]));
  }
  std::string prefix = ScorePrefix(2, "z", 1);
  double score = 0;
  std::string_view member;
  const std::string score_key = ScoreKey(2, "z", 1, -2.5, "m");
  REQUIRE(DecodeScoreKey(score_key, prefix, &score, &member).ok());
  CHECK(score == -2.5);
  CHECK(member == "m");
  CHECK(ScoreKey(2, "z", 1, -3, "b") < ScoreKey(2, "z", 1, 1, "a"));
}

TEST_CASE("collection header round-trips; empty is empty; damage is Corruption") {
  CollectionHeader h{3, 200, 70, kHeaderNonInteger};
  CollectionHeader back;
  REQUIRE(DecodeCollectionHeader(EncodeCollectionHeader(h), &back).ok());
  CHECK(back.size == 3);
  CHECK(back.peak_size == 200);
  CHECK(back.peak_bytes == 70);
  CHECK(back.flags == kHeaderNonInteger);
  REQUIRE(DecodeCollectionHeader("", &back).ok());
  CHECK(back.size == 0);
  CHECK(back.flags == 0);
  std::string bad = EncodeCollectionHeader(h);
  CHECK(DecodeCollectionHeader(bad.substr(0, 2), &back).code() == ErrorCode::kCorruption);
  CHECK(DecodeCollectionHeader(bad + "x", &back).code() == ErrorCode::kCorruption);
  // More members now than ever held is impossible.
  CHECK(DecodeCollectionHeader(EncodeCollectionHeader({5, 4, 0, 0}), &back).code() ==
        ErrorCode::kCorruption);
}
