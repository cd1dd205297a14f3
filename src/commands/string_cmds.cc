// String family: GET, SET and its variants (SETNX, SETEX, PSETEX, GETSET), GETDEL, GETEX, MGET,
// MSET, MSETNX, the counters (INCR, DECR, INCRBY, DECRBY, INCRBYFLOAT), APPEND, STRLEN, GETRANGE,
// SUBSTR, SETRANGE and LCS.
//
// Writes follow the two-step contract of dispatch.cc: the validator runs the same pure parse as
// the handler (so a syntax or value error never reaches the log), and the handler runs at apply
// time with the log entry's now_ms, so relative expiries resolve the same on every replica.
// Errors that depend on the stored data (WRONGTYPE, a stored value that is not a number, overflow,
// size limits on the result) are found by the handler.
#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <string>

#include "commands/args.h"
#include "commands/context.h"
#include "commands/errors.h"
#include "commands/expire_args.h"
#include "commands/lcs.h"
#include "commands/lookup.h"

namespace cairn::commands {
namespace {

using keyspace::Entry;
using keyspace::ValueType;

// Redis's default proto-max-bulk-len. A constant rather than the live config: a write handler's
// outcome must not depend on a setting that may differ between replicas.
constexpr uint64_t kMaxStringBytes = 512ull * 1024 * 1024;

// Whether a string of `size` + `extra` bytes would be too long (Redis's checkStringLength).
bool TooLong(uint64_t size, uint64_t extra) {
  return extra > kMaxStringBytes || size > kMaxStringBytes - extra;
}

void Get(Context& ctx) {
  const Entry* e = nullptr;
  if (!LookupTypedOrReply(ctx, ctx.arg(1), ValueType::kString, &e)) return;
  if (e == nullptr) return ctx.reply.Null();
  ctx.reply.Bulk(e->value);
}

// --- SET, SETNX, SETEX, PSETEX, GETSET, GETEX: one option parser, one generic write. ---

enum class SetCondition { kAlways, kIfMissing, kIfExists };
enum class SetReply { kOk, kInteger };  // SET/SETEX/PSETEX/GETSET vs SETNX

struct StringWrite {
  std::string_view key;
  std::string_view value;  // unused by GETEX
  SetCondition condition = SetCondition::kAlways;
  SetReply reply = SetReply::kOk;
  bool get = false;
  bool keep_ttl = false;
  bool persist = false;
  // The expiry as given (EX/PX/EXAT/PXAT), then resolved by ResolveExpireOrReply.
  const std::string* expire_arg = nullptr;
  ExpireUnit expire_unit = ExpireUnit::kSeconds;
  ExpireBase expire_base = ExpireBase::kRelative;
  std::optional<int64_t> expire_at_ms;  // absolute; resolved against ctx.now_ms
};

// Checks the expiry value and makes it absolute. Redis does this right after the syntax for SET,
// but only after finding the key for GETEX (a missing key answers nil whatever the value).
bool ResolveExpireOrReply(Context& ctx, StringWrite* w) {
  if (w->expire_arg == nullptr) return true;
  int64_t at = 0;
  if (!AbsoluteExpireOrReply(ctx, *w->expire_arg, w->expire_unit, w->expire_base,
                             /*allow_nonpositive=*/false, &at)) {
    return false;
  }
  w->expire_at_ms = at;
  return true;
}

enum class OptionSet { kSet, kGetEx };

// Parses [NX|XX] [GET] [EX s|PX ms|EXAT ts|PXAT ts|KEEPTTL] (SET) or [EX|PX|EXAT|PXAT|PERSIST]
// (GETEX) from argv[first] on, with Redis's rules: a flag conflicts only with the other flags of
// its group, so repeating one is allowed and the last value wins. Syntax only: the expiry value
// is left to ResolveExpireOrReply.
bool ParseStringOptionsOrReply(Context& ctx, size_t first, OptionSet which, StringWrite* w) {
  constexpr unsigned kNx = 1, kXx = 2, kEx = 4, kPx = 8, kExAt = 16, kPxAt = 32, kKeepTtl = 64,
                     kPersist = 128;
  constexpr unsigned kExpireFlags = kEx | kPx | kExAt | kPxAt;
  unsigned flags = 0;
  const std::string* expire_arg = nullptr;
  for (size_t i = first; i < ctx.argc(); ++i) {
    const std::string& a = ctx.arg(i);
    bool has_next = i + 1 < ctx.argc();
    bool set = which == OptionSet::kSet;
    unsigned expire_flag = EqualsIgnoreCase(a, "EX")     ? kEx
                           : EqualsIgnoreCase(a, "PX")   ? kPx
                           : EqualsIgnoreCase(a, "EXAT") ? kExAt
                           : EqualsIgnoreCase(a, "PXAT") ? kPxAt
                                                         : 0u;
    if (set && EqualsIgnoreCase(a, "NX") && !(flags & kXx)) {
      flags |= kNx;
    } else if (set && EqualsIgnoreCase(a, "XX") && !(flags & kNx)) {
      flags |= kXx;
    } else if (set && EqualsIgnoreCase(a, "GET")) {
      w->get = true;
    } else if (set && EqualsIgnoreCase(a, "KEEPTTL") && !(flags & (kExpireFlags | kPersist))) {
      flags |= kKeepTtl;
    } else if (!set && EqualsIgnoreCase(a, "PERSIST") && !(flags & (kExpireFlags | kKeepTtl))) {
      flags |= kPersist;
    } else if (expire_flag != 0 && has_next &&
               !(flags & ((kExpireFlags & ~expire_flag) | kKeepTtl | kPersist))) {
      flags |= expire_flag;
      expire_arg = &ctx.arg(++i);
    } else {
      ctx.reply.Error(err::kSyntax);
      return false;
    }
  }
  if (flags & kNx) w->condition = SetCondition::kIfMissing;
  if (flags & kXx) w->condition = SetCondition::kIfExists;
  w->keep_ttl = (flags & kKeepTtl) != 0;
  w->persist = (flags & kPersist) != 0;
  w->expire_arg = expire_arg;
  w->expire_unit = (flags & (kEx | kExAt)) ? ExpireUnit::kSeconds : ExpireUnit::kMilliseconds;
  w->expire_base = (flags & (kExAt | kPxAt)) ? ExpireBase::kAbsolute : ExpireBase::kRelative;
  return true;
}

// The shape of each SET variant, decided by the command's name.
bool ParseSetFamilyOrReply(Context& ctx, StringWrite* w) {
  std::string_view cmd = ctx.spec.name;
  w->key = ctx.arg(1);
  if (cmd == "setex" || cmd == "psetex") {
    w->value = ctx.arg(3);
    w->expire_arg = &ctx.arg(2);
    w->expire_unit = cmd == "setex" ? ExpireUnit::kSeconds : ExpireUnit::kMilliseconds;
    return ResolveExpireOrReply(ctx, w);
  }
  w->value = ctx.arg(2);
  if (cmd == "setnx") {
    w->condition = SetCondition::kIfMissing;
    w->reply = SetReply::kInteger;
  } else if (cmd == "getset") {
    w->get = true;
  } else if (cmd == "set") {
    return ParseStringOptionsOrReply(ctx, 3, OptionSet::kSet, w) && ResolveExpireOrReply(ctx, w);
  }
  return true;
}

bool ValidateSetFamily(Context& ctx) {
  StringWrite w;
  return ParseSetFamilyOrReply(ctx, &w);
}

void SetFamily(Context& ctx) {
  StringWrite w;
  if (!ParseSetFamilyOrReply(ctx, &w)) return;
  const Entry* old = nullptr;
  // Only GET needs the old value; a plain SET only needs to know what it replaces.
  if (!(w.get ? LookupOrReply(ctx, w.key, &old) : LookupMetaOrReply(ctx, w.key, &old))) return;
  if (w.get && old != nullptr && old->type != ValueType::kString) {
    return ctx.reply.Error(err::kWrongType);
  }
  bool exists = old != nullptr;
  bool blocked = (w.condition == SetCondition::kIfMissing && exists) ||
                 (w.condition == SetCondition::kIfExists && !exists);
  std::optional<std::string> previous;
  if (w.get && exists) previous = old->value;
  if (!blocked) {
    int64_t expire_at = w.keep_ttl && exists ? old->expire_at_ms : w.expire_at_ms.value_or(0);
    if (w.expire_at_ms && expire_at <= ctx.now_ms) {
      // An expiry already in the past: the key is set and gone at once, as in Redis.
      ctx.keyspace.Delete(ctx.db, w.key);
    } else {
      PutString(ctx, w.key, std::string(w.value), expire_at);
    }
  }
  if (w.reply == SetReply::kInteger) return ctx.reply.Integer(blocked ? 0 : 1);
  if (w.get) return previous ? ctx.reply.Bulk(*previous) : ctx.reply.Null();
  if (blocked) return ctx.reply.Null();
  ctx.reply.Ok();
}

// GETEX key [EX|PX|EXAT|PXAT|PERSIST]. The validator checks the syntax only: Redis looks the key
// up before it checks the expiry value, so a bad value on a missing key answers nil, and that
// needs the data (the logged no-op is the price of Redis's order).
bool ParseGetExOrReply(Context& ctx, StringWrite* w) {
  w->key = ctx.arg(1);
  return ParseStringOptionsOrReply(ctx, 2, OptionSet::kGetEx, w);
}

bool ValidateGetEx(Context& ctx) {
  StringWrite w;
  return ParseGetExOrReply(ctx, &w);
}

void GetEx(Context& ctx) {
  StringWrite w;
  if (!ParseGetExOrReply(ctx, &w)) return;
  const Entry* e = nullptr;
  if (!LookupTypedOrReply(ctx, w.key, ValueType::kString, &e)) return;
  if (e == nullptr) return ctx.reply.Null();
  if (!ResolveExpireOrReply(ctx, &w)) return;
  std::string value = e->value;
  if (w.expire_at_ms && *w.expire_at_ms <= ctx.now_ms) {
    ctx.keyspace.Delete(ctx.db, w.key);
  } else if (w.expire_at_ms || (w.persist && e->expire_at_ms != 0)) {
    PutString(ctx, w.key, value, w.expire_at_ms.value_or(0));
  }
  ctx.reply.Bulk(value);
}

void GetDel(Context& ctx) {
  const Entry* e = nullptr;
  if (!LookupTypedOrReply(ctx, ctx.arg(1), ValueType::kString, &e)) return;
  if (e == nullptr) return ctx.reply.Null();
  std::string value = e->value;
  ctx.keyspace.Delete(ctx.db, ctx.arg(1));
  ctx.reply.Bulk(value);
}

// --- Many keys. ---

void MGet(Context& ctx) {
  ctx.reply.ArrayHeader(ctx.argc() - 1);
  for (size_t i = 1; i < ctx.argc(); ++i) {
    auto found = ctx.keyspace.Find(ctx.db, ctx.arg(i), ctx.now_ms);
    const Entry* e = found.ok() ? *found : nullptr;
    ctx.server.RecordKeyspaceLookup(e != nullptr);
    // A key of another type reads as missing, as in Redis.
    if (e == nullptr || e->type != ValueType::kString) {
      ctx.reply.Null();
    } else {
      ctx.reply.Bulk(e->value);
    }
  }
}

// MSET and MSETNX take key/value pairs: an odd count is an arity error.
bool ValidateMSet(Context& ctx) {
  if (ctx.argc() % 2 == 0) {
    ctx.reply.Error(err::WrongArity(ctx.spec.name));
    return false;
  }
  return true;
}

void MSetGeneric(Context& ctx, bool only_if_none_exist) {
  if (!ValidateMSet(ctx)) return;
  if (only_if_none_exist) {
    for (size_t i = 1; i < ctx.argc(); i += 2) {
      const Entry* e = nullptr;
      if (!LookupOrReply(ctx, ctx.arg(i), &e)) return;
      if (e != nullptr) return ctx.reply.Integer(0);
    }
  }
  for (size_t i = 1; i < ctx.argc(); i += 2) PutString(ctx, ctx.arg(i), ctx.arg(i + 1), 0);
  if (only_if_none_exist) return ctx.reply.Integer(1);
  ctx.reply.Ok();
}

void MSet(Context& ctx) { MSetGeneric(ctx, false); }
void MSetNx(Context& ctx) { MSetGeneric(ctx, true); }

// --- Counters: INCR, DECR, INCRBY, DECRBY share one parse and one write. ---

bool ParseIncrementOrReply(Context& ctx, int64_t* delta) {
  std::string_view cmd = ctx.spec.name;
  if (cmd == "incr" || cmd == "decr") {
    *delta = cmd == "incr" ? 1 : -1;
    return true;
  }
  if (!ParseInt64(ctx.arg(2), delta)) {
    ctx.reply.Error(err::kNotInteger);
    return false;
  }
  if (cmd == "decrby") {
    if (*delta == std::numeric_limits<int64_t>::min()) {
      ctx.reply.Error(err::kDecrementOverflow);
      return false;
    }
    *delta = -*delta;
  }
  return true;
}

bool ValidateIncrement(Context& ctx) {
  int64_t delta = 0;
  return ParseIncrementOrReply(ctx, &delta);
}

void IncrementBy(Context& ctx) {
  int64_t delta = 0;
  if (!ParseIncrementOrReply(ctx, &delta)) return;
  const Entry* e = nullptr;
  if (!LookupTypedOrReply(ctx, ctx.arg(1), ValueType::kString, &e)) return;
  int64_t current = 0;
  int64_t expire_at = 0;
  if (e != nullptr) {
    if (!ParseInt64(e->value, &current)) return ctx.reply.Error(err::kNotInteger);
    expire_at = e->expire_at_ms;  // a counter keeps its time to live
  }
  int64_t next = 0;
  if (__builtin_add_overflow(current, delta, &next)) return ctx.reply.Error(err::kOverflow);
  PutString(ctx, ctx.arg(1), std::to_string(next), expire_at);
  ctx.reply.Integer(next);
}

bool ValidateIncrByFloat(Context& ctx) {
  long double v = 0;
  if (!ParseLongDouble(ctx.arg(2), &v)) {
    ctx.reply.Error(err::kNotFloat);
    return false;
  }
  return true;
}

void IncrByFloat(Context& ctx) {
  long double delta = 0;
  if (!ParseLongDouble(ctx.arg(2), &delta)) return ctx.reply.Error(err::kNotFloat);
  const Entry* e = nullptr;
  if (!LookupTypedOrReply(ctx, ctx.arg(1), ValueType::kString, &e)) return;
  long double current = 0;
  int64_t expire_at = 0;
  if (e != nullptr) {
    if (!ParseLongDouble(e->value, &current)) return ctx.reply.Error(err::kNotFloat);
    expire_at = e->expire_at_ms;
  }
  long double next = current + delta;
  if (std::isnan(next) || std::isinf(next)) return ctx.reply.Error(err::kNanOrInfinity);
  std::string text = FormatLongDouble(next);
  PutString(ctx, ctx.arg(1), text, expire_at);
  ctx.reply.Bulk(text);
}

// --- Byte ranges. ---

void Append(Context& ctx) {
  const Entry* e = nullptr;
  if (!LookupTypedOrReply(ctx, ctx.arg(1), ValueType::kString, &e)) return;
  const std::string& tail = ctx.arg(2);
  std::string value;
  int64_t expire_at = 0;
  if (e != nullptr) {
    if (TooLong(e->value.size(), tail.size())) return ctx.reply.Error(err::kStringTooLong);
    value.reserve(e->value.size() + tail.size());
    value = e->value;
    expire_at = e->expire_at_ms;
  }
  value += tail;
  int64_t size = static_cast<int64_t>(value.size());
  PutString(ctx, ctx.arg(1), std::move(value), expire_at);
  ctx.reply.Integer(size);
}

void StrLen(Context& ctx) {
  const Entry* e = nullptr;
  if (!LookupTypedOrReply(ctx, ctx.arg(1), ValueType::kString, &e)) return;
  ctx.reply.Integer(e == nullptr ? 0 : static_cast<int64_t>(e->value.size()));
}

// GETRANGE and SUBSTR: inclusive offsets, negative ones from the end, clamped as Redis does.
void GetRange(Context& ctx) {
  int64_t start = 0, end = 0;
  if (!ParseInt64(ctx.arg(2), &start) || !ParseInt64(ctx.arg(3), &end)) {
    return ctx.reply.Error(err::kNotInteger);
  }
  const Entry* e = nullptr;
  if (!LookupTypedOrReply(ctx, ctx.arg(1), ValueType::kString, &e)) return;
  if (e == nullptr) return ctx.reply.Bulk("");
  const int64_t size = static_cast<int64_t>(e->value.size());
  if (start < 0 && end < 0 && start > end) return ctx.reply.Bulk("");
  if (start < 0) start = std::max<int64_t>(size + start, 0);
  if (end < 0) end = std::max<int64_t>(size + end, 0);
  if (end >= size) end = size - 1;
  if (size == 0 || start > end) return ctx.reply.Bulk("");
  ctx.reply.Bulk(std::string_view(e->value).substr(start, end - start + 1));
}

// SETRANGE's offset and the size of the result are pure functions of the arguments (a
// non-empty value written at `offset` makes the string at least offset+len long), so both are
// checked before logging.
bool ParseSetRangeOrReply(Context& ctx, int64_t* offset) {
  if (!ParseInt64(ctx.arg(2), offset)) {
    ctx.reply.Error(err::kNotInteger);
    return false;
  }
  if (*offset < 0) {
    ctx.reply.Error(err::kOffsetOutOfRange);
    return false;
  }
  if (!ctx.arg(3).empty() && TooLong(static_cast<uint64_t>(*offset), ctx.arg(3).size())) {
    ctx.reply.Error(err::kStringTooLong);
    return false;
  }
  return true;
}

bool ValidateSetRange(Context& ctx) {
  int64_t offset = 0;
  return ParseSetRangeOrReply(ctx, &offset);
}

void SetRange(Context& ctx) {
  int64_t offset = 0;
  if (!ParseSetRangeOrReply(ctx, &offset)) return;
  const std::string& patch = ctx.arg(3);
  const Entry* e = nullptr;
  if (!LookupTypedOrReply(ctx, ctx.arg(1), ValueType::kString, &e)) return;
  // An empty patch changes nothing and creates no key.
  if (patch.empty()) return ctx.reply.Integer(e == nullptr ? 0 : static_cast<int64_t>(e->value.size()));
  std::string value = e == nullptr ? std::string() : e->value;
  int64_t expire_at = e == nullptr ? 0 : e->expire_at_ms;
  size_t end = static_cast<size_t>(offset) + patch.size();
  if (value.size() < end) value.resize(end, '\0');
  value.replace(static_cast<size_t>(offset), patch.size(), patch);
  int64_t size = static_cast<int64_t>(value.size());
  PutString(ctx, ctx.arg(1), std::move(value), expire_at);
  ctx.reply.Integer(size);
}

// LCS key1 key2 [LEN] [IDX] [MINMATCHLEN n] [WITHMATCHLEN]. A missing key is an empty string.
void Lcs(Context& ctx) {
  std::string a, b;
  for (int k = 1; k <= 2; ++k) {
    const Entry* e = nullptr;
    if (!LookupOrReply(ctx, ctx.arg(k), &e)) return;
    if (e != nullptr && e->type != ValueType::kString) return ctx.reply.Error(err::kLcsNotStrings);
    if (e != nullptr) (k == 1 ? a : b) = e->value;
  }
  bool want_len = false, want_idx = false, with_match_len = false;
  int64_t min_match_len = 0;
  for (size_t i = 3; i < ctx.argc(); ++i) {
    const std::string& opt = ctx.arg(i);
    if (EqualsIgnoreCase(opt, "IDX")) {
      want_idx = true;
    } else if (EqualsIgnoreCase(opt, "LEN")) {
      want_len = true;
    } else if (EqualsIgnoreCase(opt, "WITHMATCHLEN")) {
      with_match_len = true;
    } else if (EqualsIgnoreCase(opt, "MINMATCHLEN") && i + 1 < ctx.argc()) {
      if (!ParseInt64(ctx.arg(++i), &min_match_len)) return ctx.reply.Error(err::kNotInteger);
      if (min_match_len < 0) min_match_len = 0;
    } else {
      return ctx.reply.Error(err::kSyntax);
    }
  }
  if (want_idx && want_len) return ctx.reply.Error(err::kLcsLenAndIdx);
  if (LcsTableBytes(a.size(), b.size()) > kMaxStringBytes) return ctx.reply.Error(err::kLcsTooBig);

  LcsResult r = ComputeLcs(a, b, /*want_sequence=*/!want_idx && !want_len,
                           /*want_matches=*/want_idx, static_cast<uint64_t>(min_match_len));
  if (want_len) return ctx.reply.Integer(static_cast<int64_t>(r.length));
  if (!want_idx) return ctx.reply.Bulk(r.sequence);
  ctx.reply.MapHeader(2);
  ctx.reply.Bulk("matches");
  ctx.reply.ArrayHeader(r.matches.size());
  for (const LcsMatch& m : r.matches) {
    ctx.reply.ArrayHeader(with_match_len ? 3 : 2);
    ctx.reply.ArrayHeader(2);
    ctx.reply.Integer(static_cast<int64_t>(m.a_start));
    ctx.reply.Integer(static_cast<int64_t>(m.a_end));
    ctx.reply.ArrayHeader(2);
    ctx.reply.Integer(static_cast<int64_t>(m.b_start));
    ctx.reply.Integer(static_cast<int64_t>(m.b_end));
    if (with_match_len) ctx.reply.Integer(static_cast<int64_t>(m.length()));
  }
  ctx.reply.Bulk("len");
  ctx.reply.Integer(static_cast<int64_t>(r.length));
}

constexpr uint32_t kW = kWrite | kDenyOom;

constexpr CommandSpec kStringCommands[] = {
    {"get", 2, kReadOnly | kFast, 1, 1, 1, Get, nullptr, "string", "Returns the string value of a key.", "1.0.0"},
    {"set", -3, kW, 1, 1, 1, SetFamily, ValidateSetFamily, "string", "Sets the string value of a key, ignoring its type. The key is created if it doesn't exist.", "1.0.0"},
    {"setnx", 3, kW | kFast, 1, 1, 1, SetFamily, ValidateSetFamily, "string", "Set the string value of a key only when the key doesn't exist.", "1.0.0"},
    {"setex", 4, kW, 1, 1, 1, SetFamily, ValidateSetFamily, "string", "Sets the string value and expiration time of a key. Creates the key if it doesn't exist.", "2.0.0"},
    {"psetex", 4, kW, 1, 1, 1, SetFamily, ValidateSetFamily, "string", "Sets both string value and expiration time in milliseconds of a key. The key is created if it doesn't exist.", "2.6.0"},
    {"getset", 3, kW | kFast, 1, 1, 1, SetFamily, ValidateSetFamily, "string", "Returns the previous string value of a key after setting it to a new value.", "1.0.0"},
    {"getdel", 2, kWrite | kFast, 1, 1, 1, GetDel, nullptr, "string", "Returns the string value of a key after deleting the key.", "6.2.0"},
    {"getex", -2, kWrite | kFast, 1, 1, 1, GetEx, ValidateGetEx, "string", "Returns the string value of a key after setting its expiration time.", "6.2.0"},
    {"mget", -2, kReadOnly | kFast, 1, -1, 1, MGet, nullptr, "string", "Atomically returns the string values of one or more keys.", "1.0.0", "O(N)"},
    {"mset", -3, kW, 1, -1, 2, MSet, ValidateMSet, "string", "Atomically creates or modifies the string values of one or more keys.", "1.0.1", "O(N)"},
    {"msetnx", -3, kW, 1, -1, 2, MSetNx, ValidateMSet, "string", "Atomically modifies the string values of one or more keys only when all keys don't exist.", "1.0.1", "O(N)"},
    {"incr", 2, kW | kFast, 1, 1, 1, IncrementBy, nullptr, "string", "Increments the integer value of a key by one. Uses 0 as initial value if the key doesn't exist.", "1.0.0"},
    {"decr", 2, kW | kFast, 1, 1, 1, IncrementBy, nullptr, "string", "Decrements the integer value of a key by one. Uses 0 as initial value if the key doesn't exist.", "1.0.0"},
    {"incrby", 3, kW | kFast, 1, 1, 1, IncrementBy, ValidateIncrement, "string", "Increments the integer value of a key by a number. Uses 0 as initial value if the key doesn't exist.", "1.0.0"},
    {"decrby", 3, kW | kFast, 1, 1, 1, IncrementBy, ValidateIncrement, "string", "Decrements a number from the integer value of a key. Uses 0 as initial value if the key doesn't exist.", "1.0.0"},
    {"incrbyfloat", 3, kW | kFast, 1, 1, 1, IncrByFloat, ValidateIncrByFloat, "string", "Increment the floating point value of a key by a number. Uses 0 as initial value if the key doesn't exist.", "2.6.0"},
    {"append", 3, kW | kFast, 1, 1, 1, Append, nullptr, "string", "Appends a string to the value of a key. Creates the key if it doesn't exist.", "2.0.0"},
    {"strlen", 2, kReadOnly | kFast, 1, 1, 1, StrLen, nullptr, "string", "Returns the length of a string value.", "2.2.0"},
    {"getrange", 4, kReadOnly, 1, 1, 1, GetRange, nullptr, "string", "Returns a substring of the string stored at a key.", "2.4.0", "O(N)"},
    {"substr", 4, kReadOnly, 1, 1, 1, GetRange, nullptr, "string", "Returns a substring from a string value.", "1.0.0", "O(N)"},
    {"setrange", 4, kW, 1, 1, 1, SetRange, ValidateSetRange, "string", "Overwrites a part of a string value with another by an offset. Creates the key if it doesn't exist.", "2.2.0"},
    {"lcs", -3, kReadOnly, 1, 2, 1, Lcs, nullptr, "string", "Finds the longest common substring.", "7.0.0", "O(N*M)"},
};

}  // namespace

std::span<const CommandSpec> StringCommands() { return kStringCommands; }

}  // namespace cairn::commands
