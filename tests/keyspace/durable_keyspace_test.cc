// Unit tests for what only DurableKeyspace has: reopen, atomic applies, GC, the tier over LevelDB,
// and the expiry index paged into the wheel.
#include "keyspace/durable_keyspace.h"

#include <doctest/doctest.h>

#include <cstdio>
#include <map>
#include <set>
#include <string>

#include "keyspace/encoding.h"
#include "keyspace/engine.h"
#include "temp_dir.h"

using namespace cairn;
using namespace cairn::keyspace;

namespace {

constexpr int64_t kNow = 1'700'000'000'000;

std::unique_ptr<DurableKeyspace> OpenAt(const std::string& dir, uint64_t maxmemory = 0,
                                        int64_t horizon_ms = 10 * 60 * 1000,
                                        size_t page_records = 4096,
                                        uint64_t write_behind_bytes = 0) {
  DurableKeyspace::Options options;
  options.dir = dir;
  options.maxmemory_bytes = maxmemory;
  options.ttl_horizon_ms = horizon_ms;
  options.ttl_page_records = page_records;
  options.write_behind_bytes = write_behind_bytes;
  auto ks = DurableKeyspace::Open(options);
  REQUIRE(ks.ok());
  return std::move(ks).value();
}

Entry Str(std::string v, int64_t expire_at_ms = 0) {
  Entry e;
  e.value = std::move(v);
  e.expire_at_ms = expire_at_ms;
  return e;
}

std::string ValueOf(Keyspace& ks, int db, const std::string& key, int64_t now = kNow) {
  auto found = ks.Find(db, key, now);
  REQUIRE(found.ok());
  return *found == nullptr ? "<nil>" : (*found)->value;
}

size_t CountRecords(const Engine& engine, const std::string& prefix) {
  size_t n = 0;
  EngineIterator it = engine.NewPrefixIterator(prefix);
  for (it.SeekToFirst(); it.Valid(); it.Next()) ++n;
  return n;
}

// A corrupt metadata record for db 0's `key`, written straight into LevelDB.
void PlantCorruptRecord(const std::string& dir, const std::string& key) {
  EngineOptions eo;
  eo.dir = dir;
  auto engine = Engine::Open(eo);
  REQUIRE(engine.ok());
  EngineBatch batch;
  batch.Put(MetaKey(0, key), "\x7f garbage");
  REQUIRE((*engine)->Write(&batch, true).ok());
}

size_t CollectAll(DurableKeyspace& ks, size_t step, int* calls) {
  size_t total = 0;
  *calls = 0;
  while (true) {
    auto n = ks.CollectGarbage(step);
    REQUIRE(n.ok());
    CHECK(*n <= step);
    if (*n == 0) break;
    total += *n;
    ++*calls;
  }
  return total;
}

}  // namespace

TEST_CASE("reopen keeps data, counters, versions and the applied index") {
  testing::TempDir dir;
  uint64_t version = 0;
  {
    auto ks = OpenAt(dir.path());
    CHECK(ks->applied_index() == 0);
    ks->BeginApply(7, kNow);
    ks->Put(0, "a", Str("1"));
    ks->Put(0, "b", Str("2", kNow + 1000));
    ks->Put(4, "c", Str("3"));
    Entry h;
    h.type = ValueType::kHash;
    ks->Put(0, "h", h);
    REQUIRE(ks->CommitApply().ok());
    version = (*ks->Find(0, "h", kNow))->version;
  }
  auto ks = OpenAt(dir.path());
  CHECK(ks->applied_index() == 7);
  CHECK(ks->Size(0) == 3);
  CHECK(ks->Size(4) == 1);
  CHECK(ks->Stats().expires[0] == 1);
  CHECK(ValueOf(*ks, 0, "a") == "1");
  CHECK(ValueOf(*ks, 0, "b") == "2");
  CHECK(ValueOf(*ks, 4, "c") == "3");
  const Entry* b = *ks->Find(0, "b", kNow);
  CHECK(b->expire_at_ms == kNow + 1000);
  CHECK(b->mod_index == 7);
  // Versions are never reused across restarts.
  ks->BeginApply(8, kNow);
  ks->Put(0, "new", Str("x"));
  REQUIRE(ks->CommitApply().ok());
  CHECK((*ks->Find(0, "new", kNow))->version > version);
}

TEST_CASE("an apply that is not committed is not visible after reopen") {
  testing::TempDir dir;
  {
    auto ks = OpenAt(dir.path());
    ks->BeginApply(1, kNow);
    ks->Put(0, "kept", Str("v"));
    REQUIRE(ks->CommitApply().ok());
    ks->BeginApply(2, kNow);
    ks->Put(0, "lost", Str("v"));
    ks->Delete(0, "kept");
    ks->FlushDb(3);
    CHECK(ValueOf(*ks, 0, "lost") == "v");
    // Destroyed mid-apply, as a crash would leave it.
  }
  auto ks = OpenAt(dir.path());
  CHECK(ks->applied_index() == 1);
  CHECK(ValueOf(*ks, 0, "kept") == "v");
  CHECK(ValueOf(*ks, 0, "lost") == "<nil>");
  CHECK(ks->Size(0) == 1);
}

TEST_CASE("Flush makes the state durable; applied index survives it") {
  testing::TempDir dir;
  {
    auto ks = OpenAt(dir.path());
    ks->BeginApply(41, kNow);
    ks->Put(0, "k", Str("v"));
    REQUIRE(ks->CommitApply().ok());
    REQUIRE(ks->Flush().ok());
  }
  auto ks = OpenAt(dir.path());
  CHECK(ks->applied_index() == 41);
  CHECK(ValueOf(*ks, 0, "k") == "v");
}

