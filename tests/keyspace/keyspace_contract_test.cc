// The Keyspace interface contract, run against both MemoryKeyspace and DurableKeyspace so that the
// two implementations cannot drift apart.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "common/coding.h"
#include "keyspace/durable_keyspace.h"
#include "keyspace/memory_keyspace.h"
#include "temp_dir.h"

using namespace cairn;
using namespace cairn::keyspace;

namespace {

constexpr int64_t kNow = 1'700'000'000'000;

struct MemoryImpl {
  static constexpr const char* kName = "memory";
  std::unique_ptr<Keyspace> Make() { return std::make_unique<MemoryKeyspace>(); }
};

// A DurableKeyspace in its own temporary dir, with the tier budget and write-behind limit given.
template <uint64_t kMaxMemory, uint64_t kWriteBehind>
struct DurableWith {
  testing::TempDir dir;
  std::unique_ptr<Keyspace> Make() {
    DurableKeyspace::Options options;
    options.dir = dir.path();
    options.maxmemory_bytes = kMaxMemory;
    options.write_behind_bytes = kWriteBehind;
    auto ks = DurableKeyspace::Open(options);
    REQUIRE(ks.ok());
    return std::move(ks).value();
  }
};

struct DurableImpl : DurableWith<0, 0> {
  static constexpr const char* kName = "durable";
};

// A tiny tier: every Find past the last few keys reads LevelDB, so the contract holds cold too.
struct DurableColdImpl : DurableWith<512, 0> {
  static constexpr const char* kName = "durable-cold";
};

// Write-behind: nothing reaches LevelDB until a Flush, a SCAN or the expiry index needs it, so
// every read below comes from the pending overlay, and every contract must hold regardless.
struct DurableWriteBehindImpl : DurableWith<0, (64 << 20)> {
  static constexpr const char* kName = "durable-write-behind";
};

// A 1 KiB limit: background writes start every few applies, so reads often find entries in the
// set being written (or just published) rather than the newest one.
struct DurableWriteBehindBusyImpl : DurableWith<0, 1024> {
  static constexpr const char* kName = "durable-write-behind-busy";
};

Entry Str(std::string v, int64_t expire_at_ms = 0) {
  Entry e;
  e.value = std::move(v);
  e.expire_at_ms = expire_at_ms;
  return e;
}

Entry Typed(ValueType type) {
  Entry e;
  e.type = type;
  return e;
}

// Runs one apply holding `fn`'s writes, at log index `index`.
template <typename Fn>
void Apply(Keyspace& ks, uint64_t index, Fn fn) {
  ks.BeginApply(index, kNow);
  fn();
  REQUIRE(ks.CommitApply().ok());
}

std::string ValueOf(Keyspace& ks, int db, const std::string& key, int64_t now = kNow) {
  auto found = ks.Find(db, key, now);
  REQUIRE(found.ok());
  return *found == nullptr ? "<nil>" : (*found)->value;
}

}  // namespace

#define CONTRACT_IMPLS \
  MemoryImpl, DurableImpl, DurableColdImpl, DurableWriteBehindImpl, DurableWriteBehindBusyImpl

TEST_CASE_TEMPLATE("put, find and delete a string", T, CONTRACT_IMPLS) {
  T impl;
  auto ks = impl.Make();
  CHECK(ValueOf(*ks, 0, "k") == "<nil>");
  Apply(*ks, 1, [&] { ks->Put(0, "k", Str("v1")); });
  CHECK(ValueOf(*ks, 0, "k") == "v1");
  CHECK(ValueOf(*ks, 1, "k") == "<nil>");
  CHECK(ks->Size(0) == 1);
  CHECK(ks->Size(1) == 0);
  Apply(*ks, 2, [&] { ks->Put(0, "k", Str("v2")); });
  CHECK(ValueOf(*ks, 0, "k") == "v2");
  CHECK(ks->Size(0) == 1);
  bool existed = false, again = true;
  Apply(*ks, 3, [&] {
    existed = ks->Delete(0, "k");
    again = ks->Delete(0, "k");
  });
  CHECK(existed);
  CHECK_FALSE(again);
  CHECK(ValueOf(*ks, 0, "k") == "<nil>");
  CHECK(ks->Size(0) == 0);
  CHECK(ks->applied_index() == 3);
}

