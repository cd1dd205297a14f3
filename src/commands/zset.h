// What the sorted-set commands (zset_cmds.cc, zset_algebra.cc) share: a zset as a command sees
// it, its scores, range specifications as Redis parses them, one generic range walk over the
// score index, the score-shaped replies, and storing a computed zset.
//
// A zset is a Collection (collection.h) of type kZSet: its CollectionHeader (ZCARD and OBJECT
// ENCODING in O(1)), one 'D' member record per member whose payload is its score
// (EncodeScorePayload: ZSCORE, ZADD's lookup of the old score are point reads), and one 'Z'
// score index entry per member (ScoreEntry(score, member)) that range reads seek into
// (Keyspace::ScanScores). Costs: ZADD/ZREM/ZINCRBY O(1) records per member named;
// ZRANGEBYSCORE/ZRANGEBYLEX/ZCOUNT/ZLEXCOUNT/ZPOP*: a seek plus O(offset + M) entries read;
// ZRANGE by rank and ZRANK/ZREVRANK: O(rank) entries read from the nearer end (no
// order-statistics structure; a walk of a 1M-member zset's middle reads 500k entries). Scores
// are stored normalized (-0 as 0), as Redis replies them. Loop thread only.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "commands/collection.h"
#include "common/status.h"

namespace cairn::commands {

struct ScoredMember {
  std::string member;
  double score = 0;
};
using ScoredList = std::vector<ScoredMember>;

// "%.17g" as Redis 7.0's addReplyDouble and ZSCAN write a score ("inf", "-inf").
std::string FormatScore(double score);
// A score in a reply: a bulk string in RESP2, a double in RESP3.
void ReplyScore(Context& ctx, double score);
// Members with their scores: flat in RESP2; with scores, [member, score] pairs in RESP3.
void ReplyScored(Context& ctx, const ScoredList& list, bool with_scores);

// ZRANGEBYSCORE's bounds as zslParseRange reads them: "(" for exclusive, strtod's syntax
// (leading spaces, "inf"), NaN refused.
struct ScoreRange {
  double min = 0, max = 0;
  bool minex = false, maxex = false;
  bool BelowMin(double s) const { return minex ? s <= min : s < min; }
  bool AboveMax(double s) const { return maxex ? s >= max : s > max; }
};
bool ParseScoreRange(std::string_view min, std::string_view max, ScoreRange* r);

// ZRANGEBYLEX's bounds: "-", "+", "[item" or "(item".
struct LexRange {
  std::string min, max;
  bool minex = false, maxex = false;
  bool min_open = false, max_open = false;  // "-", "+": unbounded
  bool empty = false;  // "+" as the minimum or "-" as the maximum
  bool BelowMin(std::string_view m) const;
  bool AboveMax(std::string_view m) const;
};
bool ParseLexRange(std::string_view min, std::string_view max, LexRange* r);

// A range as ZRANGE's options leave it; every range command goes through CollectRangeOrReply.
enum class RangeKind { kRank, kScore, kLex };
struct RangeSpec {
  RangeKind kind = RangeKind::kRank;
  bool reverse = false;
  int64_t start = 0, stop = -1;  // ranks, negative from the end
  ScoreRange score;
  LexRange lex;
  int64_t offset = 0, limit = -1;  // LIMIT (scores and lex only); limit < 0: no limit
};

bool OpenZSetOrReply(Context& ctx, std::string_view key, Collection* z);
// The member's score, nullopt when absent (or the zset does not exist).
bool GetScoreOrReply(Context& ctx, std::string_view key, const Collection& z,
                     std::string_view member, std::optional<double>* score);
// Sets a member's score in an existing zset (CreateIfMissing first); `old`: its score now.
void PutScored(Context& ctx, std::string_view key, Collection* z, std::string_view member,
               std::optional<double> old, double score);
void RemoveScored(Context& ctx, std::string_view key, Collection* z, std::string_view member,
                  double score);

// Calls fn(score, member) over the score index from entry `from` on (reverse: down from it;
// kScoreEntryEnd for the top) until fn returns false; `page` entries per read.
template <typename Fn>
Status ForEachScored(Context& ctx, std::string_view key, const Collection& z, std::string from,
                     bool reverse, size_t page, Fn&& fn) {
  if (!z.exists) return Status::Ok();
  for (;;) {
    auto got = ctx.keyspace.ScanScores(ctx.db, key, z.version, from, page, reverse);
    if (!got.ok()) return got.status();
    for (const auto& entry : got->members) {
      double score = 0;
      std::string_view member;
      CAIRN_RETURN_IF_ERROR(keyspace::DecodeScoreEntry(entry.first, &score, &member));
      if (!fn(score, member)) return Status::Ok();
    }
    if (!got->next.has_value()) return Status::Ok();
    from = std::move(*got->next);
    page = kMemberPage;
  }
}

// The members `spec` selects, in its order.
bool CollectRangeOrReply(Context& ctx, std::string_view key, const Collection& z,
                         const RangeSpec& spec, ScoredList* out);
// A member's rank (0-based, from the low end, or the high end with `reverse`): O(rank).
bool RankOrReply(Context& ctx, std::string_view key, const Collection& z, std::string_view member,
                 double score, bool reverse, int64_t* rank);

// Replaces `dst` whole with `list` (members distinct); an empty list deletes it. Any type.
void StoreZSet(Context& ctx, std::string_view dst, const ScoredList& list);

}  // namespace cairn::commands
