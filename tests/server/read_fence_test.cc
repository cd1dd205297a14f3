// Unit tests for ReadFence: one request per batch, release only once answered and applied, in
// order, refusal without a leader, and retry of a lost request.
#include "server/read_fence.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace cairn::server {
namespace {

struct FakeRaft {
  bool has_leader = true;
  std::vector<std::string> asked;
  Status Ask(std::string ctx) {
    if (!has_leader) return Status::Unavailable("no known leader");
    asked.push_back(std::move(ctx));
    return Status::Ok();
  }
};

std::vector<uint64_t> Released(ReadFence& f, uint64_t applied) {
  std::vector<uint64_t> out;
  f.Release(applied, &out);
  return out;
}

}  // namespace

TEST_CASE("A batch's reads run only once its answer is in and its index applied") {
  ReadFence f;
  FakeRaft raft;
  auto ask = [&](std::string c) { return raft.Ask(std::move(c)); };
  f.Wait(1);
  f.Wait(2);
  CHECK(f.Send(ask, 0).empty());
  REQUIRE(raft.asked.size() == 1);  // one request for both
  CHECK(f.Send(ask, 0).empty());    // nothing waits: nothing sent
  CHECK(raft.asked.size() == 1);
  CHECK(Released(f, 100).empty());  // no answer yet
  f.OnReadState(raft::ReadState{50, raft.asked[0]});
  CHECK(Released(f, 49).empty());  // answered, not applied
  CHECK(Released(f, 50) == std::vector<uint64_t>{1, 2});
  CHECK(f.in_flight() == 0);
}

TEST_CASE("Batches release in order even when a later answer comes first") {
  ReadFence f;
  FakeRaft raft;
  auto ask = [&](std::string c) { return raft.Ask(std::move(c)); };
  f.Wait(1);
  f.Send(ask, 0);
  f.Wait(2);
  f.Send(ask, 0);
  REQUIRE(raft.asked.size() == 2);
  f.OnReadState(raft::ReadState{10, raft.asked[1]});
  CHECK(Released(f, 10).empty());  // batch 1 still unanswered
  f.OnReadState(raft::ReadState{9, raft.asked[0]});
  CHECK(Released(f, 10) == std::vector<uint64_t>{1, 2});
  f.OnReadState(raft::ReadState{1, "not-a-number"});  // someone else's context: ignored
}

TEST_CASE("Without a leader the waiting clients are refused; a lost request is asked again") {
  ReadFence f;
  FakeRaft raft;
  auto ask = [&](std::string c) { return raft.Ask(std::move(c)); };
  raft.has_leader = false;
  f.Wait(7);
  CHECK(f.Send(ask, 0) == std::vector<uint64_t>{7});
  raft.has_leader = true;
  f.Wait(8);
  f.Send(ask, 5);
  f.Retry(10, 20);  // not old enough
  CHECK(f.waiting() == 0);
  f.Retry(25, 20);  // lost with a leader change: back to waiting
  CHECK(f.waiting() == 1);
  CHECK(f.in_flight() == 0);
  f.OnReadState(raft::ReadState{3, raft.asked[0]});  // the late answer of the dropped batch
  CHECK(Released(f, 100).empty());
  f.Send(ask, 25);
  REQUIRE(raft.asked.size() == 2);
  CHECK(raft.asked[1] != raft.asked[0]);
  f.OnReadState(raft::ReadState{4, raft.asked[1]});
  CHECK(Released(f, 4) == std::vector<uint64_t>{8});
}

}  // namespace cairn::server
