// Shared collection helpers: open/create/store a collection's entry, member reads, and the
// member-order *SCAN cursor (see collection.h).
#include "commands/collection.h"

#include <algorithm>
#include <set>

#include "commands/args.h"
#include "commands/errors.h"
#include "commands/lookup.h"

namespace cairn::commands {

using keyspace::CollectionHeader;
using keyspace::Entry;

bool StorageErrorReply(Context& ctx, const Status& s) {
  ctx.reply.Error("ERR " + s.ToString());
  return false;
}

bool OpenCollectionOrReply(Context& ctx, std::string_view key, keyspace::ValueType type,
                           Collection* c) {
  const Entry* e = nullptr;
  if (!LookupTypedOrReply(ctx, key, type, &e)) return false;
  *c = Collection{};
  c->type = type;
  if (e == nullptr) return true;
  c->exists = true;
  c->version = e->version;
  c->expire_at_ms = e->expire_at_ms;
  Status s = keyspace::DecodeCollectionHeader(e->value, &c->header);
  return s.ok() || StorageErrorReply(ctx, s);
}

void CreateIfMissing(Context& ctx, std::string_view key, Collection* c) {
  if (c->exists) return;
  Entry e;
  e.type = c->type;
  ctx.keyspace.Put(ctx.db, key, std::move(e));
  auto found = ctx.keyspace.FindMeta(ctx.db, key, ctx.now_ms);
  c->exists = true;
  c->version = found.ok() && *found != nullptr ? (*found)->version : 0;
}

void StoreHeader(Context& ctx, std::string_view key, const Collection& c) {
  if (c.header.size == 0) {
    ctx.keyspace.Delete(ctx.db, key);
    return;
  }
  Entry e;
  e.type = c.type;
  e.expire_at_ms = c.expire_at_ms;
  e.value = keyspace::EncodeCollectionHeader(c.header);
  ctx.keyspace.Put(ctx.db, key, std::move(e));
}

bool GetMemberOrReply(Context& ctx, std::string_view key, const Collection& c,
                      std::string_view member, std::optional<std::string>* payload) {
  if (!c.exists) {
    payload->reset();
    return true;
  }
  auto got = ctx.keyspace.GetMember(ctx.db, key, c.version, member);
  if (!got.ok()) return StorageErrorReply(ctx, got.status());
  *payload = std::move(got).value();
  return true;
}

void SetMember(Context& ctx, std::string_view key, Collection* c, std::string_view member,
               std::string_view payload, bool is_new, bool count_payload) {
  ctx.keyspace.PutMember(ctx.db, key, c->version, member, payload);
  CollectionHeader& h = c->header;
  if (is_new) h.peak_size = std::max(h.peak_size, ++h.size);
  h.peak_bytes = std::max<uint64_t>(
      {h.peak_bytes, member.size(), count_payload ? payload.size() : 0});
  int64_t as_integer = 0;
  if (!ParseInt64(member, &as_integer)) h.flags |= keyspace::kHeaderNonInteger;
}

void RemoveMember(Context& ctx, std::string_view key, Collection* c, std::string_view member) {
  ctx.keyspace.DeleteMember(ctx.db, key, c->version, member);
  --c->header.size;
}

bool ReadAllOrReply(Context& ctx, std::string_view key, const Collection& c, MemberList* out) {
  Status s = ForEachMember(ctx, key, c, [&](const std::string& m, const std::string& p) {
    out->emplace_back(m, p);
  });
  return s.ok() || StorageErrorReply(ctx, s);
}

namespace {

struct RandomPick {
  bool has_count = false;
  int64_t count = 0;
  bool with_payloads = false;
};

bool ParseRandomPickOrReply(Context& ctx, std::string_view with_payloads_word, RandomPick* r) {
  if (ctx.argc() < 3) return true;
  r->has_count = true;
  if (!ParseInt64(ctx.arg(2), &r->count)) {
    ctx.reply.Error(err::kNotInteger);
    return false;
  }
  if (r->count == INT64_MIN) {
    ctx.reply.Error(err::OutOfRange(-INT64_MAX, INT64_MAX));
    return false;
  }
  const bool word = ctx.argc() == 4 && !with_payloads_word.empty() &&
                    EqualsIgnoreCase(ctx.arg(3), with_payloads_word);
  if (ctx.argc() > 4 || (ctx.argc() == 4 && !word)) {
    ctx.reply.Error(err::kSyntax);
    return false;
  }
  r->with_payloads = word;
  if (r->with_payloads && (r->count < -INT64_MAX / 2 || r->count > INT64_MAX / 2)) {
    ctx.reply.Error(err::kValueOutOfRange);
    return false;
  }
  return true;
}

// Replies `count` members of `all`, each chosen by pick(i) (an index into `all`).
void ReplyPayload(Context& ctx, PayloadReply reply_payload, std::string_view payload) {
  reply_payload != nullptr ? reply_payload(ctx, payload) : ctx.reply.Bulk(payload);
}

template <typename Pick>
void ReplyPicked(Context& ctx, const MemberList& all, uint64_t count, bool with_payloads,
                 PayloadReply reply_payload, Pick pick) {
  const bool pairs = with_payloads && ctx.reply.protocol() >= 3;
  ctx.reply.ArrayHeader(with_payloads && !pairs ? 2 * count : count);
  for (uint64_t i = 0; i < count; ++i) {
    const auto& [member, payload] = all[pick(i)];
    if (pairs) ctx.reply.ArrayHeader(2);
    ctx.reply.Bulk(member);
    if (with_payloads) ReplyPayload(ctx, reply_payload, payload);
  }
}

// The members at `positions` (sorted, distinct) in the collection's byte order, read in one walk
// that stops after the last of them; positions past the end are skipped.
bool MembersAtOrReply(Context& ctx, const Collection& c, const std::vector<uint64_t>& positions,
                      MemberList* out) {
  uint64_t pos = 0;
  size_t next = 0;
  std::string from;
  while (next < positions.size()) {
    auto page = ctx.keyspace.ScanMembers(ctx.db, ctx.arg(1), c.version, from, kMemberPage);
    if (!page.ok()) return StorageErrorReply(ctx, page.status());
    for (auto& m : page->members) {
      if (next == positions.size()) break;
      if (positions[next] == pos++) {
        out->push_back(std::move(m));
        ++next;
      }
    }
    if (!page->next.has_value()) break;
    from = std::move(*page->next);
  }
  return true;
}

}  // namespace

bool PickRandomOrReply(Context& ctx, const Collection& c, Rng& rng, uint64_t want,
                       MemberList* out) {
  const uint64_t size = c.header.size;
  want = std::min(want, size);
  // Floyd's sampling: `want` distinct positions in O(want).
  std::set<uint64_t> chosen;
  for (uint64_t j = size - want; j < size; ++j) {
    if (!chosen.insert(rng.Uniform(j + 1)).second) chosen.insert(j);
  }
  if (!MembersAtOrReply(ctx, c, std::vector<uint64_t>(chosen.begin(), chosen.end()), out)) {
    return false;
  }
  for (size_t i = 0; i + 1 < out->size(); ++i) {
    std::swap((*out)[i], (*out)[i + rng.Uniform(out->size() - i)]);
  }
  return true;
}

void RandomMembersCommand(Context& ctx, keyspace::ValueType type,
                          std::string_view with_payloads_word, PayloadReply reply_payload) {
  RandomPick r;
  if (!ParseRandomPickOrReply(ctx, with_payloads_word, &r)) return;
  Collection c;
  if (!OpenCollectionOrReply(ctx, ctx.arg(1), type, &c)) return;
  const uint64_t size = c.exists ? c.header.size : 0;
  if (size == 0 || (r.has_count && r.count == 0)) {
    return r.has_count ? ctx.reply.EmptyArray() : ctx.reply.Null();
  }
  Rng& rng = ctx.server.ReadRng();
  MemberList picked;
  if (!r.has_count || r.count > 0) {
    // One member, or distinct ones (all of them, in stored order, when count >= size, as Redis
    // returns the whole collection).
    const uint64_t want = r.has_count ? static_cast<uint64_t>(r.count) : 1;
    if (want >= size ? !ReadAllOrReply(ctx, ctx.arg(1), c, &picked)
                     : !PickRandomOrReply(ctx, c, rng, want, &picked)) {
      return;
    }
    if (!r.has_count) return picked.empty() ? ctx.reply.Null() : ctx.reply.Bulk(picked[0].first);
    return ReplyPicked(ctx, picked, picked.size(), r.with_payloads, reply_payload, [](uint64_t i) { return i; });
  }
  // Repeats allowed: each pick independent. Draws beyond the size would outnumber the members:
  // then read them all once; otherwise read only the positions drawn.
  const auto want = static_cast<uint64_t>(-r.count);
  if (want > size) {
    if (!ReadAllOrReply(ctx, ctx.arg(1), c, &picked) || picked.empty()) return;
    auto any = [&](uint64_t) { return rng.Uniform(picked.size()); };
    return ReplyPicked(ctx, picked, want, r.with_payloads, reply_payload, any);
  }
  std::vector<uint64_t> draws(want);
  for (auto& d : draws) d = rng.Uniform(size);
  std::vector<uint64_t> positions = draws;
  std::sort(positions.begin(), positions.end());
  positions.erase(std::unique(positions.begin(), positions.end()), positions.end());
  if (!MembersAtOrReply(ctx, c, positions, &picked) || picked.empty()) return;
  auto at = [&](uint64_t i) {
    size_t k = std::lower_bound(positions.begin(), positions.end(), draws[i]) - positions.begin();
    return std::min(k, picked.size() - 1);  // a stale size: the last member read stands in
  };
  ReplyPicked(ctx, picked, want, r.with_payloads, reply_payload, at);
}

namespace {

struct MemberScan {
  uint64_t cursor = 0;
  int64_t count = 10;
  std::optional<std::string> pattern;
};

uint64_t CursorOf(std::string_view member) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8; ++i) {
    v = (v << 8) | (i < member.size() ? static_cast<uint8_t>(member[i]) : 0);
  }
  return v;
}