TEST_CASE_TEMPLATE("reads inside an apply see the apply's earlier writes", T, CONTRACT_IMPLS) {
  T impl;
  auto ks = impl.Make();
  Apply(*ks, 1, [&] { ks->Put(0, "old", Str("x")); });
  ks->BeginApply(2, kNow);
  ks->Put(0, "a", Str("1"));
  CHECK(ValueOf(*ks, 0, "a") == "1");
  CHECK(ks->Size(0) == 2);
  CHECK(ks->Delete(0, "old"));
  CHECK(ValueOf(*ks, 0, "old") == "<nil>");
  CHECK(ks->Size(0) == 1);
  ks->Put(0, "a", Str("2"));
  CHECK(ValueOf(*ks, 0, "a") == "2");
  REQUIRE(ks->CommitApply().ok());
  CHECK(ValueOf(*ks, 0, "a") == "2");
  CHECK(ks->applied_index() == 2);
}

TEST_CASE_TEMPLATE("version and modification index follow the type and the log", T,
                   CONTRACT_IMPLS) {
  T impl;
  auto ks = impl.Make();
  Apply(*ks, 10, [&] { ks->Put(0, "h", Typed(ValueType::kHash)); });
  const Entry* e = *ks->Find(0, "h", kNow);
  REQUIRE(e != nullptr);
  uint64_t v1 = e->version;
  CHECK(v1 != 0);
  CHECK(e->mod_index == 10);
  Apply(*ks, 11, [&] { ks->Put(0, "h", Typed(ValueType::kHash)); });
  e = *ks->Find(0, "h", kNow);
  CHECK(e->version == v1);  // same type: the members still belong to it
  CHECK(e->mod_index == 11);
  Apply(*ks, 12, [&] { ks->Put(0, "h", Typed(ValueType::kSet)); });
  e = *ks->Find(0, "h", kNow);
  CHECK(e->type == ValueType::kSet);
  CHECK(e->version != v1);
  uint64_t v2 = e->version;
  Apply(*ks, 13, [&] {
    ks->Delete(0, "h");
    ks->Put(0, "h", Typed(ValueType::kSet));
  });
  CHECK((*ks->Find(0, "h", kNow))->version != v2);  // re-created: a fresh version
}

TEST_CASE_TEMPLATE("FindMeta agrees with Find on everything but the value", T, CONTRACT_IMPLS) {
  T impl;
  auto ks = impl.Make();
  Apply(*ks, 5, [&] {
    ks->Put(0, "s", Str(std::string(300, 'v'), kNow + 100));
    ks->Put(0, "h", Typed(ValueType::kHash));
  });
  for (const char* key : {"s", "h"}) {
    CAPTURE(key);
    const Entry* full = *ks->Find(0, key, kNow);
    REQUIRE(full != nullptr);
    const Entry want = *full;  // Find's pointer dies with the next call
    const Entry* meta = *ks->FindMeta(0, key, kNow);
    REQUIRE(meta != nullptr);
    CHECK(meta->type == want.type);
    CHECK(meta->expire_at_ms == want.expire_at_ms);
    CHECK(meta->version == want.version);
    CHECK(meta->mod_index == 5);
    // A later Find still has the whole value (the meta read must not have cut it short).
    CHECK(ValueOf(*ks, 0, key) == want.value);
  }
  CHECK(*ks->FindMeta(0, "s", kNow + 100) == nullptr);  // expired: missing, as for Find
  CHECK(*ks->FindMeta(0, "missing", kNow) == nullptr);
  CHECK(*ks->FindMeta(1, "s", kNow) == nullptr);
  // Inside an apply it sees the apply's own writes, as Find does.
  ks->BeginApply(6, kNow);
  ks->Delete(0, "h");
  CHECK(*ks->FindMeta(0, "h", kNow) == nullptr);
  ks->Put(0, "n", Str("x"));
  const Entry* n = *ks->FindMeta(0, "n", kNow);
  REQUIRE(n != nullptr);
  CHECK(n->mod_index == 6);
  REQUIRE(ks->CommitApply().ok());
}

