// Set family: SADD SREM SISMEMBER SMISMEMBER SCARD SMEMBERS SPOP SRANDMEMBER SMOVE SINTER SUNION
// SDIFF SINTERCARD SINTERSTORE SUNIONSTORE SDIFFSTORE SSCAN, on one 'D' member record per member (empty payload).
//
// Built like the hash family (collection.h): the metadata entry holds the CollectionHeader (SCARD
// and OBJECT ENCODING in O(1)), members are point-read and written one record each, so SADD costs
// the same on a 10-member and a 1M-member set; an empty set is deleted. The algebra commands read
// every source set whole (O(total members)) and answer in member byte order (Redis's order is
// its hash table's, unspecified). SPOP draws from Context::random_seed (the record's log index),
// the same on every replica. SINTERCARD's keys follow its numkeys (CommandSpec::numkeys_arg).
#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "commands/args.h"
#include "commands/collection.h"
#include "commands/context.h"
#include "commands/errors.h"
#include "commands/lookup.h"

namespace cairn::commands {
namespace {

using keyspace::ValueType;

bool OpenSetOrReply(Context& ctx, std::string_view key, Collection* s) {
  return OpenCollectionOrReply(ctx, key, ValueType::kSet, s);
}

bool IsMemberOrReply(Context& ctx, std::string_view key, const Collection& s,
                     std::string_view member, bool* is_member) {
  std::optional<std::string> payload;
  if (!GetMemberOrReply(ctx, key, s, member, &payload)) return false;
  *is_member = payload.has_value();
  return true;
}

// Adds `member` to the set (created if missing) unless it is there; returns whether it was added.
bool AddOrReply(Context& ctx, std::string_view key, Collection* s, std::string_view member,
                bool* added) {
  bool present = false;
  if (!IsMemberOrReply(ctx, key, *s, member, &present)) return false;
  *added = !present;
  if (present) return true;
  CreateIfMissing(ctx, key, s);
  SetMember(ctx, key, s, member, "", /*is_new=*/true);
  return true;
}

void SAdd(Context& ctx) {
  const std::string& key = ctx.arg(1);
  Collection s;
  if (!OpenSetOrReply(ctx, key, &s)) return;
  int64_t added = 0;
  for (size_t i = 2; i < ctx.argc(); ++i) {
    bool was_added = false;
    if (!AddOrReply(ctx, key, &s, ctx.arg(i), &was_added)) return;
    added += was_added ? 1 : 0;
  }
  if (added > 0) StoreHeader(ctx, key, s);
  ctx.reply.Integer(added);
}

void SRem(Context& ctx) {
  const std::string& key = ctx.arg(1);
  Collection s;
  if (!OpenSetOrReply(ctx, key, &s)) return;
  int64_t removed = 0;
  for (size_t i = 2; i < ctx.argc() && s.exists; ++i) {
    bool present = false;
    if (!IsMemberOrReply(ctx, key, s, ctx.arg(i), &present)) return;
    if (!present) continue;
    RemoveMember(ctx, key, &s, ctx.arg(i));
    ++removed;
  }
  if (removed > 0) StoreHeader(ctx, key, s);
  ctx.reply.Integer(removed);
}

void SIsMember(Context& ctx) {
  Collection s;
  bool present = false;
  if (!OpenSetOrReply(ctx, ctx.arg(1), &s) ||
      !IsMemberOrReply(ctx, ctx.arg(1), s, ctx.arg(2), &present)) {
    return;
  }
  ctx.reply.Integer(present ? 1 : 0);
}

void SMIsMember(Context& ctx) {
  Collection s;
  if (!OpenSetOrReply(ctx, ctx.arg(1), &s)) return;
  std::vector<bool> present(ctx.argc() - 2);
  for (size_t i = 2; i < ctx.argc(); ++i) {
    bool p = false;
    if (!IsMemberOrReply(ctx, ctx.arg(1), s, ctx.arg(i), &p)) return;
    present[i - 2] = p;
  }
  ctx.reply.ArrayHeader(present.size());
  for (bool p : present) ctx.reply.Integer(p ? 1 : 0);
}

void SCard(Context& ctx) {
  Collection s;
  if (!OpenSetOrReply(ctx, ctx.arg(1), &s)) return;
  ctx.reply.Integer(static_cast<int64_t>(s.header.size));
}

void ReplySet(Context& ctx, const std::vector<std::string>& members) {
  ctx.reply.SetHeader(members.size());
  for (const auto& m : members) ctx.reply.Bulk(m);
}

// Every member of the set at `key`, in byte order; false after replying.
bool MembersOrReply(Context& ctx, std::string_view key, std::vector<std::string>* out,
                    bool* exists = nullptr) {
  Collection s;
  if (!OpenSetOrReply(ctx, key, &s)) return false;
  if (exists != nullptr) *exists = s.exists;
  Status st = ForEachMember(ctx, key, s, [&](const std::string& m, const std::string&) {
    out->push_back(m);
  });
  return st.ok() || StorageErrorReply(ctx, st);
}

void SMembers(Context& ctx) {
  std::vector<std::string> members;
  if (!MembersOrReply(ctx, ctx.arg(1), &members)) return;
  ReplySet(ctx, members);
}

void SRandMember(Context& ctx) { RandomMembersCommand(ctx, ValueType::kSet, ""); }

// SPOP key [count]: the count is checked before logging; at apply the picks come from an Rng
// seeded with ctx.random_seed, so every replica and a replay pop the same members. Reads the
// set up to the last position drawn (PickRandomOrReply).
bool ParseSPopOrReply(Context& ctx, std::optional<int64_t>* count) {
  if (ctx.argc() == 2) return true;
  int64_t n = 0;
  if (ctx.argc() > 3) {
    ctx.reply.Error(err::kSyntax);
    return false;
  }
  if (!ParseInt64(ctx.arg(2), &n)) {
    ctx.reply.Error(err::kNotInteger);
    return false;
  }
  if (n < 0) {
    ctx.reply.Error(err::kOutOfRangePositive);
    return false;
  }
  *count = n;
  return true;
}

bool ValidateSPop(Context& ctx) {
  std::optional<int64_t> count;
  return ParseSPopOrReply(ctx, &count);
}

void SPop(Context& ctx) {
  std::optional<int64_t> count;
  if (!ParseSPopOrReply(ctx, &count)) return;
  const std::string& key = ctx.arg(1);
  Collection s;
  if (!OpenSetOrReply(ctx, key, &s)) return;
  if (!s.exists || count == 0) return count ? ctx.reply.SetHeader(0) : ctx.reply.Null();
  Rng rng(ctx.random_seed);
  MemberList popped;
  if (!PickRandomOrReply(ctx, s, rng, count ? static_cast<uint64_t>(*count) : 1, &popped)) return;
  for (const auto& m : popped) RemoveMember(ctx, key, &s, m.first);
  StoreHeader(ctx, key, s);
  if (!count) return popped.empty() ? ctx.reply.Null() : ctx.reply.Bulk(popped[0].first);
  ctx.reply.SetHeader(popped.size());
  for (const auto& m : popped) ctx.reply.Bulk(m.first);
}

// SMOVE source destination member. A missing source answers 0 whatever the destination holds;
// otherwise both must be sets (the destination may be missing), as Redis checks them.
void SMove(Context& ctx) {
  const std::string& src = ctx.arg(1);
  const std::string& dst = ctx.arg(2);
  const std::string& member = ctx.arg(3);
  Collection from, to;
  if (!OpenSetOrReply(ctx, src, &from)) return;
  if (!from.exists) return ctx.reply.Integer(0);
  if (!OpenSetOrReply(ctx, dst, &to)) return;
  bool present = false;
  if (!IsMemberOrReply(ctx, src, from, member, &present)) return;
  if (!present || src == dst) return ctx.reply.Integer(present ? 1 : 0);
  RemoveMember(ctx, src, &from, member);
  StoreHeader(ctx, src, from);
  bool added = false;
  if (!AddOrReply(ctx, dst, &to, member, &added)) return;
  if (added) StoreHeader(ctx, dst, to);
  ctx.reply.Integer(1);
}

// --- SINTER SUNION SDIFF and their STORE forms ---

enum class Algebra { kInter, kUnion, kDiff };

Algebra AlgebraOf(std::string_view name) {
  if (name.starts_with("sinter")) return Algebra::kInter;
  if (name.starts_with("sunion")) return Algebra::kUnion;
  return Algebra::kDiff;
}

// The result over the sets named by argv[first, end). Every key's type is checked, as Redis 7
// does; past a missing key an intersection only checks the others' types (it is empty).
bool ComputeOrReply(Context& ctx, size_t first, Algebra op, std::vector<std::string>* out,
                    size_t end = 0) {
  if (end == 0) end = ctx.argc();
  std::vector<std::vector<std::string>> sets(end - first);
  bool empty_intersection = false;
  for (size_t i = first; i < end; ++i) {
    if (empty_intersection) {
      Collection s;
      if (!OpenSetOrReply(ctx, ctx.arg(i), &s)) return false;
      continue;
    }
    bool exists = false;
    if (!MembersOrReply(ctx, ctx.arg(i), &sets[i - first], &exists)) return false;
    empty_intersection = op == Algebra::kInter && !exists;
  }
  if (empty_intersection) {
    out->clear();
    return true;
  }
  *out = std::move(sets[0]);
  for (size_t i = 1; i < sets.size(); ++i) {
    std::vector<std::string> next;
    const auto& b = sets[i];
    switch (op) {
      case Algebra::kInter:
        std::set_intersection(out->begin(), out->end(), b.begin(), b.end(), std::back_inserter(next));
        break;
      case Algebra::kUnion:
        std::set_union(out->begin(), out->end(), b.begin(), b.end(), std::back_inserter(next));
        break;
      case Algebra::kDiff:
        std::set_difference(out->begin(), out->end(), b.begin(), b.end(), std::back_inserter(next));
        break;
    }
    *out = std::move(next);
  }
  return true;
}

void SetAlgebra(Context& ctx) {
  std::vector<std::string> result;
  if (!ComputeOrReply(ctx, 1, AlgebraOf(ctx.spec.name), &result)) return;
  ReplySet(ctx, result);
}

// The destination is replaced whole, whatever its type; an empty result deletes it.
void SetAlgebraStore(Context& ctx) {
  std::vector<std::string> result;
  if (!ComputeOrReply(ctx, 2, AlgebraOf(ctx.spec.name), &result)) return;
  const std::string& dst = ctx.arg(1);
  ctx.keyspace.Delete(ctx.db, dst);
  Collection s;
  s.type = ValueType::kSet;
  for (const auto& m : result) {
    CreateIfMissing(ctx, dst, &s);
    SetMember(ctx, dst, &s, m, "", /*is_new=*/true);
  }
  if (!result.empty()) StoreHeader(ctx, dst, s);
  ctx.reply.Integer(static_cast<int64_t>(result.size()));
}

// SINTERCARD numkeys key [key ...] [LIMIT limit]: the intersection's size, counted up to limit.
void SInterCard(Context& ctx) {
  int64_t numkeys = 0;
  if (!ParseInt64(ctx.arg(1), &numkeys) || numkeys <= 0) {
    return ctx.reply.Error(err::kNumkeysNotPositive);
  }
  if (numkeys > static_cast<int64_t>(ctx.argc()) - 2) return ctx.reply.Error(err::kTooManyNumkeys);
  const size_t end = 2 + static_cast<size_t>(numkeys);
  int64_t limit = 0;
  for (size_t i = end; i < ctx.argc(); ++i) {
    if (!EqualsIgnoreCase(ctx.arg(i), "LIMIT") || i + 1 >= ctx.argc()) {
      return ctx.reply.Error(err::kSyntax);
    }
    if (!ParseInt64(ctx.arg(++i), &limit) || limit < 0) return ctx.reply.Error(err::kNegativeLimit);
  }
  std::vector<std::string> result;
  if (!ComputeOrReply(ctx, 2, Algebra::kInter, &result, end)) return;
  const auto size = static_cast<int64_t>(result.size());
  ctx.reply.Integer(limit > 0 ? std::min(size, limit) : size);
}

// --- SSCAN key cursor [MATCH pattern] [COUNT count] (collection.h) ---

void SScan(Context& ctx) { MemberScanCommand(ctx, ValueType::kSet, /*with_payloads=*/false); }

constexpr uint32_t kW = kWrite | kDenyOom;

constexpr CommandSpec kSetCommands[] = {
    {"sadd", -3, kW | kFast, 1, 1, 1, SAdd, nullptr, "set", "Adds one or more members to a set. Creates the key if it doesn't exist.", "1.0.0", "O(1) for each element added"},
    {"srem", -3, kWrite | kFast, 1, 1, 1, SRem, nullptr, "set", "Removes one or more members from a set. Deletes the set if the last member was removed.", "1.0.0", "O(N)"},
    {"sismember", 3, kReadOnly | kFast, 1, 1, 1, SIsMember, nullptr, "set", "Determines whether a member belongs to a set.", "1.0.0"},
    {"smismember", -3, kReadOnly | kFast, 1, 1, 1, SMIsMember, nullptr, "set", "Determines whether multiple members belong to a set.", "6.2.0", "O(N)"},
    {"scard", 2, kReadOnly | kFast, 1, 1, 1, SCard, nullptr, "set", "Returns the number of members in a set.", "1.0.0"},
    {"smembers", 2, kReadOnly, 1, 1, 1, SMembers, nullptr, "set", "Returns all members of a set.", "1.0.0", "O(N)"},
    {"spop", -2, kWrite | kRandom | kFast, 1, 1, 1, SPop, ValidateSPop, "set", "Returns one or more random members from a set after removing them. Deletes the set if the last member was popped.", "1.0.0"},
    {"srandmember", -2, kReadOnly | kRandom, 1, 1, 1, SRandMember, nullptr, "set", "Get one or multiple random members from a set", "1.0.0", "O(N)"},
    {"smove", 4, kWrite | kFast, 1, 2, 1, SMove, nullptr, "set", "Moves a member from one set to another.", "1.0.0"},
    {"sinter", -2, kReadOnly, 1, -1, 1, SetAlgebra, nullptr, "set", "Returns the intersect of multiple sets.", "1.0.0", "O(N*M)"},
    {"sunion", -2, kReadOnly, 1, -1, 1, SetAlgebra, nullptr, "set", "Returns the union of multiple sets.", "1.0.0", "O(N)"},
    {"sdiff", -2, kReadOnly, 1, -1, 1, SetAlgebra, nullptr, "set", "Returns the difference of multiple sets.", "1.0.0", "O(N)"},
    {"sintercard", -3, kReadOnly, 2, 2, 1, SInterCard, nullptr, "set", "Returns the number of members of the intersect of multiple sets.", "7.0.0", "O(N*M)", {}, /*numkeys_arg=*/1},
    {"sinterstore", -3, kW, 1, -1, 1, SetAlgebraStore, nullptr, "set", "Stores the intersect of multiple sets in a key.", "1.0.0", "O(N*M)"},
    {"sunionstore", -3, kW, 1, -1, 1, SetAlgebraStore, nullptr, "set", "Stores the union of multiple sets in a key.", "1.0.0", "O(N)"},
    {"sdiffstore", -3, kW, 1, -1, 1, SetAlgebraStore, nullptr, "set", "Stores the difference of multiple sets in a key.", "1.0.0", "O(N)"},
    {"sscan", -3, kReadOnly | kRandom, 1, 1, 1, SScan, nullptr, "set", "Iterates over members of a set.", "2.8.0", "O(1) for every call. O(N) for a complete iteration."},
};

}  // namespace

std::span<const CommandSpec> SetCommands() { return kSetCommands; }

}  // namespace cairn::commands
