// Generic key family: DEL, UNLINK, EXISTS, TOUCH, TYPE, KEYS, SCAN, RANDOMKEY, the EXPIRE and
// TTL families, PERSIST, RENAME, RENAMENX, COPY, MOVE, OBJECT and MEMORY USAGE.
//
// Writes follow dispatch.cc's contract: a pure validator (the same parse the handler runs) keeps
// bad syntax out of the log, and the handler runs at apply time with the entry's now_ms and db,
// so relative expiries and "already expired" decisions come out the same on every replica.
#include <random>

#include "commands/args.h"
#include "commands/context.h"
#include "commands/errors.h"
#include "commands/expire_args.h"
#include "commands/lookup.h"
#include "keyspace/encoding.h"

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
    if (!LookupMetaOrReply(ctx, ctx.arg(i), &e)) return;
    if (e != nullptr) {
      ctx.keyspace.Delete(ctx.db, ctx.arg(i));
      ++removed;
    }
  }
  ctx.reply.Integer(removed);
}

// EXISTS and TOUCH: each argument counts, repeated ones too. Cairn keeps no access times, so
// TOUCH has nothing more to do than EXISTS.
void Exists(Context& ctx) {
  int64_t count = 0;
  for (size_t i = 1; i < ctx.argc(); ++i) {
    const Entry* e = nullptr;
    if (!LookupMetaOrReply(ctx, ctx.arg(i), &e)) return;
    count += e != nullptr ? 1 : 0;
  }
  ctx.reply.Integer(count);
}

