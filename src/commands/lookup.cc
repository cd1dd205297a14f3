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

// Redis 7.2's choices: a hash (a zset) is listpack while small enough, else hashtable
// (skiplist); a set is intset while every
// member was an integer and it is small enough for that, else listpack while small enough.
std::string_view CollectionEncoding(Context& ctx, const keyspace::Entry& e) {
  using keyspace::ValueType;
  if (e.type != ValueType::kHash && e.type != ValueType::kSet && e.type != ValueType::kZSet) {
    return "listpack";
  }
  keyspace::CollectionHeader h;
  if (!keyspace::DecodeCollectionHeader(e.value, &h).ok()) return "hashtable";
  const bool set = e.type == ValueType::kSet;
  auto at_most = [&](uint64_t v, std::string_view name, int64_t fallback) {
    return v <= static_cast<uint64_t>(ConfigInt(ctx, name, fallback));
  };
  if (e.type == ValueType::kZSet) {
    const bool small = at_most(h.peak_size, "zset-max-listpack-entries", 128) &&
                       at_most(h.peak_bytes, "zset-max-listpack-value", 64);
    return small ? "listpack" : "skiplist";
  }
  if (set && !(h.flags & keyspace::kHeaderNonInteger) &&
      at_most(h.peak_size, "set-max-intset-entries", 512)) {
    return "intset";
  }
  const bool small =
      at_most(h.peak_size, set ? "set-max-listpack-entries" : "hash-max-listpack-entries",
              set ? 128 : 512) &&
      at_most(h.peak_bytes, set ? "set-max-listpack-value" : "hash-max-listpack-value", 64);
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
