// Unit tests for the durable write log: round trips across segments, group commit, crash
// recovery, Raft's truncate/compact, fault injection, and the fsync policies.
#include "wal/log.h"

#include <doctest/doctest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <chrono>
#include <thread>

#include "test_util.h"
#include "wal/format.h"

using namespace cairn;
using namespace cairn::wal;
using namespace cairn::wal::testing;

namespace {

constexpr size_t kAll = ~size_t{0};

std::string PayloadFor(uint64_t index) { return "effect-" + std::to_string(index); }

std::unique_ptr<Log> MustOpen(Options opts) {
  auto log = Log::Open(std::move(opts));
  REQUIRE_MESSAGE(log.ok(), log.status().ToString());
  return std::move(*log);
}

// Appends records first..last (payload PayloadFor(index)) in batches of `per_batch`.
void AppendRange(Log* log, uint64_t first, uint64_t last, uint64_t term, size_t per_batch = 5) {
  REQUIRE(first == log->last_index() + 1);
  std::vector<Record> batch;
  for (uint64_t i = first; i <= last; ++i) {
    batch.push_back(Record{i, term, PayloadFor(i)});
    if (batch.size() == per_batch || i == last) {
      log->Append(std::move(batch));
      batch.clear();
    }
  }
}

// Reads from..to and checks indexes, payloads and (when given) the term of every record.
void CheckRange(Log* log, uint64_t from, uint64_t to, uint64_t term = 0) {
  auto got = log->Read(from, to, kAll);
  REQUIRE_MESSAGE(got.ok(), got.status().ToString());
  REQUIRE(got->size() == to - from + 1);
  for (uint64_t i = from; i <= to; ++i) {
    const Record& r = (*got)[i - from];
    CHECK(r.index == i);
    CHECK(r.payload == PayloadFor(i));
    if (term != 0) CHECK(r.term == term);
  }
}

Options SmallSegments(const std::string& dir) {
  Options opts;
  opts.dir = dir;
  opts.segment_bytes = 256;  // about six records each
  return opts;
}

void FlipByte(const std::string& path, uint64_t offset) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(static_cast<std::streamoff>(offset));
  char c = 0;
  f.get(c);
  f.seekp(static_cast<std::streamoff>(offset));
  f.put(static_cast<char>(c ^ 0x5a));
}

std::string Joined(const std::vector<std::string>& lines) {
  std::string all;
  for (const auto& l : lines) all += l + "\n";
  return all;
}

}  // namespace

TEST_CASE("records survive reopen across several segments and read back in ranges") {
  TempDir dir;
  for (size_t cache_bytes : {size_t{0}, size_t{1} << 20}) {
    CAPTURE(cache_bytes);
    std::filesystem::remove_all(dir.path());
    Options opts = SmallSegments(dir.path());
    opts.tail_cache_bytes = cache_bytes;
    {
      auto log = MustOpen(opts);
      CHECK(log->first_index() == 1);
      CHECK(log->last_index() == 0);
      AppendRange(log.get(), 1, 50, 1);
      CHECK(log->last_index() == 50);
      REQUIRE(log->Sync().ok());
      CHECK(log->durable_index() == 50);
      CheckRange(log.get(), 1, 50, 1);
      CheckRange(log.get(), 17, 33);
      REQUIRE(log->Close().ok());
    }
    CHECK(SegmentFiles(dir.path()).size() >= 5);
    auto log = MustOpen(opts);
    CHECK(log->first_index() == 1);
    CHECK(log->last_index() == 50);
    CHECK(log->durable_index() == 50);
    CheckRange(log.get(), 1, 50, 1);
    CheckRange(log.get(), 6, 7);
    CheckRange(log.get(), 50, 50);
    AppendRange(log.get(), 51, 60, 2);
    REQUIRE(log->Sync().ok());
    CheckRange(log.get(), 45, 60);
    CHECK(log->Read(0, 3, kAll).status().code() == ErrorCode::kOutOfRange);
    CHECK(log->Read(55, 61, kAll).status().code() == ErrorCode::kOutOfRange);
    auto empty = log->Read(10, 9, kAll);
    REQUIRE(empty.ok());
    CHECK(empty->empty());
  }
}