TEST_CASE_TEMPLATE("prefetch hints change nothing a read or a write sees", T, CONTRACT_IMPLS) {
  T impl;
  auto ks = impl.Make();
  auto hint = [&](int db, const std::string& key) {
    ks->PrefetchIndex(db, StableHash64(key));
    ks->PrefetchEntry(db, StableHash64(key));
  };
  hint(0, "empty keyspace");  // every table empty
  for (uint64_t i = 1; i <= 300; ++i) {
    const std::string key = "k" + std::to_string(i % 100);
    hint(0, key);
    hint(3, key);
    hint(0, "never written");
    Apply(*ks, i, [&] { ks->Put(0, key, Str("v" + std::to_string(i))); });
  }
  for (uint64_t i = 201; i <= 300; ++i) {  // the last write of each key
    const std::string key = "k" + std::to_string(i % 100);
    hint(0, key);
    CHECK(ValueOf(*ks, 0, key) == "v" + std::to_string(i));
    CHECK(ValueOf(*ks, 3, key) == "<nil>");
  }
  CHECK(ks->Size(0) == 100);
  CHECK(ks->applied_index() == 300);
}

TEST_CASE_TEMPLATE("expired keys are missing on read but counted until deleted", T,
                   CONTRACT_IMPLS) {
  T impl;
  auto ks = impl.Make();
  Apply(*ks, 1, [&] {
    ks->Put(0, "ttl", Str("v", kNow + 100));
    ks->Put(0, "forever", Str("v"));
  });
  CHECK(ValueOf(*ks, 0, "ttl", kNow + 99) == "v");
  CHECK(ValueOf(*ks, 0, "ttl", kNow + 100) == "<nil>");
  CHECK(ks->Size(0) == 2);
  CHECK(ks->Stats().expires[0] == 1);
  auto page = ks->Scan(0, 0, 100, kNow + 100);
  REQUIRE(page.ok());
  CHECK(page->keys == std::vector<std::string>{"forever"});
  bool existed = false;
  Apply(*ks, 2, [&] { existed = ks->Delete(0, "ttl"); });
  CHECK(existed);
  CHECK(ks->Size(0) == 1);
  CHECK(ks->Stats().expires[0] == 0);
}

TEST_CASE_TEMPLATE("due expiries are handed out once, at their time, for the right db", T,
                   CONTRACT_IMPLS) {
  T impl;
  auto ks = impl.Make();
  Apply(*ks, 1, [&] {
    ks->Put(0, "a", Str("v", kNow + 10));
    ks->Put(3, "b", Str("v", kNow + 20));
    ks->Put(0, "c", Str("v", kNow + 30));
    ks->Put(0, "gone", Str("v", kNow + 5));
    ks->Put(0, "moved", Str("v", kNow + 5));
  });
  Apply(*ks, 2, [&] {
    ks->Delete(0, "gone");                     // no longer has an expiry at all
    ks->Put(0, "moved", Str("v", kNow + 25));  // its expiry moved later
  });
  CHECK(ks->TakeDueExpiries(kNow + 9, 10).empty());
  auto due = ks->TakeDueExpiries(kNow + 20, 10);
  REQUIRE(due.size() == 2);
  CHECK(due[0].db == 0);
  CHECK(due[0].key == "a");
  CHECK(due[0].expire_at_ms == kNow + 10);
  CHECK(due[1].db == 3);
  CHECK(due[1].key == "b");
  CHECK(ks->TakeDueExpiries(kNow + 20, 10).empty());  // once only
  Apply(*ks, 3, [&] {                                 // what the node does with them
    ks->Delete(0, "a");
    ks->Delete(3, "b");
  });
  Apply(*ks, 4, [&] { ks->SwapDb(0, 5); });
  due = ks->TakeDueExpiries(kNow + 100, 1);  // bounded batch
  REQUIRE(due.size() == 1);
  CHECK(due[0].db == 5);
  CHECK(due[0].key == "moved");
  due = ks->TakeDueExpiries(kNow + 100, 10);
  REQUIRE(due.size() == 1);
  CHECK(due[0].db == 5);
  CHECK(due[0].key == "c");
}

