// The keyspace's on-disk format: encoders and strict decoders (see encoding.h for the layout).
#include "keyspace/encoding.h"

#include <bit>

#include "common/coding.h"

namespace cairn::keyspace {
namespace {

void PutBigEndian32(std::string* dst, uint32_t v) {
  char buf[4];
  for (int i = 0; i < 4; ++i) buf[i] = static_cast<char>(v >> (8 * (3 - i)));
  dst->append(buf, 4);
}

bool GetBigEndian64(std::string_view* in, uint64_t* v) {
  if (in->size() < 8) return false;
  *v = DecodeBigEndian64(in->data());
  in->remove_prefix(8);
  return true;
}

bool GetBigEndian32(std::string_view* in, uint32_t* v) {
  if (in->size() < 4) return false;
  uint32_t r = 0;
  for (int i = 0; i < 4; ++i) r = (r << 8) | static_cast<uint8_t>((*in)[i]);
  *v = r;
  in->remove_prefix(4);
  return true;
}

std::string Start(RecordTag tag) { return std::string(1, static_cast<char>(tag)); }

bool ConsumeTag(std::string_view* in, RecordTag tag) {
  if (in->empty() || (*in)[0] != static_cast<char>(tag)) return false;
  in->remove_prefix(1);
  return true;
}

// Checks and consumes the format byte that starts every value.
bool ConsumeFormat(std::string_view* in) {
  if (in->empty() || static_cast<uint8_t>((*in)[0]) != kFormatV1) return false;
  in->remove_prefix(1);
  return true;
}

std::string FormatOnly() { return std::string(1, static_cast<char>(kFormatV1)); }

// 'D' / 'Z' / 'G' share the (ns, key, version) part, with the key length-prefixed so that no key
// is a prefix of another key's records.
void AppendKeyVersion(std::string* dst, uint64_t ns, std::string_view key, uint64_t version) {
  PutBigEndian64(dst, ns);
  PutBigEndian32(dst, static_cast<uint32_t>(key.size()));
  dst->append(key);
  PutBigEndian64(dst, version);
}

Status Corrupt(const char* what) {
  return Status::Corruption(std::string("keyspace: bad ") + what);
}

}  // namespace

std::string TagPrefix(RecordTag tag) { return Start(tag); }

std::string NamespacePrefix(RecordTag tag, uint64_t ns) {
  std::string k = Start(tag);
  PutBigEndian64(&k, ns);
  return k;
}

std::string SingletonKey(Singleton id) {
  std::string k = Start(RecordTag::kSingleton);
  k.push_back(static_cast<char>(id));
  return k;
}

std::string DbMappingKey(int db) {
  std::string k = Start(RecordTag::kDbMapping);
  k.push_back(static_cast<char>(db));
  return k;
}

std::string DbChangeIndexKey(int db) {
  std::string k = Start(RecordTag::kDbChangeIndex);
  k.push_back(static_cast<char>(db));
  return k;
}

std::string CountersKey(uint64_t ns) { return NamespacePrefix(RecordTag::kCounters, ns); }
std::string OrphanNamespaceKey(uint64_t ns) {
  return NamespacePrefix(RecordTag::kOrphanNamespace, ns);
}

Status DecodeNamespaceKey(RecordTag tag, std::string_view k, uint64_t* ns) {
  if (!ConsumeTag(&k, tag) || !GetBigEndian64(&k, ns) || !k.empty()) return Corrupt("ns key");
  return Status::Ok();
}

std::string EncodeU64Value(uint64_t v) {
  std::string out = FormatOnly();
  PutVarint64(&out, v);
  return out;
}

Status DecodeU64Value(std::string_view v, uint64_t* out) {
  if (!ConsumeFormat(&v) || !GetVarint64(&v, out) || !v.empty()) return Corrupt("u64 value");
  return Status::Ok();
}

std::string EncodeFormatOnlyValue() { return FormatOnly(); }

Status DecodeFormatOnlyValue(std::string_view v) {
  if (!ConsumeFormat(&v) || !v.empty()) return Corrupt("marker value");
  return Status::Ok();
}

std::string EncodeCounters(const Counters& c) {
  std::string out = FormatOnly();
  PutVarint64(&out, c.keys);
  PutVarint64(&out, c.expires);
  return out;
}

Status DecodeCounters(std::string_view v, Counters* c) {
  if (!ConsumeFormat(&v) || !GetVarint64(&v, &c->keys) || !GetVarint64(&v, &c->expires) ||
      !v.empty() || c->expires > c->keys) {
    return Corrupt("counters");
  }
  return Status::Ok();
}

std::string OrphanVersionKey(uint64_t ns, std::string_view key, uint64_t version) {
  std::string k = Start(RecordTag::kOrphanVersion);
  AppendKeyVersion(&k, ns, key, version);
  return k;
}

Status DecodeOrphanVersionKey(std::string_view k, VersionRef* out) {
  uint32_t klen = 0;
  if (!ConsumeTag(&k, RecordTag::kOrphanVersion) || !GetBigEndian64(&k, &out->ns) ||
      !GetBigEndian32(&k, &klen) || k.size() != size_t{klen} + 8) {
    return Corrupt("orphan version key");
  }
  out->key.assign(k.substr(0, klen));
  k.remove_prefix(klen);
  GetBigEndian64(&k, &out->version);
  return Status::Ok();
}

std::string MetaKey(uint64_t ns, std::string_view key) {
  std::string k = MetaSeekKey(ns, StableHash64(key));
  k.append(key);
  return k;
}

std::string MetaSeekKey(uint64_t ns, uint64_t hash) {
  std::string k = NamespacePrefix(RecordTag::kMeta, ns);
  PutBigEndian64(&k, hash);
  return k;
}

Status DecodeMetaKey(std::string_view k, MetaKeyParts* out) {
  if (!ConsumeTag(&k, RecordTag::kMeta) || !GetBigEndian64(&k, &out->ns) ||
      !GetBigEndian64(&k, &out->hash)) {
    return Corrupt("meta key");
  }
  out->key = k;
  return Status::Ok();
}

std::string EncodeMetaValue(const Entry& e) {
  std::string out;
  out.reserve(1 + 1 + 3 * 10 + e.value.size());
  out.push_back(static_cast<char>(kFormatV1));
  out.push_back(static_cast<char>(e.type));
  PutVarint64(&out, static_cast<uint64_t>(e.expire_at_ms));
  PutVarint64(&out, e.version);
  PutVarint64(&out, e.mod_index);
  out.append(e.value);
  return out;
}

namespace {
bool DecodeMetaPrefix(std::string_view* v, ValueType* type, int64_t* expire_at_ms) {
  uint64_t expire = 0;
  if (!ConsumeFormat(v) || v->empty()) return false;
  uint8_t t = static_cast<uint8_t>((*v)[0]);
  if (t > static_cast<uint8_t>(ValueType::kHash)) return false;
  v->remove_prefix(1);
  if (!GetVarint64(v, &expire)) return false;
  *type = static_cast<ValueType>(t);
  *expire_at_ms = static_cast<int64_t>(expire);
  return true;
}
}  // namespace

Status DecodeMetaValue(std::string_view v, Entry* e) {
  if (!DecodeMetaPrefix(&v, &e->type, &e->expire_at_ms) || !GetVarint64(&v, &e->version) ||
      !GetVarint64(&v, &e->mod_index)) {
    return Corrupt("meta value");
  }
  e->value.assign(v.data(), v.size());
  return Status::Ok();
}

Status DecodeMetaHeader(std::string_view v, ValueType* type, int64_t* expire_at_ms) {
  if (!DecodeMetaPrefix(&v, type, expire_at_ms)) return Corrupt("meta header");
  return Status::Ok();
}

std::string EncodeCollectionHeader(const CollectionHeader& h) {
  std::string out;
  PutVarint64(&out, h.size);
  PutVarint64(&out, h.peak_size);
  PutVarint64(&out, h.peak_bytes);
  PutVarint64(&out, h.flags);
  return out;
}

Status DecodeCollectionHeader(std::string_view v, CollectionHeader* h) {
  *h = CollectionHeader{};
  if (v.empty()) return Status::Ok();
  if (!GetVarint64(&v, &h->size) || !GetVarint64(&v, &h->peak_size) ||
      !GetVarint64(&v, &h->peak_bytes) || !GetVarint64(&v, &h->flags) || !v.empty() ||
      h->size > h->peak_size) {
    return Corrupt("collection header");
  }
  return Status::Ok();
}

std::string MemberPrefix(uint64_t ns, std::string_view key, uint64_t version) {
  std::string k = Start(RecordTag::kMember);
  AppendKeyVersion(&k, ns, key, version);
  return k;
}

std::string MemberKey(uint64_t ns, std::string_view key, uint64_t version,
                      std::string_view member) {
  std::string k = MemberPrefix(ns, key, version);
  k.append(member);
  return k;
}

Status DecodeMemberKey(std::string_view k, std::string_view prefix, std::string_view* member) {
  if (!k.starts_with(prefix)) return Corrupt("member key");
  *member = k.substr(prefix.size());
  return Status::Ok();
}

std::string EncodeMemberValue(std::string_view payload) {
  std::string out = FormatOnly();
  out.append(payload);
  return out;
}

Status DecodeMemberValue(std::string_view v, std::string_view* payload) {
  if (!ConsumeFormat(&v)) return Corrupt("member value");
  *payload = v;
  return Status::Ok();
}

std::string EncodeListPosition(int64_t pos) {
  std::string out;
  PutBigEndian64(&out, static_cast<uint64_t>(pos) ^ (uint64_t{1} << 63));
  return out;
}

Status DecodeListPosition(std::string_view member, int64_t* pos) {
  uint64_t v = 0;
  if (!GetBigEndian64(&member, &v) || !member.empty()) return Corrupt("list position");
  *pos = static_cast<int64_t>(v ^ (uint64_t{1} << 63));
  return Status::Ok();
}

std::string ScorePrefix(uint64_t ns, std::string_view key, uint64_t version) {
  std::string k = Start(RecordTag::kScore);
  AppendKeyVersion(&k, ns, key, version);
  return k;
}

std::string ScoreKey(uint64_t ns, std::string_view key, uint64_t version, double score,
                     std::string_view member) {
  std::string k = ScorePrefix(ns, key, version);
  PutBigEndian64(&k, EncodeScore(score));
  k.append(member);
  return k;
}

std::string ScoreEntry(double score, std::string_view member) {
  std::string k;
  PutBigEndian64(&k, EncodeScore(score));
  k.append(member);
  return k;
}

Status DecodeScoreEntry(std::string_view entry, double* score, std::string_view* member) {
  uint64_t bits = 0;
  if (!GetBigEndian64(&entry, &bits)) return Corrupt("score entry");
  *score = DecodeScore(bits);
  *member = entry;
  return Status::Ok();
}

std::string EncodeScorePayload(double score) {
  std::string out;
  PutBigEndian64(&out, EncodeScore(score));
  return out;
}

Status DecodeScorePayload(std::string_view payload, double* score) {
  uint64_t bits = 0;
  if (!GetBigEndian64(&payload, &bits) || !payload.empty()) return Corrupt("score payload");
  *score = DecodeScore(bits);
  return Status::Ok();
}

Status DecodeScoreKey(std::string_view k, std::string_view prefix, double* score,
                      std::string_view* member) {
  uint64_t bits = 0;
  if (!k.starts_with(prefix)) return Corrupt("score key");
  k.remove_prefix(prefix.size());
  if (!GetBigEndian64(&k, &bits)) return Corrupt("score key");
  *score = DecodeScore(bits);
  *member = k;
  return Status::Ok();
}

uint64_t EncodeScore(double score) {
  uint64_t bits = std::bit_cast<uint64_t>(score);
  // Negative numbers: flip all bits (larger magnitude sorts first); positive: set the sign bit.
  // So -0.0 sorts just below +0.0, and NaN (which Redis never stores) at an end.
  return (bits & (uint64_t{1} << 63)) ? ~bits : bits | (uint64_t{1} << 63);
}

double DecodeScore(uint64_t bits) {
  bits = (bits & (uint64_t{1} << 63)) ? bits & ~(uint64_t{1} << 63) : ~bits;
  return std::bit_cast<double>(bits);
}

std::string ExpiryKey(int64_t expire_at_ms, uint64_t ns, std::string_view key) {
  std::string k = Start(RecordTag::kExpiry);
  PutBigEndian64(&k, static_cast<uint64_t>(expire_at_ms));
  PutBigEndian64(&k, ns);
  k.append(key);
  return k;
}

Status DecodeExpiryKey(std::string_view k, ExpiryKeyParts* out) {
  uint64_t t = 0;
  if (!ConsumeTag(&k, RecordTag::kExpiry) || !GetBigEndian64(&k, &t) ||
      !GetBigEndian64(&k, &out->ns)) {
    return Corrupt("expiry key");
  }
  out->expire_at_ms = static_cast<int64_t>(t);
  out->key = k;
  return Status::Ok();
}

}  // namespace cairn::keyspace