TEST_CASE("a segment of the other format version is refused, never cut away") {
  TempDir dir;
  Options v1 = SmallSegments(dir.path());
  v1.format_version = kFormatVersionRecords;
  {
    auto log = MustOpen(v1);
    AppendRange(log.get(), 1, 20, 1);
    REQUIRE(log->Close().ok());
  }
  const auto files = SegmentFiles(dir.path());
  Options v2 = SmallSegments(dir.path());
  auto refused = Log::Open(v2);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().message().find("is format version 1, this log is version 2") != std::string::npos);
  CHECK(SegmentFiles(dir.path()) == files);
  auto log = MustOpen(v1);  // its own version still opens, whole
  CHECK(log->last_index() == 20);
  CheckRange(log.get(), 1, 20, 1);
}

TEST_CASE("a read stops at max_bytes but always returns one record") {
  TempDir dir;
  Options opts = SmallSegments(dir.path());
  opts.tail_cache_bytes = 64;  // part from the cache, part from the files
  auto log = MustOpen(opts);
  AppendRange(log.get(), 1, 30, 1);
  REQUIRE(log->Sync().ok());
  const size_t one = PayloadFor(10).size();
  auto got = log->Read(10, 30, 3 * one);
  REQUIRE(got.ok());
  CHECK(got->size() == 3);
  CHECK(got->front().index == 10);
  auto tiny = log->Read(28, 30, 1);
  REQUIRE(tiny.ok());
  CHECK(tiny->size() == 1);
  auto tail = log->Read(20, 30, 100 * one);
  REQUIRE(tail.ok());
  CHECK(tail->size() == 11);
}

TEST_CASE("the durable notification reaches the last appended index") {
  TempDir dir;
  DurableWaiter waiter;
  Options opts = SmallSegments(dir.path());
  opts.on_durable = waiter.Callback();
  auto log = MustOpen(opts);
  AppendRange(log.get(), 1, 40, 3, 1);
  waiter.WaitFor(40);
  CHECK(waiter.latest() == 40);
  CHECK(log->durable_index() == 40);
  const LogStats s = log->stats();
  CHECK(s.append_calls == 40);
  CHECK(s.records_appended == 40);
  CHECK(s.records_written == 40);
  CHECK(s.batches_written <= 40);
  CHECK(s.bytes_written > 40 * kFrameOverheadBytes);
}

// Goal: one fsync covers every batch queued while the previous fsync ran. The first fsync is
// held until the loop has queued all batches, so the count is deterministic.
TEST_CASE("group commit: batches queued during an fsync share the next one") {
  TempDir dir;
  FaultEnv env;
  Gate release;
  std::atomic<int> syncs{0};
  Options opts;
  opts.dir = dir.path();
  opts.env = &env;
  auto log = MustOpen(opts);
  env.SetSyncHook([&] {
    if (syncs.fetch_add(1) == 0) release.Wait();
    return Status::Ok();
  });
  constexpr int kBatches = 100;
  for (uint64_t i = 1; i <= kBatches; ++i) log->AppendPayloads(1, {PayloadFor(i)});
  CHECK(log->durable_index() < kBatches);  // the first fsync is still held
  release.Open();
  REQUIRE(log->Sync().ok());
  CHECK(log->durable_index() == kBatches);
  const LogStats s = log->stats();
  CHECK(s.records_written == kBatches);
  CHECK(s.fsyncs >= 1);
  CHECK(s.fsyncs <= 2);
  CHECK(s.batches_written <= 2);
  CheckRange(log.get(), 1, kBatches, 1);
}

TEST_CASE("a read never serves a record that is not yet durable") {
  TempDir dir;
  FaultEnv env;
  Gate release;
  Options opts;
  opts.dir = dir.path();
  opts.env = &env;
  auto log = MustOpen(opts);
  AppendRange(log.get(), 1, 5, 1);
  REQUIRE(log->Sync().ok());
  env.SetSyncHook([&] {
    release.Wait();
    return Status::Ok();
  });
  AppendRange(log.get(), 6, 10, 1);
  auto got = log->Read(3, 10, kAll);
  REQUIRE(got.ok());
  CHECK(got->size() == 3);  // 3..5
  release.Open();
  REQUIRE(log->Sync().ok());
  CheckRange(log.get(), 3, 10);
}