TEST_CASE("evicted entries are read back from LevelDB, within the byte budget") {
  testing::TempDir dir;
  const uint64_t budget = 64 * 1024;
  auto ks = OpenAt(dir.path(), budget);
  const std::string value(1000, 'v');
  for (int batch = 0; batch < 10; ++batch) {
    ks->BeginApply(batch + 1, kNow);
    for (int i = 0; i < 100; ++i) {
      ks->Put(0, "key:" + std::to_string(batch * 100 + i), Str(value + std::to_string(i)));
    }
    REQUIRE(ks->CommitApply().ok());
    CHECK(ks->Stats().tier_bytes <= budget);
  }
  KeyspaceStats s = ks->Stats();
  CHECK(s.tier_evictions > 0);
  CHECK(s.tier_entries < 1000);
  CHECK(ks->Size(0) == 1000);
  ks->ResetStats();
  for (int k = 0; k < 1000; ++k) {
    CHECK(ValueOf(*ks, 0, "key:" + std::to_string(k)) == value + std::to_string(k % 100));
  }
  s = ks->Stats();
  CHECK(s.tier_misses > 0);
  CHECK(s.tier_bytes <= budget);
  // The most recently read key is hot now.
  CHECK(ValueOf(*ks, 0, "key:999") == value + "99");
  CHECK(ks->Stats().tier_hits == s.tier_hits + 1);
}