void Type(Context& ctx) {
  const Entry* e = nullptr;
  if (!LookupMetaOrReply(ctx, ctx.arg(1), &e)) return;
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
  if (!ParseScanCursor(ctx.arg(1), &cursor)) return ctx.reply.Error(err::kInvalidCursor);
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

// RANDOMKEY is a read, so a local random source is fine: start a scan at a random cursor (a
// position in hash order) and take a key from the first non-empty page, wrapping once.
void RandomKey(Context& ctx) {
  if (ctx.keyspace.Size(ctx.db) == 0) return ctx.reply.Null();
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  uint64_t cursor = rng();
  bool wrapped = false;
  while (true) {
    auto page = ctx.keyspace.Scan(ctx.db, cursor, 16, ctx.now_ms);
    if (!page.ok()) return ctx.reply.Error("ERR " + page.status().ToString());
    if (!page->keys.empty()) {
      return ctx.reply.Bulk(page->keys[rng() % page->keys.size()]);
    }
    if (page->next_cursor == 0) {
      if (wrapped) return ctx.reply.Null();  // only expired keys are left
      wrapped = true;
    }
    cursor = page->next_cursor;
  }
}

// --- EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT: one parse, one write. ---

struct ExpireRequest {
  bool nx = false, xx = false, gt = false, lt = false;
  int64_t expire_at_ms = 0;
};

bool ParseExpireOrReply(Context& ctx, ExpireRequest* r) {
  // Redis checks the flags before the time.
  for (size_t i = 3; i < ctx.argc(); ++i) {
    const std::string& a = ctx.arg(i);
    if (EqualsIgnoreCase(a, "NX")) {
      r->nx = true;
    } else if (EqualsIgnoreCase(a, "XX")) {
      r->xx = true;
    } else if (EqualsIgnoreCase(a, "GT")) {
      r->gt = true;
    } else if (EqualsIgnoreCase(a, "LT")) {
      r->lt = true;
    } else {
      ctx.reply.Error(err::UnsupportedOption(a));
      return false;
    }
  }
  if (r->nx && (r->xx || r->gt || r->lt)) {
    ctx.reply.Error(err::kExpireNxConflict);
    return false;
  }
  if (r->gt && r->lt) {
    ctx.reply.Error(err::kExpireGtLtConflict);
    return false;
  }
  std::string_view cmd = ctx.spec.name;
  bool seconds = cmd == "expire" || cmd == "expireat";
  bool absolute = cmd == "expireat" || cmd == "pexpireat";
  return AbsoluteExpireOrReply(ctx, ctx.arg(2),
                               seconds ? ExpireUnit::kSeconds : ExpireUnit::kMilliseconds,
                               absolute ? ExpireBase::kAbsolute : ExpireBase::kRelative,
                               /*allow_nonpositive=*/true, &r->expire_at_ms);
}

bool ValidateExpire(Context& ctx) {
  ExpireRequest r;
  return ParseExpireOrReply(ctx, &r);
}

void Expire(Context& ctx) {
  ExpireRequest r;
  if (!ParseExpireOrReply(ctx, &r)) return;
  const Entry* e = nullptr;
  if (!LookupOrReply(ctx, ctx.arg(1), &e)) return;
  if (e == nullptr) return ctx.reply.Integer(0);
  // No expiry counts as an infinite one for GT and LT.
  const bool has_ttl = e->expire_at_ms != 0;
  if ((r.nx && has_ttl) || (r.xx && !has_ttl) ||
      (r.gt && (!has_ttl || r.expire_at_ms <= e->expire_at_ms)) ||
      (r.lt && has_ttl && r.expire_at_ms >= e->expire_at_ms)) {
    return ctx.reply.Integer(0);
  }
  if (r.expire_at_ms <= ctx.now_ms) {
    ctx.keyspace.Delete(ctx.db, ctx.arg(1));
  } else {
    Entry updated = *e;
    updated.expire_at_ms = r.expire_at_ms;
    ctx.keyspace.Put(ctx.db, ctx.arg(1), std::move(updated));
  }
  ctx.reply.Integer(1);
}

// TTL, PTTL, EXPIRETIME, PEXPIRETIME: -2 for a missing key, -1 for one without an expiry.
void Ttl(Context& ctx) {
  std::string_view cmd = ctx.spec.name;
  bool in_ms = cmd == "pttl" || cmd == "pexpiretime";
  bool absolute = cmd == "expiretime" || cmd == "pexpiretime";
  const Entry* e = nullptr;
  if (!LookupMetaOrReply(ctx, ctx.arg(1), &e)) return;
  if (e == nullptr) return ctx.reply.Integer(-2);
  if (e->expire_at_ms == 0) return ctx.reply.Integer(-1);
  int64_t v = absolute ? e->expire_at_ms : std::max<int64_t>(e->expire_at_ms - ctx.now_ms, 0);
  ctx.reply.Integer(in_ms ? v : (v + 500) / 1000);
}

void Persist(Context& ctx) {
  const Entry* e = nullptr;
  if (!LookupOrReply(ctx, ctx.arg(1), &e)) return;
  if (e == nullptr || e->expire_at_ms == 0) return ctx.reply.Integer(0);
  Entry updated = *e;
  updated.expire_at_ms = 0;
  ctx.keyspace.Put(ctx.db, ctx.arg(1), std::move(updated));
  ctx.reply.Integer(1);
}

// --- RENAME, RENAMENX, COPY, MOVE: a key's entry placed under another name or database. ---

// A string's entry holds its whole value; a hash's fields and a set's members are member records
// keyed by its name, which are copied one by one (O(members), where Redis's RENAME and MOVE are
// O(1)). The types with no family yet are refused rather than copied half-way.
bool RelocatableOrReply(Context& ctx, const Entry& e) {
  if (e.type == ValueType::kString || e.type == ValueType::kHash || e.type == ValueType::kSet ||
      e.type == ValueType::kZSet) {
    return true;
  }
  ctx.reply.Error(err::kCannotRelocateCollection);
  return false;
}

// The source of a copy: where the entry was found, and the entry (its version names its members).
struct CopySource {
  int db;
  std::string_view key;
  const Entry& entry;
};

// Copies the source's members (and a zset's score index) to the collection now at (db, key), a
// page at a time.
void CopyMembers(Context& ctx, const CopySource& from, int db, std::string_view key) {
  auto dst = ctx.keyspace.FindMeta(db, key, ctx.now_ms);
  if (!dst.ok() || *dst == nullptr) return;
  const uint64_t version = (*dst)->version;
  const bool zset = from.entry.type == ValueType::kZSet;
  for (const bool scores : {false, true}) {
    if (scores && !zset) return;
    std::string start;
    for (;;) {
      auto page = scores ? ctx.keyspace.ScanScores(from.db, from.key, from.entry.version, start,
                                                   1024, /*reverse=*/false)
                         : ctx.keyspace.ScanMembers(from.db, from.key, from.entry.version, start,
                                                    1024);
      if (!page.ok()) return;  // the read error fails the apply: the keyspace rolls it back
      for (const auto& [member, payload] : page->members) {
        scores ? ctx.keyspace.PutScore(db, key, version, member)
               : ctx.keyspace.PutMember(db, key, version, member, payload);
      }
      if (!page->next.has_value()) break;
      start = std::move(*page->next);
    }
  }
}

// Copies the source (expiry and members included) to (db, key), replacing whatever is there.
void PutCopy(Context& ctx, const CopySource& from, int db, std::string_view key) {
  Entry copy;
  copy.type = from.entry.type;
  copy.expire_at_ms = from.entry.expire_at_ms;
  copy.value = from.entry.value;
  // Put keeps a replaced key's version when the type matches; delete first so the destination
  // starts as a new key, as Redis's dbDelete + dbAdd does.
  ctx.keyspace.Delete(db, key);
  ctx.keyspace.Put(db, key, std::move(copy));
  if (from.entry.type != ValueType::kString) CopyMembers(ctx, from, db, key);
}

void RenameGeneric(Context& ctx, bool only_if_missing) {
  const std::string& src = ctx.arg(1);
  const std::string& dst = ctx.arg(2);
  const Entry* e = nullptr;
  if (!LookupOrReply(ctx, src, &e)) return;
  if (e == nullptr) return ctx.reply.Error(err::kNoSuchKey);
  if (src == dst) return only_if_missing ? ctx.reply.Integer(0) : ctx.reply.Ok();
  if (!RelocatableOrReply(ctx, *e)) return;
  Entry moving = *e;  // Find's pointer does not survive the next keyspace call
  if (only_if_missing) {
    const Entry* existing = nullptr;
    if (!LookupMetaOrReply(ctx, dst, &existing)) return;
    if (existing != nullptr) return ctx.reply.Integer(0);
  }
  PutCopy(ctx, CopySource{ctx.db, src, moving}, ctx.db, dst);
  ctx.keyspace.Delete(ctx.db, src);
  if (only_if_missing) return ctx.reply.Integer(1);
  ctx.reply.Ok();
}

void Rename(Context& ctx) { RenameGeneric(ctx, false); }
void RenameNx(Context& ctx) { RenameGeneric(ctx, true); }

// A destination database index: "not an integer" first, then the range, as Redis checks them.
bool ParseDbIndexOrReply(Context& ctx, const std::string& arg, int* db) {
  int64_t v = 0;
  if (!ParseInt64(arg, &v) || v < INT32_MIN || v > INT32_MAX) {
    ctx.reply.Error(err::kNotInteger);
    return false;
  }
  if (v < 0 || v >= keyspace::kNumDatabases) {
    ctx.reply.Error(err::kDbIndexOutOfRange);
    return false;
  }
  *db = static_cast<int>(v);
  return true;
}

struct CopyRequest {
  int db = 0;
  bool replace = false;
};

// COPY source destination [DB destination-db] [REPLACE].
bool ParseCopyOrReply(Context& ctx, CopyRequest* r) {
  r->db = ctx.db;
  for (size_t i = 3; i < ctx.argc(); ++i) {
    const std::string& a = ctx.arg(i);
    if (EqualsIgnoreCase(a, "REPLACE")) {
      r->replace = true;
    } else if (EqualsIgnoreCase(a, "DB") && i + 1 < ctx.argc()) {
      if (!ParseDbIndexOrReply(ctx, ctx.arg(++i), &r->db)) return false;
    } else {
      ctx.reply.Error(err::kSyntax);
      return false;
    }
  }
  if (r->db == ctx.db && ctx.arg(1) == ctx.arg(2)) {
    ctx.reply.Error(err::kSameObject);
    return false;
  }
  return true;
}

bool ValidateCopy(Context& ctx) {
  CopyRequest r;
  return ParseCopyOrReply(ctx, &r);
}

void Copy(Context& ctx) {
  CopyRequest r;
  if (!ParseCopyOrReply(ctx, &r)) return;
  const Entry* e = nullptr;
  if (!LookupOrReply(ctx, ctx.arg(1), &e)) return;
  if (e == nullptr) return ctx.reply.Integer(0);
  if (!RelocatableOrReply(ctx, *e)) return;
  Entry source = *e;
  const Entry* existing = nullptr;
  if (!LookupMetaInDbOrReply(ctx, r.db, ctx.arg(2), &existing)) return;
  if (existing != nullptr && !r.replace) return ctx.reply.Integer(0);
  PutCopy(ctx, CopySource{ctx.db, ctx.arg(1), source}, r.db, ctx.arg(2));
  ctx.reply.Integer(1);
}

bool ParseMoveOrReply(Context& ctx, int* db) {
  if (!ParseDbIndexOrReply(ctx, ctx.arg(2), db)) return false;
  if (*db == ctx.db) {
    ctx.reply.Error(err::kSameObject);
    return false;
  }
  return true;
}

bool ValidateMove(Context& ctx) {
  int db = 0;
  return ParseMoveOrReply(ctx, &db);
}

void Move(Context& ctx) {
  int db = 0;
  if (!ParseMoveOrReply(ctx, &db)) return;
  const Entry* e = nullptr;
  if (!LookupOrReply(ctx, ctx.arg(1), &e)) return;
  if (e == nullptr) return ctx.reply.Integer(0);
  if (!RelocatableOrReply(ctx, *e)) return;
  Entry moving = *e;
  const Entry* existing = nullptr;
  if (!LookupMetaInDbOrReply(ctx, db, ctx.arg(1), &existing)) return;
  if (existing != nullptr) return ctx.reply.Integer(0);
  PutCopy(ctx, CopySource{ctx.db, ctx.arg(1), moving}, db, ctx.arg(1));
  ctx.keyspace.Delete(ctx.db, ctx.arg(1));
  ctx.reply.Integer(1);
}

// --- OBJECT ---

// Redis's string encodings: "int" for a canonical integer that fits in 64 bits, "embstr" up to
// 44 bytes, "raw" beyond. Cairn keeps no per-value encoding, so it is derived from the bytes.
std::string_view StringEncoding(std::string_view value) {
  int64_t v = 0;
  if (value.size() <= 20 && ParseInt64(value, &v)) return "int";
  return value.size() <= 44 ? "embstr" : "raw";
}

std::string ConfigValue(Context& ctx, std::string_view name) {
  auto pairs = ctx.server.ConfigGet(name);
  return pairs.empty() ? std::string() : pairs.front().second;
}

bool LfuPolicy(Context& ctx) {
  return ConfigValue(ctx, "maxmemory-policy").find("lfu") != std::string::npos;
}

// Finds OBJECT's key (argv[2]); replies null when it is missing.
bool ObjectLookupOrReply(Context& ctx, const Entry** e) {
  if (!LookupOrReply(ctx, ctx.arg(2), e)) return false;
  if (*e == nullptr) {
    ctx.reply.Null();
    return false;
  }
  return true;
}

void ObjectEncoding(Context& ctx) {
  const Entry* e = nullptr;
  if (!ObjectLookupOrReply(ctx, &e)) return;
  // Collections: Cairn reports the encoding Redis would use (CollectionEncoding).
  ctx.reply.Bulk(e->type == ValueType::kString ? StringEncoding(e->value)
                                               : CollectionEncoding(ctx, *e));
}

void ObjectFreq(Context& ctx) {
  const Entry* e = nullptr;
  if (!ObjectLookupOrReply(ctx, &e)) return;
  if (!LfuPolicy(ctx)) return ctx.reply.Error(err::kLfuNotSelected);
  ctx.reply.Integer(0);  // no access counting yet
}

void ObjectIdleTime(Context& ctx) {
  const Entry* e = nullptr;
  if (!ObjectLookupOrReply(ctx, &e)) return;
  if (LfuPolicy(ctx)) return ctx.reply.Error(err::kLfuSelected);
  ctx.reply.Integer(0);  // no access times yet
}

// Redis shares the objects of the integers 0..9999 (refcount INT_MAX) unless an LRU/LFU policy
// with a memory limit needs per-object access data.
void ObjectRefCount(Context& ctx) {
  const Entry* e = nullptr;
  if (!ObjectLookupOrReply(ctx, &e)) return;
  int64_t v = -1;
  bool small_int = e->type == ValueType::kString && e->value.size() <= 20 &&
                   ParseInt64(e->value, &v) && v >= 0 && v < 10000;
  if (small_int) {
    std::string policy = ConfigValue(ctx, "maxmemory-policy");
    bool per_object = ConfigValue(ctx, "maxmemory") != "0" &&
                      (policy.find("lru") != std::string::npos ||
                       policy.find("lfu") != std::string::npos);
    if (!per_object) return ctx.reply.Integer(2147483647);
  }
  ctx.reply.Integer(1);
}

void ObjectHelp(Context& ctx) {
  static constexpr std::string_view kLines[] = {
      "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "ENCODING <key>",
      "    Return the kind of internal representation used in order to store the value",
      "    associated with a <key>.",
      "FREQ <key>",
      "    Return the access frequency index of the <key>. The returned integer is",
      "    proportional to the logarithm of the recent access frequency of the key.",
      "IDLETIME <key>",
      "    Return the idle time of the <key>, that is the approximated number of",
      "    seconds elapsed since the last access to the key.",
      "REFCOUNT <key>",
      "    Return the number of references of the value associated with the specified",
      "    <key>.",
      "HELP",
      "    Prints this help.",
  };
  ctx.reply.SimpleArray(kLines);
}

void ContainerArity(Context& ctx) { ctx.reply.Error(err::WrongArity(ctx.spec.name)); }

// --- MEMORY USAGE key [SAMPLES count] ---

// An estimate in bytes, as Redis's is: the key and its entry, plus for a collection the mean size
// of its first `samples` members (5 unless given; 0: all) times its size. Cairn's real cost per
// member is its record (LevelDB) and, when hot, its tier node.
void MemoryUsage(Context& ctx) {
  constexpr int64_t kEntryBytes = 48;   // a tier node's fixed part
  constexpr int64_t kMemberBytes = 32;  // a member record's fixed part (tag, ns, length, version)
  int64_t samples = 5;
  for (size_t i = 3; i < ctx.argc(); ++i) {
    if (!EqualsIgnoreCase(ctx.arg(i), "SAMPLES") || i + 1 >= ctx.argc()) {
      return ctx.reply.Error(err::kSyntax);
    }
    if (!ParseInt64(ctx.arg(++i), &samples)) return ctx.reply.Error(err::kNotInteger);
    if (samples < 0) return ctx.reply.Error(err::kSyntax);
    if (samples == 0) samples = INT64_MAX;
  }
  const std::string& key = ctx.arg(2);
  const Entry* e = nullptr;
  if (!LookupOrReply(ctx, key, &e)) return;
  if (e == nullptr) return ctx.reply.Null();
  int64_t bytes = kEntryBytes + static_cast<int64_t>(key.size() + e->value.size());
  keyspace::CollectionHeader h;
  if (e->type == ValueType::kString || !keyspace::DecodeCollectionHeader(e->value, &h).ok() ||
      h.size == 0) {
    return ctx.reply.Integer(bytes);
  }
  const uint64_t version = e->version;
  const size_t want = static_cast<size_t>(std::min<int64_t>(samples, 1024));
  auto page = ctx.keyspace.ScanMembers(ctx.db, key, version, "", want);
  if (!page.ok() || page->members.empty()) return ctx.reply.Integer(bytes);
  int64_t sampled = 0;
  for (const auto& [member, payload] : page->members) {
    sampled += kMemberBytes + static_cast<int64_t>(key.size() + member.size() + payload.size());
  }
  const auto n = static_cast<int64_t>(page->members.size());
  ctx.reply.Integer(bytes + sampled / n * static_cast<int64_t>(h.size));
}

void MemoryHelp(Context& ctx) {
  static constexpr std::string_view kLines[] = {
      "MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "USAGE <key> [SAMPLES <count>]",
      "    Return memory in bytes used by <key> and its value. Nested values are",
      "    sampled up to <count> times (default: 5, 0 means sample all).",
      "HELP",
      "    Prints this help.",
  };
  ctx.reply.SimpleArray(kLines);
}

constexpr CommandSpec kMemorySubcommands[] = {
    {"memory|usage", -3, kReadOnly, 2, 2, 1, MemoryUsage, nullptr, "server", "Estimates the memory usage of a key.", "4.0.0", "O(N) where N is the number of samples."},
    {"memory|help", 2, kLoading | kStale, 0, 0, 0, MemoryHelp, nullptr, "server", "Returns helpful text about the different subcommands.", "4.0.0"},
};

constexpr CommandSpec kObjectSubcommands[] = {
    {"object|encoding", 3, kReadOnly, 2, 2, 1, ObjectEncoding, nullptr, "generic", "Returns the internal encoding of a Redis object.", "2.2.3"},
    {"object|freq", 3, kReadOnly, 2, 2, 1, ObjectFreq, nullptr, "generic", "Returns the logarithmic access frequency counter of a Redis object.", "4.0.0"},
    {"object|idletime", 3, kReadOnly, 2, 2, 1, ObjectIdleTime, nullptr, "generic", "Returns the time since the last access to a Redis object.", "2.2.3"},
    {"object|refcount", 3, kReadOnly, 2, 2, 1, ObjectRefCount, nullptr, "generic", "Returns the reference count of a value of a key.", "2.2.3"},
    {"object|help", 2, kLoading | kStale, 0, 0, 0, ObjectHelp, nullptr, "generic", "Returns helpful text about the different subcommands.", "6.2.0"},
};

constexpr CommandSpec kKeyCommands[] = {
    {"del", -2, kWrite, 1, -1, 1, Del, nullptr, "generic", "Deletes one or more keys.", "1.0.0", "O(N)"},
    {"unlink", -2, kWrite | kFast, 1, -1, 1, Del, nullptr, "generic", "Asynchronously deletes one or more keys.", "4.0.0", "O(N)"},
    {"exists", -2, kReadOnly | kFast, 1, -1, 1, Exists, nullptr, "generic", "Determines whether one or more keys exist.", "1.0.0", "O(N)"},
    {"type", 2, kReadOnly | kFast, 1, 1, 1, Type, nullptr, "generic", "Determines the type of value stored at a key.", "1.0.0"},
    {"keys", 2, kReadOnly, 0, 0, 0, Keys, nullptr, "generic", "Returns all key names that match a pattern.", "1.0.0", "O(N)"},
    {"touch", -2, kReadOnly | kFast, 1, -1, 1, Exists, nullptr, "generic", "Returns the number of existing keys out of those specified after updating the time they were last accessed.", "3.2.1", "O(N)"},
    {"randomkey", 1, kReadOnly | kRandom, 0, 0, 0, RandomKey, nullptr, "generic", "Returns a random key name from the database.", "1.0.0"},
    {"expire", -3, kWrite | kFast, 1, 1, 1, Expire, ValidateExpire, "generic", "Sets the expiration time of a key in seconds.", "1.0.0"},
    {"pexpire", -3, kWrite | kFast, 1, 1, 1, Expire, ValidateExpire, "generic", "Sets the expiration time of a key in milliseconds.", "2.6.0"},
    {"expireat", -3, kWrite | kFast, 1, 1, 1, Expire, ValidateExpire, "generic", "Sets the expiration time of a key to a Unix timestamp.", "1.2.0"},
    {"pexpireat", -3, kWrite | kFast, 1, 1, 1, Expire, ValidateExpire, "generic", "Sets the expiration time of a key to a Unix milliseconds timestamp.", "2.6.0"},
    {"ttl", 2, kReadOnly | kFast, 1, 1, 1, Ttl, nullptr, "generic", "Returns the expiration time in seconds of a key.", "1.0.0"},
    {"pttl", 2, kReadOnly | kFast, 1, 1, 1, Ttl, nullptr, "generic", "Returns the expiration time in milliseconds of a key.", "2.6.0"},
    {"expiretime", 2, kReadOnly | kFast, 1, 1, 1, Ttl, nullptr, "generic", "Returns the expiration time of a key as a Unix timestamp.", "7.0.0"},
    {"pexpiretime", 2, kReadOnly | kFast, 1, 1, 1, Ttl, nullptr, "generic", "Returns the expiration time of a key as a Unix milliseconds timestamp.", "7.0.0"},
    {"persist", 2, kWrite | kFast, 1, 1, 1, Persist, nullptr, "generic", "Removes the expiration time of a key.", "2.2.0"},
    {"rename", 3, kWrite, 1, 2, 1, Rename, nullptr, "generic", "Renames a key and overwrites the destination.", "1.0.0"},
    {"renamenx", 3, kWrite | kFast, 1, 2, 1, RenameNx, nullptr, "generic", "Renames a key only when the target key name doesn't exist.", "1.0.0"},
    {"copy", -3, kWrite | kDenyOom, 1, 2, 1, Copy, ValidateCopy, "generic", "Copies the value of a key to a new key.", "6.2.0", "O(N)"},
    {"move", 3, kWrite | kFast, 1, 1, 1, Move, ValidateMove, "generic", "Moves a key to another database.", "1.0.0"},
    {"object", -2, 0, 0, 0, 0, ContainerArity, nullptr, "generic", "A container for object introspection commands.", "2.2.3", "Depends on subcommand.", kObjectSubcommands},
    {"memory", -2, 0, 0, 0, 0, ContainerArity, nullptr, "server", "A container for memory diagnostics commands.", "4.0.0", "Depends on subcommand.", kMemorySubcommands},
    {"scan", -2, kReadOnly, 0, 0, 0, Scan, nullptr, "generic", "Iterates over the key names in the database.", "2.8.0", "O(1) for every call. O(N) for a complete iteration."},
};

}  // namespace

std::span<const CommandSpec> KeyCommands() { return kKeyCommands; }

}  // namespace cairn::commands
