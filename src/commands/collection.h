// What the collection families (hash_cmds.cc, set_cmds.cc) share: a collection as a command sees
// it (its metadata entry's version, expiry and header), creating and storing it, point reads of
// members, walks in pages, and the *SCAN cursor over members. Helpers that may reply end in
// OrReply and return false after replying. Loop thread only, like the keyspace.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "commands/context.h"
#include "keyspace/encoding.h"

namespace cairn::commands {

inline constexpr size_t kMemberPage = 1024;  // members read per ScanMembers call by the walks

// A collection of one type; exists == false: no such key (or an expired one).
struct Collection {
  keyspace::ValueType type = keyspace::ValueType::kHash;
  bool exists = false;
  uint64_t version = 0;
  int64_t expire_at_ms = 0;
  keyspace::CollectionHeader header;
};

bool StorageErrorReply(Context& ctx, const Status& s);
// Finds the collection at `key` in ctx.db: WRONGTYPE for a key of another type.
bool OpenCollectionOrReply(Context& ctx, std::string_view key, keyspace::ValueType type,
                           Collection* c);
// A write's first change to a missing collection creates its entry, which gives it a version.
void CreateIfMissing(Context& ctx, std::string_view key, Collection* c);
// Stores the header after a write; an empty collection is deleted, as in Redis.
void StoreHeader(Context& ctx, std::string_view key, const Collection& c);
// Point read of one member (nullopt when absent, or the collection does not exist).
bool GetMemberOrReply(Context& ctx, std::string_view key, const Collection& c,
                      std::string_view member, std::optional<std::string>* payload);
// Writes one member of an existing collection; counts a new one and the peaks (the payload's
// length too unless !count_payload: a zset's encoding limit is on members only).
void SetMember(Context& ctx, std::string_view key, Collection* c, std::string_view member,
               std::string_view payload, bool is_new, bool count_payload = true);
// Removes a member known to be there.
void RemoveMember(Context& ctx, std::string_view key, Collection* c, std::string_view member);

using MemberList = std::vector<std::pair<std::string, std::string>>;  // (member, payload)

// Calls fn(member, payload) for every member in byte order, a page at a time.
template <typename Fn>
Status ForEachMember(Context& ctx, std::string_view key, const Collection& c, Fn&& fn) {
  if (!c.exists) return Status::Ok();
  std::string from;
  for (;;) {
    auto page = ctx.keyspace.ScanMembers(ctx.db, key, c.version, from, kMemberPage);
    if (!page.ok()) return page.status();
    for (const auto& [member, payload] : page->members) fn(member, payload);
    if (!page->next.has_value()) return Status::Ok();
    from = std::move(*page->next);
  }
}
bool ReadAllOrReply(Context& ctx, std::string_view key, const Collection& c, MemberList* out);

// `want` distinct members at random (all of them if want >= size), in random order: positions
// drawn from `rng` (Floyd's sampling), then one walk that stops at the last one drawn, so it
// costs O(position of the last pick) reads and O(want) memory.
bool PickRandomOrReply(Context& ctx, const Collection& c, Rng& rng, uint64_t want,
                       MemberList* out);

// HRANDFIELD key [count [WITHVALUES]], SRANDMEMBER key [count]: a bulk (or null) without a
// count, else an array (count > 0: distinct members, at most all; < 0: -count picks with
// repeats); with payloads, RESP3 pairs and RESP2 flat. Draws from the node's read RNG and reads
// members up to the last position drawn (PickRandomOrReply). `with_payloads_word`: "WITHVALUES",
// or empty where none.
// `reply_payload` writes a payload (nullptr: as a bulk string; zsets: as a score).
using PayloadReply = void (*)(Context& ctx, std::string_view payload);
void RandomMembersCommand(Context& ctx, keyspace::ValueType type,
                          std::string_view with_payloads_word, PayloadReply reply_payload = nullptr);

// HSCAN / SSCAN key cursor [MATCH pattern] [COUNT count]: [cursor, members (with payloads,
// flat)]. Members are kept in byte order, so the cursor is a position in that order: the first
// 8 bytes of the next member to visit, big-endian, zero-padded. A page never ends inside a group
// of members sharing those 8 bytes (like SCAN's hash groups), so a cursor stays valid across
// writes and every member present for the whole scan is returned; members with a long common
// prefix make larger pages. A collection Redis would keep compact (OBJECT ENCODING other than
// hashtable or skiplist) comes whole, cursor 0, as in Redis.
void MemberScanCommand(Context& ctx, keyspace::ValueType type, bool with_payloads,
                       PayloadReply reply_payload = nullptr);

}  // namespace cairn::commands
