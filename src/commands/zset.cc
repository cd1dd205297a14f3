// Sorted-set helpers shared by the zset command files (see zset.h).
#include "commands/zset.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "commands/errors.h"

namespace cairn::commands {

using keyspace::ValueType;

std::string FormatScore(double score) { return resp::ReplyBuilder::FormatDouble(score); }

void ReplyScore(Context& ctx, double score) { ctx.reply.Double(score); }

void ReplyScored(Context& ctx, const ScoredList& list, bool with_scores) {
  const bool pairs = with_scores && ctx.reply.protocol() >= 3;
  ctx.reply.ArrayHeader(with_scores && !pairs ? 2 * list.size() : list.size());
  for (const auto& m : list) {
    if (pairs) ctx.reply.ArrayHeader(2);
    ctx.reply.Bulk(m.member);
    if (with_scores) ReplyScore(ctx, m.score);
  }
}

namespace {

// One bound of zslParseRange: strtod over the whole text (so "" and "(" read as 0, and leading
// spaces pass, as in Redis), NaN refused.
bool ParseScoreBound(std::string_view s, double* v, bool* exclusive) {
  *exclusive = !s.empty() && s[0] == '(';
  if (*exclusive) s.remove_prefix(1);
  std::string buf(s);
  char* end = nullptr;
  *v = std::strtod(buf.c_str(), &end);
  if (*end != '\0' || std::isnan(*v)) return false;
  *v += 0.0;  // -0 is 0, as stored
  return true;
}

bool ParseLexBound(std::string_view s, std::string* item, bool* exclusive, bool* open,
                   char open_char) {
  if (s.empty()) return false;
  if (s.size() == 1 && (s[0] == '-' || s[0] == '+')) {
    if (s[0] != open_char) return false;  // the other sign: ParseLexRange's empty cases
    *open = true;
    return true;
  }
  if (s[0] != '(' && s[0] != '[') return false;
  *exclusive = s[0] == '(';
  item->assign(s.substr(1));
  return true;
}

}  // namespace

bool ParseScoreRange(std::string_view min, std::string_view max, ScoreRange* r) {
  return ParseScoreBound(min, &r->min, &r->minex) && ParseScoreBound(max, &r->max, &r->maxex);
}

bool LexRange::BelowMin(std::string_view m) const {
  if (min_open) return false;
  return minex ? m <= std::string_view(min) : m < std::string_view(min);
}

bool LexRange::AboveMax(std::string_view m) const {
  if (max_open) return false;
  return maxex ? m >= std::string_view(max) : m > std::string_view(max);
}

bool ParseLexRange(std::string_view min, std::string_view max, LexRange* r) {
  *r = LexRange{};
  // "+" as the minimum or "-" as the maximum is a valid, empty range in Redis.
  bool min_empty = min == "+", max_empty = max == "-";
  if (!min_empty && !ParseLexBound(min, &r->min, &r->minex, &r->min_open, '-')) return false;
  if (!max_empty && !ParseLexBound(max, &r->max, &r->maxex, &r->max_open, '+')) return false;
  r->empty = min_empty || max_empty;
  return true;
}

bool OpenZSetOrReply(Context& ctx, std::string_view key, Collection* z) {
  return OpenCollectionOrReply(ctx, key, ValueType::kZSet, z);
}

bool GetScoreOrReply(Context& ctx, std::string_view key, const Collection& z,
                     std::string_view member, std::optional<double>* score) {
  std::optional<std::string> payload;
  if (!GetMemberOrReply(ctx, key, z, member, &payload)) return false;
  score->reset();
  if (!payload.has_value()) return true;
  double s = 0;
  Status st = keyspace::DecodeScorePayload(*payload, &s);
  if (!st.ok()) return StorageErrorReply(ctx, st);
  *score = s;
  return true;
}

void PutScored(Context& ctx, std::string_view key, Collection* z, std::string_view member,
               std::optional<double> old, double score) {
  score += 0.0;
  if (old.has_value()) {
    ctx.keyspace.DeleteScore(ctx.db, key, z->version, keyspace::ScoreEntry(*old, member));
  }
  SetMember(ctx, key, z, member, keyspace::EncodeScorePayload(score), !old.has_value(),
            /*count_payload=*/false);
  ctx.keyspace.PutScore(ctx.db, key, z->version, keyspace::ScoreEntry(score, member));
}

void RemoveScored(Context& ctx, std::string_view key, Collection* z, std::string_view member,
                  double score) {
  RemoveMember(ctx, key, z, member);
  ctx.keyspace.DeleteScore(ctx.db, key, z->version, keyspace::ScoreEntry(score, member));
}

namespace {

// Where a walk for `spec` starts: the first entry that may be in range, in its direction.
std::string StartOf(Context& ctx, std::string_view key, const Collection& z,
                    const RangeSpec& spec) {
  switch (spec.kind) {
    case RangeKind::kRank:
      break;
    case RangeKind::kScore:
      if (!spec.reverse) return keyspace::ScoreEntry(spec.score.min, "");
      if (spec.score.max == INFINITY) break;
      return keyspace::ScoreEntry(std::nextafter(spec.score.max, INFINITY), "");
    case RangeKind::kLex: {
      // Lex ranges assume one score for every member (as Redis does): seek within the score
      // of the member at the walk's end.
      if (spec.reverse ? spec.lex.max_open : spec.lex.min_open) break;
      auto edge = ctx.keyspace.ScanScores(ctx.db, key, z.version,
                                          spec.reverse ? keyspace::kScoreEntryEnd : "", 1,
                                          spec.reverse);
      double score = 0;
      std::string_view member;
      if (!edge.ok() || edge->members.empty() ||
          !keyspace::DecodeScoreEntry(edge->members[0].first, &score, &member).ok()) {
        break;
      }
      return keyspace::ScoreEntry(score, spec.reverse ? spec.lex.max : spec.lex.min);
    }
  }
  return spec.reverse ? keyspace::kScoreEntryEnd : std::string();
}

}  // namespace

bool CollectRangeOrReply(Context& ctx, std::string_view key, const Collection& z,
                         const RangeSpec& spec, ScoredList* out) {
  out->clear();
  if (!z.exists) return true;
  const auto size = static_cast<int64_t>(z.header.size);
  int64_t skip = 0, take = -1;  // in-range entries to pass over, then to keep (< 0: all)
  if (spec.kind == RangeKind::kRank) {
    int64_t start = spec.start < 0 ? size + spec.start : spec.start;
    int64_t stop = spec.stop < 0 ? size + spec.stop : spec.stop;
    start = std::max<int64_t>(start, 0);
    if (start > stop || start >= size) return true;
    stop = std::min(stop, size - 1);
    skip = start;
    take = stop - start + 1;
  } else {
    if (spec.offset < 0 || (spec.offset > 0 && spec.offset >= size)) return true;
    skip = spec.offset;
    take = spec.limit;
  }
  if (take == 0 || (spec.kind == RangeKind::kLex && spec.lex.empty)) return true;
  const size_t page =
      take < 0 ? kMemberPage : static_cast<size_t>(std::min<int64_t>(skip + take + 1, kMemberPage));
  bool started = false;  // past the entries before the range
  Status s = ForEachScored(ctx, key, z, StartOf(ctx, key, z, spec), spec.reverse, page,
                           [&](double score, std::string_view member) {
    if (spec.kind == RangeKind::kScore) {
      const bool before = spec.reverse ? spec.score.AboveMax(score) : spec.score.BelowMin(score);
      const bool after = spec.reverse ? spec.score.BelowMin(score) : spec.score.AboveMax(score);
      if (before && !started) return true;
      if (after) return false;
    } else if (spec.kind == RangeKind::kLex) {
      const bool before = spec.reverse ? spec.lex.AboveMax(member) : spec.lex.BelowMin(member);
      const bool after = spec.reverse ? spec.lex.BelowMin(member) : spec.lex.AboveMax(member);
      if (before && !started) return true;
      if (after) return false;
    }
    started = true;
    if (skip > 0) {
      --skip;
      return true;
    }
    out->push_back(ScoredMember{std::string(member), score});
    return take < 0 || static_cast<int64_t>(out->size()) < take;
  });
  return s.ok() || StorageErrorReply(ctx, s);
}

bool RankOrReply(Context& ctx, std::string_view key, const Collection& z, std::string_view member,
                 double score, bool reverse, int64_t* rank) {
  // The rank is not stored anywhere: count the entries before the member, from the end the
  // command names.
  *rank = 0;
  bool found = false;
  Status s = ForEachScored(ctx, key, z, reverse ? keyspace::kScoreEntryEnd : std::string(),
                           reverse, kMemberPage, [&](double sc, std::string_view m) {
    if (sc == score && m == member) {
      found = true;
      return false;
    }
    ++*rank;
    return true;
  });
  if (!s.ok()) return StorageErrorReply(ctx, s);
  if (!found) *rank = -1;
  return true;
}

void StoreZSet(Context& ctx, std::string_view dst, const ScoredList& list) {
  ctx.keyspace.Delete(ctx.db, dst);
  if (list.empty()) return;
  Collection z;
  z.type = ValueType::kZSet;
  CreateIfMissing(ctx, dst, &z);
  for (const auto& m : list) PutScored(ctx, dst, &z, m.member, std::nullopt, m.score);
  StoreHeader(ctx, dst, z);
}

}  // namespace cairn::commands