TEST_CASE_TEMPLATE("flushed keys never come out as due expiries", T, CONTRACT_IMPLS) {
  T impl;
  auto ks = impl.Make();
  Apply(*ks, 1, [&] {
    ks->Put(0, "a", Str("v", kNow + 10));
    ks->Put(1, "b", Str("v", kNow + 10));
  });
  Apply(*ks, 2, [&] { ks->FlushDb(0); });
  auto due = ks->TakeDueExpiries(kNow + 10, 10);
  REQUIRE(due.size() == 1);
  CHECK(due[0].key == "b");
  CHECK(ks->Stats().expires[0] == 0);
}

TEST_CASE_TEMPLATE("FLUSHDB, FLUSHALL and SWAPDB move keys and counts together", T,
                   CONTRACT_IMPLS) {
  T impl;
  auto ks = impl.Make();
  Apply(*ks, 1, [&] {
    for (int i = 0; i < 5; ++i) ks->Put(0, "a" + std::to_string(i), Str("0"));
    for (int i = 0; i < 3; ++i) ks->Put(1, "b" + std::to_string(i), Str("1", kNow + 1000));
  });
  Apply(*ks, 2, [&] { ks->SwapDb(0, 1); });
  CHECK(ks->Size(0) == 3);
  CHECK(ks->Size(1) == 5);
  CHECK(ks->Stats().expires[0] == 3);
  CHECK(ks->Stats().expires[1] == 0);
  CHECK(ValueOf(*ks, 0, "b1") == "1");
  CHECK(ValueOf(*ks, 1, "a4") == "0");
  CHECK(ValueOf(*ks, 0, "a4") == "<nil>");

  Apply(*ks, 3, [&] {
    ks->FlushDb(1);
    ks->Put(1, "after", Str("x"));  // a write after the flush, in the same apply, survives it
  });
  CHECK(ks->Size(1) == 1);
  CHECK(ValueOf(*ks, 1, "a4") == "<nil>");
  CHECK(ValueOf(*ks, 1, "after") == "x");
  CHECK(ks->Size(0) == 3);

  Apply(*ks, 4, [&] { ks->FlushAll(); });
  for (int db = 0; db < kNumDatabases; ++db) CHECK(ks->Size(db) == 0);
  CHECK(ValueOf(*ks, 0, "b1") == "<nil>");
  CHECK(ks->Stats().expires[0] == 0);
  Apply(*ks, 5, [&] { ks->Put(0, "b1", Str("new")); });
  CHECK(ValueOf(*ks, 0, "b1") == "new");
}

