// Sorted-set family: ZADD ZINCRBY ZREM ZSCORE ZMSCORE ZCARD ZCOUNT ZLEXCOUNT, the ZRANGE family
// (ZRANGE ZRANGESTORE ZREVRANGE ZRANGEBYSCORE ZREVRANGEBYSCORE ZRANGEBYLEX ZREVRANGEBYLEX),
// ZRANK ZREVRANK, ZPOPMIN ZPOPMAX ZMPOP and the blocking BZPOPMIN BZPOPMAX BZMPOP (which wait
// in the node, off the log: see Dispatcher::BlockOrRun), ZREMRANGEBYSCORE ZREMRANGEBYRANK
// ZREMRANGEBYLEX, ZRANDMEMBER and ZSCAN; the algebra (ZUNION ...) is in zset_algebra.cc.
//
// Built on zset.h: a member record holding the score plus a score index entry per member.
// Writes follow dispatch.cc's contract: a pure validator (options, scores, ranges, counts) keeps
// bad input out of the log, and the handler, run at apply, re-parses and touches only what it
// names or what its range selects. Every range command, reading or removing or storing, parses
// with ParseRangeOrReply / ParseBoundsOrReply and reads with CollectRangeOrReply. ZPOP* take
// the ends of the score index: no randomness, so a replay pops the same members.
#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "commands/args.h"
#include "commands/context.h"
#include "commands/errors.h"
#include "commands/zset.h"

