// Unit tests for reads off the loop (DurableKeyspace::QueueStoreRead and StoreReader): what the
// reader threads read lands in the tier only while it is still what a lookup would read.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "keyspace/durable_keyspace.h"
#include "page_cache.h"
#include "temp_dir.h"

using namespace cairn;
using namespace cairn::keyspace;

namespace {

constexpr int64_t kNow = 1'700'000'000'000;

// A keyspace reopened over `keys` keys written before, so none is in its tier: every lookup
// reads LevelDB, and the reader threads can do it first.
struct ColdKeyspace {
  testing::TempDir dir;
  std::atomic<int> jobs_done{0};
  // Passed to QueueStoreRead: false (a pipelined batch) queues every read, page cache or not.
  bool read_cached_inline;
  std::unique_ptr<DurableKeyspace> ks;

  explicit ColdKeyspace(int keys, int threads = 1, bool inline_cached = false,
                        size_t value_bytes = 2)
      : read_cached_inline(inline_cached) {
    {
      auto writer = Open(0);
      writer->BeginApply(1, kNow);
      for (int i = 0; i < keys; ++i) writer->Put(0, Key(i), Str(ValueOf(i, value_bytes)));
      REQUIRE(writer->CommitApply().ok());
      REQUIRE(writer->Flush().ok());
    }
    ks = Open(threads);
  }

  std::unique_ptr<DurableKeyspace> Open(int threads) {
    DurableKeyspace::Options o;
    o.dir = dir.path();
    o.store_read_threads = threads;
    o.write_behind_bytes = 64 << 20;  // the node's mode: applies stay pending in the overlay
    o.on_store_read = [this] { jobs_done.fetch_add(1); };
    auto opened = DurableKeyspace::Open(o);
    REQUIRE(opened.ok());
    return std::move(opened).value();
  }