TEST_CASE_TEMPLATE("SCAN returns every key present for the whole scan despite writes", T,
                   CONTRACT_IMPLS) {
  T impl;
  auto ks = impl.Make();
  uint64_t index = 1;
  Apply(*ks, index++, [&] {
    for (int i = 0; i < 300; ++i) ks->Put(2, "stay:" + std::to_string(i), Str("v"));
    for (int i = 0; i < 100; ++i) ks->Put(2, "churn:" + std::to_string(i), Str("v"));
  });
  std::set<std::string> seen;
  uint64_t cursor = 0;
  int pages = 0, round = 0;
  do {
    auto page = ks->Scan(2, cursor, 10, kNow);
    REQUIRE(page.ok());
    seen.insert(page->keys.begin(), page->keys.end());
    cursor = page->next_cursor;
    ++pages;
    // Between pages: delete some keys, add others, rewrite some that stay.
    Apply(*ks, index++, [&] {
      ks->Delete(2, "churn:" + std::to_string(round % 100));
      ks->Put(2, "new:" + std::to_string(round), Str("v"));
      ks->Put(2, "stay:" + std::to_string((round * 7) % 300), Str("rewritten"));
    });
    ++round;
  } while (cursor != 0);
  CHECK(pages > 20);
  for (int i = 0; i < 300; ++i) CHECK(seen.count("stay:" + std::to_string(i)) == 1);
}

TEST_CASE_TEMPLATE("SCAN with a count pages through in hash order without repeats", T,
                   CONTRACT_IMPLS) {
  T impl;
  auto ks = impl.Make();
  Apply(*ks, 1, [&] {
    for (int i = 0; i < 50; ++i) ks->Put(0, "k" + std::to_string(i), Str("v"));
  });
  std::multiset<std::string> seen;
  uint64_t cursor = 0;
  do {
    auto page = ks->Scan(0, cursor, 7, kNow);
    REQUIRE(page.ok());
    CHECK(page->keys.size() <= 7);
    seen.insert(page->keys.begin(), page->keys.end());
    cursor = page->next_cursor;
  } while (cursor != 0);
  CHECK(seen.size() == 50);
  CHECK(std::set<std::string>(seen.begin(), seen.end()).size() == 50);
  auto empty = ks->Scan(9, 0, 10, kNow);
  REQUIRE(empty.ok());
  CHECK(empty->keys.empty());
  CHECK(empty->next_cursor == 0);
}

TEST_CASE_TEMPLATE("in a group, each entry sees the earlier entries and keeps its own indexes", T,
                   CONTRACT_IMPLS) {
  T impl;
  auto ks = impl.Make();
  Apply(*ks, 1, [&] {
    ks->Put(0, "gone", Str("x"));
    ks->Put(0, "kept", Str("x"));
    ks->Put(1, "in1", Str("one"));
    ks->Put(2, "in2", Str("two"));
  });
  ks->BeginGroup();
  Apply(*ks, 2, [&] {
    ks->Put(0, "a", Str("1"));
    CHECK(ks->Delete(0, "gone"));
  });
  CHECK(ks->applied_index() == 2);
  Apply(*ks, 3, [&] {
    CHECK(ValueOf(*ks, 0, "a") == "1");
    CHECK((*ks->Find(0, "a", kNow))->mod_index == 2);
    CHECK(ValueOf(*ks, 0, "gone") == "<nil>");
    CHECK_FALSE(ks->Delete(0, "gone"));
    ks->Put(0, "a", Str("2"));
    ks->FlushDb(1);
  });
  CHECK(ks->applied_index() == 3);
  CHECK(ks->DbChangeIndex(1) == 3);
  CHECK(ks->Size(0) == 2);
  Apply(*ks, 4, [&] {
    CHECK((*ks->Find(0, "a", kNow))->mod_index == 3);
    CHECK((*ks->Find(0, "kept", kNow))->mod_index == 1);
    CHECK(ValueOf(*ks, 1, "in1") == "<nil>");
    CHECK(ks->Size(1) == 0);
    ks->Put(1, "fresh", Str("f"));
    ks->SwapDb(1, 2);
  });
  CHECK(ks->DbChangeIndex(1) == 4);
  CHECK(ks->DbChangeIndex(2) == 4);
  Apply(*ks, 5, [&] {
    CHECK(ValueOf(*ks, 1, "in2") == "two");
    CHECK(ValueOf(*ks, 2, "fresh") == "f");
    CHECK(ValueOf(*ks, 1, "fresh") == "<nil>");
    ks->FlushAll();
    ks->Put(0, "after", Str("z"));
  });
  Apply(*ks, 6, [&] {
    CHECK(ValueOf(*ks, 0, "a") == "<nil>");
    CHECK(ValueOf(*ks, 0, "after") == "z");
    CHECK(ValueOf(*ks, 2, "fresh") == "<nil>");
  });
  REQUIRE(ks->EndGroup().ok());
  CHECK(ks->applied_index() == 6);
  CHECK(ValueOf(*ks, 0, "after") == "z");
  CHECK(ValueOf(*ks, 0, "kept") == "<nil>");
  CHECK(ValueOf(*ks, 1, "in2") == "<nil>");
  for (int db = 0; db < kNumDatabases; ++db) CHECK(ks->Size(db) == (db == 0 ? 1u : 0u));
  CHECK(ks->DbChangeIndex(5) == 5);
  // An empty group, and applies after the group, work as before.
  ks->BeginGroup();
  REQUIRE(ks->EndGroup().ok());
  Apply(*ks, 7, [&] { ks->Put(0, "later", Str("l")); });
  CHECK(ValueOf(*ks, 0, "later") == "l");
  CHECK(ks->applied_index() == 7);
}

