// Hash family: HSET HMSET HSETNX HGET HMGET HGETALL HKEYS HVALS HDEL HLEN HEXISTS HSTRLEN HINCRBY
// HINCRBYFLOAT HRANDFIELD HSCAN, on one 'D' member record per field (Keyspace::GetMember ...).
//
// A hash is a metadata entry whose value is its CollectionHeader (size, peak size, longest item:
// HLEN and OBJECT ENCODING in O(1)) plus one member record per field, keyed by the entry's
// version. Writes follow dispatch.cc's contract: a pure validator (arity pairs, the increment's
// syntax) keeps bad input out of the log; the handler runs at apply time and touches only the
// fields it names, so a write costs the same on a 10-field and a 1M-field hash. An empty hash is
// deleted, as in Redis. Reads of named fields are point reads; HGETALL, HKEYS, HVALS, HSCAN and
// HRANDFIELD walk the members in pages (HRANDFIELD reads the whole hash: O(N)).
#include <algorithm>
#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "commands/args.h"
#include "commands/collection.h"
#include "commands/context.h"
#include "commands/errors.h"
#include "commands/lookup.h"
#include "keyspace/encoding.h"

namespace cairn::commands {
namespace {

using keyspace::Entry;
using keyspace::ValueType;

// Finds the hash at `key` (WRONGTYPE for another type).
bool OpenHashOrReply(Context& ctx, std::string_view key, Collection* h) {
  return OpenCollectionOrReply(ctx, key, ValueType::kHash, h);
}

// --- HSET, HMSET, HSETNX ---

bool ValidateFieldValuePairs(Context& ctx) {
  if (ctx.argc() % 2 == 0) return true;
  ctx.reply.Error(err::WrongArity(ctx.spec.name));
  return false;
}

// HSET answers the number of new fields, HMSET +OK.
void HSet(Context& ctx) {
  if (!ValidateFieldValuePairs(ctx)) return;
  const std::string& key = ctx.arg(1);
  Collection h;
  if (!OpenHashOrReply(ctx, key, &h)) return;
  CreateIfMissing(ctx, key, &h);
  int64_t added = 0;
  for (size_t i = 2; i + 1 < ctx.argc(); i += 2) {
    std::optional<std::string> old;
    if (!GetMemberOrReply(ctx, key, h, ctx.arg(i), &old)) return;
    SetMember(ctx, key, &h, ctx.arg(i), ctx.arg(i + 1), !old.has_value());
    added += old.has_value() ? 0 : 1;
  }
  StoreHeader(ctx, key, h);
  if (ctx.spec.name == "hmset") return ctx.reply.Ok();
  ctx.reply.Integer(added);
}

void HSetNx(Context& ctx) {
  const std::string& key = ctx.arg(1);
  Collection h;
  if (!OpenHashOrReply(ctx, key, &h)) return;
  std::optional<std::string> old;
  if (!GetMemberOrReply(ctx, key, h, ctx.arg(2), &old)) return;
  if (old.has_value()) return ctx.reply.Integer(0);
  CreateIfMissing(ctx, key, &h);
  SetMember(ctx, key, &h, ctx.arg(2), ctx.arg(3), /*is_new=*/true);
  StoreHeader(ctx, key, h);
  ctx.reply.Integer(1);
}

// --- HGET, HMGET, HEXISTS, HSTRLEN, HLEN: point reads. ---

// The value of argv[2] in the hash at argv[1]; false after replying with an error.
bool ReadFieldOrReply(Context& ctx, std::optional<std::string>* value) {
  Collection h;
  return OpenHashOrReply(ctx, ctx.arg(1), &h) &&
         GetMemberOrReply(ctx, ctx.arg(1), h, ctx.arg(2), value);
}

void HGet(Context& ctx) {
  std::optional<std::string> v;
  if (!ReadFieldOrReply(ctx, &v)) return;
  v ? ctx.reply.Bulk(*v) : ctx.reply.Null();
}

void HExists(Context& ctx) {
  std::optional<std::string> v;
  if (!ReadFieldOrReply(ctx, &v)) return;
  ctx.reply.Integer(v ? 1 : 0);
}

void HStrLen(Context& ctx) {
  std::optional<std::string> v;
  if (!ReadFieldOrReply(ctx, &v)) return;
  ctx.reply.Integer(v ? static_cast<int64_t>(v->size()) : 0);
}

void HMGet(Context& ctx) {
  Collection h;
  if (!OpenHashOrReply(ctx, ctx.arg(1), &h)) return;
  std::vector<std::optional<std::string>> values(ctx.argc() - 2);
  for (size_t i = 2; i < ctx.argc(); ++i) {
    if (!GetMemberOrReply(ctx, ctx.arg(1), h, ctx.arg(i), &values[i - 2])) return;
  }
  ctx.reply.ArrayHeader(values.size());
  for (const auto& v : values) v ? ctx.reply.Bulk(*v) : ctx.reply.Null();
}

void HLen(Context& ctx) {
  Collection h;
  if (!OpenHashOrReply(ctx, ctx.arg(1), &h)) return;
  ctx.reply.Integer(static_cast<int64_t>(h.header.size));
}

// --- HDEL ---

void HDel(Context& ctx) {
  const std::string& key = ctx.arg(1);
  Collection h;
  if (!OpenHashOrReply(ctx, key, &h)) return;
  if (!h.exists) return ctx.reply.Integer(0);
  int64_t removed = 0;
  for (size_t i = 2; i < ctx.argc(); ++i) {
    std::optional<std::string> old;
    if (!GetMemberOrReply(ctx, key, h, ctx.arg(i), &old)) return;
    if (!old.has_value()) continue;
    RemoveMember(ctx, key, &h, ctx.arg(i));
    ++removed;
  }
  if (removed > 0) StoreHeader(ctx, key, h);
  ctx.reply.Integer(removed);
}

// --- HINCRBY, HINCRBYFLOAT ---

bool ParseIncrByOrReply(Context& ctx, int64_t* incr) {
  if (ParseInt64(ctx.arg(3), incr)) return true;
  ctx.reply.Error(err::kNotInteger);
  return false;
}

bool ValidateIncrBy(Context& ctx) {
  int64_t incr = 0;
  return ParseIncrByOrReply(ctx, &incr);
}

// A write of `value` to argv[2] once its current value has been read and checked.
void StoreIncremented(Context& ctx, Collection* h, bool is_new, const std::string& value) {
  CreateIfMissing(ctx, ctx.arg(1), h);
  SetMember(ctx, ctx.arg(1), h, ctx.arg(2), value, is_new);
  StoreHeader(ctx, ctx.arg(1), *h);
}

void HIncrBy(Context& ctx) {
  int64_t incr = 0;
  if (!ParseIncrByOrReply(ctx, &incr)) return;
  Collection h;
  std::optional<std::string> old;
  if (!OpenHashOrReply(ctx, ctx.arg(1), &h) || !GetMemberOrReply(ctx, ctx.arg(1), h, ctx.arg(2), &old)) {
    return;
  }
  int64_t value = 0;
  if (old.has_value() && !ParseInt64(*old, &value)) return ctx.reply.Error(err::kHashNotInteger);
  int64_t result = 0;
  if (__builtin_add_overflow(value, incr, &result)) return ctx.reply.Error(err::kOverflow);
  StoreIncremented(ctx, &h, !old.has_value(), std::to_string(result));
  ctx.reply.Integer(result);
}

bool ParseIncrByFloatOrReply(Context& ctx, long double* incr) {
  if (!ParseLongDouble(ctx.arg(3), incr)) {
    ctx.reply.Error(err::kNotFloat);
    return false;
  }
  if (std::isinf(*incr)) {
    ctx.reply.Error(err::kNanOrInfinityValue);
    return false;
  }
  return true;
}

bool ValidateIncrByFloat(Context& ctx) {
  long double incr = 0;
  return ParseIncrByFloatOrReply(ctx, &incr);
}

void HIncrByFloat(Context& ctx) {
  long double incr = 0;
  if (!ParseIncrByFloatOrReply(ctx, &incr)) return;
  Collection h;
  std::optional<std::string> old;
  if (!OpenHashOrReply(ctx, ctx.arg(1), &h) || !GetMemberOrReply(ctx, ctx.arg(1), h, ctx.arg(2), &old)) {
    return;
  }
  long double value = 0;
  if (old.has_value() && !ParseLongDouble(*old, &value)) return ctx.reply.Error(err::kHashNotFloat);
  long double result = value + incr;
  if (std::isnan(result) || std::isinf(result)) return ctx.reply.Error(err::kNanOrInfinity);
  std::string formatted = FormatLongDouble(result);
  StoreIncremented(ctx, &h, !old.has_value(), formatted);
  ctx.reply.Bulk(formatted);
}

// --- Walks: HGETALL, HKEYS, HVALS ---

enum class Parts { kFieldsAndValues, kFields, kValues };

// The reply is written as the pages come, its length counted (a deferred header) rather than
// trusted from the stored size. A storage error mid-walk drops what was written and says so.
void WalkReply(Context& ctx, Parts parts) {
  Collection h;
  if (!OpenHashOrReply(ctx, ctx.arg(1), &h)) return;
  const size_t token = ctx.reply.BeginDeferred();
  size_t n = 0;
  Status s = ForEachMember(ctx, ctx.arg(1), h, [&](const std::string& f, const std::string& v) {
    if (parts != Parts::kValues) ctx.reply.Bulk(f);
    if (parts != Parts::kFields) ctx.reply.Bulk(v);
    ++n;
  });
  if (!s.ok()) {
    ctx.reply.buffer()->resize(token);  // the partial elements go
    StorageErrorReply(ctx, s);
    return;
  }
  parts == Parts::kFieldsAndValues ? ctx.reply.EndDeferredMap(token, n)
                                   : ctx.reply.EndDeferredArray(token, n);
}

void HGetAll(Context& ctx) { WalkReply(ctx, Parts::kFieldsAndValues); }
void HKeys(Context& ctx) { WalkReply(ctx, Parts::kFields); }
void HVals(Context& ctx) { WalkReply(ctx, Parts::kValues); }

// --- HRANDFIELD key [count [WITHVALUES]] ---

void HRandField(Context& ctx) { RandomMembersCommand(ctx, ValueType::kHash, "WITHVALUES"); }

// --- HSCAN key cursor [MATCH pattern] [COUNT count] (collection.h) ---

void HScan(Context& ctx) { MemberScanCommand(ctx, ValueType::kHash, /*with_payloads=*/true); }

constexpr uint32_t kW = kWrite | kDenyOom;

constexpr CommandSpec kHashCommands[] = {
    {"hset", -4, kW | kFast, 1, 1, 1, HSet, ValidateFieldValuePairs, "hash", "Creates or modifies the value of a field in a hash.", "2.0.0", "O(1) for each field/value pair added"},
    {"hmset", -4, kW | kFast, 1, 1, 1, HSet, ValidateFieldValuePairs, "hash", "Sets the values of multiple fields.", "2.0.0", "O(N)"},
    {"hsetnx", 4, kW | kFast, 1, 1, 1, HSetNx, nullptr, "hash", "Sets the value of a field in a hash only when the field doesn't exist.", "2.0.0"},
    {"hget", 3, kReadOnly | kFast, 1, 1, 1, HGet, nullptr, "hash", "Returns the value of a field in a hash.", "2.0.0"},
    {"hmget", -3, kReadOnly | kFast, 1, 1, 1, HMGet, nullptr, "hash", "Returns the values of all fields in a hash.", "2.0.0", "O(N)"},
    {"hgetall", 2, kReadOnly, 1, 1, 1, HGetAll, nullptr, "hash", "Returns all fields and values in a hash.", "2.0.0", "O(N)"},
    {"hkeys", 2, kReadOnly, 1, 1, 1, HKeys, nullptr, "hash", "Returns all fields in a hash.", "2.0.0", "O(N)"},
    {"hvals", 2, kReadOnly, 1, 1, 1, HVals, nullptr, "hash", "Returns all values in a hash.", "2.0.0", "O(N)"},
    {"hdel", -3, kWrite | kFast, 1, 1, 1, HDel, nullptr, "hash", "Deletes one or more fields and their values from a hash. Deletes the hash if no fields remain.", "2.0.0", "O(N)"},
    {"hlen", 2, kReadOnly | kFast, 1, 1, 1, HLen, nullptr, "hash", "Returns the number of fields in a hash.", "2.0.0"},
    {"hexists", 3, kReadOnly | kFast, 1, 1, 1, HExists, nullptr, "hash", "Determines whether a field exists in a hash.", "2.0.0"},
    {"hstrlen", 3, kReadOnly | kFast, 1, 1, 1, HStrLen, nullptr, "hash", "Returns the length of the value of a field.", "3.2.0"},
    {"hincrby", 4, kW | kFast, 1, 1, 1, HIncrBy, ValidateIncrBy, "hash", "Increments the integer value of a field in a hash by a number. Uses 0 as initial value if the field doesn't exist.", "2.0.0"},
    {"hincrbyfloat", 4, kW | kFast, 1, 1, 1, HIncrByFloat, ValidateIncrByFloat, "hash", "Increments the floating point value of a field by a number. Uses 0 as initial value if the field doesn't exist.", "2.6.0"},
    {"hrandfield", -2, kReadOnly | kRandom, 1, 1, 1, HRandField, nullptr, "hash", "Returns one or more random fields from a hash.", "6.2.0", "O(N)"},
    {"hscan", -3, kReadOnly | kRandom, 1, 1, 1, HScan, nullptr, "hash", "Iterates over fields and values of a hash.", "2.8.0", "O(1) for every call. O(N) for a complete iteration."},
};

}  // namespace

std::span<const CommandSpec> HashCommands() { return kHashCommands; }

}  // namespace cairn::commands