// The smallest member whose cursor is `cursor`: its 8 bytes without the trailing zeros.
std::string SeekOf(uint64_t cursor) {
  std::string s;
  for (int i = 7; i >= 0; --i) s.push_back(static_cast<char>(cursor >> (8 * i)));
  while (!s.empty() && s.back() == '\0') s.pop_back();
  return s;
}

bool ParseMemberScanOrReply(Context& ctx, MemberScan* r) {
  if (!ParseScanCursor(ctx.arg(2), &r->cursor)) {
    ctx.reply.Error(err::kInvalidCursor);
    return false;
  }
  for (size_t i = 3; i < ctx.argc(); i += 2) {
    const std::string& opt = ctx.arg(i);
    bool has_value = i + 1 < ctx.argc();
    if (has_value && EqualsIgnoreCase(opt, "COUNT")) {
      if (!ParseInt64(ctx.arg(i + 1), &r->count)) {
        ctx.reply.Error(err::kNotInteger);
        return false;
      }
      if (r->count < 1) {
        ctx.reply.Error(err::kSyntax);
        return false;
      }
    } else if (has_value && EqualsIgnoreCase(opt, "MATCH")) {
      r->pattern = ctx.arg(i + 1);
    } else {
      ctx.reply.Error(err::kSyntax);
      return false;
    }
  }
  return true;
}