// --- Collection members ---

namespace {

uint64_t VersionOf(Keyspace& ks, int db, const std::string& key) {
  auto found = ks.FindMeta(db, key, kNow);
  REQUIRE(found.ok());
  REQUIRE(*found != nullptr);
  return (*found)->version;
}

std::string MemberOf(Keyspace& ks, int db, const std::string& key, uint64_t version,
                     const std::string& member) {
  auto got = ks.GetMember(db, key, version, member);
  REQUIRE(got.ok());
  return got->value_or("<nil>");
}

// Every member of (db, key, version), walking pages of `page` members.
std::vector<std::string> Walk(Keyspace& ks, int db, const std::string& key, uint64_t version,
                              size_t page = 3) {
  std::vector<std::string> out;
  std::string from;
  for (;;) {
    auto p = ks.ScanMembers(db, key, version, from, page);
    REQUIRE(p.ok());
    CHECK(p->members.size() <= page);
    for (auto& [m, v] : p->members) out.push_back(m + "=" + v);
    if (!p->next) return out;
    from = *p->next;
  }
}

// A hash of n members m00..m(n-1) with values v<i>, written in one apply.
uint64_t MakeHash(Keyspace& ks, uint64_t index, const std::string& key, int n, int db = 0) {
  uint64_t version = 0;
  Apply(ks, index, [&] {
    ks.Put(db, key, Typed(ValueType::kHash));
    version = VersionOf(ks, db, key);
    for (int i = 0; i < n; ++i) {
      char m[16];
      std::snprintf(m, sizeof(m), "m%02d", i);
      ks.PutMember(db, key, version, m, "v" + std::to_string(i));
    }
  });
  return version;
}

}  // namespace

TEST_CASE_TEMPLATE("members are read by point and walked in byte order", T, CONTRACT_IMPLS) {
  T impl;
  auto ks = impl.Make();
  const uint64_t v = MakeHash(*ks, 1, "h", 10);
  CHECK(MemberOf(*ks, 0, "h", v, "m03") == "v3");
  CHECK(MemberOf(*ks, 0, "h", v, "nope") == "<nil>");
  auto all = Walk(*ks, 0, "h", v);
  REQUIRE(all.size() == 10);
  CHECK(all.front() == "m00=v0");
  CHECK(all.back() == "m09=v9");
  CHECK(std::is_sorted(all.begin(), all.end()));
  // From a member on, inclusive; past the last: nothing.
  auto p = ks->ScanMembers(0, "h", v, "m05", 2);
  REQUIRE(p.ok());
  REQUIRE(p->members.size() == 2);
  CHECK(p->members[0].first == "m05");
  CHECK(p->next == std::optional<std::string>("m07"));
  CHECK((*ks->ScanMembers(0, "h", v, "z", 5)).members.empty());
}

