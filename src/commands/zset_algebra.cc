// Sorted-set algebra: ZUNION ZINTER ZDIFF, their STORE forms, and ZINTERCARD. Inputs may be
// zsets or sets (a set member scores 1), as in Redis; every input is read whole, in member
// order (O(total members)), and combined by merging on the member. Results come in zset order
// (score, then member). One parser and one computation serve all seven commands
// (zunionInterDiffGenericCommand's shape): numkeys, keys, then WEIGHTS / AGGREGATE / WITHSCORES
// (reads) / LIMIT (ZINTERCARD). The STORE forms are writes; their validator checks the syntax
// (a pure check: which keys are sets is only known at apply).
#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "commands/args.h"
#include "commands/context.h"
#include "commands/errors.h"
#include "commands/lookup.h"
#include "commands/zset.h"

namespace cairn::commands {
namespace {

using keyspace::ValueType;

enum class Op { kUnion, kInter, kDiff };
enum class Aggregate { kSum, kMin, kMax };

struct AlgebraArgs {
  Op op = Op::kUnion;
  bool store = false;       // argv[1] is the destination
  bool card_only = false;   // ZINTERCARD
  size_t first = 0, end = 0;  // the input keys: argv[first, end)
  std::vector<double> weights;
  Aggregate aggregate = Aggregate::kSum;
  bool with_scores = false;
  int64_t limit = 0;  // ZINTERCARD; 0: none
};

Op OpOf(std::string_view name) {
  if (name.starts_with("zunion")) return Op::kUnion;
  if (name.starts_with("zinter")) return Op::kInter;
  return Op::kDiff;
}

bool Fail(Context& ctx, std::string_view e) {
  ctx.reply.Error(e);
  return false;
}

bool ParseAlgebraOrReply(Context& ctx, AlgebraArgs* a) {
  const std::string_view name = ctx.spec.name;
  a->op = OpOf(name);
  a->card_only = name == "zintercard";
  a->store = name.ends_with("store");
  const size_t numkeys_at = a->store ? 2 : 1;
  int64_t numkeys = 0;
  if (!ParseInt64(ctx.arg(numkeys_at), &numkeys)) return Fail(ctx, err::kNotInteger);
  if (numkeys < 1) return Fail(ctx, err::AtLeastOneInputKey(name));
  if (numkeys > static_cast<int64_t>(ctx.argc() - numkeys_at - 1)) {
    return Fail(ctx, err::kSyntax);
  }
  a->first = numkeys_at + 1;
  a->end = a->first + static_cast<size_t>(numkeys);
  a->weights.assign(static_cast<size_t>(numkeys), 1.0);
  const bool weighted = a->op != Op::kDiff && !a->card_only;
  for (size_t j = a->end; j < ctx.argc();) {
    const std::string& o = ctx.arg(j);
    const size_t left = ctx.argc() - j;
    if (weighted && left >= a->weights.size() + 1 && EqualsIgnoreCase(o, "WEIGHTS")) {
      ++j;
      for (double& w : a->weights) {
        if (!ParseDouble(ctx.arg(j++), &w)) return Fail(ctx, err::kWeightNotFloat);
      }
    } else if (weighted && left >= 2 && EqualsIgnoreCase(o, "AGGREGATE")) {
      const std::string& how = ctx.arg(j + 1);
      if (EqualsIgnoreCase(how, "SUM")) {
        a->aggregate = Aggregate::kSum;
      } else if (EqualsIgnoreCase(how, "MIN")) {
        a->aggregate = Aggregate::kMin;
      } else if (EqualsIgnoreCase(how, "MAX")) {
        a->aggregate = Aggregate::kMax;
      } else {
        return Fail(ctx, err::kSyntax);
      }
      j += 2;
    } else if (!a->store && !a->card_only && EqualsIgnoreCase(o, "WITHSCORES")) {
      a->with_scores = true;
      ++j;
    } else if (a->card_only && left >= 2 && EqualsIgnoreCase(o, "LIMIT")) {
      if (!ParseInt64(ctx.arg(j + 1), &a->limit) || a->limit < 0) {
        return Fail(ctx, err::kNegativeLimit);
      }
      j += 2;
    } else {
      return Fail(ctx, err::kSyntax);
    }
  }
  return true;
}

bool ValidateAlgebra(Context& ctx) {
  AlgebraArgs a;
  return ParseAlgebraOrReply(ctx, &a);
}

// One input, in member order, weighted. A missing key is empty; a type other than zset or set
// is WRONGTYPE. `*exists`: whether the key was there.
bool ReadInputOrReply(Context& ctx, std::string_view key, double weight, ScoredList* out,
                      bool* exists) {
  const keyspace::Entry* e = nullptr;
  if (!LookupMetaOrReply(ctx, key, &e)) return false;
  *exists = e != nullptr;
  if (e == nullptr) return true;
  if (e->type != ValueType::kZSet && e->type != ValueType::kSet) {
    return Fail(ctx, err::kWrongType);
  }
  Collection c;
  if (!OpenCollectionOrReply(ctx, key, e->type, &c)) return false;
  const bool set = c.type == ValueType::kSet;
  Status s = ForEachMember(ctx, key, c, [&](const std::string& m, const std::string& payload) {
    double score = 1.0;
    if (!set) (void)keyspace::DecodeScorePayload(payload, &score);
    score *= weight;
    out->push_back(ScoredMember{m, std::isnan(score) ? 0.0 : score});
  });
  return s.ok() || StorageErrorReply(ctx, s);
}

double Combine(Aggregate how, double a, double b) {
  switch (how) {
    case Aggregate::kSum: {
      const double sum = a + b;
      return std::isnan(sum) ? 0.0 : sum;  // inf + -inf, as Redis makes it
    }
    case Aggregate::kMin:
      return std::min(a, b);
    case Aggregate::kMax:
      return std::max(a, b);
  }
  return a;
}

// Merges `b` into the running result `acc` (both in member order).
ScoredList Merge(const AlgebraArgs& a, const ScoredList& acc, const ScoredList& b) {
  ScoredList out;
  size_t i = 0, j = 0;
  while (i < acc.size() || j < b.size()) {
    const int cmp = i == acc.size()   ? 1
                    : j == b.size()   ? -1
                                      : acc[i].member.compare(b[j].member);
    if (cmp == 0) {
      if (a.op == Op::kUnion || a.op == Op::kInter) {
        out.push_back({acc[i].member, Combine(a.aggregate, acc[i].score, b[j].score)});
      }
      ++i, ++j;
    } else if (cmp < 0) {
      if (a.op != Op::kInter) out.push_back(acc[i]);
      ++i;
    } else {
      if (a.op == Op::kUnion) out.push_back(b[j]);
      ++j;
    }
  }
  return out;
}

// The result, in zset order. Every key's type is checked, as Redis does, before any is combined.
bool ComputeOrReply(Context& ctx, const AlgebraArgs& a, ScoredList* result) {
  std::vector<ScoredList> inputs(a.end - a.first);
  for (size_t i = a.first; i < a.end; ++i) {
    bool exists = false;  // a missing key is an empty input: the merge makes the rest
    if (!ReadInputOrReply(ctx, ctx.arg(i), a.weights[i - a.first], &inputs[i - a.first],
                          &exists)) {
      return false;
    }
  }
  *result = std::move(inputs[0]);
  for (size_t i = 1; i < inputs.size(); ++i) *result = Merge(a, *result, inputs[i]);
  std::sort(result->begin(), result->end(), [](const ScoredMember& x, const ScoredMember& y) {
    return x.score != y.score ? x.score < y.score : x.member < y.member;
  });
  return true;
}

void ZAlgebra(Context& ctx) {
  AlgebraArgs a;
  if (!ParseAlgebraOrReply(ctx, &a)) return;
  ScoredList result;
  if (!ComputeOrReply(ctx, a, &result)) return;
  if (a.card_only) {
    const auto size = static_cast<int64_t>(result.size());
    return ctx.reply.Integer(a.limit > 0 ? std::min(size, a.limit) : size);
  }
  if (!a.store) return ReplyScored(ctx, result, a.with_scores);
  StoreZSet(ctx, ctx.arg(1), result);
  ctx.reply.Integer(static_cast<int64_t>(result.size()));
}

constexpr uint32_t kW = kWrite | kDenyOom;

constexpr CommandSpec kZSetAlgebraCommands[] = {
    {"zunion", -3, kReadOnly, 2, 2, 1, ZAlgebra, nullptr, "sorted_set", "Returns the union of multiple sorted sets.", "6.2.0", "O(N)+O(M*log(M))", {}, /*numkeys_arg=*/1},
    {"zinter", -3, kReadOnly, 2, 2, 1, ZAlgebra, nullptr, "sorted_set", "Returns the intersect of multiple sorted sets.", "6.2.0", "O(N*K)+O(M*log(M))", {}, /*numkeys_arg=*/1},
    {"zdiff", -3, kReadOnly, 2, 2, 1, ZAlgebra, nullptr, "sorted_set", "Returns the difference between multiple sorted sets.", "6.2.0", "O(L + (N-K)log(N))", {}, /*numkeys_arg=*/1},
    {"zintercard", -3, kReadOnly, 2, 2, 1, ZAlgebra, nullptr, "sorted_set", "Returns the number of members of the intersect of multiple sorted sets.", "7.0.0", "O(N*K)", {}, /*numkeys_arg=*/1},
    {"zunionstore", -4, kW, 1, 1, 1, ZAlgebra, ValidateAlgebra, "sorted_set", "Stores the union of multiple sorted sets in a key.", "2.0.0", "O(N)+O(M log(M))", {}, /*numkeys_arg=*/2},
    {"zinterstore", -4, kW, 1, 1, 1, ZAlgebra, ValidateAlgebra, "sorted_set", "Stores the intersect of multiple sorted sets in a key.", "2.0.0", "O(N*K)+O(M*log(M))", {}, /*numkeys_arg=*/2},
    {"zdiffstore", -4, kW, 1, 1, 1, ZAlgebra, ValidateAlgebra, "sorted_set", "Stores the difference of multiple sorted sets in a key.", "6.2.0", "O(L + (N-K)log(N))", {}, /*numkeys_arg=*/2},
};

}  // namespace

std::span<const CommandSpec> ZSetAlgebraCommands() { return kZSetAlgebraCommands; }

}  // namespace cairn::commands