TEST_CASE("a torn tail is cut, logged, and the log goes on from there") {
  TempDir dir;
  Options opts;
  opts.dir = dir.path();
  {
    auto log = MustOpen(opts);
    AppendRange(log.get(), 1, 10, 1);
    REQUIRE(log->Close().ok());
  }
  auto files = SegmentFiles(dir.path());
  REQUIRE(files.size() == 1);
  const auto size = std::filesystem::file_size(files[0]);
  std::filesystem::resize_file(files[0], size - 5);  // inside record 10

  std::vector<std::string> messages;
  opts.logger = [&](std::string_view m) { messages.emplace_back(m); };
  {
    auto log = MustOpen(opts);
    CHECK(log->last_index() == 9);
    CHECK(log->durable_index() == 9);
    CheckRange(log.get(), 1, 9, 1);
    REQUIRE(messages.size() == 1);
    CHECK(messages[0].find(files[0]) != std::string::npos);
    CHECK(messages[0].find("torn") != std::string::npos);
    const uint64_t record_bytes = FrameBytes(PayloadFor(10).size());
    CHECK(messages[0].find("dropping " + std::to_string(record_bytes - 5) + " bytes") !=
          std::string::npos);
    AppendRange(log.get(), 10, 12, 2);
    REQUIRE(log->Close().ok());
  }
  messages.clear();
  auto log = MustOpen(opts);
  CHECK(messages.empty());
  CHECK(log->last_index() == 12);
  CheckRange(log.get(), 1, 9, 1);
  CheckRange(log.get(), 10, 12, 2);
}

TEST_CASE("a checksum mismatch in the last record cuts from there") {
  TempDir dir;
  Options opts;
  opts.dir = dir.path();
  {
    auto log = MustOpen(opts);
    AppendRange(log.get(), 1, 10, 1);
  }  // the destructor closes
  auto files = SegmentFiles(dir.path());
  FlipByte(files[0], std::filesystem::file_size(files[0]) - 2);
  std::vector<std::string> messages;
  opts.logger = [&](std::string_view m) { messages.emplace_back(m); };
  auto log = MustOpen(opts);
  CHECK(log->last_index() == 9);
  CHECK(Joined(messages).find("checksum mismatch (expected index 10)") != std::string::npos);
  CheckRange(log.get(), 1, 9);
}

// Goal: records after a corrupt one are never served, even though their own checksums are fine.
TEST_CASE("corruption in the middle of a segment cuts it and every later segment") {
  TempDir dir;
  Options opts = SmallSegments(dir.path());
  {
    auto log = MustOpen(opts);
    AppendRange(log.get(), 1, 30, 1);
  }
  auto files = SegmentFiles(dir.path());
  REQUIRE(files.size() >= 3);
  // Record 3's payload, in the first segment (records are all the same size here).
  const uint64_t frame = FrameBytes(PayloadFor(3).size());
  FlipByte(files[0], kHeaderBytes + 2 * frame + kFrameOverheadBytes);
  std::vector<std::string> messages;
  opts.logger = [&](std::string_view m) { messages.emplace_back(m); };
  auto log = MustOpen(opts);
  CHECK(log->last_index() == 2);
  CheckRange(log.get(), 1, 2);
  CHECK(log->Read(3, 3, kAll).status().code() == ErrorCode::kOutOfRange);
  CHECK(SegmentFiles(dir.path()).size() == 1);
  const std::string all = Joined(messages);
  CHECK(all.find("cut " + files[0]) != std::string::npos);
  CHECK(all.find("removed " + files[1]) != std::string::npos);
  CHECK(all.find("removed " + files.back()) != std::string::npos);
  AppendRange(log.get(), 3, 8, 2);
  REQUIRE(log->Sync().ok());
  CheckRange(log.get(), 1, 8);
}

TEST_CASE("truncate suffix drops the conflicting records durably and the log continues") {
  TempDir dir;
  Options opts = SmallSegments(dir.path());
  {
    auto log = MustOpen(opts);
    AppendRange(log.get(), 1, 30, 1);
    REQUIRE(log->Sync().ok());
    const size_t files_before = SegmentFiles(dir.path()).size();
    REQUIRE(log->TruncateSuffix(12).ok());
    CHECK(SegmentFiles(dir.path()).size() < files_before);
    CHECK(log->last_index() == 11);
    CHECK(log->durable_index() == 11);
    CHECK(log->Read(12, 12, kAll).status().code() == ErrorCode::kOutOfRange);
    CheckRange(log.get(), 1, 11, 1);
    AppendRange(log.get(), 12, 20, 2);
    REQUIRE(log->TruncateSuffix(18).ok());
    AppendRange(log.get(), 18, 25, 3);
    REQUIRE(log->TruncateSuffix(99).ok());  // past the end: nothing to do
    CHECK(log->TruncateSuffix(0).code() == ErrorCode::kInvalidArgument);
    REQUIRE(log->Sync().ok());
    CheckRange(log.get(), 12, 17, 2);
  }
  auto log = MustOpen(opts);
  CHECK(log->last_index() == 25);
  CheckRange(log.get(), 1, 11, 1);
  CheckRange(log.get(), 12, 17, 2);
  CheckRange(log.get(), 18, 25, 3);
  REQUIRE(log->TruncateSuffix(1).ok());  // everything
  CHECK(log->last_index() == 0);
  AppendRange(log.get(), 1, 3, 4);
  REQUIRE(log->Close().ok());
  log = MustOpen(opts);
  CheckRange(log.get(), 1, 3, 4);
}

