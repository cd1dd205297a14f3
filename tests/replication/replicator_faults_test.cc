// The Replicator under seeded fault schedules: random proposals, dropped messages, partitions,
// crashes and restarts from the log store, then a heal. Each seed is one schedule, replayable. It
// checks what the server relies on: every node applies the same entry at each index; a proposal's
// cookie comes back at most once, with its own data; a proposal reported lost never applies; and
// after the heal every node holds the same log and a new proposal commits.
#include <doctest/doctest.h>

#include <map>
#include <set>

#include "replica_cluster.h"

namespace cairn::replication {
namespace {

using testing::Cluster;

struct Outcome {
  std::map<uint64_t, std::string> at_index;  // the one committed history
  std::map<uint64_t, std::string> data_of;   // cookie -> data proposed with it
  std::set<std::string> lost_data;
};

// Folds what each replica reported since the last call into the checks; false on a violation.
void Check(Cluster& c, Outcome* o, std::map<raft::NodeId, size_t>* seen) {
  for (auto& [id, r] : c.nodes()) {
    size_t& from = (*seen)[id];
    if (r.applied.size() < from) from = 0;  // restarted: it applies again from the start
    for (size_t i = from; i < r.applied.size(); ++i) {
      const auto& [data, cookie] = r.applied[i];
      // One history: whoever applies index i applies the same entry there.
      auto [it, fresh] = o->at_index.emplace(r.applied_index[i], data);
      CHECK_MESSAGE(it->second == data, "node " << id << " index " << r.applied_index[i]);
      (void)fresh;
      if (cookie != 0) {
        REQUIRE(o->data_of.count(cookie) == 1);
        CHECK(o->data_of[cookie] == data);
      }
      CHECK(o->lost_data.count(data) == 0);
    }
    from = r.applied.size();
    for (uint64_t cookie : r.lost) o->lost_data.insert(o->data_of[cookie]);
  }
}

void RunSchedule(uint64_t seed) {
  CAPTURE(seed);
  Rng rng(seed);
  const int n = rng.OneIn(2) ? 3 : 5;
  Cluster c(n);
  c.net().chaos_ = &rng;
  c.net().drop_chance_ = 0.05 * static_cast<double>(rng.Uniform(4));
  Outcome o;
  std::map<raft::NodeId, size_t> seen;
  std::map<uint64_t, int> resolutions;  // cookie -> times its fate was reported
  uint64_t next_cookie = 1;
  for (int step = 0; step < 250; ++step) {
    const raft::NodeId target = 1 + rng.Uniform(n);
    switch (rng.Uniform(10)) {
      case 0: case 1: case 2: {  // a client writes through a random node (the leader, if it is)
        if (!c[target].rep) break;
        const uint64_t cookie = next_cookie++;
        const std::string data = "s" + std::to_string(seed) + "-c" + std::to_string(cookie);
        if (c[target].rep->Propose(data, cookie).ok()) o.data_of[cookie] = data;
        REQUIRE(c[target].rep->Process().ok());
        break;
      }
      case 3:  // a partition around one node, or a heal
        if (rng.OneIn(2)) {
          c.net().cut_ = {target};
        } else {
          c.net().cut_.clear();
        }
        break;
      case 4:  // a crash, or a restart of a crashed node
        if (c[target].rep && rng.OneIn(3)) {
          c.Crash(target);
        } else if (!c[target].rep) {
          c.Open(target, /*bootstrap=*/false);
          seen[target] = 0;
        }
        break;
      default:
        c.Tick();
    }
    Check(c, &o, &seen);
  }
  // Heal: every node up, no cuts, no drops; then the group must agree and make progress.
  c.net().cut_.clear();
  c.net().drop_chance_ = 0;
  for (raft::NodeId id = 1; id <= static_cast<raft::NodeId>(n); ++id) {
    if (!c[id].rep) {
      c.Open(id, false);
      seen[id] = 0;
    }
  }
  std::set<raft::NodeId> all;
  for (raft::NodeId id = 1; id <= static_cast<raft::NodeId>(n); ++id) all.insert(id);
  // A new proposal commits: if leadership moves while it is in flight (a restarted node catching
  // up can take a few rounds), its fate is reported and the client tries again.
  raft::NodeId lead = 0;
  bool committed = false;
  for (int attempt = 0; attempt < 5 && !committed; ++attempt) {
    lead = c.WaitForLeader(all);
    const uint64_t cookie = 1000000 + attempt;
    o.data_of[cookie] = "final";
    REQUIRE(c[lead].rep->Propose("final", cookie).ok());
    for (int i = 0; i < 30; ++i) c.Tick();
    for (auto& [data, ck] : c[lead].applied) committed = committed || ck == cookie;
  }
  CHECK(committed);
  for (int i = 0; i < 10; ++i) c.Tick();
  Check(c, &o, &seen);
  for (raft::NodeId id : all) {
    CHECK(c.Applied(id) == c.Applied(lead));
    CHECK(c[id].rep->pending_proposals() == 0);
  }
  // Each cookie's fate at most once per proposer; lost ones never applied.
  for (auto& [id, r] : c.nodes()) {
    for (auto& [data, cookie] : r.applied) {
      if (cookie != 0) ++resolutions[cookie];
    }
    for (uint64_t cookie : r.lost) ++resolutions[cookie];
    for (uint64_t cookie : r.unknown) ++resolutions[cookie];
  }
  for (auto& [cookie, times] : resolutions) CHECK_MESSAGE(times <= 1, "cookie " << cookie);
  for (const std::string& data : o.lost_data) {
    for (const std::string& applied : c.Applied(lead)) CHECK(applied != data);
  }
}

TEST_CASE("The Replicator keeps one history and honest proposal fates under seeded faults") {
  for (uint64_t seed = 1; seed <= 40; ++seed) RunSchedule(seed);
}

}  // namespace
}  // namespace cairn::replication
