// Generic key family: DEL, UNLINK, EXISTS, TYPE, KEYS, SCAN. Other key commands join this file.
#include "commands/args.h"
#include "commands/context.h"
#include "commands/errors.h"
#include "commands/lookup.h"

namespace cairn::commands {
namespace {

using keyspace::Entry;
using keyspace::ValueType;

std::string_view TypeName(ValueType t) {
  switch (t) {
    case ValueType::kString: return "string";
    case ValueType::kList: return "list";
    case ValueType::kSet: return "set";
    case ValueType::kZSet: return "zset";
    case ValueType::kHash: return "hash";
  }
  return "none";
}

// DEL and UNLINK: both remove at once (a LevelDB delete is cheap whatever the value's size).
void Del(Context& ctx) {
  int64_t removed = 0;
  for (size_t i = 1; i < ctx.argc(); ++i) {
    const Entry* e = nullptr;
    if (!LookupOrReply(ctx, ctx.arg(i), &e)) return;
    if (e != nullptr) {
      ctx.keyspace.Delete(ctx.db, ctx.arg(i));
      ++removed;
    }
  }
  ctx.reply.Integer(removed);
}

void Exists(Context& ctx) {
  int64_t count = 0;
  for (size_t i = 1; i < ctx.argc(); ++i) {
    const Entry* e = nullptr;
    if (!LookupOrReply(ctx, ctx.arg(i), &e)) return;
    count += e != nullptr ? 1 : 0;
  }
  ctx.reply.Integer(count);
}

void Type(Context& ctx) {
  const Entry* e = nullptr;
  if (!LookupOrReply(ctx, ctx.arg(1), &e)) return;
  ctx.reply.Simple(e == nullptr ? "none" : TypeName(e->type));
}

// Walks the whole database through the scan cursor (KEYS is O(N) in Redis too).
void Keys(Context& ctx) {
  const std::string& pattern = ctx.arg(1);
  bool all = pattern == "*";
  std::vector<std::string> keys;
  uint64_t cursor = 0;
  do {
    auto page = ctx.keyspace.Scan(ctx.db, cursor, 1000, ctx.now_ms);
    if (!page.ok()) return ctx.reply.Error("ERR " + page.status().ToString());
    for (auto& k : page->keys) {
      if (all || GlobMatch(pattern, k)) keys.push_back(std::move(k));
    }
    cursor = page->next_cursor;
  } while (cursor != 0);
  ctx.reply.ArrayHeader(keys.size());
  for (const auto& k : keys) ctx.reply.Bulk(k);
}

void Scan(Context& ctx) {
  uint64_t cursor = 0;
  {
    const std::string& c = ctx.arg(1);
    int64_t v = 0;
    // Redis reads the cursor as unsigned 64-bit.
    char* end = nullptr;
    errno = 0;
    unsigned long long u = std::strtoull(c.c_str(), &end, 10);
    if (c.empty() || *end != '\0' || errno == ERANGE || c[0] == '-' || c[0] == ' ') {
      if (!ParseInt64(c, &v)) return ctx.reply.Error("ERR invalid cursor");
    }
    cursor = u;
  }
  int64_t count = 10;
  std::optional<std::string> pattern;
  std::optional<std::string> type;
  for (size_t i = 2; i < ctx.argc(); i += 2) {
    if (i + 1 >= ctx.argc()) return ctx.reply.Error(err::kSyntax);
    const std::string& opt = ctx.arg(i);
    if (EqualsIgnoreCase(opt, "COUNT")) {
      if (!ParseInt64(ctx.arg(i + 1), &count)) return ctx.reply.Error(err::kNotInteger);
      if (count < 1) return ctx.reply.Error(err::kSyntax);
    } else if (EqualsIgnoreCase(opt, "MATCH")) {
      pattern = ctx.arg(i + 1);
    } else if (EqualsIgnoreCase(opt, "TYPE")) {
      type = ToLower(ctx.arg(i + 1));
    } else {
      return ctx.reply.Error(err::kSyntax);
    }
  }
  auto page = ctx.keyspace.Scan(ctx.db, cursor, static_cast<size_t>(count), ctx.now_ms);
  if (!page.ok()) return ctx.reply.Error("ERR " + page.status().ToString());
  std::vector<std::string_view> keys;
  for (const auto& k : page->keys) {
    if (pattern && !GlobMatch(*pattern, k)) continue;
    if (type) {
      auto e = ctx.keyspace.Find(ctx.db, k, ctx.now_ms);
      if (!e.ok() || *e == nullptr || TypeName((*e)->type) != *type) continue;
    }
    keys.push_back(k);
  }
  ctx.reply.ArrayHeader(2);
  ctx.reply.Bulk(std::to_string(page->next_cursor));
  ctx.reply.ArrayHeader(keys.size());
  for (auto k : keys) ctx.reply.Bulk(k);
}

constexpr CommandSpec kKeyCommands[] = {
    {"del", -2, kWrite, 1, -1, 1, Del, nullptr, "generic", "Deletes one or more keys.", "1.0.0", "O(N)"},
    {"unlink", -2, kWrite | kFast, 1, -1, 1, Del, nullptr, "generic", "Asynchronously deletes one or more keys.", "4.0.0", "O(N)"},
    {"exists", -2, kReadOnly | kFast, 1, -1, 1, Exists, nullptr, "generic", "Determines whether one or more keys exist.", "1.0.0", "O(N)"},
    {"type", 2, kReadOnly | kFast, 1, 1, 1, Type, nullptr, "generic", "Determines the type of value stored at a key.", "1.0.0"},
    {"keys", 2, kReadOnly, 0, 0, 0, Keys, nullptr, "generic", "Returns all key names that match a pattern.", "1.0.0", "O(N)"},
    {"scan", -2, kReadOnly, 0, 0, 0, Scan, nullptr, "generic", "Iterates over the key names in the database.", "2.8.0", "O(1) for every call. O(N) for a complete iteration."},
};

}  // namespace

std::span<const CommandSpec> KeyCommands() { return kKeyCommands; }

}  // namespace cairn::commands
