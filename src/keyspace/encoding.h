// The on-disk format of the keyspace in LevelDB: every record's key and value layout, declared and
// documented here, in one place. Pure functions, no state, thread-safe; each costs one small
// string allocation.
//
// Every LevelDB key starts with a one-byte tag (RecordTag). Numbers inside keys are big-endian so
// that byte order is numeric order. Every value starts with a format byte (kFormatV1); a decoder
// rejects a format it does not know, and short or malformed records, with Status::Corruption.
// Tags, singleton ids and formats are pinned forever: never renumber or reuse one.
//
//   tag 'S' singleton    'S' id:u8                           -> fmt varint
//        id 1 applied log index, 2 next key version, 3 next namespace id, 4 store format
//   tag 'L' db mapping   'L' db:u8                           -> fmt varint(namespace)
//        logical database (0..15) -> physical namespace. FLUSHDB points the db at a fresh
//        namespace; SWAPDB swaps two entries; both O(1) in one batch.
//   tag 'W' db change    'W' db:u8                           -> fmt varint(log index)
//        log index of the last apply that flushed or swapped logical database db (WATCH reads
//        it); missing: 0, never.
//   tag 'C' counters     'C' ns:be64                         -> fmt varint(keys) varint(expires)
//        exact key count and count of keys with an expiry, per namespace (DBSIZE is O(1)).
//   tag 'O' orphan ns    'O' ns:be64                         -> fmt
//        a namespace no db points at any more; GC deletes its records, then this one.
//   tag 'G' orphan ver   'G' ns:be64 klen:be32 key ver:be64  -> fmt
//        a deleted/replaced collection version whose member records GC must delete.
//   tag 'M' metadata     'M' ns:be64 hash:be64 key           -> fmt type:u8 varint(expire_at_ms)
//                                                               varint(version) varint(mod_index)
//                                                               value bytes (rest of it)
//        hash = StableHash64(key): a SCAN cursor is the next hash to visit, so it survives writes.
//        value bytes: a string's value; a collection's header (EncodeCollectionHeader):
//        varint(members) varint(peak members) varint(peak member bytes) varint(flags), so HLEN
//        and SCARD are O(1) and OBJECT ENCODING follows Redis's one-way conversions (intset ->
//        listpack -> hashtable) without a walk. flags bit 0: a non-integer member was added.
//        (Added with the hash family; no earlier store held a collection record, so the store
//        format stays 1.)
//   tag 'D' member       'D' ns:be64 klen:be32 key ver:be64 member -> fmt payload
//        one record per hash field (payload: its value) / set member / zset member (payload:
//        its score, be64 EncodeScore: EncodeScorePayload) / list item
//        (member: be64 position biased by 2^63). Keyed by version: deleting or retyping a
//        collection is O(1) (a new version), the old version's records go to GC via 'G'.
//   tag 'Z' zset score   'Z' ns:be64 klen:be32 key ver:be64 score:be64 member -> fmt
//        score is EncodeScore(double): byte order is numeric order (ZRANGEBYSCORE is a seek).
//        The part after ScorePrefix is a ScoreEntry. Walked both ways; never in the memory tier.
//   tag 'E' expiry       'E' expire_at_ms:be64 ns:be64 key   -> fmt
//        every key with an expiry, in time order: the TTL wheel pages in the part due soon as
//        time advances, so start-up reads none of it (and no 'M' record either).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"
#include "keyspace/keyspace.h"