TEST_CASE_TEMPLATE("member writes and deletions are seen at once and after later applies", T,
                   CONTRACT_IMPLS) {
  T impl;
  auto ks = impl.Make();
  const uint64_t v = MakeHash(*ks, 1, "h", 6);
  ks->BeginApply(2, kNow);
  ks->DeleteMember(0, "h", v, "m01");
  ks->PutMember(0, "h", v, "m02", "changed");
  ks->PutMember(0, "h", v, "a", "first");
  // Inside the apply, reads see its own member writes.
  CHECK(MemberOf(*ks, 0, "h", v, "m01") == "<nil>");
  CHECK(MemberOf(*ks, 0, "h", v, "m02") == "changed");
  REQUIRE(ks->CommitApply().ok());
  for (int round = 0; round < 2; ++round) {
    CAPTURE(round);
    CHECK(Walk(*ks, 0, "h", v) == std::vector<std::string>{"a=first", "m00=v0", "m02=changed",
                                                           "m03=v3", "m04=v4", "m05=v5"});
    CHECK(MemberOf(*ks, 0, "h", v, "m01") == "<nil>");
    CHECK(ks->Flush().ok());  // the second round reads what LevelDB (and the tier) hold
  }
  // A member deleted and put back again comes back.
  Apply(*ks, 3, [&] {
    ks->DeleteMember(0, "h", v, "m03");
    ks->PutMember(0, "h", v, "m03", "again");
  });
  CHECK(MemberOf(*ks, 0, "h", v, "m03") == "again");
}

TEST_CASE_TEMPLATE("deleting, retyping, expiring or flushing a collection drops its members", T,
                   CONTRACT_IMPLS) {
  T impl;
  auto ks = impl.Make();
  const uint64_t deleted = MakeHash(*ks, 1, "d", 4);
  const uint64_t retyped = MakeHash(*ks, 2, "r", 4);
  const uint64_t flushed = MakeHash(*ks, 3, "f", 4, /*db=*/3);
  Apply(*ks, 4, [&] {
    Entry h = Typed(ValueType::kHash);
    h.expire_at_ms = kNow + 10;
    ks->Put(0, "e", h);
  });
  const uint64_t expiring = VersionOf(*ks, 0, "e");
  Apply(*ks, 5, [&] { ks->PutMember(0, "e", expiring, "x", "1"); });
  CHECK(ks->Flush().ok());
  Apply(*ks, 6, [&] {
    ks->Delete(0, "d");
    ks->Put(0, "r", Str("string now"));
    ks->FlushDb(3);
  });
  CHECK(*ks->FindMeta(0, "d", kNow) == nullptr);
  CHECK(VersionOf(*ks, 0, "r") != retyped);
  // Re-created under the same names: fresh versions, none of the old members.
  Apply(*ks, 7, [&] {
    ks->Put(0, "d", Typed(ValueType::kHash));
    ks->Put(0, "r", Typed(ValueType::kHash));
    ks->Put(3, "f", Typed(ValueType::kHash));
  });
  CHECK(VersionOf(*ks, 0, "d") != deleted);
  CHECK(VersionOf(*ks, 3, "f") != flushed);
  for (auto [db, key] : {std::pair{0, "d"}, {0, "r"}, {3, "f"}}) {
    CAPTURE(key);
    const uint64_t now_version = VersionOf(*ks, db, key);
    CHECK(Walk(*ks, db, key, now_version).empty());
    CHECK(MemberOf(*ks, db, key, now_version, "m00") == "<nil>");
  }
  // A hash past its expiry is replaced by a new one, not revived with its old members.
  ks->BeginApply(8, kNow + 20);
  ks->Put(0, "e", Typed(ValueType::kHash));
  REQUIRE(ks->CommitApply().ok());
  const uint64_t fresh = VersionOf(*ks, 0, "e");
  CHECK(fresh != expiring);
  CHECK(Walk(*ks, 0, "e", fresh).empty());
  CHECK(ks->Size(0) == 3);  // d, r and e
  CHECK(ks->Size(3) == 1);
}

