// Unit tests for MemoryStorage and the core's log view.
#include <doctest/doctest.h>

#include "raft/log.h"
#include "raft/memory_storage.h"

namespace cairn::raft {
namespace {

std::vector<Entry> Ents(uint64_t first, std::vector<uint64_t> terms) {
  std::vector<Entry> out;
  for (uint64_t t : terms) out.push_back(Entry{t, first + out.size(), EntryType::kNormal, "d"});
  return out;
}

TEST_CASE("MemoryStorage appends, overwrites a suffix, and reports bounds") {
  MemoryStorage s;
  REQUIRE(s.Append(Ents(1, {1, 1, 2, 2})).ok());
  CHECK(s.FirstIndex() == 1);
  CHECK(s.LastIndex() == 4);
  REQUIRE(s.Append(Ents(3, {3})).ok());
  CHECK(s.LastIndex() == 3);
  CHECK(*s.Term(3) == 3);
  CHECK(s.Term(4).status().code() == ErrorCode::kNotFound);
  CHECK(s.Append(Ents(9, {3})).code() == ErrorCode::kInvalidArgument);  // a gap
}

TEST_CASE("MemoryStorage compacts behind a snapshot and keeps the boundary term") {
  MemoryStorage s;
  REQUIRE(s.Append(Ents(1, {1, 1, 2, 2, 3})).ok());
  CHECK(s.Compact(3).code() == ErrorCode::kInvalidArgument);  // no snapshot covers 2 yet
  REQUIRE(s.CreateSnapshot(3, ConfState{{1}, {}}, "img").ok());
  REQUIRE(s.Compact(4).ok());
  CHECK(s.FirstIndex() == 4);
  CHECK(*s.Term(3) == 2);
  CHECK(s.Term(2).status().code() == ErrorCode::kOutOfRange);
  CHECK(s.Entries(3, 5, 100).status().code() == ErrorCode::kOutOfRange);
  auto ents = s.Entries(4, 6, 100);
  REQUIRE(ents.ok());
  CHECK(ents->size() == 2);
  auto init = s.GetInitialState();
  REQUIRE(init.ok());
  CHECK(init->conf.voters == std::vector<NodeId>{1});
}

TEST_CASE("MemoryStorage entries respect the byte limit but return at least one") {
  MemoryStorage s;
  REQUIRE(s.Append(Ents(1, {1, 1, 1})).ok());
  auto one = s.Entries(1, 4, 0);
  REQUIRE(one.ok());
  CHECK(one->size() == 1);
}

TEST_CASE("bootstrap writes the membership as committed conf-change entries") {
  MemoryStorage s;
  REQUIRE(s.Bootstrap({1, 2, 3}).ok());
  CHECK(s.LastIndex() == 3);
  CHECK(s.hard_state().commit == 3);
  CHECK(s.hard_state().term == 1);
  CHECK_FALSE(s.Bootstrap({1}).ok());
}

TEST_CASE("the log view finds the probe point by term, skipping whole terms (§5.3)") {
  MemoryStorage s;
  REQUIRE(s.Append(Ents(1, {1, 1, 2, 2, 2, 5, 5})).ok());
  RaftLog log(&s, 1 << 20, Plant::kNone);
  CHECK(log.FindConflictByTerm(7, 4) == 5);  // last index with term <= 4
  CHECK(log.FindConflictByTerm(7, 1) == 2);
  CHECK(log.FindConflictByTerm(7, 9) == 7);
}

TEST_CASE("the log view truncates an unstable conflicting suffix and keeps commits") {
  MemoryStorage s;
  REQUIRE(s.Append(Ents(1, {1, 1, 1})).ok());
  RaftLog log(&s, 1 << 20, Plant::kNone);
  uint64_t first_written = 0;
  auto last = log.MaybeAppend(1, 1, 2, Ents(2, {2, 2, 2}), &first_written);
  REQUIRE(last.has_value());
  CHECK(*last == 4);
  CHECK(first_written == 2);
  CHECK(log.committed() == 2);
  CHECK(log.LastIndex() == 4);
  CHECK(log.TermOrZero(3) == 2);
  // A mismatching previous entry is refused.
  CHECK_FALSE(log.MaybeAppend(4, 9, 2, {}, &first_written).has_value());
  // Once persisted, the entries leave the unstable tail.
  REQUIRE(s.Append(log.unstable_entries()).ok());
  log.StableTo(4, 2);
  CHECK(log.unstable_entries().empty());
  CHECK(log.LastIndex() == 4);
}

TEST_CASE("up-to-date compares last term first, then length (§5.4.1)") {
  MemoryStorage s;
  REQUIRE(s.Append(Ents(1, {1, 2, 2})).ok());
  RaftLog log(&s, 1 << 20, Plant::kNone);
  CHECK(log.IsUpToDate(1, 3));
  CHECK(log.IsUpToDate(3, 2));
  CHECK_FALSE(log.IsUpToDate(2, 2));
  CHECK_FALSE(log.IsUpToDate(9, 1));
}

}  // namespace
}  // namespace cairn::raft