namespace cairn::keyspace {

inline constexpr uint8_t kFormatV1 = 1;
inline constexpr uint64_t kStoreFormat = 1;  // value of singleton 4; bump on incompatible change

enum class RecordTag : char {
  kSingleton = 'S',
  kDbMapping = 'L',
  kDbChangeIndex = 'W',
  kCounters = 'C',
  kOrphanNamespace = 'O',
  kOrphanVersion = 'G',
  kMeta = 'M',
  kMember = 'D',
  kScore = 'Z',
  kExpiry = 'E',
};

enum class Singleton : uint8_t {
  kAppliedIndex = 1,
  kNextVersion = 2,
  kNextNamespace = 3,
  kStoreFormat = 4,
};

// The prefix of every record with this tag; with a namespace, of the tag's records in it
// (for 'C', 'O', 'M', 'D', 'Z', 'G').
std::string TagPrefix(RecordTag tag);
std::string NamespacePrefix(RecordTag tag, uint64_t ns);

// --- Small records: singletons, mapping, counters, orphans. ---
std::string SingletonKey(Singleton id);
std::string DbMappingKey(int db);
std::string DbChangeIndexKey(int db);  // value: EncodeU64Value
std::string CountersKey(uint64_t ns);
std::string OrphanNamespaceKey(uint64_t ns);
Status DecodeNamespaceKey(RecordTag tag, std::string_view k, uint64_t* ns);  // 'C' or 'O' keys
std::string EncodeU64Value(uint64_t v);  // singletons and mapping
Status DecodeU64Value(std::string_view v, uint64_t* out);
std::string EncodeFormatOnlyValue();  // 'O', 'G', 'Z', 'E' values
Status DecodeFormatOnlyValue(std::string_view v);

struct Counters {
  uint64_t keys = 0;
  uint64_t expires = 0;
};
std::string EncodeCounters(const Counters& c);
Status DecodeCounters(std::string_view v, Counters* c);

std::string OrphanVersionKey(uint64_t ns, std::string_view key, uint64_t version);
struct VersionRef {
  uint64_t ns = 0;
  std::string key;
  uint64_t version = 0;
};
Status DecodeOrphanVersionKey(std::string_view k, VersionRef* out);

// --- Metadata. ---
std::string MetaKey(uint64_t ns, std::string_view key);
std::string MetaSeekKey(uint64_t ns, uint64_t hash);  // first meta key of ns with hash >= `hash`
struct MetaKeyParts {
  uint64_t ns = 0;
  uint64_t hash = 0;
  std::string_view key;  // points into the decoded buffer
};
Status DecodeMetaKey(std::string_view k, MetaKeyParts* out);
std::string EncodeMetaValue(const Entry& e);
Status DecodeMetaValue(std::string_view v, Entry* e);
// Reads only the header (type, expiry), for SCAN and GC that do not need the value.
Status DecodeMetaHeader(std::string_view v, ValueType* type, int64_t* expire_at_ms);

// --- Collections: the header in the metadata value, members and the score index. ---
inline constexpr uint64_t kHeaderNonInteger = 1;  // a member that is not an integer was added
struct CollectionHeader {
  uint64_t size = 0;        // members now (HLEN)
  uint64_t peak_size = 0;   // most members this version ever held
  uint64_t peak_bytes = 0;  // longest member or payload this version was ever given
  uint64_t flags = 0;       // kHeader* bits, sticky for the version
};
std::string EncodeCollectionHeader(const CollectionHeader& h);
// An empty value is an empty header.
Status DecodeCollectionHeader(std::string_view v, CollectionHeader* h);
std::string MemberPrefix(uint64_t ns, std::string_view key, uint64_t version);
std::string MemberKey(uint64_t ns, std::string_view key, uint64_t version, std::string_view member);
// Extracts the member from a member key whose prefix is `prefix` (from MemberPrefix).
Status DecodeMemberKey(std::string_view k, std::string_view prefix, std::string_view* member);
std::string EncodeMemberValue(std::string_view payload);
Status DecodeMemberValue(std::string_view v, std::string_view* payload);
// List positions: signed, biased so that byte order is numeric order.
std::string EncodeListPosition(int64_t pos);
Status DecodeListPosition(std::string_view member, int64_t* pos);

std::string ScorePrefix(uint64_t ns, std::string_view key, uint64_t version);
std::string ScoreKey(uint64_t ns, std::string_view key, uint64_t version, double score,
                     std::string_view member);
Status DecodeScoreKey(std::string_view k, std::string_view prefix, double* score,
                      std::string_view* member);
// Order-preserving map from double to uint64 (-inf < ... < -0.0 < +0.0 < ... < +inf).
uint64_t EncodeScore(double score);
double DecodeScore(uint64_t bits);

// A zset's score index entry as ScanScores/PutScore take it (a 'Z' key past ScorePrefix), and
// the bound above every entry (for a descending walk from the end).
std::string ScoreEntry(double score, std::string_view member);
Status DecodeScoreEntry(std::string_view entry, double* score, std::string_view* member);
inline const std::string kScoreEntryEnd(8, '\xff');
// A 'D' record's payload for a zset member: its score, be64 EncodeScore.
std::string EncodeScorePayload(double score);
Status DecodeScorePayload(std::string_view payload, double* score);

// --- Expiry index. ---
std::string ExpiryKey(int64_t expire_at_ms, uint64_t ns, std::string_view key);
struct ExpiryKeyParts {
  int64_t expire_at_ms = 0;
  uint64_t ns = 0;
  std::string_view key;
};
Status DecodeExpiryKey(std::string_view k, ExpiryKeyParts* out);

}  // namespace cairn::keyspace
