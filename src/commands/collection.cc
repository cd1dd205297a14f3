// Shared collection helpers: open/create/store a collection's entry, member reads, and the
// member-order *SCAN cursor (see collection.h).
#include "commands/collection.h"

#include <algorithm>

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
               std::string_view payload, bool is_new) {
  ctx.keyspace.PutMember(ctx.db, key, c->version, member, payload);
  CollectionHeader& h = c->header;
  if (is_new) h.peak_size = std::max(h.peak_size, ++h.size);
  h.peak_bytes = std::max<uint64_t>({h.peak_bytes, member.size(), payload.size()});
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

}  // namespace

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

}  // namespace cairn::commands