TEST_CASE("reset drops every record and the log starts afresh at the given index") {
  TempDir dir;
  Options opts = SmallSegments(dir.path());
  {
    auto log = MustOpen(opts);
    AppendRange(log.get(), 1, 30, 1);
    REQUIRE(log->Reset(101).ok());
    CHECK(log->first_index() == 101);
    CHECK(log->last_index() == 100);
    CHECK(log->durable_index() == 100);
    CHECK(SegmentFiles(dir.path()).size() == 1);
    CHECK(log->Read(5, 5, kAll).status().code() == ErrorCode::kOutOfRange);
    AppendRange(log.get(), 101, 110, 2);
    REQUIRE(log->Sync().ok());
    CheckRange(log.get(), 101, 110, 2);
  }
  auto log = MustOpen(opts);
  CHECK(log->first_index() == 101);
  CHECK(log->last_index() == 110);
  CheckRange(log.get(), 101, 110, 2);
  // An empty log reset before its first append keeps the new start across a reopen.
  REQUIRE(log->Reset(500).ok());
  REQUIRE(log->Close().ok());
  log = MustOpen(opts);
  CHECK(log->first_index() == 500);
  CHECK(log->last_index() == 499);
}

TEST_CASE("compact prefix deletes whole segments and first_index survives reopen") {
  TempDir dir;
  Options opts = SmallSegments(dir.path());
  uint64_t first = 0;
  {
    auto log = MustOpen(opts);
    AppendRange(log.get(), 1, 40, 1);
    REQUIRE(log->Sync().ok());
    const size_t files_before = SegmentFiles(dir.path()).size();
    REQUIRE(log->CompactPrefix(25).ok());
    first = log->first_index();
    CHECK(first > 1);
    CHECK(first <= 26);  // whole segments only: the one holding 26 stays
    CHECK(SegmentFiles(dir.path()).size() < files_before);
    auto below = log->Read(first - 1, 40, kAll);
    CHECK(below.status().code() == ErrorCode::kOutOfRange);
    CHECK(below.status().message().find("compacted") != std::string::npos);
    CheckRange(log.get(), first, 40);
    REQUIRE(log->CompactPrefix(1000).ok());  // never the last segment
    CHECK(log->first_index() <= 40);
    first = log->first_index();
    AppendRange(log.get(), 41, 45, 2);
  }
  auto log = MustOpen(opts);
  CHECK(log->first_index() == first);
  CHECK(log->last_index() == 45);
  CheckRange(log.get(), first, 40, 1);
  CheckRange(log.get(), 41, 45, 2);
}

TEST_CASE("a failed fsync claims no durability and puts the log in a failed state") {
  TempDir dir;
  FaultEnv env;
  DurableWaiter waiter;
  std::vector<Status> failures;  // written by the writer thread, read after Sync() returns
  Options opts;
  opts.dir = dir.path();
  opts.env = &env;
  opts.on_durable = waiter.Callback();
  opts.on_failure = [&](const Status& st) { failures.push_back(st); };
  auto log = MustOpen(opts);
  AppendRange(log.get(), 1, 5, 1);
  REQUIRE(log->Sync().ok());
  CHECK(log->durable_index() == 5);
  env.SetSyncHook([] { return Status::IoError("injected fdatasync failure"); });
  AppendRange(log.get(), 6, 10, 1);
  Status st = log->Sync();
  CHECK(st.code() == ErrorCode::kIoError);
  CHECK(log->status().code() == ErrorCode::kIoError);
  CHECK(log->status().message().find("injected") != std::string::npos);
  CHECK(log->durable_index() == 5);
  CHECK(waiter.latest() == 5);
  REQUIRE(failures.size() == 1);
  env.SetSyncHook(nullptr);  // even once the disk recovers, nothing more becomes durable
  AppendRange(log.get(), 11, 12, 1);
  CHECK(log->Sync().code() == ErrorCode::kIoError);
  CHECK(log->durable_index() == 5);
  CHECK(log->TruncateSuffix(3).code() == ErrorCode::kIoError);
  CheckRange(log.get(), 1, 5);
  CHECK(log->Close().code() == ErrorCode::kIoError);
}

