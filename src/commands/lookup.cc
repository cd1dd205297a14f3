// Typed lookups over the keyspace, with Redis's error replies.
#include "commands/lookup.h"

#include "commands/args.h"
#include "commands/errors.h"
#include "keyspace/encoding.h"

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

namespace {
int64_t ConfigInt(Context& ctx, std::string_view name, int64_t missing) {
  auto pairs = ctx.server.ConfigGet(name);
  int64_t v = 0;
  if (pairs.empty() || !ParseInt64(pairs.front().second, &v)) return missing;
  return v;
}
}  // namespace

std::string_view CollectionEncoding(Context& ctx, const keyspace::Entry& e) {
  if (e.type != keyspace::ValueType::kHash) return "listpack";
  keyspace::CollectionHeader h;
  if (!keyspace::DecodeCollectionHeader(e.value, &h).ok()) return "hashtable";
  const int64_t entries = ConfigInt(ctx, "hash-max-listpack-entries", 128);
  const int64_t value = ConfigInt(ctx, "hash-max-listpack-value", 64);
  bool small = h.peak_size <= static_cast<uint64_t>(entries) &&
               h.peak_bytes <= static_cast<uint64_t>(value);
  return small ? "listpack" : "hashtable";
}

void PutString(Context& ctx, std::string_view key, std::string value, int64_t expire_at_ms) {
  keyspace::Entry e;
  e.type = keyspace::ValueType::kString;
  e.expire_at_ms = expire_at_ms;
  e.value = std::move(value);
  ctx.keyspace.Put(ctx.db, key, std::move(e));
}

}  // namespace cairn::commands