namespace cairn::commands {
namespace {

using keyspace::ValueType;

bool ReplyError(Context& ctx, std::string_view e) {
  ctx.reply.Error(e);
  return false;
}

// --- ZADD key [NX|XX] [GT|LT] [CH] [INCR] score member [score member ...], ZINCRBY ---

struct ZAddArgs {
  bool nx = false, xx = false, gt = false, lt = false, ch = false, incr = false;
  std::vector<std::pair<double, size_t>> pairs;  // (score, argv index of the member)
};

bool ParseZAddOrReply(Context& ctx, ZAddArgs* a) {
  size_t i = 2;
  if (ctx.spec.name == "zincrby") {
    a->incr = true;
  } else {
    for (; i < ctx.argc(); ++i) {
      const std::string& o = ctx.arg(i);
      bool* flag = EqualsIgnoreCase(o, "NX")     ? &a->nx
                   : EqualsIgnoreCase(o, "XX")   ? &a->xx
                   : EqualsIgnoreCase(o, "GT")   ? &a->gt
                   : EqualsIgnoreCase(o, "LT")   ? &a->lt
                   : EqualsIgnoreCase(o, "CH")   ? &a->ch
                   : EqualsIgnoreCase(o, "INCR") ? &a->incr
                                                 : nullptr;
      if (flag == nullptr) break;
      *flag = true;
    }
  }
  const size_t elements = ctx.argc() - i;
  if (elements == 0 || elements % 2 != 0) return ReplyError(ctx, err::kSyntax);
  if (a->nx && a->xx) return ReplyError(ctx, err::kZAddXxNx);
  if ((a->gt && a->nx) || (a->lt && a->nx) || (a->gt && a->lt)) {
    return ReplyError(ctx, err::kZAddGtLtNx);
  }
  if (a->incr && elements > 2) return ReplyError(ctx, err::kZAddIncrPair);
  for (; i < ctx.argc(); i += 2) {
    double score = 0;
    if (!ParseDouble(ctx.arg(i), &score)) return ReplyError(ctx, err::kNotFloat);
    a->pairs.emplace_back(score, i + 1);
  }
  return true;
}

bool ValidateZAdd(Context& ctx) {
  ZAddArgs a;
  return ParseZAddOrReply(ctx, &a);
}

void ZAdd(Context& ctx) {
  ZAddArgs a;
  if (!ParseZAddOrReply(ctx, &a)) return;
  const std::string& key = ctx.arg(1);
  Collection z;
  if (!OpenZSetOrReply(ctx, key, &z)) return;
  int64_t added = 0, updated = 0, processed = 0;
  double last = 0;
  for (const auto& [score, at] : a.pairs) {
    const std::string& member = ctx.arg(at);
    std::optional<double> old;
    if (!GetScoreOrReply(ctx, key, z, member, &old)) return;
    if (old.has_value()) {
      if (a.nx) continue;
      const double next = a.incr ? *old + score : score;
      if (std::isnan(next)) return ctx.reply.Error(err::kScoreNaN);
      if ((a.lt && next >= *old) || (a.gt && next <= *old)) continue;
      ++processed;
      last = next;
      if (next == *old) continue;
      PutScored(ctx, key, &z, member, old, next);
      ++updated;
    } else {
      if (a.xx) continue;
      CreateIfMissing(ctx, key, &z);
      PutScored(ctx, key, &z, member, std::nullopt, score);
      ++added;
      ++processed;
      last = score;
    }
  }
  if (added + updated > 0) StoreHeader(ctx, key, z);
  if (!a.incr) return ctx.reply.Integer(a.ch ? added + updated : added);
  processed > 0 ? ReplyScore(ctx, last + 0.0) : ctx.reply.Null();
}

// --- ZREM, ZSCORE, ZMSCORE, ZCARD ---

void ZRem(Context& ctx) {
  const std::string& key = ctx.arg(1);
  Collection z;
  if (!OpenZSetOrReply(ctx, key, &z)) return;
  int64_t removed = 0;
  for (size_t i = 2; i < ctx.argc() && z.exists; ++i) {
    std::optional<double> score;
    if (!GetScoreOrReply(ctx, key, z, ctx.arg(i), &score)) return;
    if (!score.has_value()) continue;
    RemoveScored(ctx, key, &z, ctx.arg(i), *score);
    ++removed;
  }
  if (removed > 0) StoreHeader(ctx, key, z);
  ctx.reply.Integer(removed);
}

// The scores of argv[2..] in the zset at argv[1].
bool ScoresOrReply(Context& ctx, std::vector<std::optional<double>>* scores) {
  Collection z;
  if (!OpenZSetOrReply(ctx, ctx.arg(1), &z)) return false;
  scores->resize(ctx.argc() - 2);
  for (size_t i = 2; i < ctx.argc(); ++i) {
    if (!GetScoreOrReply(ctx, ctx.arg(1), z, ctx.arg(i), &(*scores)[i - 2])) return false;
  }
  return true;
}

void ZScore(Context& ctx) {
  std::vector<std::optional<double>> scores;
  if (!ScoresOrReply(ctx, &scores)) return;
  scores[0] ? ReplyScore(ctx, *scores[0]) : ctx.reply.Null();
}

void ZMScore(Context& ctx) {
  std::vector<std::optional<double>> scores;
  if (!ScoresOrReply(ctx, &scores)) return;
  ctx.reply.ArrayHeader(scores.size());
  for (const auto& s : scores) s ? ReplyScore(ctx, *s) : ctx.reply.Null();
}

void ZCard(Context& ctx) {
  Collection z;
  if (!OpenZSetOrReply(ctx, ctx.arg(1), &z)) return;
  ctx.reply.Integer(static_cast<int64_t>(z.header.size));
}

// --- Ranges ---

// min and max of a range of `kind` into spec (for ranks: start and stop).
bool ParseBoundsOrReply(Context& ctx, RangeKind kind, const std::string& min,
                        const std::string& max, RangeSpec* spec) {
  spec->kind = kind;
  switch (kind) {
    case RangeKind::kRank:
      if (!ParseInt64(min, &spec->start) || !ParseInt64(max, &spec->stop)) {
        return ReplyError(ctx, err::kNotInteger);
      }
      return true;
    case RangeKind::kScore:
      return ParseScoreRange(min, max, &spec->score) || ReplyError(ctx, err::kMinMaxNotFloat);
    case RangeKind::kLex:
      return ParseLexRange(min, max, &spec->lex) || ReplyError(ctx, err::kLexRange);
  }
  return false;
}

struct RangeCall {
  RangeSpec spec;
  bool with_scores = false;
  size_t key = 1;  // argv index of the source key
};

// zrangeGenericCommand's parse: key min max, then options from argv[key + 3]. `kind` and
// `reverse` preset by the older commands (nullopt: chosen by BYSCORE/BYLEX/REV); a store takes
// no WITHSCORES.
bool ParseRangeOrReply(Context& ctx, size_t key, std::optional<RangeKind> kind,
                       std::optional<bool> reverse, bool store, RangeCall* call) {
  call->key = key;
  bool has_limit = false;
  for (size_t j = key + 3; j < ctx.argc(); ++j) {
    const std::string& o = ctx.arg(j);
    const size_t left = ctx.argc() - j - 1;
    if (!store && EqualsIgnoreCase(o, "WITHSCORES")) {
      call->with_scores = true;
    } else if (EqualsIgnoreCase(o, "LIMIT") && left >= 2) {
      if (!ParseInt64(ctx.arg(j + 1), &call->spec.offset) ||
          !ParseInt64(ctx.arg(j + 2), &call->spec.limit)) {
        return ReplyError(ctx, err::kNotInteger);
      }
      has_limit = true;
      j += 2;
    } else if (!reverse && EqualsIgnoreCase(o, "REV")) {
      reverse = true;
    } else if (!kind && EqualsIgnoreCase(o, "BYLEX")) {
      kind = RangeKind::kLex;
    } else if (!kind && EqualsIgnoreCase(o, "BYSCORE")) {
      kind = RangeKind::kScore;
    } else {
      return ReplyError(ctx, err::kSyntax);
    }
  }
  call->spec.reverse = reverse.value_or(false);
  const RangeKind k = kind.value_or(RangeKind::kRank);
  if (has_limit && k == RangeKind::kRank) return ReplyError(ctx, err::kLimitNeedsByScoreOrLex);
  if (call->with_scores && k == RangeKind::kLex) return ReplyError(ctx, err::kWithScoresByLex);
  // Reversed score and lex ranges are written max first.
  const bool swap = call->spec.reverse && k != RangeKind::kRank;
  return ParseBoundsOrReply(ctx, k, ctx.arg(key + (swap ? 2 : 1)), ctx.arg(key + (swap ? 1 : 2)),
                            &call->spec);
}

// The variants by name: where the key is, and what the name presets.
struct RangeVariant {
  size_t key;
  std::optional<RangeKind> kind;
  std::optional<bool> reverse;
  bool store;
};

RangeVariant VariantOf(std::string_view name) {
  if (name == "zrangestore") return {2, std::nullopt, std::nullopt, true};
  if (name == "zrevrange") return {1, RangeKind::kRank, true, false};
  if (name == "zrangebyscore") return {1, RangeKind::kScore, false, false};
  if (name == "zrevrangebyscore") return {1, RangeKind::kScore, true, false};
  if (name == "zrangebylex") return {1, RangeKind::kLex, false, false};
  if (name == "zrevrangebylex") return {1, RangeKind::kLex, true, false};
  return {1, std::nullopt, std::nullopt, false};  // zrange
}

bool ParseRangeCommandOrReply(Context& ctx, RangeCall* call) {
  const RangeVariant v = VariantOf(ctx.spec.name);
  return ParseRangeOrReply(ctx, v.key, v.kind, v.reverse, v.store, call);
}

bool ValidateRangeCommand(Context& ctx) {
  RangeCall call;
  return ParseRangeCommandOrReply(ctx, &call);
}

// Every reading and storing range command.
void ZRangeGeneric(Context& ctx) {
  RangeCall call;
  if (!ParseRangeCommandOrReply(ctx, &call)) return;
  Collection z;
  ScoredList list;
  if (!OpenZSetOrReply(ctx, ctx.arg(call.key), &z) ||
      !CollectRangeOrReply(ctx, ctx.arg(call.key), z, call.spec, &list)) {
    return;
  }
  if (VariantOf(ctx.spec.name).store) {
    StoreZSet(ctx, ctx.arg(1), list);
    return ctx.reply.Integer(static_cast<int64_t>(list.size()));
  }
  ReplyScored(ctx, list, call.with_scores);
}

// `key min max` commands: the range of `kind` in the zset at argv[1].
bool ReadRangeOrReply(Context& ctx, RangeKind kind, Collection* z, ScoredList* list) {
  RangeSpec spec;
  return ParseBoundsOrReply(ctx, kind, ctx.arg(2), ctx.arg(3), &spec) &&
         OpenZSetOrReply(ctx, ctx.arg(1), z) &&
         CollectRangeOrReply(ctx, ctx.arg(1), *z, spec, list);
}

// ZCOUNT / ZLEXCOUNT key min max: the size of the range (O(M) entries read).
void CountGeneric(Context& ctx, RangeKind kind) {
  Collection z;
  ScoredList list;
  if (!ReadRangeOrReply(ctx, kind, &z, &list)) return;
  ctx.reply.Integer(static_cast<int64_t>(list.size()));
}

void ZCount(Context& ctx) { CountGeneric(ctx, RangeKind::kScore); }
void ZLexCount(Context& ctx) { CountGeneric(ctx, RangeKind::kLex); }

// ZREMRANGEBYSCORE / ZREMRANGEBYRANK / ZREMRANGEBYLEX key min max.
RangeKind RemoveKindOf(std::string_view name) {
  if (name == "zremrangebyscore") return RangeKind::kScore;
  if (name == "zremrangebylex") return RangeKind::kLex;
  return RangeKind::kRank;
}

bool ValidateRemoveRange(Context& ctx) {
  RangeSpec spec;
  return ParseBoundsOrReply(ctx, RemoveKindOf(ctx.spec.name), ctx.arg(2), ctx.arg(3), &spec);
}

// Removes `list` (members of z) and stores what is left.
void RemoveAll(Context& ctx, std::string_view key, Collection* z, const ScoredList& list) {
  for (const auto& m : list) RemoveScored(ctx, key, z, m.member, m.score);
  if (!list.empty()) StoreHeader(ctx, key, *z);
}

void ZRemRange(Context& ctx) {
  Collection z;
  ScoredList list;
  if (!ReadRangeOrReply(ctx, RemoveKindOf(ctx.spec.name), &z, &list)) return;
  RemoveAll(ctx, ctx.arg(1), &z, list);
  ctx.reply.Integer(static_cast<int64_t>(list.size()));
}

// --- ZRANK / ZREVRANK key member [WITHSCORE] ---

void RankGeneric(Context& ctx) {
  const bool with_score = ctx.argc() == 4 && EqualsIgnoreCase(ctx.arg(3), "WITHSCORE");
  if (ctx.argc() > 4 || (ctx.argc() == 4 && !with_score)) return ctx.reply.Error(err::kSyntax);
  Collection z;
  std::optional<double> score;
  if (!OpenZSetOrReply(ctx, ctx.arg(1), &z) ||
      !GetScoreOrReply(ctx, ctx.arg(1), z, ctx.arg(2), &score)) {
    return;
  }
  if (!score.has_value()) return with_score ? ctx.reply.NullArray() : ctx.reply.Null();
  int64_t rank = 0;
  if (!RankOrReply(ctx, ctx.arg(1), z, ctx.arg(2), *score, ctx.spec.name == "zrevrank", &rank)) {
    return;
  }
  if (rank < 0) return ctx.reply.Null();  // the index lost the member: not expected
  if (!with_score) return ctx.reply.Integer(rank);
  ctx.reply.ArrayHeader(2);
  ctx.reply.Integer(rank);
  ReplyScore(ctx, *score);
}

// --- ZPOPMIN / ZPOPMAX key [count], ZMPOP numkeys key [key ...] MIN|MAX [COUNT count] ---

// Pops up to `count` members from the low (or high) end of the zset at `key`.
bool PopOrReply(Context& ctx, std::string_view key, const Collection& z, bool max, int64_t count,
                ScoredList* popped) {
  RangeSpec spec;
  spec.reverse = max;
  spec.stop = count - 1;
  if (!CollectRangeOrReply(ctx, key, z, spec, popped)) return false;
  Collection left = z;
  RemoveAll(ctx, key, &left, *popped);
  return true;
}

bool ParsePopCountOrReply(Context& ctx, std::optional<int64_t>* count) {
  if (ctx.argc() > 3) return ReplyError(ctx, err::kSyntax);
  if (ctx.argc() < 3) return true;
  int64_t n = 0;
  if (!ParseInt64(ctx.arg(2), &n) || n < 0) return ReplyError(ctx, err::kOutOfRangePositive);
  *count = n;
  return true;
}

bool ValidatePop(Context& ctx) {
  std::optional<int64_t> count;
  return ParsePopCountOrReply(ctx, &count);
}

// Without a count: [member, score]; with one: flat in RESP2, pairs in RESP3.
void ZPop(Context& ctx) {
  std::optional<int64_t> count;
  if (!ParsePopCountOrReply(ctx, &count)) return;
  Collection z;
  if (!OpenZSetOrReply(ctx, ctx.arg(1), &z)) return;
  if (!z.exists || count == 0) return ctx.reply.EmptyArray();
  ScoredList popped;
  if (!PopOrReply(ctx, ctx.arg(1), z, ctx.spec.name == "zpopmax", count.value_or(1), &popped)) {
    return;
  }
  if (count.has_value()) return ReplyScored(ctx, popped, /*with_scores=*/true);
  ctx.reply.ArrayHeader(popped.empty() ? 0 : 2);
  if (popped.empty()) return;
  ctx.reply.Bulk(popped[0].member);
  ReplyScore(ctx, popped[0].score);
}

struct MPopArgs {
  size_t first = 0, end = 0;  // the keys: argv[first, end)
  bool max = false;
  int64_t count = 1;
};

// The blocking forms' timeout (validated before the log; the dispatcher reads it to wait).
bool ParseTimeoutOrReply(Context& ctx, size_t at) {
  long double seconds = 0;
  if (!ParseLongDouble(ctx.arg(at), &seconds)) return ReplyError(ctx, err::kTimeoutNotFloat);
  if (seconds < 0) return ReplyError(ctx, err::kTimeoutNegative);
  int64_t ms = 0;
  return ParseBlockTimeout(ctx.arg(at), &ms) || ReplyError(ctx, err::kTimeoutNotFloat);
}

// ZMPOP numkeys ...; BZMPOP timeout numkeys ...: `numkeys_at` is where the count is.
bool ParseMPopOrReply(Context& ctx, size_t numkeys_at, MPopArgs* a) {
  if (numkeys_at == 2 && !ParseTimeoutOrReply(ctx, 1)) return false;
  int64_t numkeys = 0;
  if (!ParseInt64(ctx.arg(numkeys_at), &numkeys) || numkeys < 1) {
    return ReplyError(ctx, err::kNumkeysNotPositive);
  }
  if (numkeys >= static_cast<int64_t>(ctx.argc() - numkeys_at - 1)) {
    return ReplyError(ctx, err::kSyntax);
  }
  a->first = numkeys_at + 1;
  a->end = a->first + static_cast<size_t>(numkeys);
  const std::string& where = ctx.arg(a->end);
  if (!EqualsIgnoreCase(where, "MIN") && !EqualsIgnoreCase(where, "MAX")) {
    return ReplyError(ctx, err::kSyntax);
  }
  a->max = EqualsIgnoreCase(where, "MAX");
  bool has_count = false;
  for (size_t j = a->end + 1; j < ctx.argc(); ++j) {
    if (has_count || !EqualsIgnoreCase(ctx.arg(j), "COUNT") || j + 1 >= ctx.argc()) {
      return ReplyError(ctx, err::kSyntax);
    }
    if (!ParseInt64(ctx.arg(++j), &a->count) || a->count < 1) {
      return ReplyError(ctx, err::kCountNotPositive);
    }
    has_count = true;
  }
  return true;
}

size_t NumkeysAt(Context& ctx) { return ctx.spec.name == "bzmpop" ? 2 : 1; }

bool ValidateMPop(Context& ctx) {
  MPopArgs a;
  return ParseMPopOrReply(ctx, NumkeysAt(ctx), &a);
}

// Pops from the first non-empty zset of argv[first, end); *key: its index, 0 when all are empty
// (or after an error reply).
bool PopFirstOrReply(Context& ctx, size_t first, size_t end, bool max, int64_t count,
                     ScoredList* popped, size_t* key) {
  *key = 0;
  for (size_t i = first; i < end; ++i) {
    Collection z;
    if (!OpenZSetOrReply(ctx, ctx.arg(i), &z)) return false;
    if (!z.exists) continue;
    *key = i;
    return PopOrReply(ctx, ctx.arg(i), z, max, count, popped);
  }
  return true;
}

// ZMPOP, BZMPOP: [key, [[member, score], ...]] from the first non-empty zset, or a null array
// (BZMPOP: once one has members, or on its timeout).
void ZMPop(Context& ctx) {
  MPopArgs a;
  if (!ParseMPopOrReply(ctx, NumkeysAt(ctx), &a)) return;
  ScoredList popped;
  size_t key = 0;
  if (!PopFirstOrReply(ctx, a.first, a.end, a.max, a.count, &popped, &key)) return;
  if (key == 0) return ctx.reply.NullArray();
  ctx.reply.ArrayHeader(2);
  ctx.reply.Bulk(ctx.arg(key));
  ctx.reply.ArrayHeader(popped.size());
  for (const auto& m : popped) {
    ctx.reply.ArrayHeader(2);
    ctx.reply.Bulk(m.member);
    ReplyScore(ctx, m.score);
  }
}

// BZPOPMIN / BZPOPMAX key [key ...] timeout: [key, member, score], or a null array.
bool ValidateBPop(Context& ctx) { return ParseTimeoutOrReply(ctx, ctx.argc() - 1); }

void BZPop(Context& ctx) {
  if (!ValidateBPop(ctx)) return;
  ScoredList popped;
  size_t key = 0;
  if (!PopFirstOrReply(ctx, 1, ctx.argc() - 1, ctx.spec.name == "bzpopmax", 1, &popped, &key)) {
    return;
  }
  if (key == 0 || popped.empty()) return ctx.reply.NullArray();
  ctx.reply.ArrayHeader(3);
  ctx.reply.Bulk(ctx.arg(key));
  ctx.reply.Bulk(popped[0].member);
  ReplyScore(ctx, popped[0].score);
}

// --- ZRANDMEMBER key [count [WITHSCORES]], ZSCAN key cursor [MATCH p] [COUNT n] ---

double PayloadScore(std::string_view payload) {
  double score = 0;
  (void)keyspace::DecodeScorePayload(payload, &score);  // a corrupt record reads as 0
  return score;
}

void ReplyPayloadAsScore(Context& ctx, std::string_view payload) {
  ReplyScore(ctx, PayloadScore(payload));
}

void ReplyPayloadAsScoreText(Context& ctx, std::string_view payload) {
  ctx.reply.Bulk(FormatScore(PayloadScore(payload)));
}

void ZRandMember(Context& ctx) {
  RandomMembersCommand(ctx, ValueType::kZSet, "WITHSCORES", ReplyPayloadAsScore);
}

void ZScan(Context& ctx) {
  MemberScanCommand(ctx, ValueType::kZSet, /*with_payloads=*/true, ReplyPayloadAsScoreText);
}

constexpr uint32_t kW = kWrite | kDenyOom;
constexpr uint32_t kR = kReadOnly;

constexpr CommandSpec kZSetCommands[] = {
    {"zadd", -4, kW | kFast, 1, 1, 1, ZAdd, ValidateZAdd, "sorted_set", "Adds one or more members to a sorted set, or updates their scores. Creates the key if it doesn't exist.", "1.2.0", "O(log(N)) for each item added"},
    {"zincrby", 4, kW | kFast, 1, 1, 1, ZAdd, ValidateZAdd, "sorted_set", "Increments the score of a member in a sorted set.", "1.2.0", "O(log(N))"},
    {"zrem", -3, kWrite | kFast, 1, 1, 1, ZRem, nullptr, "sorted_set", "Removes one or more members from a sorted set. Deletes the sorted set if all members were removed.", "1.2.0", "O(M*log(N))"},
    {"zscore", 3, kR | kFast, 1, 1, 1, ZScore, nullptr, "sorted_set", "Returns the score of a member in a sorted set.", "1.2.0"},
    {"zmscore", -3, kR | kFast, 1, 1, 1, ZMScore, nullptr, "sorted_set", "Returns the score of one or more members in a sorted set.", "6.2.0", "O(N)"},
    {"zcard", 2, kR | kFast, 1, 1, 1, ZCard, nullptr, "sorted_set", "Returns the number of members in a sorted set.", "1.2.0"},
    {"zcount", 4, kR | kFast, 1, 1, 1, ZCount, nullptr, "sorted_set", "Returns the count of members in a sorted set that have scores within a range.", "2.0.0", "O(log(N)+M) (Cairn: a seek plus M entries)"},
    {"zlexcount", 4, kR | kFast, 1, 1, 1, ZLexCount, nullptr, "sorted_set", "Returns the number of members in a sorted set within a lexicographical range.", "2.8.9", "O(log(N)+M) (Cairn: a seek plus M entries)"},
    {"zrange", -4, kR, 1, 1, 1, ZRangeGeneric, nullptr, "sorted_set", "Returns members in a sorted set within a range of indexes.", "1.2.0", "O(log(N)+M) (Cairn: by rank, O(start+M))"},
    {"zrangestore", -5, kW, 1, 2, 1, ZRangeGeneric, ValidateRangeCommand, "sorted_set", "Stores a range of members from sorted set in a key.", "6.2.0", "O(log(N)+M)"},
    {"zrevrange", -4, kR, 1, 1, 1, ZRangeGeneric, nullptr, "sorted_set", "Returns members in a sorted set within a range of indexes in reverse order.", "1.2.0", "O(log(N)+M)"},
    {"zrangebyscore", -4, kR, 1, 1, 1, ZRangeGeneric, nullptr, "sorted_set", "Returns members in a sorted set within a range of scores.", "1.0.5", "O(log(N)+M)"},
    {"zrevrangebyscore", -4, kR, 1, 1, 1, ZRangeGeneric, nullptr, "sorted_set", "Returns members in a sorted set within a range of scores in reverse order.", "2.2.0", "O(log(N)+M)"},
    {"zrangebylex", -4, kR, 1, 1, 1, ZRangeGeneric, nullptr, "sorted_set", "Returns members in a sorted set within a lexicographical range.", "2.8.9", "O(log(N)+M)"},
    {"zrevrangebylex", -4, kR, 1, 1, 1, ZRangeGeneric, nullptr, "sorted_set", "Returns members in a sorted set within a lexicographical range in reverse order.", "2.8.9", "O(log(N)+M)"},
    {"zrank", -3, kR | kFast, 1, 1, 1, RankGeneric, nullptr, "sorted_set", "Returns the index of a member in a sorted set ordered by ascending scores.", "2.0.0", "O(log(N)) (Cairn: O(rank))"},
    {"zrevrank", -3, kR | kFast, 1, 1, 1, RankGeneric, nullptr, "sorted_set", "Returns the index of a member in a sorted set ordered by descending scores.", "2.0.0", "O(log(N)) (Cairn: O(rank))"},
    {"zpopmin", -2, kWrite | kFast, 1, 1, 1, ZPop, ValidatePop, "sorted_set", "Returns the lowest-scoring members from a sorted set after removing them. Deletes the sorted set if the last member was popped.", "5.0.0", "O(log(N)*M)"},
    {"zpopmax", -2, kWrite | kFast, 1, 1, 1, ZPop, ValidatePop, "sorted_set", "Returns the highest-scoring members from a sorted set after removing them. Deletes the sorted set if the last member was popped.", "5.0.0", "O(log(N)*M)"},
    {"zmpop", -4, kWrite, 2, 2, 1, ZMPop, ValidateMPop, "sorted_set", "Returns the highest- or lowest-scoring members from one or more sorted sets after removing them. Deletes the sorted set if the last member was popped.", "7.0.0", "O(K) + O(M*log(N))", {}, /*numkeys_arg=*/1},
    {"bzpopmin", -3, kWrite | kFast | kBlocking, 1, -2, 1, BZPop, ValidateBPop, "sorted_set", "Removes and returns the member with the lowest score from one or more sorted sets. Blocks until a member is available otherwise. Deletes the sorted set if the last element was popped.", "5.0.0", "O(log(N))", {}, 0, /*timeout_arg=*/-1},
    {"bzpopmax", -3, kWrite | kFast | kBlocking, 1, -2, 1, BZPop, ValidateBPop, "sorted_set", "Removes and returns the member with the highest score from one or more sorted sets. Blocks until a member available otherwise.  Deletes the sorted set if the last element was popped.", "5.0.0", "O(log(N))", {}, 0, /*timeout_arg=*/-1},
    {"bzmpop", -5, kWrite | kBlocking, 3, 3, 1, ZMPop, ValidateMPop, "sorted_set", "Removes and returns a member by score from one or more sorted sets. Blocks until a member is available otherwise. Deletes the sorted set if the last element was popped.", "7.0.0", "O(K) + O(M*log(N))", {}, /*numkeys_arg=*/2, /*timeout_arg=*/1},
    {"zremrangebyscore", 4, kWrite, 1, 1, 1, ZRemRange, ValidateRemoveRange, "sorted_set", "Removes members in a sorted set within a range of scores. Deletes the sorted set if all members were removed.", "1.2.0", "O(log(N)+M)"},
    {"zremrangebyrank", 4, kWrite, 1, 1, 1, ZRemRange, ValidateRemoveRange, "sorted_set", "Removes members in a sorted set within a range of indexes. Deletes the sorted set if all members were removed.", "2.0.0", "O(log(N)+M)"},
    {"zremrangebylex", 4, kWrite, 1, 1, 1, ZRemRange, ValidateRemoveRange, "sorted_set", "Removes members in a sorted set within a lexicographical range. Deletes the sorted set if all members were removed.", "2.8.9", "O(log(N)+M)"},
    {"zrandmember", -2, kR | kRandom, 1, 1, 1, ZRandMember, nullptr, "sorted_set", "Returns one or more random members from a sorted set.", "6.2.0", "O(N)"},
    {"zscan", -3, kR | kRandom, 1, 1, 1, ZScan, nullptr, "sorted_set", "Iterates over members and scores of a sorted set.", "2.8.0", "O(1) for every call. O(N) for a complete iteration."},
};

}  // namespace

std::span<const CommandSpec> ZSetCommands() { return kZSetCommands; }

}  // namespace cairn::commands