TEST_CASE("a failed write claims no durability, and reopening recovers what is on disk") {
  TempDir dir;
  FaultEnv env;
  Options opts;
  opts.dir = dir.path();
  opts.env = &env;
  opts.fsync = FsyncPolicy::kNo;
  {
    auto log = MustOpen(opts);
    AppendRange(log.get(), 1, 4, 1);
    REQUIRE(log->Sync().ok());
    env.SetAppendHook([] { return Status::IoError("injected write failure"); });
    AppendRange(log.get(), 5, 8, 1);
    CHECK(log->Sync().code() == ErrorCode::kIoError);
    CHECK(log->durable_index() == 4);
    env.SetAppendHook(nullptr);
  }
  auto log = MustOpen(opts);
  CHECK(log->status().ok());
  CHECK(log->last_index() == 4);
  CheckRange(log.get(), 1, 4);
}

TEST_CASE("everysec and no publish durability without an fsync per batch") {
  for (FsyncPolicy policy : {FsyncPolicy::kEverySec, FsyncPolicy::kNo}) {
    CAPTURE(static_cast<int>(policy));
    TempDir dir;
    DurableWaiter waiter;
    Options opts;
    opts.dir = dir.path();
    opts.fsync = policy;
    opts.on_durable = waiter.Callback();
    auto log = MustOpen(opts);
    constexpr uint64_t kBatches = 50;
    for (uint64_t i = 1; i <= kBatches; ++i) log->AppendPayloads(1, {PayloadFor(i)});
    waiter.WaitFor(kBatches);
    CHECK(log->durable_index() == kBatches);
    if (policy == FsyncPolicy::kNo) {
      CHECK(log->stats().fsyncs == 0);
    } else {
      CHECK(log->stats().fsyncs < kBatches / 2);  // at most one a second
    }
    const uint64_t before = log->stats().fsyncs;
    REQUIRE(log->Sync().ok());
    CHECK(log->stats().fsyncs <= before + 1);
    CheckRange(log.get(), 1, kBatches);
  }
}

TEST_CASE("an empty or missing directory is a fresh log") {
  TempDir dir;
  Options opts;
  opts.dir = dir.path() + "/not-yet";
  {
    auto log = MustOpen(opts);
    CHECK(log->first_index() == 1);
    CHECK(log->last_index() == 0);
    CHECK(log->durable_index() == 0);
    auto none = log->Read(1, 0, kAll);
    REQUIRE(none.ok());
    CHECK(none->empty());
  }
  auto log = MustOpen(opts);
  CHECK(log->last_index() == 0);
  Options bad;
  CHECK(Log::Open(bad).status().code() == ErrorCode::kInvalidArgument);
}

TEST_CASE("close writes and syncs everything queued, under every policy") {
  for (FsyncPolicy policy : {FsyncPolicy::kAlways, FsyncPolicy::kEverySec, FsyncPolicy::kNo}) {
    CAPTURE(static_cast<int>(policy));
    TempDir dir;
    Options opts = SmallSegments(dir.path());
    opts.fsync = policy;
    {
      auto log = MustOpen(opts);
      AppendRange(log.get(), 1, 30, 1, 3);
      REQUIRE(log->Close().ok());
      CHECK(log->stats().records_written == 30);
    }
    auto log = MustOpen(opts);
    CHECK(log->last_index() == 30);
    CheckRange(log.get(), 1, 30, 1);
  }
}

// --- inline_writes: Append writes (and under kAlways syncs) on the caller's thread ---

