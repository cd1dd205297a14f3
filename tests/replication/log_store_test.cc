// Unit tests for the Raft log store (raft::Storage on the write-ahead log) and its state files,
// each in a fresh temp dir, reopening the store to check what survived.
#include <doctest/doctest.h>

#include <filesystem>

#include "../wal/test_util.h"

#include "common/rng.h"
#include "raft/codec.h"
#include "raft/core.h"
#include "replication/log_store.h"
#include "replication/state_file.h"
#include "wal/log.h"

namespace cairn::replication {
namespace {

using wal::testing::TempDir;

std::unique_ptr<LogStore> OpenStore(const std::string& dir, bool inline_writes = true) {
  LogStoreOptions o;
  o.dir = dir;
  o.inline_writes = inline_writes;
  auto s = LogStore::Open(std::move(o));
  REQUIRE(s.ok());
  return std::move(*s);
}

std::vector<raft::Entry> Ents(uint64_t first, std::vector<uint64_t> terms) {
  std::vector<raft::Entry> out;
  for (uint64_t t : terms) {
    const uint64_t i = first + out.size();
    out.push_back(raft::Entry{t, i, raft::EntryType::kNormal, "data-" + std::to_string(i)});
  }
  return out;
}

std::vector<uint64_t> TermsOf(const LogStore& s) {
  std::vector<uint64_t> out;
  for (uint64_t i = s.FirstIndex(); i <= s.LastIndex(); ++i) out.push_back(*s.Term(i));
  return out;
}

TEST_CASE("A new log store is empty: first index 1, term 0 before it") {
  TempDir dir;
  auto s = OpenStore(dir.path());
  CHECK(s->FirstIndex() == 1);
  CHECK(s->LastIndex() == 0);
  CHECK(*s->Term(0) == 0);
  CHECK(s->Term(1).status().code() == ErrorCode::kNotFound);
  CHECK(s->Entries(1, 1, 100)->empty());
  CHECK(s->GetInitialState()->hard_state == raft::HardState{});
}

TEST_CASE("Entries keep their term, type and data across a reopen") {
  TempDir dir;
  std::vector<raft::Entry> ents = Ents(1, {1, 1, 2, 3});
  ents[2].type = raft::EntryType::kConfChange;
  ents[2].data = raft::EncodeConfChange({raft::ConfChangeType::kAddLearner, 4});
  ents[1].data.clear();  // a leader's no-op
  {
    auto s = OpenStore(dir.path());
    REQUIRE(s->Append(ents).ok());
    CHECK(*s->Entries(1, 5, UINT64_MAX) == ents);
  }
  auto s = OpenStore(dir.path());
  CHECK(s->LastIndex() == 4);
  CHECK(TermsOf(*s) == std::vector<uint64_t>{1, 1, 2, 3});
  CHECK(*s->Entries(1, 5, UINT64_MAX) == ents);
  CHECK(*s->Entries(2, 4, UINT64_MAX) == std::vector<raft::Entry>(ents.begin() + 1, ents.begin() + 3));
}

TEST_CASE("Entries stop at max_bytes but always return one") {
  TempDir dir;
  auto s = OpenStore(dir.path());
  REQUIRE(s->Append(Ents(1, {1, 1, 1, 1})).ok());  // 6 bytes of data each
  CHECK(s->Entries(1, 5, 0)->size() == 1);
  CHECK(s->Entries(1, 5, 12)->size() == 2);
  CHECK(s->Entries(1, 5, 13)->size() == 2);
  CHECK(s->Entries(1, 5, 1000)->size() == 4);
  CHECK(s->Entries(1, 6, 1000).status().code() == ErrorCode::kNotFound);
}

TEST_CASE("A leader's entries overwrite an uncommitted suffix, never a committed one") {
  TempDir dir;
  {
    auto s = OpenStore(dir.path());
    REQUIRE(s->Append(Ents(1, {1, 1, 2, 2, 2})).ok());
    REQUIRE(s->SetHardState({2, 1, 2}).ok());
    REQUIRE(s->Append(Ents(4, {3})).ok());
    CHECK(s->LastIndex() == 4);
    CHECK(TermsOf(*s) == std::vector<uint64_t>{1, 1, 2, 3});
    CHECK(s->Append(Ents(2, {3})).code() == ErrorCode::kInvalidArgument);  // commit is 2
    CHECK(s->Append(Ents(9, {3})).code() == ErrorCode::kInvalidArgument);  // a gap
    REQUIRE(s->Append(Ents(5, {3, 3})).ok());
  }
  auto s = OpenStore(dir.path());
  CHECK(TermsOf(*s) == std::vector<uint64_t>{1, 1, 2, 3, 3, 3});
  CHECK(s->Entries(4, 5, 100)->front().data == "data-4");
  // An overwrite that starts before the last run of terms replaces the runs after it.
  REQUIRE(s->Append(Ents(3, {4, 4, 4})).ok());
  CHECK(TermsOf(*s) == std::vector<uint64_t>{1, 1, 4, 4, 4});
}

TEST_CASE("Term and vote are durable when SetHardState returns; commit alone waits for Sync") {
  TempDir dir;
  auto s = OpenStore(dir.path());
  REQUIRE(s->Append(Ents(1, {1, 1, 1})).ok());
  REQUIRE(s->SetHardState({5, 2, 1}).ok());
  auto on_disk = [&] {
    auto f = ReadStateFile(wal::Env::Posix(), dir.path(), "hardstate");
    REQUIRE(f.ok());
    auto hs = DecodeHardState(*f);
    REQUIRE(hs.ok());
    return *hs;
  };
  CHECK(on_disk() == raft::HardState{5, 2, 1});
  REQUIRE(s->SetHardState({5, 2, 3}).ok());
  CHECK(on_disk() == raft::HardState{5, 2, 1});
  CHECK(s->hard_state() == raft::HardState{5, 2, 3});
  REQUIRE(s->Sync().ok());
  CHECK(on_disk() == raft::HardState{5, 2, 3});
  REQUIRE(s->SetHardState({6, 0, 3}).ok());
  CHECK(on_disk() == raft::HardState{6, 0, 3});
}

TEST_CASE("Compact records the snapshot point; the prefix is gone after a reopen too") {
  TempDir dir;
  const raft::ConfState conf{{1, 2, 3}, {4}};
  {
    LogStoreOptions o;
    o.dir = dir.path();
    o.inline_writes = true;
    o.segment_bytes = 256;  // a few records per segment, so whole segments can go
    auto opened = LogStore::Open(std::move(o));
    REQUIRE(opened.ok());
    auto s = std::move(*opened);
    REQUIRE(s->Append(Ents(1, {1, 1, 2, 2, 2, 3, 3, 3, 3, 3})).ok());
    CHECK(s->Compact(6, conf).code() == ErrorCode::kInvalidArgument);  // past the commit index
    REQUIRE(s->SetHardState({3, 1, 10}).ok());
    REQUIRE(s->Compact(6, conf).ok());
    CHECK(s->FirstIndex() == 7);
    CHECK(*s->Term(6) == 3);
    CHECK(s->Term(5).status().code() == ErrorCode::kOutOfRange);
    CHECK(s->Entries(6, 8, 100).status().code() == ErrorCode::kOutOfRange);
    CHECK(s->Entries(7, 11, 1000)->size() == 4);
  }
  auto s = OpenStore(dir.path());
  CHECK(s->FirstIndex() == 7);
  CHECK(s->LastIndex() == 10);
  CHECK(*s->Term(6) == 3);
  CHECK(TermsOf(*s) == std::vector<uint64_t>{3, 3, 3, 3});
  CHECK(s->GetInitialState()->conf == conf);
  CHECK(s->GetSnapshot()->meta == raft::SnapshotMeta{6, 3, conf});
  CHECK(s->hard_state().commit == 10);
  // Fewer segment files than before: whole segments at or below 6 were deleted.
  size_t segments = 0;
  for (const auto& f : std::filesystem::directory_iterator(dir.path())) {
    segments += f.path().extension() == ".log";
  }
  CHECK(segments < 5);
}

TEST_CASE("A follower's installed snapshot replaces the log, and survives a crash part-way") {
  TempDir dir;
  const raft::SnapshotMeta meta{20, 4, {{1, 2, 3}, {}}};
  {
    auto s = OpenStore(dir.path());
    REQUIRE(s->Append(Ents(1, {1, 1, 2})).ok());
    REQUIRE(s->ApplySnapshot(meta).ok());
    CHECK(s->FirstIndex() == 21);
    CHECK(s->LastIndex() == 20);
    CHECK(*s->Term(20) == 4);
    CHECK(s->hard_state().commit == 20);
    CHECK(s->Append(Ents(22, {4})).code() == ErrorCode::kInvalidArgument);
    REQUIRE(s->Append(Ents(21, {4, 5})).ok());
  }
  {
    auto s = OpenStore(dir.path());
    CHECK(s->FirstIndex() == 21);
    CHECK(TermsOf(*s) == std::vector<uint64_t>{4, 5});
    CHECK(s->Entries(21, 23, 100)->back().data == "data-22");
  }
  // The crash: the snapshot point is written but the log was not reset yet.
  TempDir crashed;
  {
    auto s = OpenStore(crashed.path());
    REQUIRE(s->Append(Ents(1, {1, 1, 2})).ok());
  }
  REQUIRE(WriteStateFile(wal::Env::Posix(), crashed.path(), "snapshot", EncodeSnapshotPoint(meta)).ok());
  auto s = OpenStore(crashed.path());
  CHECK(s->FirstIndex() == 21);
  CHECK(s->LastIndex() == 20);
  REQUIRE(s->Append(Ents(21, {4})).ok());
}

TEST_CASE("Entries not yet durable are served from memory (writes on the log's own thread)") {
  TempDir dir;
  auto s = OpenStore(dir.path(), /*inline_writes=*/false);
  const auto ents = Ents(1, {1, 1, 1, 2, 2, 2, 2, 2});
  for (size_t i = 0; i < ents.size(); ++i) {
    REQUIRE(s->Append(std::span(&ents[i], 1)).ok());
    CHECK(*s->Entries(1, i + 2, UINT64_MAX) == std::vector<raft::Entry>(ents.begin(), ents.begin() + i + 1));
  }
  REQUIRE(s->Sync().ok());
  CHECK(s->durable_index() == 8);
  CHECK(*s->Entries(1, 9, UINT64_MAX) == ents);
}

TEST_CASE("State files: a flipped byte, another version or a short file is refused") {
  const std::string hs = EncodeHardState({7, 3, 99});
  CHECK(*DecodeHardState(hs) == raft::HardState{7, 3, 99});
  const raft::SnapshotMeta meta{12, 5, {{1, 2}, {3}}};
  CHECK(*DecodeSnapshotPoint(EncodeSnapshotPoint(meta)) == meta);
  for (size_t i = 0; i < hs.size(); ++i) {
    std::string bad = hs;
    bad[i] ^= 0x10;
    CHECK(DecodeHardState(bad).status().code() == ErrorCode::kCorruption);
  }
  CHECK(DecodeHardState(hs.substr(0, 8)).status().code() == ErrorCode::kCorruption);
  CHECK(DecodeSnapshotPoint(hs).status().code() == ErrorCode::kCorruption);  // wrong magic
}

TEST_CASE("A log store will not open over a corrupt hard state or an unknown entry type") {
  TempDir dir;
  { auto s = OpenStore(dir.path()); REQUIRE(s->SetHardState({2, 1, 0}).ok()); }
  std::string hs = *ReadStateFile(wal::Env::Posix(), dir.path(), "hardstate");
  hs[6] ^= 1;
  REQUIRE(WriteStateFile(wal::Env::Posix(), dir.path(), "hardstate", hs).ok());
  LogStoreOptions o;
  o.dir = dir.path();
  CHECK(LogStore::Open(o).status().code() == ErrorCode::kCorruption);

  TempDir typed;
  {
    wal::Options wo;
    wo.dir = typed.path();
    auto opened = wal::Log::Open(wo);
    REQUIRE(opened.ok());
    auto log = std::move(*opened);
    log->Append({wal::Record{1, 1, std::string("\x07payload")}});
    REQUIRE(log->Close().ok());
  }
  o.dir = typed.path();
  auto s = LogStore::Open(o);
  CHECK(s.status().code() == ErrorCode::kCorruption);
  CHECK(s.status().message().find("unknown entry type 7") != std::string::npos);
}

// The store under the real core: a single voter bootstraps, elects itself, commits a proposal,
// and after a restart comes back with the same log and commit.
TEST_CASE("A single voter on the log store elects itself and commits, across a restart") {
  TempDir dir;
  auto drive = [](raft::Core& core, LogStore& store, std::vector<raft::Entry>* applied) {
    for (int i = 0; i < 100 && core.HasReady(); ++i) {
      raft::Ready rd = core.GetReady();
      if (!rd.entries.empty()) REQUIRE(store.Append(rd.entries).ok());
      if (rd.hard_state) REQUIRE(store.SetHardState(*rd.hard_state).ok());
      for (auto& e : rd.committed_entries) applied->push_back(e);
      core.Advance(rd);
    }
  };
  std::vector<raft::Entry> applied;
  {
    auto store = OpenStore(dir.path());
    REQUIRE(store->Bootstrap({1}).ok());
    raft::Config cfg;
    cfg.id = 1;
    auto core = raft::Core::Create(cfg, store.get(), Rng(7));
    REQUIRE(core.ok());
    for (int t = 0; t < 50 && (*core)->role() != raft::Role::kLeader; ++t) {
      (*core)->Tick();
      drive(**core, *store, &applied);
    }
    REQUIRE((*core)->role() == raft::Role::kLeader);
    auto idx = (*core)->Propose("SET k v");
    REQUIRE(idx.ok());
    drive(**core, *store, &applied);
    REQUIRE(!applied.empty());
    CHECK(applied.back().data == "SET k v");
    CHECK(applied.back().index == *idx);
    CHECK(store->hard_state().commit == *idx);
  }
  auto store = OpenStore(dir.path());
  CHECK(store->hard_state().commit == applied.back().index);
  CHECK(store->Entries(applied.back().index, applied.back().index + 1, 100)->front().data == "SET k v");
  raft::Config cfg;
  cfg.id = 1;
  cfg.applied = applied.back().index;
  auto core = raft::Core::Create(cfg, store.get(), Rng(8));
  REQUIRE(core.ok());
}

}  // namespace
}  // namespace cairn::replication