  // Waits (bounded) until `n` jobs have finished on the reader threads, not yet taken.
  bool WaitJobs(int n) {
    for (int i = 0; i < 5000 && jobs_done.load() < n; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return jobs_done.load() >= n;
  }

  bool Queue(std::string_view key) { return ks->QueueStoreRead(0, key, read_cached_inline); }

  std::vector<uint64_t> Take() {
    std::vector<uint64_t> tags;
    ks->TakeStoreReads(&tags);
    return tags;
  }

  void Apply(uint64_t index, const std::function<void(DurableKeyspace&)>& change) {
    ks->BeginApply(index, kNow);
    change(*ks);
    REQUIRE(ks->CommitApply().ok());
  }

  std::string Value(int db, const std::string& key) {
    auto found = ks->Find(db, key, kNow);
    REQUIRE(found.ok());
    return *found == nullptr ? "<nil>" : (*found)->value;
  }

  static std::string Key(int i) { return "key:" + std::to_string(i); }
  // "v1", or bytes that do not compress (so that keys spread over many blocks).
  static std::string ValueOf(int i, size_t bytes) {
    if (bytes <= 2) return "v1";
    std::string v(bytes, '\0');
    uint64_t x = 0x9e3779b97f4a7c15ull * static_cast<uint64_t>(i + 1);
    for (char& ch : v) {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      ch = static_cast<char>(x);
    }
    return v;
  }
  static Entry Str(std::string v) {
    Entry e;
    e.value = std::move(v);
    return e;
  }
};

}  // namespace

TEST_CASE("store reads: queued keys are read off the caller's thread into the tier") {
  ColdKeyspace cold(100);
  DurableKeyspace& ks = *cold.ks;
  REQUIRE(ks.ReadsStore(0));
  CHECK(cold.Queue("key:1"));
  CHECK(cold.Queue("key:2"));
  CHECK(cold.Queue("absent"));  // only LevelDB can tell
  REQUIRE(ks.SubmitStoreReads(42));
  CHECK_FALSE(ks.SubmitStoreReads(43));  // nothing queued since
  REQUIRE(cold.WaitJobs(1));
  CHECK(cold.Take() == std::vector<uint64_t>{42});
  CHECK(ks.Stats().store_reads_async == 2);
  const uint64_t reads = ks.Stats().store_reads;
  CHECK(cold.Value(0, "key:1") == "v1");
  CHECK(cold.Value(0, "key:2") == "v1");
  CHECK(ks.Stats().store_reads == reads);  // tier hits now
  CHECK_FALSE(cold.Queue("key:1"));  // in the tier: nothing to read
  CHECK(cold.Value(0, "key:3") == "v1");       // not queued: read by the lookup itself
  CHECK(ks.Stats().store_reads == reads + 1);
}

TEST_CASE("store reads: a key written while it was read keeps the newer entry") {
  ColdKeyspace cold(100);
  DurableKeyspace& ks = *cold.ks;
  REQUIRE(cold.Queue("key:1"));
  REQUIRE(ks.SubmitStoreReads(1));
  REQUIRE(cold.WaitJobs(1));  // the reader has "v1"
  cold.Apply(2, [](DurableKeyspace& k) { k.Put(0, "key:1", ColdKeyspace::Str("v2")); });
  SUBCASE("still pending in the overlay") {
    CHECK(cold.Take() == std::vector<uint64_t>{1});
    CHECK(ks.Stats().store_reads_async == 0);
    REQUIRE(ks.Flush().ok());
  }
  SUBCASE("written to LevelDB and gone from the tier") {
    REQUIRE(ks.Flush().ok());
    // Nothing in memory holds key:1 now; only the epoch says the read is stale.
    ks.SetMaxMemory(1);
    ks.SetMaxMemory(0);
    REQUIRE(ks.Stats().tier_entries == 0);
    CHECK(cold.Take() == std::vector<uint64_t>{1});
    CHECK(ks.Stats().store_reads_async == 0);
  }
  CHECK(cold.Value(0, "key:1") == "v2");
}

TEST_CASE("store reads: a key deleted or flushed while it was read stays gone") {
  ColdKeyspace cold(100);
  DurableKeyspace& ks = *cold.ks;
  REQUIRE(cold.Queue("key:1"));
  REQUIRE(cold.Queue("key:2"));
  REQUIRE(ks.SubmitStoreReads(1));
  REQUIRE(cold.WaitJobs(1));
  cold.Apply(2, [](DurableKeyspace& k) {
    k.Delete(0, "key:1");
    k.FlushDb(1);  // another database: key:2 of db 0 is still admitted
  });
  CHECK(cold.Take() == std::vector<uint64_t>{1});
  CHECK(ks.Stats().store_reads_async == 1);
  CHECK(cold.Value(0, "key:1") == "<nil>");

  REQUIRE(cold.Queue("key:3"));
  REQUIRE(ks.SubmitStoreReads(2));
  REQUIRE(cold.WaitJobs(2));
  cold.Apply(3, [](DurableKeyspace& k) { k.FlushDb(0); });
  const uint64_t entries = ks.Stats().tier_entries;
  CHECK(cold.Take() == std::vector<uint64_t>{2});
  CHECK(ks.Stats().store_reads_async == 1);  // its namespace is gone
  CHECK(ks.Stats().tier_entries == entries);  // nothing of the flushed namespace
  CHECK(cold.Value(0, "key:3") == "<nil>");
}

TEST_CASE("store reads: none are queued without reader threads or for a tier that holds every key") {
  ColdKeyspace cold(10, /*threads=*/0);
  CHECK_FALSE(cold.ks->ReadsStore(0));
  CHECK_FALSE(cold.Queue("key:1"));
  CHECK_FALSE(cold.ks->SubmitStoreReads(1));
  cold.ks.reset();  // LevelDB's lock
  cold.ks = cold.Open(1);
  cold.Apply(2, [](DurableKeyspace& k) { k.FlushDb(0); });  // a namespace made by this process
  CHECK_FALSE(cold.ks->ReadsStore(0));
  CHECK_FALSE(cold.Queue("key:1"));
  CHECK(cold.ks->ReadsStore(1));
}

TEST_CASE("store reads: many jobs on several threads; stopping with jobs queued is clean") {
  ColdKeyspace cold(2000, /*threads=*/3);
  DurableKeyspace& ks = *cold.ks;
  for (int job = 0; job < 100; ++job) {
    for (int i = 0; i < 16; ++i) REQUIRE(cold.Queue(ColdKeyspace::Key(job * 16 + i)));
    REQUIRE(ks.SubmitStoreReads(job));
  }
  REQUIRE(cold.WaitJobs(100));
  std::vector<uint64_t> tags = cold.Take();
  std::sort(tags.begin(), tags.end());
  REQUIRE(tags.size() == 100);
  for (uint64_t i = 0; i < 100; ++i) CHECK(tags[i] == i);
  CHECK(ks.Stats().store_reads_async == 1600);
  for (int i = 0; i < 1600; i += 97) CHECK(cold.Value(0, ColdKeyspace::Key(i)) == "v1");
  for (int job = 0; job < 20; ++job) {
    for (int i = 0; i < 16; ++i) cold.Queue(ColdKeyspace::Key(1600 + i));
    ks.SubmitStoreReads(1000 + job);
  }
  ks.StopStoreReads();  // joins; the destructor (after it) must not hang or notify
  const int done = cold.jobs_done.load();
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  CHECK(cold.jobs_done.load() == done);
}

TEST_CASE("store reads: a key memory holds is read at once; one only on disk goes to a thread") {
  ColdKeyspace cold(2000, /*threads=*/1, /*inline_cached=*/true, /*value_bytes=*/1024);
  DurableKeyspace& ks = *cold.ks;
  testing::EvictFromPageCache(cold.dir.path());
  const std::string on_disk = ColdKeyspace::Key(1000);
  CHECK(cold.Queue(on_disk));  // its block is in no cache: the read would wait
  REQUIRE(ks.SubmitStoreReads(1));
  REQUIRE(cold.WaitJobs(1));
  CHECK(cold.Take() == std::vector<uint64_t>{1});
  CHECK(ks.Stats().store_reads_async == 1);

  // A key whose block a read has just brought in (LevelDB's block cache, the page cache).
  const std::string cached = ColdKeyspace::Key(1500);
  std::string raw;
  REQUIRE(ks.engine().Get(MetaKey(0, cached), &raw).ok());
  const uint64_t reads = ks.Stats().store_reads;
  CHECK_FALSE(cold.Queue(cached));  // read here and now, into the tier
  CHECK(ks.Stats().store_reads == reads + 1);
  CHECK(ks.Stats().store_reads_async == 1);
  CHECK_FALSE(ks.SubmitStoreReads(2));
  CHECK(cold.Value(0, cached) == ColdKeyspace::ValueOf(1500, 1024));
  CHECK(cold.Value(0, on_disk) == ColdKeyspace::ValueOf(1000, 1024));
  CHECK(ks.Stats().store_reads == reads + 1);  // both tier hits
  CHECK_FALSE(cold.Queue("absent"));  // not found in memory: nothing to wait for

  // In a pipelined batch the threads read it even so, in parallel with the caller.
  const std::string batched = ColdKeyspace::Key(1700);
  REQUIRE(ks.engine().Get(MetaKey(0, batched), &raw).ok());
  CHECK(ks.QueueStoreRead(0, batched, /*read_cached_inline=*/false));
  REQUIRE(ks.SubmitStoreReads(3));
  REQUIRE(cold.WaitJobs(2));
  CHECK(cold.Take() == std::vector<uint64_t>{3});
  CHECK(ks.Stats().store_reads_async == 2);
}