TEST_CASE("AppendPayloads frames views with the next indexes, cached or read back from files") {
  for (size_t cache_bytes : {size_t{0}, size_t{1} << 20}) {
    CAPTURE(cache_bytes);
    TempDir dir;
    Options opts = SmallSegments(dir.path());
    opts.tail_cache_bytes = cache_bytes;
    auto log = MustOpen(opts);
    for (uint64_t first = 1; first <= 60; first += 6) {
      std::vector<std::string> owned;
      for (uint64_t i = first; i < first + 6; ++i) owned.push_back(PayloadFor(i));
      std::vector<std::string_view> views(owned.begin(), owned.end());
      CHECK(log->AppendPayloads(3, std::span<const std::string_view>(views)) == first + 5);
    }  // the payloads are gone: what Read returns is the log's own
    REQUIRE(log->Sync().ok());
    CHECK(SegmentFiles(dir.path()).size() > 1);
    CheckRange(log.get(), 1, 60, 3);
    CheckRange(log.get(), 55, 60, 3);
  }
}

TEST_CASE("inline writes: always is durable and fdatasynced when Append returns") {
  TempDir dir;
  DurableWaiter waiter;
  Options opts = SmallSegments(dir.path());
  opts.inline_writes = true;
  opts.on_durable = waiter.Callback();
  {
    auto log = MustOpen(opts);
    for (uint64_t i = 1; i <= 40; i += 4) {
      AppendRange(log.get(), i, i + 3, 1, /*per_batch=*/4);
      CHECK(log->durable_index() == i + 3);  // no waiting for another thread
    }
    CHECK(log->stats().fsyncs >= 10);  // one per Append at least (segment rolls sync too)
    CHECK(waiter.latest() == 0);       // inline writes do not call on_durable
    CheckRange(log.get(), 1, 40, 1);
    REQUIRE(log->TruncateSuffix(31).ok());  // the writer's file state stays consistent
    AppendRange(log.get(), 31, 44, 2);
    CHECK(log->durable_index() == 44);
  }
  auto log = MustOpen(opts);
  CHECK(log->last_index() == 44);
  CheckRange(log.get(), 1, 30, 1);
  CheckRange(log.get(), 31, 44, 2);
}

TEST_CASE("inline writes: everysec still fdatasyncs within about a second of an idle write") {
  TempDir dir;
  Options opts;
  opts.dir = dir.path();
  opts.fsync = FsyncPolicy::kEverySec;
  opts.inline_writes = true;
  auto log = MustOpen(opts);
  // Let a first deadline pass with nothing to sync, so the writer sleeps without one.
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));
  const uint64_t before = log->stats().fsyncs;
  log->AppendPayloads(1, {PayloadFor(1)});
  CHECK(log->durable_index() == 1);
  CHECK(log->stats().fsyncs == before);  // written, not synced
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (log->stats().fsyncs == before && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  CHECK(log->stats().fsyncs == before + 1);
}

TEST_CASE("inline writes: an everysec fdatasync in progress does not hold up the next write") {
  TempDir dir;
  FaultEnv env;
  Gate release;
  std::atomic<bool> syncing{false};
  std::vector<Status> failures;
  std::mutex failures_mu;
  Options opts;
  opts.dir = dir.path();
  opts.env = &env;
  opts.fsync = FsyncPolicy::kEverySec;
  opts.inline_writes = true;
  opts.on_failure = [&](const Status& st) {
    std::lock_guard lock(failures_mu);
    failures.push_back(st);
  };
  auto log = MustOpen(opts);
  env.SetSyncHook([&] {
    syncing = true;
    release.Wait();
    return Status::Ok();
  });
  log->AppendPayloads(1, {PayloadFor(1)});
  auto until = [](auto done) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!done() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return done();
  };
  REQUIRE(until([&] { return syncing.load(); }));  // the writer is inside fdatasync, held
  // On another thread: before the change this write waited for the held sync, forever here.
  std::thread writer([&] { log->AppendPayloads(2, {PayloadFor(2)}); });
  CHECK(until([&] { return log->durable_index() == 2; }));
  release.Open();
  writer.join();
  CHECK(until([&] { return log->stats().fsyncs >= 1; }));
  // A failed everysec sync fails the log: nothing becomes durable after it.
  env.SetSyncHook([] { return Status::IoError("injected fdatasync failure"); });
  log->AppendPayloads(3, {PayloadFor(3)});
  CHECK(until([&] { return log->status().code() == ErrorCode::kIoError; }));
  log->AppendPayloads(4, {PayloadFor(4)});
  CHECK(log->durable_index() == 3);
  std::lock_guard lock(failures_mu);
  CHECK(failures.size() == 1);
}