TEST_CASE("a value larger than the whole tier is still readable") {
  testing::TempDir dir;
  auto ks = OpenAt(dir.path(), 4096);
  const std::string big(100'000, 'b');
  ks->BeginApply(1, kNow);
  ks->Put(0, "big", Str(big));
  CHECK(ValueOf(*ks, 0, "big") == big);  // from the apply's overlay
  REQUIRE(ks->CommitApply().ok());
  CHECK(ValueOf(*ks, 0, "big") == big);  // from LevelDB
  CHECK(ks->Stats().tier_entries == 0);
}

TEST_CASE("FLUSHDB and SWAPDB persist, and GC removes the old namespace in bounded steps") {
  testing::TempDir dir;
  {
    auto ks = OpenAt(dir.path());
    ks->BeginApply(1, kNow);
    for (int i = 0; i < 500; ++i) {
      ks->Put(0, "a" + std::to_string(i), Str("v", i % 2 ? kNow + 1'000'000 : 0));
    }
    ks->Put(1, "b", Str("v"));
    REQUIRE(ks->CommitApply().ok());
    ks->BeginApply(2, kNow);
    ks->FlushDb(0);
    ks->SwapDb(1, 2);
    REQUIRE(ks->CommitApply().ok());
    CHECK(ks->orphaned_namespaces() == 1);
    CHECK(ks->Size(0) == 0);
    CHECK(ks->Stats().expires[0] == 0);
    CHECK(CountRecords(ks->engine(), TagPrefix(RecordTag::kExpiry)) == 250);
  }
  auto ks = OpenAt(dir.path());  // GC resumes after a restart
  CHECK(ks->applied_index() == 2);
  CHECK(ks->Size(0) == 0);
  CHECK(ks->Size(1) == 0);
  CHECK(ks->Size(2) == 1);
  CHECK(ValueOf(*ks, 2, "b") == "v");
  CHECK(ks->orphaned_namespaces() == 1);
  int calls = 0;
  size_t removed = CollectAll(*ks, 64, &calls);
  CHECK(removed >= 500);
  CHECK(calls >= 8);  // 500 records at most 64 per call
  CHECK(ks->orphaned_namespaces() == 0);
  CHECK(CountRecords(ks->engine(), NamespacePrefix(RecordTag::kMeta, 0)) == 0);
  CHECK(CountRecords(ks->engine(), TagPrefix(RecordTag::kExpiry)) == 0);
  CHECK(CountRecords(ks->engine(), TagPrefix(RecordTag::kOrphanNamespace)) == 0);
  CHECK(ValueOf(*ks, 2, "b") == "v");
  auto again = OpenAt(dir.path() + "-unused");  // a second store does not see any of it
  CHECK(again->Size(2) == 0);
  std::error_code ec;
  std::filesystem::remove_all(dir.path() + "-unused", ec);
}

TEST_CASE("a deleted or retyped collection's member records are collected") {
  testing::TempDir dir;
  uint64_t version = 0;
  {
    auto ks = OpenAt(dir.path());
    ks->BeginApply(1, kNow);
    Entry h;
    h.type = ValueType::kHash;
    ks->Put(0, "h", h);
    Entry z;
    z.type = ValueType::kZSet;
    ks->Put(0, "z", z);
    REQUIRE(ks->CommitApply().ok());
    version = (*ks->Find(0, "h", kNow))->version;
  }
  uint64_t zversion = version + 1;
  {
    // Stand in for the collection commands that will write member records.
    EngineOptions eo;
    eo.dir = dir.path();
    auto engine = Engine::Open(eo);
    REQUIRE(engine.ok());
    EngineBatch batch;
    for (int i = 0; i < 100; ++i) {
      batch.Put(MemberKey(0, "h", version, "f" + std::to_string(i)), EncodeMemberValue("v"));
      batch.Put(MemberKey(0, "z", zversion, "m" + std::to_string(i)), EncodeMemberValue("1"));
      batch.Put(ScoreKey(0, "z", zversion, i, "m" + std::to_string(i)), EncodeFormatOnlyValue());
    }
    REQUIRE((*engine)->Write(&batch, true).ok());
  }
  auto ks = OpenAt(dir.path());
  CHECK(CountRecords(ks->engine(), TagPrefix(RecordTag::kMember)) == 200);
  ks->BeginApply(2, kNow);
  CHECK(ks->Delete(0, "h"));
  ks->Put(0, "z", Str("now a string"));
  REQUIRE(ks->CommitApply().ok());
  CHECK(CountRecords(ks->engine(), TagPrefix(RecordTag::kOrphanVersion)) == 2);
  int calls = 0;
  CHECK(CollectAll(*ks, 50, &calls) == 302);  // 300 member/score records + 2 'G' records
  CHECK(CountRecords(ks->engine(), TagPrefix(RecordTag::kMember)) == 0);
  CHECK(CountRecords(ks->engine(), TagPrefix(RecordTag::kScore)) == 0);
  CHECK(CountRecords(ks->engine(), TagPrefix(RecordTag::kOrphanVersion)) == 0);
  CHECK(ValueOf(*ks, 0, "z") == "now a string");
}

TEST_CASE("due keys come out of TakeDueExpiries after a reopen, from the expiry index") {
  testing::TempDir dir;
  {
    auto ks = OpenAt(dir.path());
    ks->BeginApply(1, kNow);
    ks->Put(0, "soon", Str("v", kNow + 50));
    ks->Put(1, "later", Str("v", kNow + 3'600'000));
    ks->Put(0, "days", Str("v", kNow + 3 * 86'400'000ll));
    ks->Put(0, "none", Str("v"));
    REQUIRE(ks->CommitApply().ok());
    auto due = ks->TakeDueExpiries(kNow + 50, 10);  // handed out, but the node crashed
    CHECK(due.size() == 1);
  }
  auto ks = OpenAt(dir.path());
  CHECK(ks->Stats().expires[0] == 2);
  CHECK(ks->Stats().expires[1] == 1);
  CHECK(ks->TakeDueExpiries(kNow, 10).empty());
  auto due = ks->TakeDueExpiries(kNow + 60, 10);
  REQUIRE(due.size() == 1);
  CHECK(due[0].key == "soon");
  due = ks->TakeDueExpiries(kNow + 3'600'000, 10);
  REQUIRE(due.size() == 1);
  CHECK(due[0].db == 1);
  CHECK(due[0].key == "later");
  due = ks->TakeDueExpiries(kNow + 3 * 86'400'000ll, 10);
  REQUIRE(due.size() == 1);
  CHECK(due[0].key == "days");
}

TEST_CASE("the wheel pages the expiry index in as time advances, keeping memory bounded") {
  testing::TempDir dir;
  std::map<std::string, int64_t> expiry;
  {
    auto ks = OpenAt(dir.path());
    ks->BeginApply(1, kNow);
    for (int i = 0; i < 1000; ++i) {
      int64_t t = kNow + 1 + (i * 7919) % 100'000;  // spread over 100 s
      expiry["k" + std::to_string(i)] = t;
      ks->Put(0, "k" + std::to_string(i), Str("v", t));
    }
    REQUIRE(ks->CommitApply().ok());
  }
  // A 1 s horizon and 20 records per page: the wheel never holds more than a small window.
  auto ks = OpenAt(dir.path(), 0, 1000, 20);
  size_t max_wheel = 0;
  uint64_t index = 2;
  for (int64_t now = kNow; now <= kNow + 100'001; now += 250) {
    for (const auto& d : ks->TakeDueExpiries(now, 100)) {
      auto it = expiry.find(d.key);
      REQUIRE(it != expiry.end());
      CHECK(d.expire_at_ms == it->second);
      CHECK(d.expire_at_ms <= now);
      CHECK(d.expire_at_ms > now - 1000);  // paging kept up with time
      expiry.erase(it);
      ks->BeginApply(index++, now);  // what the node does: a conditional delete
      ks->Delete(d.db, d.key);
      REQUIRE(ks->CommitApply().ok());
    }
    max_wheel = std::max(max_wheel, ks->wheel_size());
    if (now == kNow + 50'000) {
      // A key written mid-way, inside the loaded window and far beyond it.
      ks->BeginApply(index++, now);
      ks->Put(0, "inside", Str("v", now + 100));
      ks->Put(0, "beyond", Str("v", now + 40'000));
      REQUIRE(ks->CommitApply().ok());
      expiry["inside"] = now + 100;
      expiry["beyond"] = now + 40'000;
    }
  }
  CHECK(expiry.empty());
  CHECK(max_wheel <= 60);  // ~10 keys per second; a second's window plus one page
  CHECK(ks->Size(0) == 0);
  CHECK(ks->Stats().expires[0] == 0);
}

// --- Groups: many applies, one LevelDB write ---

TEST_CASE("a group not ended leaves nothing of it on disk; an ended group leaves all of it") {
  for (bool end_group : {false, true}) {
    CAPTURE(end_group);
    testing::TempDir dir;
    {
      auto ks = OpenAt(dir.path());
      ks->BeginApply(1, kNow);
      ks->Put(0, "kept", Str("v"));
      ks->Put(3, "in3", Str("v"));
      REQUIRE(ks->CommitApply().ok());
      ks->BeginGroup();
      ks->BeginApply(2, kNow);
      ks->Put(0, "a", Str("1", kNow + 1000));
      REQUIRE(ks->CommitApply().ok());
      ks->BeginApply(3, kNow);
      CHECK(ks->Delete(0, "kept"));
      ks->FlushDb(3);
      REQUIRE(ks->CommitApply().ok());
      ks->BeginApply(4, kNow);
      ks->Put(0, "b", Str("2"));
      REQUIRE(ks->CommitApply().ok());
      CHECK(ks->applied_index() == 4);
      CHECK(ks->written_index() == 1);  // all of it still pending
      if (end_group) {
        REQUIRE(ks->EndGroup().ok());
        CHECK(ks->written_index() == 4);
      }
      // Otherwise destroyed mid-group, as a crash would leave it: the log replays 2..4.
    }
    auto ks = OpenAt(dir.path());
    if (end_group) {
      CHECK(ks->applied_index() == 4);
      CHECK(ValueOf(*ks, 0, "kept") == "<nil>");
      CHECK(ValueOf(*ks, 0, "a") == "1");
      CHECK(ValueOf(*ks, 0, "b") == "2");
      CHECK(ValueOf(*ks, 3, "in3") == "<nil>");
      CHECK(ks->Size(0) == 2);
      CHECK(ks->Size(3) == 0);
      CHECK(ks->Stats().expires[0] == 1);
      CHECK((*ks->Find(0, "a", kNow))->mod_index == 2);
      CHECK((*ks->Find(0, "b", kNow))->mod_index == 4);
      CHECK(ks->DbChangeIndex(3) == 3);
      CHECK(ks->orphaned_namespaces() == 1);
    } else {
      CHECK(ks->applied_index() == 1);
      CHECK(ValueOf(*ks, 0, "kept") == "v");
      CHECK(ValueOf(*ks, 0, "a") == "<nil>");
      CHECK(ValueOf(*ks, 0, "b") == "<nil>");
      CHECK(ValueOf(*ks, 3, "in3") == "v");
      CHECK(ks->Size(0) == 1);
      CHECK(ks->Size(3) == 1);
      CHECK(ks->Stats().expires[0] == 0);
      CHECK(ks->DbChangeIndex(3) == 0);
      CHECK(ks->orphaned_namespaces() == 0);
    }
  }
}

TEST_CASE("a group is one LevelDB batch with one applied-index record") {
  testing::TempDir dir;
  auto ks = OpenAt(dir.path());
  ks->BeginGroup();
  for (uint64_t i = 1; i <= 100; ++i) {
    ks->BeginApply(i, kNow);
    ks->Put(0, "k" + std::to_string(i), Str("v"));
    REQUIRE(ks->CommitApply().ok());
    CHECK(ks->applied_index() == i);
  }
  CHECK(ks->written_index() == 0);
  REQUIRE(ks->EndGroup().ok());
  CHECK(ks->written_index() == 100);
  CHECK(ks->Size(0) == 100);
  // Every key came from the group's overlay into the tier when the batch was written.
  CHECK(ks->Stats().tier_entries == 100);
  ks->ResetStats();
  CHECK(ValueOf(*ks, 0, "k37") == "v");
  CHECK(ks->Stats().tier_misses == 0);
}

TEST_CASE("a deleted key is not read back from LevelDB later in the group, even when evicted") {
  testing::TempDir dir;
  auto ks = OpenAt(dir.path(), 600);  // a tier of a few entries: LevelDB serves most reads
  ks->BeginApply(1, kNow);
  for (int i = 0; i < 50; ++i) ks->Put(0, "k" + std::to_string(i), Str("old"));
  REQUIRE(ks->CommitApply().ok());
  ks->BeginGroup();
  ks->BeginApply(2, kNow);
  for (int i = 0; i < 50; i += 2) CHECK(ks->Delete(0, "k" + std::to_string(i)));
  REQUIRE(ks->CommitApply().ok());
  ks->BeginApply(3, kNow);
  for (int i = 1; i < 50; i += 2) ks->Put(0, "k" + std::to_string(i), Str("new"));
  REQUIRE(ks->CommitApply().ok());
  ks->BeginApply(4, kNow);
  for (int i = 0; i < 50; ++i) {
    CHECK(ValueOf(*ks, 0, "k" + std::to_string(i)) == (i % 2 ? "new" : "<nil>"));
  }
  CHECK_FALSE(ks->Delete(0, "k0"));  // a second delete finds nothing
  REQUIRE(ks->CommitApply().ok());
  CHECK(ks->Size(0) == 25);
  REQUIRE(ks->EndGroup().ok());
  for (int i = 0; i < 50; ++i) {
    CHECK(ValueOf(*ks, 0, "k" + std::to_string(i)) == (i % 2 ? "new" : "<nil>"));
  }
  CHECK(ks->Size(0) == 25);
}

TEST_CASE("a group past its entry cap is written in parts, each ending at an entry") {
  testing::TempDir dir;
  const uint64_t n = DurableKeyspace::kMaxGroupEntries + 10;
  {
    auto ks = OpenAt(dir.path());
    ks->BeginGroup();
    for (uint64_t i = 1; i <= n; ++i) {
      ks->BeginApply(i, kNow);
      ks->Put(0, "k" + std::to_string(i), Str(std::to_string(i)));
      REQUIRE(ks->CommitApply().ok());
    }
    CHECK(ks->written_index() == DurableKeyspace::kMaxGroupEntries);
    CHECK(ks->applied_index() == n);
    CHECK(ValueOf(*ks, 0, "k1") == "1");
    CHECK(ValueOf(*ks, 0, "k" + std::to_string(n)) == std::to_string(n));
    // Crash before EndGroup: the first part is on disk, the rest is replayed from the log.
  }
  auto ks = OpenAt(dir.path());
  CHECK(ks->applied_index() == DurableKeyspace::kMaxGroupEntries);
  CHECK(ks->Size(0) == DurableKeyspace::kMaxGroupEntries);
  CHECK(ValueOf(*ks, 0, "k" + std::to_string(DurableKeyspace::kMaxGroupEntries)) == "4096");
  CHECK(ValueOf(*ks, 0, "k" + std::to_string(n)) == "<nil>");
}

TEST_CASE("a failing entry inside a group is undone alone; the group goes on") {
  testing::TempDir dir;
  PlantCorruptRecord(dir.path(), "bad");  // reading it fails, and with it the apply
  auto ks = OpenAt(dir.path());
  ks->BeginApply(1, kNow);
  ks->Put(0, "x", Str("x1"));
  REQUIRE(ks->CommitApply().ok());
  ks->BeginGroup();
  ks->BeginApply(2, kNow);
  ks->Put(0, "a", Str("a2", kNow + 500));
  REQUIRE(ks->CommitApply().ok());
  ks->BeginApply(3, kNow);
  ks->Put(0, "a", Str("a3"));
  CHECK(ks->Delete(0, "x"));
  ks->Put(0, "b", Str("b3", kNow + 100));
  ks->FlushDb(5);
  ks->SwapDb(1, 2);
  ks->Put(0, "bad", Str("never"));
  CHECK_FALSE(ks->CommitApply().ok());
  // Entry 3 left no trace; entry 2 is still there.
  CHECK(ks->applied_index() == 2);
  CHECK(ValueOf(*ks, 0, "a") == "a2");
  CHECK(ValueOf(*ks, 0, "x") == "x1");
  CHECK(ValueOf(*ks, 0, "b") == "<nil>");
  CHECK(ks->Size(0) == 2);
  CHECK(ks->Stats().expires[0] == 1);
  CHECK(ks->DbChangeIndex(1) == 0);
  ks->BeginApply(4, kNow);
  ks->Put(0, "c", Str("c4"));
  REQUIRE(ks->CommitApply().ok());
  REQUIRE(ks->EndGroup().ok());
  ks.reset();
  ks = OpenAt(dir.path());
  CHECK(ks->applied_index() == 4);
  CHECK(ValueOf(*ks, 0, "a") == "a2");
  CHECK(ValueOf(*ks, 0, "x") == "x1");
  CHECK(ValueOf(*ks, 0, "b") == "<nil>");
  CHECK(ValueOf(*ks, 0, "c") == "c4");
  CHECK(ks->Size(0) == 3);
  CHECK(ks->Stats().expires[0] == 1);
  CHECK(ks->TakeDueExpiries(kNow + 1000, 10).size() == 1);  // only a's
}

// --- Write-behind: pending entries kept in memory across groups ---

namespace {

std::unique_ptr<DurableKeyspace> OpenWriteBehind(const std::string& dir, uint64_t limit,
                                                 uint64_t maxmemory = 0,
                                                 int64_t horizon_ms = 10 * 60 * 1000) {
  return OpenAt(dir, maxmemory, horizon_ms, 4096, limit);
}

// One group of one apply that puts key=value, as the node applies a durable record.
void GroupPut(DurableKeyspace& ks, uint64_t index, const std::string& key, const std::string& value,
              int64_t expire_at_ms = 0, int64_t now = kNow) {
  ks.BeginGroup();
  ks.BeginApply(index, now);
  ks.Put(0, key, Str(value, expire_at_ms));
  REQUIRE(ks.CommitApply().ok());
  REQUIRE(ks.EndGroup().ok());
}

}  // namespace

TEST_CASE("write-behind: groups stay pending until Flush; a crash before it loses only them") {
  for (bool flush : {false, true}) {
    CAPTURE(flush);
    testing::TempDir dir;
    {
      auto ks = OpenWriteBehind(dir.path(), 64 << 20);
      for (uint64_t i = 1; i <= 50; ++i) GroupPut(*ks, i, "k" + std::to_string(i % 10), "v" + std::to_string(i));
      ks->BeginGroup();
      ks->BeginApply(51, kNow);
      CHECK(ks->Delete(0, "k0"));
      REQUIRE(ks->CommitApply().ok());
      REQUIRE(ks->EndGroup().ok());
      CHECK(ks->applied_index() == 51);
      CHECK(ks->written_index() == 0);  // every group ended, none written
      CHECK(ks->Size(0) == 9);
      CHECK(ValueOf(*ks, 0, "k1") == "v41");
      CHECK(ValueOf(*ks, 0, "k0") == "<nil>");
      CHECK(ks->pending_bytes() > 0);
      if (flush) {
        REQUIRE(ks->Flush().ok());
        CHECK(ks->written_index() == 51);
        CHECK(ks->pending_bytes() == 0);
      }
    }
    auto ks = OpenWriteBehind(dir.path(), 64 << 20);
    if (flush) {
      CHECK(ks->applied_index() == 51);
      CHECK(ks->Size(0) == 9);
      CHECK(ValueOf(*ks, 0, "k9") == "v49");
      CHECK(ValueOf(*ks, 0, "k0") == "<nil>");
    } else {
      // The node replays entries 1..51 from its log.
      CHECK(ks->applied_index() == 0);
      CHECK(ks->Size(0) == 0);
      CHECK(ValueOf(*ks, 0, "k1") == "<nil>");
    }
  }
}

TEST_CASE("write-behind: a key rewritten many times is pending once") {
  testing::TempDir dir;
  auto ks = OpenWriteBehind(dir.path(), 64 << 20);
  GroupPut(*ks, 1, "hot", "value-000");
  const uint64_t one = ks->pending_bytes();
  for (uint64_t i = 2; i <= 1000; ++i) {
    char v[16];
    std::snprintf(v, sizeof v, "value-%03d", static_cast<int>(i % 1000));
    GroupPut(*ks, i, "hot", v);
  }
  CHECK(ks->pending_bytes() == one);  // one overlay slot, same-sized value
  CHECK(ValueOf(*ks, 0, "hot") == "value-000");
  CHECK((*ks->Find(0, "hot", kNow))->mod_index == 1000);
  REQUIRE(ks->Flush().ok());
  ks.reset();
  ks = OpenWriteBehind(dir.path(), 64 << 20);
  CHECK(ks->applied_index() == 1000);
  CHECK(ValueOf(*ks, 0, "hot") == "value-000");
  CHECK((*ks->Find(0, "hot", kNow))->mod_index == 1000);
}

TEST_CASE("write-behind: pending bytes past the limit are written, at most an eighth of maxmemory") {
  testing::TempDir dir;
  // Each key is charged ~280 bytes. Returns the most pending_bytes() seen.
  auto put_keys = [](DurableKeyspace& ks, uint64_t from, uint64_t to) {
    uint64_t most = 0;
    for (uint64_t i = from; i <= to; ++i) {
      GroupPut(ks, i, "k" + std::to_string(i), std::string(100, 'x'));
      most = std::max(most, ks.pending_bytes());
    }
    return most;
  };
  SUBCASE("the configured limit") {
    constexpr uint64_t kLimit = 8 << 10;
    auto ks = OpenWriteBehind(dir.path(), kLimit);
    put_keys(*ks, 1, 5);
    REQUIRE(ks->WaitForWrite().ok());
    CHECK(ks->written_index() == 0);  // under the limit: nothing started
    uint64_t most = put_keys(*ks, 6, 200);
    REQUIRE(ks->WaitForWrite().ok());
    CHECK(ks->written_index() > 5);
    // Applies wait for the write in flight once everything unwritten holds twice the limit.
    CHECK(most <= 2 * kLimit + 400);
    CHECK(ValueOf(*ks, 0, "k1") == std::string(100, 'x'));
    CHECK(ValueOf(*ks, 0, "k200") == std::string(100, 'x'));
  }
  SUBCASE("an eighth of the tier's budget when that is less") {
    auto ks = OpenWriteBehind(dir.path(), 64 << 20, 32 << 10);  // limit 4 KiB, not 64 MiB
    uint64_t most = put_keys(*ks, 1, 200);
    REQUIRE(ks->WaitForWrite().ok());
    CHECK(ks->written_index() > 0);
    CHECK(most <= 2 * (4 << 10) + 400);
  }
}

TEST_CASE("write-behind: SCAN writes pending entries first and sees them") {
  testing::TempDir dir;
  auto ks = OpenWriteBehind(dir.path(), 64 << 20);
  for (uint64_t i = 1; i <= 20; ++i) GroupPut(*ks, i, "k" + std::to_string(i), "v");
  ks->BeginGroup();
  ks->BeginApply(21, kNow);
  CHECK(ks->Delete(0, "k5"));
  REQUIRE(ks->CommitApply().ok());
  REQUIRE(ks->EndGroup().ok());
  CHECK(ks->written_index() == 0);
  std::set<std::string> seen;
  uint64_t cursor = 0;
  int pages = 0;
  do {
    auto page = ks->Scan(0, cursor, 7, kNow);
    REQUIRE(page.ok());
    seen.insert(page->keys.begin(), page->keys.end());
    cursor = page->next_cursor;
  } while (cursor != 0 && ++pages < 100);
  CHECK(seen.size() == 19);
  CHECK(seen.count("k5") == 0);
  CHECK(seen.count("k20") == 1);
  CHECK(ks->written_index() == 21);
}

TEST_CASE("write-behind: expiries are due on time without a write, near and beyond the horizon") {
  testing::TempDir dir;
  auto ks = OpenWriteBehind(dir.path(), 64 << 20, 0, /*horizon_ms=*/1000);
  GroupPut(*ks, 1, "near", "v", kNow + 500);
  GroupPut(*ks, 2, "far", "v", kNow + 5000);
  GroupPut(*ks, 3, "moved", "v", kNow + 700);
  GroupPut(*ks, 4, "moved", "v", kNow + 9000);  // rescheduled while pending
  CHECK(ks->TakeDueExpiries(kNow + 100, 10).empty());
  auto due = ks->TakeDueExpiries(kNow + 800, 10);
  REQUIRE(due.size() == 1);  // 'moved' at +700 is stale: its pending entry says +9000
  CHECK(due[0].key == "near");
  CHECK(ks->written_index() == 0);  // scheduled from the overlay: no write needed
  ks->BeginGroup();
  ks->BeginApply(5, kNow + 800);  // what the node does with it: a conditional delete
  CHECK(ks->Delete(0, "near"));
  REQUIRE(ks->CommitApply().ok());
  REQUIRE(ks->EndGroup().ok());
  // 'far' is past the 1 s horizon: paging it in needs it on disk first.
  due = ks->TakeDueExpiries(kNow + 5000, 10);
  REQUIRE(due.size() == 1);
  CHECK(due[0].key == "far");
  CHECK(ks->written_index() == 5);
  due = ks->TakeDueExpiries(kNow + 9000, 10);
  REQUIRE(due.size() == 1);
  CHECK(due[0].key == "moved");
  CHECK(due[0].expire_at_ms == kNow + 9000);
}

TEST_CASE("write-behind: a failing entry is undone alone; the pending entries before it stay") {
  testing::TempDir dir;
  PlantCorruptRecord(dir.path(), "bad");
  auto ks = OpenWriteBehind(dir.path(), 64 << 20);
  GroupPut(*ks, 1, "a", "a1");
  const uint64_t before = ks->pending_bytes();
  ks->BeginGroup();
  ks->BeginApply(2, kNow);
  ks->Put(0, "a", Str("a2-longer", kNow + 100));
  ks->Put(0, "b", Str("b2"));
  ks->Put(0, "bad", Str("never"));
  CHECK_FALSE(ks->CommitApply().ok());
  REQUIRE(ks->EndGroup().ok());
  CHECK(ks->pending_bytes() == before);
  CHECK(ks->applied_index() == 1);
  CHECK(ValueOf(*ks, 0, "a") == "a1");
  CHECK(ValueOf(*ks, 0, "b") == "<nil>");
  CHECK(ks->TakeDueExpiries(kNow + 1000, 10).empty());
  REQUIRE(ks->Flush().ok());
  ks.reset();
  ks = OpenWriteBehind(dir.path(), 64 << 20);
  CHECK(ks->applied_index() == 1);
  CHECK(ValueOf(*ks, 0, "a") == "a1");
  CHECK(ValueOf(*ks, 0, "b") == "<nil>");
}

TEST_CASE("write-behind: FLUSHDB over pending keys persists, and GC finds nothing of them") {
  testing::TempDir dir;
  {
    auto ks = OpenWriteBehind(dir.path(), 64 << 20);
    for (uint64_t i = 1; i <= 10; ++i) GroupPut(*ks, i, "k" + std::to_string(i), "v");
    ks->BeginGroup();
    ks->BeginApply(11, kNow);
    ks->FlushDb(0);
    ks->Put(0, "after", Str("v"));
    REQUIRE(ks->CommitApply().ok());
    REQUIRE(ks->EndGroup().ok());
    CHECK(ks->Size(0) == 1);
    CHECK(ValueOf(*ks, 0, "k3") == "<nil>");
    REQUIRE(ks->Flush().ok());
    // The flushed keys never reached LevelDB: only "after" is there.
    CHECK(CountRecords(ks->engine(), TagPrefix(RecordTag::kMeta)) == 1);
  }
  auto ks = OpenWriteBehind(dir.path(), 64 << 20);
  CHECK(ks->Size(0) == 1);
  CHECK(ValueOf(*ks, 0, "after") == "v");
  CHECK(ValueOf(*ks, 0, "k3") == "<nil>");
  int calls = 0;
  CollectAll(*ks, 100, &calls);
  CHECK(ks->orphaned_namespaces() == 0);
}

TEST_CASE("a key missing from a tier that holds every key is absent without a LevelDB read") {
  testing::TempDir dir;
  {
    auto ks = OpenAt(dir.path());  // a new store: every key it will hold passes the tier
    ks->BeginApply(1, kNow);
    for (int i = 0; i < 100; ++i) ks->Put(0, "key:" + std::to_string(i), Str("v"));
    REQUIRE(ks->CommitApply().ok());
    REQUIRE(ks->Flush().ok());
    CHECK(ValueOf(*ks, 0, "key:7") == "v");
    CHECK(ValueOf(*ks, 0, "missing") == "<nil>");
    CHECK(ks->Stats().store_reads == 0);
  }
  {
    // Reopened with keys in LevelDB and none in the tier: a miss must read LevelDB.
    auto ks = OpenAt(dir.path());
    CHECK(ValueOf(*ks, 0, "key:7") == "v");
    CHECK(ValueOf(*ks, 0, "missing") == "<nil>");
    CHECK(ks->Stats().store_reads == 2);
    // A namespace made since opening (FLUSHDB, FLUSHALL) holds only keys that passed the tier.
    ks->BeginApply(2, kNow);
    ks->FlushDb(0);
    ks->Put(0, "after", Str("a"));
    REQUIRE(ks->CommitApply().ok());
    REQUIRE(ks->Flush().ok());
    CHECK(ValueOf(*ks, 0, "after") == "a");
    CHECK(ValueOf(*ks, 0, "key:7") == "<nil>");
    CHECK(ks->Stats().store_reads == 2);
    CHECK(ValueOf(*ks, 1, "elsewhere") == "<nil>");  // db 1 is still in its old namespace
    CHECK(ks->Stats().store_reads == 3);
  }
}

TEST_CASE("once the tier has evicted, a miss reads LevelDB again") {
  testing::TempDir dir;
  auto ks = OpenAt(dir.path(), /*maxmemory=*/16 * 1024);
  const std::string value(1000, 'v');
  ks->BeginApply(1, kNow);
  for (int i = 0; i < 100; ++i) ks->Put(0, "key:" + std::to_string(i), Str(value));
  REQUIRE(ks->CommitApply().ok());
  REQUIRE(ks->Flush().ok());
  REQUIRE(ks->Stats().tier_evictions > 0);
  for (int i = 0; i < 100; ++i) CHECK(ValueOf(*ks, 0, "key:" + std::to_string(i)) == value);
  CHECK(ks->Stats().store_reads > 0);
}

TEST_CASE("write-behind: Pace moves twice the commands' worth of written entries into the tier") {
  testing::TempDir dir;
  auto ks = OpenWriteBehind(dir.path(), 64 << 20);
  for (int i = 0; i < 100; ++i) GroupPut(*ks, i + 1, "key:" + std::to_string(i), "v");
  REQUIRE(ks->Checkpoint().ok());
  REQUIRE(ks->WaitForWrite().ok());  // written: from now on it drains into the tier
  const uint64_t before = ks->Stats().tier_entries;
  ks->Pace(0);
  CHECK(ks->Stats().tier_entries == before);
  ks->Pace(10);
  CHECK(ks->Stats().tier_entries == before + 20);
  ks->Pace(1000);  // more than is left: drains the rest
  CHECK(ks->Stats().tier_entries == 100);
  CHECK(ValueOf(*ks, 0, "key:42") == "v");
}

// --- Collection members written through the keyspace ---

namespace {

// A hash of n members f<i> = v<i>, in one apply at `index`; returns its version.
uint64_t PutHash(DurableKeyspace& ks, uint64_t index, const std::string& key, int n) {
  ks.BeginApply(index, kNow);
  Entry h;
  h.type = ValueType::kHash;
  ks.Put(0, key, h);
  const uint64_t version = (*ks.FindMeta(0, key, kNow))->version;
  for (int i = 0; i < n; ++i) {
    ks.PutMember(0, key, version, "f" + std::to_string(i), "v" + std::to_string(i));
  }
  REQUIRE(ks.CommitApply().ok());
  return version;
}

}  // namespace

TEST_CASE("member records survive a reopen, and a deleted hash's are collected in steps") {
  testing::TempDir dir;
  uint64_t version = 0;
  {
    auto ks = OpenAt(dir.path());
    version = PutHash(*ks, 1, "h", 500);
    CHECK(CountRecords(ks->engine(), TagPrefix(RecordTag::kMember)) == 500);
  }
  auto ks = OpenAt(dir.path());
  CHECK(*ks->GetMember(0, "h", version, "f123") == std::optional<std::string>("v123"));
  // Deleting it writes one 'G' record, whatever its size; the members go in bounded GC steps.
  ks->BeginApply(2, kNow);
  CHECK(ks->Delete(0, "h"));
  REQUIRE(ks->CommitApply().ok());
  CHECK(CountRecords(ks->engine(), TagPrefix(RecordTag::kOrphanVersion)) == 1);
  CHECK(CountRecords(ks->engine(), TagPrefix(RecordTag::kMember)) == 500);
  int calls = 0;
  CHECK(CollectAll(*ks, 100, &calls) == 501);
  CHECK(calls >= 5);
  CHECK(CountRecords(ks->engine(), TagPrefix(RecordTag::kMember)) == 0);
  CHECK(*ks->GetMember(0, "h", version, "f123") == std::nullopt);
}

TEST_CASE("write-behind: member records stay pending until Flush, then reach LevelDB once") {
  testing::TempDir dir;
  auto ks = OpenWriteBehind(dir.path(), 64 << 20);
  const uint64_t version = PutHash(*ks, 1, "h", 50);
  for (uint64_t i = 2; i < 12; ++i) {
    ks->BeginApply(i, kNow);
    ks->PutMember(0, "h", version, "f7", "rewritten" + std::to_string(i));
    REQUIRE(ks->CommitApply().ok());
  }
  CHECK(CountRecords(ks->engine(), TagPrefix(RecordTag::kMember)) == 0);
  CHECK(ks->pending_bytes() > 50 * 8);
  REQUIRE(ks->Flush().ok());
  CHECK(CountRecords(ks->engine(), TagPrefix(RecordTag::kMember)) == 50);
  ks.reset();
  ks = OpenAt(dir.path());
  CHECK(*ks->GetMember(0, "h", version, "f7") == std::optional<std::string>("rewritten11"));
}

TEST_CASE("write-behind: a failing entry's member writes are undone with it") {
  testing::TempDir dir;
  PlantCorruptRecord(dir.path(), "bad");
  auto ks = OpenWriteBehind(dir.path(), 64 << 20);
  const uint64_t version = PutHash(*ks, 1, "h", 3);
  ks->BeginApply(2, kNow);
  ks->PutMember(0, "h", version, "f0", "changed");
  ks->DeleteMember(0, "h", version, "f1");
  ks->PutMember(0, "h", version, "new", "x");
  ks->Put(0, "bad", Str("never"));
  CHECK_FALSE(ks->CommitApply().ok());
  CHECK(*ks->GetMember(0, "h", version, "f0") == std::optional<std::string>("v0"));
  CHECK(*ks->GetMember(0, "h", version, "f1") == std::optional<std::string>("v1"));
  CHECK(*ks->GetMember(0, "h", version, "new") == std::nullopt);
  auto page = ks->ScanMembers(0, "h", version, "", 10);
  REQUIRE(page.ok());
  CHECK(page->members.size() == 3);
}

TEST_CASE("a member missing from a tier that holds every key is absent without a LevelDB read") {
  testing::TempDir dir;
  auto ks = OpenAt(dir.path());
  const uint64_t version = PutHash(*ks, 1, "h", 10);
  const uint64_t reads = ks->Stats().store_reads;
  CHECK(*ks->GetMember(0, "h", version, "f3") == std::optional<std::string>("v3"));
  CHECK(*ks->GetMember(0, "h", version, "nope") == std::nullopt);
  CHECK(ks->Stats().store_reads == reads);
  // Reopened, memory holds nothing: the same reads go to LevelDB, and find the same.
  ks.reset();
  ks = OpenAt(dir.path());
  CHECK(*ks->GetMember(0, "h", version, "f3") == std::optional<std::string>("v3"));
  CHECK(*ks->GetMember(0, "h", version, "nope") == std::nullopt);
  CHECK(ks->Stats().store_reads == 2);
}

TEST_CASE("a member read that fails inside an apply fails the apply, undoing its writes") {
  testing::TempDir dir;
  uint64_t version = 0;
  {
    auto ks = OpenAt(dir.path());
    version = PutHash(*ks, 1, "h", 2);
  }
  {
    EngineOptions eo;
    eo.dir = dir.path();
    auto engine = Engine::Open(eo);
    REQUIRE(engine.ok());
    EngineBatch batch;
    batch.Put(MemberKey(0, "h", version, "bad"), "\x7f not a member value");
    REQUIRE((*engine)->Write(&batch, true).ok());
  }
  auto ks = OpenAt(dir.path());
  ks->BeginApply(2, kNow);
  ks->PutMember(0, "h", version, "f0", "changed");
  CHECK_FALSE(ks->GetMember(0, "h", version, "bad").ok());
  CHECK_FALSE(ks->CommitApply().ok());
  CHECK(ks->applied_index() == 1);
  CHECK(*ks->GetMember(0, "h", version, "f0") == std::optional<std::string>("v0"));
  // Outside an apply a failed read is only the reader's error.
  CHECK_FALSE(ks->ScanMembers(0, "h", version, "", 10).ok());
}

TEST_CASE("a write-through group past its byte cap in member records is written in parts") {
  testing::TempDir dir;
  auto ks = OpenAt(dir.path());
  const uint64_t version = PutHash(*ks, 1, "h", 1);
  const std::string big(64 << 10, 'x');
  ks->BeginGroup();
  for (uint64_t i = 2; i < 2 + 300; ++i) {  // 300 x 64 KiB: past kMaxGroupBytes (16 MiB)
    ks->BeginApply(i, kNow);
    ks->PutMember(0, "h", version, "m" + std::to_string(i), big);
    REQUIRE(ks->CommitApply().ok());
  }
  CHECK(ks->written_index() > 1);  // a part went to LevelDB before the group ended
  CHECK(CountRecords(ks->engine(), TagPrefix(RecordTag::kMember)) > 1);
  REQUIRE(ks->EndGroup().ok());
  CHECK(CountRecords(ks->engine(), TagPrefix(RecordTag::kMember)) == 301);
}
