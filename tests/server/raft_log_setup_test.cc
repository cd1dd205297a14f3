// Unit tests for OpenRaftLog: bootstrap of a new dir, and the move of a pre-replication log.
#include "server/raft_log_setup.h"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "raft/codec.h"
#include "wal/log.h"
#include "wal/test_util.h"

namespace cairn::server {
namespace {

using wal::testing::TempDir;
namespace fs = std::filesystem;

RaftLogSetup Setup(const std::string& dir, std::vector<uint64_t> voters, uint64_t applied = 0) {
  RaftLogSetup s;
  s.dir = dir;
  s.node_id = 1;
  s.voters = std::move(voters);
  s.keyspace_applied = applied;
  s.store.inline_writes = true;
  return s;
}

// A data dir as a node from before replication left it: wal/ of version-1 records 1..n.
void WriteLegacyLog(const std::string& dir, int n) {
  wal::Options o;
  o.dir = dir + "/wal";
  o.inline_writes = true;
  o.format_version = wal::kFormatVersionRecords;
  auto log = wal::Log::Open(std::move(o));
  REQUIRE(log.ok());
  std::vector<std::string> payloads;
  for (int i = 1; i <= n; ++i) payloads.push_back("record-" + std::to_string(i));
  (*log)->AppendPayloads(1, payloads);
  REQUIRE((*log)->Close().ok());
}

std::vector<raft::Entry> AllEntries(replication::LogStore& store) {
  auto ents = store.Entries(store.FirstIndex(), store.LastIndex() + 1, UINT64_MAX);
  REQUIRE(ents.ok());
  return *ents;
}

}  // namespace

TEST_CASE("A new data dir gets the membership bootstrapped once") {
  TempDir dir;
  {
    auto opened = OpenRaftLog(Setup(dir.path(), {1, 2, 3}));
    REQUIRE(opened.ok());
    CHECK(opened->bootstrapped);
    CHECK_FALSE(opened->migrated);
    CHECK(opened->store->LastIndex() == 3);
    CHECK(opened->store->hard_state().commit == 3);
  }
  auto again = OpenRaftLog(Setup(dir.path(), {1, 2, 3}));
  REQUIRE(again.ok());
  CHECK_FALSE(again->bootstrapped);
  CHECK(again->store->LastIndex() == 3);
}

TEST_CASE("A pre-replication log moves onto the Raft log at the same indexes, and wal/ goes") {
  TempDir dir;
  WriteLegacyLog(dir.path(), 10);
  std::vector<std::string> said;
  RaftLogSetup setup = Setup(dir.path(), {1}, /*applied=*/4);
  setup.log = [&](std::string_view m) { said.emplace_back(m); };
  {
    auto opened = OpenRaftLog(setup);
    REQUIRE(opened.ok());
    CHECK(opened->migrated);
    CHECK_FALSE(opened->bootstrapped);
    replication::LogStore& store = *opened->store;
    // The keyspace holds 1..4: the snapshot point covers them; 5..10 follow, then membership.
    CHECK(store.FirstIndex() == 5);
    CHECK(*store.Term(4) == 1);
    std::vector<raft::Entry> ents = AllEntries(store);
    REQUIRE(ents.size() == 7);
    for (int i = 0; i < 6; ++i) {
      CHECK(ents[i].index == 5 + i);
      CHECK(ents[i].term == 1);
      CHECK(ents[i].type == raft::EntryType::kNormal);
      CHECK(ents[i].data == "record-" + std::to_string(5 + i));
    }
    CHECK(ents[6].index == 11);
    CHECK(ents[6].type == raft::EntryType::kConfChange);
    CHECK(store.hard_state().commit == 11);
    auto init = store.GetInitialState();
    REQUIRE(init.ok());
  }
  CHECK_FALSE(fs::exists(dir.path() + "/wal"));
  CHECK_FALSE(fs::exists(dir.path() + "/raft.new"));
  REQUIRE(said.size() == 1);
  CHECK(said[0].find("moved 6 records") != std::string::npos);
  auto again = OpenRaftLog(setup);
  REQUIRE(again.ok());
  CHECK_FALSE(again->migrated);
  CHECK(again->store->LastIndex() == 11);
}

TEST_CASE("A move that a crash interrupted is done again from the start") {
  TempDir dir;
  WriteLegacyLog(dir.path(), 3);
  fs::create_directories(dir.path() + "/raft.new");
  {
    std::ofstream junk(dir.path() + "/raft.new/hardstate");
    junk << "half-written";
  }
  auto opened = OpenRaftLog(Setup(dir.path(), {1}));
  REQUIRE(opened.ok());
  CHECK(opened->migrated);
  std::vector<raft::Entry> ents = AllEntries(*opened->store);
  REQUIRE(ents.size() == 4);  // 1..3 and the membership
  CHECK(ents[0].data == "record-1");
}

TEST_CASE("A finished move whose wal/ removal was cut short removes it at the next start") {
  TempDir dir;
  WriteLegacyLog(dir.path(), 3);
  REQUIRE(OpenRaftLog(Setup(dir.path(), {1})).ok());
  WriteLegacyLog(dir.path(), 2);  // as if the removal had not happened
  auto opened = OpenRaftLog(Setup(dir.path(), {1}));
  REQUIRE(opened.ok());
  CHECK_FALSE(opened->migrated);
  CHECK(opened->store->LastIndex() == 4);
  CHECK_FALSE(fs::exists(dir.path() + "/wal"));
}

TEST_CASE("A pre-replication log does not start as one node of several") {
  TempDir dir;
  WriteLegacyLog(dir.path(), 3);
  auto opened = OpenRaftLog(Setup(dir.path(), {1, 2, 3}));
  REQUIRE_FALSE(opened.ok());
  CHECK(opened.status().message().find("start it once as a single node") != std::string::npos);
  CHECK(fs::exists(dir.path() + "/wal"));  // untouched
}

TEST_CASE("A keyspace ahead of the legacy log (an OS crash under everysec) leaves no gap") {
  TempDir dir;
  WriteLegacyLog(dir.path(), 3);
  auto opened = OpenRaftLog(Setup(dir.path(), {1}, /*applied=*/7));
  REQUIRE(opened.ok());
  CHECK(opened->store->FirstIndex() == 8);
  CHECK(opened->store->LastIndex() == 8);  // only the membership, after the keyspace's index
}

TEST_CASE("A keyspace checkpoint ahead of the lazily written commit index raises it") {
  TempDir dir;
  {
    auto opened = OpenRaftLog(Setup(dir.path(), {1}));
    REQUIRE(opened.ok());
    std::vector<raft::Entry> ents;
    for (uint64_t i = 2; i <= 6; ++i) ents.push_back(raft::Entry{2, i, raft::EntryType::kNormal, "x"});
    REQUIRE(opened->store->SetHardState(raft::HardState{2, 1, 1}).ok());
    REQUIRE(opened->store->Append(ents).ok());
    // Commit 6 stays in memory (lazy), as when a kill -9 follows a checkpoint.
    REQUIRE(opened->store->SetHardState(raft::HardState{2, 1, 6}).ok());
    REQUIRE(opened->store->status().ok());
  }  // the destructor syncs: re-create the lag by writing commit 1 again
  {
    replication::LogStoreOptions o;
    o.dir = dir.path() + "/raft";
    auto store = replication::LogStore::Open(o);
    REQUIRE(store.ok());
    REQUIRE((*store)->SetHardState(raft::HardState{2, 1, 1}).ok());
    REQUIRE((*store)->Sync().ok());
  }
  auto opened = OpenRaftLog(Setup(dir.path(), {1}, /*applied=*/5));
  REQUIRE(opened.ok());
  CHECK(opened->store->hard_state().commit == 5);
  CHECK(opened->store->LastIndex() == 6);
}

TEST_CASE("A keyspace past the end of the log (an OS crash under everysec) continues from it") {
  TempDir dir;
  REQUIRE(OpenRaftLog(Setup(dir.path(), {1})).ok());
  std::vector<std::string> said;
  RaftLogSetup setup = Setup(dir.path(), {1}, /*applied=*/9);
  setup.log = [&](std::string_view m) { said.emplace_back(m); };
  auto opened = OpenRaftLog(setup);
  REQUIRE(opened.ok());
  CHECK(opened->store->FirstIndex() == 10);
  CHECK(opened->store->hard_state().commit == 9);
  REQUIRE(said.size() == 1);
  CHECK(said[0].find("continuing from the keyspace") != std::string::npos);
  auto three = OpenRaftLog(Setup(dir.path(), {1, 2, 3}, /*applied=*/20));
  CHECK_FALSE(three.ok());
}

}  // namespace cairn::server