TEST_CASE("inline writes: a failed write or fsync claims no durability") {
  for (bool fail_sync : {false, true}) {
    CAPTURE(fail_sync);
    TempDir dir;
    FaultEnv env;
    std::vector<Status> failures;
    Options opts;
    opts.dir = dir.path();
    opts.env = &env;
    opts.inline_writes = true;
    opts.on_failure = [&](const Status& st) { failures.push_back(st); };
    auto log = MustOpen(opts);
    AppendRange(log.get(), 1, 5, 1);
    CHECK(log->durable_index() == 5);
    if (fail_sync) {
      env.SetSyncHook([] { return Status::IoError("injected fdatasync failure"); });
    } else {
      env.SetAppendHook([] { return Status::IoError("injected write failure"); });
    }
    AppendRange(log.get(), 6, 10, 1);
    CHECK(log->durable_index() == 5);
    CHECK(log->status().code() == ErrorCode::kIoError);
    CHECK(failures.size() == 1);
    env.SetSyncHook(nullptr);
    env.SetAppendHook(nullptr);
    AppendRange(log.get(), 11, 12, 1);  // the log stays failed
    CHECK(log->durable_index() == 5);
    CheckRange(log.get(), 1, 5);
  }
}

// --- spares: new segments written into files that already have their blocks ---

