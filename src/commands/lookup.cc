// Typed lookups over the keyspace, with Redis's error replies.
#include "commands/lookup.h"

#include "commands/errors.h"

namespace cairn::commands {

namespace {

bool FindOrReply(Context& ctx, int db, std::string_view key, bool with_value,
                 const keyspace::Entry** entry) {
  auto found = with_value ? ctx.keyspace.Find(db, key, ctx.now_ms)
                          : ctx.keyspace.FindMeta(db, key, ctx.now_ms);
  if (!found.ok()) {
    ctx.reply.Error("ERR " + found.status().ToString());
    return false;
  }
  *entry = *found;
  if (!ctx.applying) ctx.server.RecordKeyspaceLookup(*entry != nullptr);
  return true;
}

}  // namespace

bool LookupOrReply(Context& ctx, std::string_view key, const keyspace::Entry** entry) {
  return FindOrReply(ctx, ctx.db, key, /*with_value=*/true, entry);
}

bool LookupMetaOrReply(Context& ctx, std::string_view key, const keyspace::Entry** entry) {
  return FindOrReply(ctx, ctx.db, key, /*with_value=*/false, entry);
}

bool LookupMetaInDbOrReply(Context& ctx, int db, std::string_view key,
                           const keyspace::Entry** entry) {
  return FindOrReply(ctx, db, key, /*with_value=*/false, entry);
}

bool LookupTypedOrReply(Context& ctx, std::string_view key, keyspace::ValueType type,
                        const keyspace::Entry** entry) {
  if (!LookupOrReply(ctx, key, entry)) return false;
  if (*entry != nullptr && (*entry)->type != type) {
    ctx.reply.Error(err::kWrongType);
    return false;
  }
  return true;
}

void PutString(Context& ctx, std::string_view key, std::string value, int64_t expire_at_ms) {
  keyspace::Entry e;
  e.type = keyspace::ValueType::kString;
  e.expire_at_ms = expire_at_ms;
  e.value = std::move(value);
  ctx.keyspace.Put(ctx.db, key, std::move(e));
}

}  // namespace cairn::commands
