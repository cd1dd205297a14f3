// DEBUG DIGEST's hashing (Redis's xor/mix scheme over SHA1) and its walk over the keyspace.
#include "commands/digest.h"

#include <openssl/sha.h>

#include <optional>

#include "commands/collection.h"
#include "commands/zset.h"
#include "keyspace/encoding.h"

namespace cairn::commands {
namespace {

using keyspace::ValueType;

// Keys per Scan call: big enough that the walk is dominated by the hashing, not the calls.
constexpr size_t kScanPage = 1024;

std::string_view AsBytes(const Digest& d) {
  return {reinterpret_cast<const char*>(d.data()), d.size()};
}

// 4 bytes, big-endian, as Redis's htonl() of the type and db number.
std::string BigEndian32(uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
          static_cast<char>(v)};
}

// What a key holds, copied out of the keyspace's entry (its pointer dies at the next call).
struct ValueView {
  ValueType type = ValueType::kString;
  int64_t expire_at_ms = 0;
  uint64_t version = 0;
  std::string value;
};

// Looks the key up ignoring expiry (now = 0: no expire time is <= 0).
Result<std::optional<ValueView>> ReadValue(keyspace::Keyspace& ks, int db, std::string_view key) {
  auto found = ks.Find(db, key, /*now_ms=*/0);
  if (!found.ok()) return found.status();
  const keyspace::Entry* e = *found;
  if (e == nullptr) return std::optional<ValueView>();
  return std::optional<ValueView>(ValueView{e->type, e->expire_at_ms, e->version, e->value});
}

// Mixes a collection's members into *digest by its type's rule, a page at a time.
Status MixMembers(keyspace::Keyspace& ks, int db, std::string_view key, const ValueView& v,
                  MemberRule rule, Digest* digest) {
  std::string from;
  for (;;) {
    auto page = ks.ScanMembers(db, key, v.version, from, kMemberPage);
    if (!page.ok()) return page.status();
    for (const auto& [member, payload] : page->members) {
      if (rule == MemberRule::kXorMember) {
        XorDigest(digest, member);
      } else {
        Digest pair{};
        MixDigest(&pair, member);
        if (rule == MemberRule::kXorMemberScore) {
          double score = 0;
          CAIRN_RETURN_IF_ERROR(keyspace::DecodeScorePayload(payload, &score));
          MixDigest(&pair, FormatScore(score));
        } else {
          MixDigest(&pair, payload);
        }
        XorDigest(digest, AsBytes(pair));
      }
    }
    if (!page->next.has_value()) return Status::Ok();
    from = std::move(*page->next);
  }
}

// Redis's xorObjectDigest: type, value, then whether (and, here, when) it expires.
Status MixValue(keyspace::Keyspace& ks, int db, std::string_view key, const ValueView& v,
                Digest* digest) {
  auto rule = MemberRuleFor(v.type);
  if (!rule.ok()) return rule.status();
  MixDigest(digest, BigEndian32(static_cast<uint32_t>(v.type)));
  if (*rule == MemberRule::kNoMembers) {
    MixDigest(digest, v.value);
  } else {
    CAIRN_RETURN_IF_ERROR(MixMembers(ks, db, key, v, *rule, digest));
  }
  if (v.expire_at_ms != 0) {
    XorDigest(digest, "!!expire!!");
    MixDigest(digest, std::to_string(v.expire_at_ms));  // Cairn's addition: see digest.h
  }
  return Status::Ok();
}

// The XOR of every key digest of db; *any = whether db holds a key at all.
Status DatabaseDigest(keyspace::Keyspace& ks, int db, Digest* keys_xor, bool* any) {
  uint64_t cursor = 0;
  do {
    auto page = ks.Scan(db, cursor, kScanPage, /*now_ms=*/0);
    if (!page.ok()) return page.status();
    for (const std::string& key : page->keys) {
      auto v = ReadValue(ks, db, key);
      if (!v.ok()) return v.status();
      if (!v->has_value()) continue;  // a scan page names keys as of the page: still, be safe
      Digest key_digest{};
      MixDigest(&key_digest, key);
      CAIRN_RETURN_IF_ERROR(MixValue(ks, db, key, **v, &key_digest));
      XorDigest(keys_xor, AsBytes(key_digest));
      *any = true;
    }
    cursor = page->next_cursor;
  } while (cursor != 0);
  return Status::Ok();
}

}  // namespace

Result<MemberRule> MemberRuleFor(ValueType type) {
  switch (type) {
    case ValueType::kString:
      return MemberRule::kNoMembers;
    case ValueType::kSet:
      return MemberRule::kXorMember;
    case ValueType::kHash:
      return MemberRule::kXorMemberPayload;
    case ValueType::kZSet:
      return MemberRule::kXorMemberScore;
    case ValueType::kList:  // Redis: mix each item in list order (ScanMembers order).
      break;
  }
  return Status::InvalidArgument("DEBUG DIGEST does not cover type " +
                                 std::to_string(static_cast<int>(type)) + " yet");
}

void XorDigest(Digest* digest, std::string_view bytes) {
  Digest hash;
  SHA1(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), hash.data());
  for (size_t i = 0; i < hash.size(); ++i) (*digest)[i] ^= hash[i];
}

void MixDigest(Digest* digest, std::string_view bytes) {
  XorDigest(digest, bytes);
  Digest mixed;
  SHA1(digest->data(), digest->size(), mixed.data());
  *digest = mixed;
}

std::string DigestHex(const Digest& digest) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(digest.size() * 2);
  for (uint8_t b : digest) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 0xf]);
  }
  return out;
}

Result<Digest> ValueDigest(keyspace::Keyspace& ks, int db, std::string_view key) {
  Digest digest{};
  auto v = ReadValue(ks, db, key);
  if (!v.ok()) return v.status();
  if (v->has_value()) CAIRN_RETURN_IF_ERROR(MixValue(ks, db, key, **v, &digest));
  return digest;
}

Result<Digest> DatasetDigest(keyspace::Keyspace& ks) {
  Digest final_digest{};
  for (int db = 0; db < keyspace::kNumDatabases; ++db) {
    Digest keys_xor{};
    bool any = false;
    CAIRN_RETURN_IF_ERROR(DatabaseDigest(ks, db, &keys_xor, &any));
    if (!any) continue;  // as Redis: an empty database leaves no trace, not even its number
    // As Redis: the db number is mixed into what came before, then this db's keys XORed in.
    MixDigest(&final_digest, BigEndian32(static_cast<uint32_t>(db)));
    for (size_t i = 0; i < keys_xor.size(); ++i) final_digest[i] ^= keys_xor[i];
  }
  return final_digest;
}

}  // namespace cairn::commands