namespace {

std::vector<std::string> SpareFiles(const std::string& dir) {
  std::vector<std::string> files;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().filename().string().starts_with("wal-spare-")) files.push_back(e.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::string FileBytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

uint64_t FirstIndexOf(const std::string& path) {
  uint64_t first = 0;
  REQUIRE(ParseSegmentFileName(std::filesystem::path(path).filename().string(), &first));
  return first;
}

Options SpareOptions(const std::string& dir, uint64_t segment_bytes) {
  Options opts;
  opts.dir = dir;
  opts.segment_bytes = segment_bytes;
  opts.max_spares = 1;
  return opts;
}

}  // namespace

TEST_CASE("spares: an appended segment rolls into a zero-filled spare; its zeros end the log quietly") {
  TempDir dir;
  Options opts = SpareOptions(dir.path(), 64 << 10);
  std::vector<std::string> messages;
  opts.logger = [&](std::string_view m) { messages.emplace_back(m); };
  {
    auto log = MustOpen(opts);
    AppendRange(log.get(), 1, 300, 1);  // ~10 KiB: past an eighth of the segment, so a fill starts
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    auto ready = [&] {  // the fill writes wal-spare-<n>.zeroing, then renames it
      auto spares = SpareFiles(dir.path());
      return spares.size() == 1 && spares[0].ends_with(".tmp");
    };
    while (!ready() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    auto spares = SpareFiles(dir.path());
    REQUIRE(spares.size() == 1);
    CHECK(spares[0].ends_with(".tmp"));
    const std::string spare = FileBytes(spares[0]);
    CHECK(spare.size() == opts.segment_bytes);
    CHECK(spare.find_first_not_of('\0') == std::string::npos);
    AppendRange(log.get(), 301, 320, 1);  // the next record leaves for the spare
    REQUIRE(log->Sync().ok());
    CHECK(SpareFiles(dir.path()).empty());
    auto files = SegmentFiles(dir.path());
    REQUIRE(files.size() == 2);
    CHECK(FirstIndexOf(files[1]) == 301);
    // The first segment was appended to: it is exactly its records. The second is the spare.
    CHECK(ScanSegment(FileBytes(files[0]), 1).problem.empty());
    CHECK(std::filesystem::file_size(files[1]) == opts.segment_bytes);
    CheckRange(log.get(), 1, 320, 1);
  }
  auto log = MustOpen(opts);
  CHECK(messages.empty());  // the zeros past record 320 are the end of the log, not damage
  CHECK(log->last_index() == 320);
  CheckRange(log.get(), 1, 320, 1);
  AppendRange(log.get(), 321, 330, 2);  // written over the zeros, from record 320's end
  REQUIRE(log->Close().ok());
  log = MustOpen(opts);
  CHECK(messages.empty());
  CHECK(log->last_index() == 330);
  CheckRange(log.get(), 1, 320, 1);
  CheckRange(log.get(), 321, 330, 2);
}

// A compacted segment becomes the spare: its old records lie past the new ones until the roll
// cuts them off, and must never be served or taken for corruption in the middle of the log.
TEST_CASE("spares: a compacted segment is reused; its old bytes end the log, and a roll cuts them") {
  TempDir dir;
  Options opts = SpareOptions(dir.path(), 2048);
  {
    Options plain = opts;
    plain.max_spares = 0;
    auto log = MustOpen(plain);
    AppendRange(log.get(), 1, 200, 1);  // ~6.6 KiB: four segments
    REQUIRE(log->Close().ok());
  }
  const auto before = SegmentFiles(dir.path());
  REQUIRE(before.size() >= 4);
  std::vector<std::string> messages;
  opts.logger = [&](std::string_view m) { messages.emplace_back(m); };
  std::string reused_path;
  {
    auto log = MustOpen(opts);
    REQUIRE(log->CompactPrefix(FirstIndexOf(before.back()) - 1).ok());
    auto spares = SpareFiles(dir.path());
    REQUIRE(spares.size() == 1);  // one kept (max_spares), the other compacted files removed
    CHECK(SegmentFiles(dir.path()).size() == 1);
    AppendRange(log.get(), 201, 205, 2);  // the first leaves the appended segment for the spare
    REQUIRE(log->Sync().ok());
    CHECK(SpareFiles(dir.path()).empty());
    auto files = SegmentFiles(dir.path());
    REQUIRE(files.size() == 2);
    reused_path = files[1];
    CHECK(FirstIndexOf(reused_path) == 201);
    const std::string bytes = FileBytes(reused_path);
    SegmentHeader header;
    CHECK(DecodeHeader(bytes, &header).empty());
    CHECK((header.flags & kHeaderReused) != 0);
    const SegmentScan scan = ScanSegment(bytes, 201);
    CHECK(scan.offsets.size() == 5);
    CHECK(!scan.problem.empty());  // the old records, out of sequence or cut through
  }
  messages.clear();
  {
    // Smaller segments from here (wal-segment-bytes changed): the reused file rolls over with
    // old bytes still past its records, which the roll must cut.
    Options smaller = opts;
    smaller.segment_bytes = 1024;
    auto log = MustOpen(smaller);
    CHECK(log->last_index() == 205);
    CheckRange(log.get(), 201, 205, 2);
    REQUIRE(messages.size() == 1);  // said once, not cut
    CHECK(messages[0].find("left from the reused file") != std::string::npos);
    CHECK(std::filesystem::file_size(reused_path) > ScanSegment(FileBytes(reused_path), 201).valid_bytes);
    AppendRange(log.get(), 206, 300, 3);  // past the segment: it rolls, cutting the reused file
    REQUIRE(log->Sync().ok());
    const SegmentScan scan = ScanSegment(FileBytes(reused_path), 201);
    CHECK(scan.problem.empty());
    CHECK(scan.valid_bytes == std::filesystem::file_size(reused_path));
  }
  messages.clear();
  auto log = MustOpen(opts);
  for (const auto& m : messages) CHECK(m.find("cut") == std::string::npos);
  CHECK(log->last_index() == 300);
  CheckRange(log.get(), 201, 205, 2);
  CheckRange(log.get(), 206, 300, 3);
}

TEST_CASE("spares: at open, a half-filled spare or one that could hold this log's records goes") {
  TempDir dir;
  Options opts = SpareOptions(dir.path(), 4096);
  opts.max_spares = 3;
  {
    Options plain = opts;
    plain.max_spares = 0;
    auto log = MustOpen(plain);
    AppendRange(log.get(), 1, 10, 1);
    REQUIRE(log->Close().ok());
  }
  const std::string segment = SegmentFiles(dir.path()).at(0);
  auto write = [&](const std::string& name, const std::string& bytes) {
    std::ofstream(dir.path() + "/" + name, std::ios::binary) << bytes;
  };
  write("wal-spare-3.zeroing", std::string(4096, '\0'));  // a fill cut short by a crash
  write("wal-spare-4.tmp", FileBytes(segment));          // records 1..10: the log's own indexes
  write("wal-spare-5.tmp", std::string(4096, '\0'));
  write("wal-spare-x.tmp", std::string(4096, '\0'));
  write("wal-spare-6.tmp", "short");
  auto log = MustOpen(opts);
  auto spares = SpareFiles(dir.path());
  REQUIRE(spares.size() == 1);
  CHECK(spares[0].ends_with("wal-spare-5.tmp"));
  AppendRange(log.get(), 11, 20, 2);
  REQUIRE(log->Close().ok());
  log = MustOpen(opts);
  CHECK(log->last_index() == 20);
  CheckRange(log.get(), 1, 10, 1);
  CheckRange(log.get(), 11, 20, 2);
}
