// DEBUG DIGEST and DEBUG DIGEST-VALUE: a 20-byte digest of the logical contents of every
// database (db number, key, type, value or members, expiry), so that tests and operators can
// check that two replicas hold the same data. Reads only through the Keyspace interface, so
// where an entry lives (overlay, memory tier, LevelDB) cannot change the result.
//
// The scheme is Redis's (debug.c): a key's digest mixes the key, its type and its value; members
// of an unordered collection are XORed in, so insertion order does not matter; the key digests
// of a database are XORed together, so neither does the order a scan returns them in. For keys
// without an expiry the bytes equal Redis 7.0's. Redis mixes in only *that* a key has an expiry
// ("!!expire!!"); Cairn mixes in the absolute expire time as well, because expiry times are
// replicated data (resolved against the leader's clock at apply) and a replica that got a TTL
// wrong must not match. So a key with a TTL digests differently from Redis.
//
// Logically expired keys not yet deleted are included, as in Redis: active expiry deletes
// through the log, so at one applied index every replica holds the same such keys, while
// whether a key "is expired now" depends on each node's clock.
//
// Cost: O(keys + members) on the calling (loop) thread in one go, plus what a durable keyspace's
// Scan costs (it first writes pending entries to LevelDB). It is a debug command: every other
// client waits while it runs. Loop thread only, like the keyspace.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"
#include "keyspace/keyspace.h"

namespace cairn::commands {

using Digest = std::array<uint8_t, 20>;

// How one value type's members enter its value digest: every collection type is one case of
// MemberRuleFor, and the walk over members is shared.
enum class MemberRule : uint8_t {
  kNoMembers,         // strings: the entry's value is the whole value
  kXorMember,         // sets: XOR of SHA1(member), order-free
  kXorMemberPayload,  // hashes: XOR of mix(mix(0, field), value), order-free
  kXorMemberScore,    // sorted sets: XOR of mix(mix(0, member), score as "%.17g"), order-free
};
// The rule for `type`; Unimplemented-style error (InvalidArgument) for types whose members have
// no digest yet (lists, built elsewhere, will add one case here).
Result<MemberRule> MemberRuleFor(keyspace::ValueType type);

// digest ^= SHA1(bytes).
void XorDigest(Digest* digest, std::string_view bytes);
// digest = SHA1(digest ^ SHA1(bytes)): order matters.
void MixDigest(Digest* digest, std::string_view bytes);
// 40 lowercase hex digits.
std::string DigestHex(const Digest& digest);

// The digest of the value at (db, key), without the key itself (DEBUG DIGEST-VALUE); all zeros
// when there is no such key. Expired keys not yet deleted count (see above).
Result<Digest> ValueDigest(keyspace::Keyspace& ks, int db, std::string_view key);
// The digest of every database (DEBUG DIGEST): all zeros when every database is empty.
Result<Digest> DatasetDigest(keyspace::Keyspace& ks);

}  // namespace cairn::commands
