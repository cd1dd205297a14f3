// String family: GET and SET (with every option). Other string commands join this file.
#include "commands/args.h"
#include "commands/context.h"
#include "commands/errors.h"
#include "commands/expire_args.h"
#include "commands/lookup.h"

namespace cairn::commands {
namespace {

using keyspace::Entry;
using keyspace::ValueType;

void Get(Context& ctx) {
  const Entry* e = nullptr;
  if (!LookupTypedOrReply(ctx, ctx.arg(1), ValueType::kString, &e)) return;
  if (e == nullptr) return ctx.reply.Null();
  ctx.reply.Bulk(e->value);
}

enum class SetCondition { kAlways, kIfMissing, kIfExists };

struct SetOptions {
  SetCondition condition = SetCondition::kAlways;
  bool get = false;
  bool keep_ttl = false;
  int64_t expire_at_ms = 0;  // 0: none
  bool has_expire = false;
};

// SET key value [NX|XX] [GET] [EX s|PX ms|EXAT ts|PXAT ts|KEEPTTL]. Pure: the expiry is resolved
// against ctx.now_ms, which at apply time is the log entry's time.
bool ParseSetOrReply(Context& ctx, SetOptions* o) {
  for (size_t i = 3; i < ctx.argc(); ++i) {
    const std::string& a = ctx.arg(i);
    bool has_next = i + 1 < ctx.argc();
    bool cond_set = o->condition != SetCondition::kAlways;
    bool ttl_set = o->has_expire || o->keep_ttl;
    if (EqualsIgnoreCase(a, "NX") && !cond_set) {
      o->condition = SetCondition::kIfMissing;
    } else if (EqualsIgnoreCase(a, "XX") && !cond_set) {
      o->condition = SetCondition::kIfExists;
    } else if (EqualsIgnoreCase(a, "GET")) {
      o->get = true;
    } else if (EqualsIgnoreCase(a, "KEEPTTL") && !ttl_set) {
      o->keep_ttl = true;
    } else if (has_next && !ttl_set &&
               (EqualsIgnoreCase(a, "EX") || EqualsIgnoreCase(a, "PX") ||
                EqualsIgnoreCase(a, "EXAT") || EqualsIgnoreCase(a, "PXAT"))) {
      bool seconds = EqualsIgnoreCase(a, "EX") || EqualsIgnoreCase(a, "EXAT");
      bool absolute = a.size() == 4;
      if (!AbsoluteExpireOrReply(ctx, ctx.arg(++i),
                                 seconds ? ExpireUnit::kSeconds : ExpireUnit::kMilliseconds,
                                 absolute ? ExpireBase::kAbsolute : ExpireBase::kRelative,
                                 /*allow_nonpositive=*/false, &o->expire_at_ms)) {
        return false;
      }
      o->has_expire = true;
    } else {
      ctx.reply.Error(err::kSyntax);
      return false;
    }
  }
  return true;
}

bool ValidateSet(Context& ctx) {
  SetOptions o;
  return ParseSetOrReply(ctx, &o);
}

void Set(Context& ctx) {
  SetOptions o;
  if (!ParseSetOrReply(ctx, &o)) return;
  const Entry* old = nullptr;
  if (!LookupOrReply(ctx, ctx.arg(1), &old)) return;
  if (o.get && old != nullptr && old->type != ValueType::kString) {
    return ctx.reply.Error(err::kWrongType);
  }
  bool exists = old != nullptr;
  bool blocked = (o.condition == SetCondition::kIfMissing && exists) ||
                 (o.condition == SetCondition::kIfExists && !exists);
  std::optional<std::string> previous;
  if (o.get && exists) previous = old->value;
  if (!blocked) {
    int64_t expire_at = o.keep_ttl && exists ? old->expire_at_ms : o.expire_at_ms;
    if (o.has_expire && expire_at <= ctx.now_ms) {
      // An expiry already in the past: the key is set and gone at once, as in Redis.
      ctx.keyspace.Delete(ctx.db, ctx.arg(1));
    } else {
      PutString(ctx, ctx.arg(1), ctx.arg(2), expire_at);
    }
  }
  if (o.get) {
    if (previous) return ctx.reply.Bulk(*previous);
    return ctx.reply.Null();
  }
  if (blocked) return ctx.reply.Null();
  ctx.reply.Ok();
}

constexpr CommandSpec kStringCommands[] = {
    {"get", 2, kReadOnly | kFast, 1, 1, 1, Get, nullptr, "string", "Returns the string value of a key.", "1.0.0"},
    {"set", -3, kWrite | kDenyOom, 1, 1, 1, Set, ValidateSet, "string", "Sets the string value of a key, ignoring its type. The key is created if it doesn't exist.", "1.0.0"},
};

}  // namespace

std::span<const CommandSpec> StringCommands() { return kStringCommands; }

}  // namespace cairn::commands