namespace {

// Every score index entry of (db, key) at `version`, walked `page` entries at a time, as
// "member=score"; descending with `reverse`.
std::vector<std::string> WalkScores(Keyspace& ks, const std::string& key, uint64_t version,
                                    bool reverse, size_t page = 2) {
  std::vector<std::string> out;
  std::string from = reverse ? kScoreEntryEnd : std::string();
  for (;;) {
    auto got = ks.ScanScores(0, key, version, from, page, reverse);
    REQUIRE(got.ok());
    for (const auto& [entry, payload] : got->members) {
      double score = 0;
      std::string_view member;
      REQUIRE(DecodeScoreEntry(entry, &score, &member).ok());
      CHECK(payload.empty());
      char buf[32];
      std::snprintf(buf, sizeof(buf), "%g", score);
      out.push_back(std::string(member) + "=" + buf);
    }
    if (!got->next) return out;
    from = *got->next;
  }
}

}  // namespace

TEST_CASE_TEMPLATE("the score index walks both ways over stored, pending and applying entries", T,
                   CONTRACT_IMPLS) {
  T impl;
  auto ks = impl.Make();
  Apply(*ks, 1, [&] { ks->Put(0, "z", Typed(ValueType::kZSet)); });
  const uint64_t v = VersionOf(*ks, 0, "z");
  Apply(*ks, 2, [&] {
    const std::pair<double, const char*> entries[] = {
        {-INFINITY, "m3"}, {-1.5, "m1"}, {0.0, "m3"}, {2.0, "m5"}, {INFINITY, "m3"}};
    for (const auto& [s, m] : entries) ks->PutScore(0, "z", v, ScoreEntry(s, m));
  });
  CHECK(ks->Flush().ok());  // those are in LevelDB now (and pending ones come on top)
  Apply(*ks, 3, [&] {
    ks->DeleteScore(0, "z", v, ScoreEntry(0.0, "m3"));
    ks->PutScore(0, "z", v, ScoreEntry(2.0, "a"));  // same score: member order
    ks->PutScore(0, "z", v, ScoreEntry(-1.5, "zz"));
  });
  const std::vector<std::string> up = {"m3=-inf", "m1=-1.5", "zz=-1.5", "a=2",
                                       "m5=2",    "m3=inf"};
  CHECK(WalkScores(*ks, "z", v, false) == up);
  CHECK(WalkScores(*ks, "z", v, true) == std::vector<std::string>(up.rbegin(), up.rend()));
  // Seeks: forward from a score, backward from just below another.
  auto from = ks->ScanScores(0, "z", v, ScoreEntry(-1.5, ""), 10, false);
  REQUIRE(from.ok());
  CHECK(from->members.size() == 5);
  auto down = ks->ScanScores(0, "z", v, ScoreEntry(2.0, "a"), 10, true);
  REQUIRE(down.ok());
  CHECK(down->members.size() == 4);  // a, zz, m1, m3(-inf)
  // Inside an apply, a walk sees the apply's own changes.
  ks->BeginApply(4, kNow);
  ks->DeleteScore(0, "z", v, ScoreEntry(INFINITY, "m3"));
  CHECK(WalkScores(*ks, "z", v, true, 1).front() == "m5=2");
  REQUIRE(ks->CommitApply().ok());
  CHECK(ks->Flush().ok());
  CHECK(WalkScores(*ks, "z", v, true).size() == 5);
  // The index goes with the key's version.
  Apply(*ks, 5, [&] { ks->Delete(0, "z"); });
  Apply(*ks, 6, [&] { ks->Put(0, "z", Typed(ValueType::kZSet)); });
  CHECK(WalkScores(*ks, "z", VersionOf(*ks, 0, "z"), false).empty());
}