// Members from the cursor on, at least `count` unless the collection ends, then to the end of
// the last one's group.
bool ScanMembersOrReply(Context& ctx, const Collection& c, const MemberScan& r, bool whole,
                        MemberList* out, uint64_t* next) {
  *next = 0;
  if (!c.exists) return true;
  const size_t count = whole ? SIZE_MAX - 1 : static_cast<size_t>(r.count);
  std::string from = whole || r.cursor == 0 ? std::string() : SeekOf(r.cursor);
  bool done = false;
  while (!done) {
    auto page = ctx.keyspace.ScanMembers(ctx.db, ctx.arg(1), c.version, from,
                                         std::min(count + 1, kMemberPage));
    if (!page.ok()) return StorageErrorReply(ctx, page.status());
    for (auto& m : page->members) {
      if (out->size() >= count && CursorOf(m.first) != CursorOf(out->back().first)) {
        *next = CursorOf(m.first);
        done = true;
        break;
      }
      out->push_back(std::move(m));
    }
    if (!done && !page->next.has_value()) break;
    if (!done) from = std::move(*page->next);
  }
  if (r.pattern) {
    std::erase_if(*out, [&](const auto& m) { return !GlobMatch(*r.pattern, m.first); });
  }
  return true;
}

}  // namespace

void MemberScanCommand(Context& ctx, keyspace::ValueType type, bool with_payloads,
                       PayloadReply reply_payload) {
  MemberScan r;
  if (!ParseMemberScanOrReply(ctx, &r)) return;
  Collection c;
  if (!OpenCollectionOrReply(ctx, ctx.arg(1), type, &c)) return;
  bool whole = false;
  if (c.exists) {
    Entry probe;
    probe.type = type;
    probe.value = keyspace::EncodeCollectionHeader(c.header);
    const std::string_view encoding = CollectionEncoding(ctx, probe);
    whole = encoding != "hashtable" && encoding != "skiplist";
  }
  MemberList members;
  uint64_t next = 0;
  if (!ScanMembersOrReply(ctx, c, r, whole, &members, &next)) return;
  ctx.reply.ArrayHeader(2);
  ctx.reply.Bulk(std::to_string(next));
  ctx.reply.ArrayHeader((with_payloads ? 2 : 1) * members.size());
  for (const auto& [member, payload] : members) {
    ctx.reply.Bulk(member);
    if (with_payloads) ReplyPayload(ctx, reply_payload, payload);
  }
}

}  // namespace cairn::commands
