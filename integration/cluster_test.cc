// Three real cairn-server processes on loopback replicating through Raft: election, writes
// reaching every node, followers refusing writes, and kill -9 of the leader under load.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "harness.h"

using namespace cairn::testing;

namespace {

using Clock = std::chrono::steady_clock;

// Three nodes of one cluster, each with its own dir and cluster port.
class Trio {
 public:
  Trio() {
    for (int& p : cluster_ports_) p = FreePort();
    peers_ = "1=127.0.0.1:" + std::to_string(cluster_ports_[0]) + ",2=127.0.0.1:" +
             std::to_string(cluster_ports_[1]) + ",3=127.0.0.1:" + std::to_string(cluster_ports_[2]);
    for (int id = 1; id <= 3; ++id) {
      nodes_.push_back(std::make_unique<ServerProcess>(std::vector<std::string>{
          "--node-id", std::to_string(id), "--cluster-port", std::to_string(cluster_ports_[id - 1]),
          "--cluster-peers", peers_}));
    }
  }
  bool StartAll() {
    for (auto& n : nodes_) {
      if (!n->Start()) return false;
    }
    return true;
  }
  ServerProcess& node(int i) { return *nodes_[i]; }

  // The index of the node that says it leads (among running ones), or -1 after the deadline.
  int WaitLeader(int timeout_ms, int not_this = -1) {
    const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms * ResourceScale());
    while (Clock::now() < deadline) {
      for (int i = 0; i < 3; ++i) {
        if (i == not_this || !nodes_[i]->running()) continue;
        ContextPtr c = nodes_[i]->Connect();
        if (c && Run(c.get(), {"INFO", "raft"}).find("role:leader") != std::string::npos) return i;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return -1;
  }

  // Waits until every running node gives the same DEBUG DIGEST; returns it (empty on timeout).
  std::string WaitSameDigest(int timeout_ms) {
    const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms * ResourceScale());
    while (Clock::now() < deadline) {
      std::vector<std::string> digests;
      for (auto& n : nodes_) {
        if (!n->running()) continue;
        ContextPtr c = n->Connect();
        digests.push_back(c ? Run(c.get(), {"DEBUG", "DIGEST"}) : "");
      }
      bool same = !digests.empty() && digests[0].size() == 40;
      for (const auto& d : digests) same = same && d == digests[0];
      if (same) return digests[0];
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return "";
  }

 private:
  int cluster_ports_[3];
  std::string peers_;
  std::vector<std::unique_ptr<ServerProcess>> nodes_;
};

// Polls GET on a node until it answers `want` or the deadline passes.
bool WaitValue(ServerProcess& n, const std::string& key, const std::string& want, int timeout_ms) {
  const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms * ResourceScale());
  ContextPtr c = n.Connect();
  while (c && Clock::now() < deadline) {
    if (Run(c.get(), {"GET", key}) == want) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

}  // namespace

TEST_CASE("Three nodes elect one leader; its writes reach every follower; followers refuse writes") {
  Trio trio;
  REQUIRE(trio.StartAll());
  const int leader = trio.WaitLeader(10000);
  REQUIRE(leader >= 0);
  ContextPtr l = trio.node(leader).Connect();
  CHECK(Run(l.get(), {"SET", "k", "v"}) == "OK");
  CHECK(Run(l.get(), {"INCRBY", "n", "5"}) == "5");
  CHECK(Run(l.get(), {"HSET", "h", "f", "1"}) == "1");
  for (int i = 0; i < 3; ++i) {
    if (i == leader) continue;
    CHECK(WaitValue(trio.node(i), "n", "5", 5000));
    ContextPtr f = trio.node(i).Connect();
    CHECK(Run(f.get(), {"GET", "k"}) == "v");
    CHECK(Run(f.get(), {"INCR", "n"}) == "READONLY You can't write against a read only replica.");
    std::string info = Run(f.get(), {"INFO", "raft"});
    CHECK(info.find("role:follower") != std::string::npos);
    CHECK(info.find("leader_id:" + std::to_string(leader + 1)) != std::string::npos);
  }
  CHECK(trio.WaitSameDigest(5000).size() == 40);
}

TEST_CASE("kill -9 of the leader under write load: a new leader soon, no acknowledged write lost") {
  Trio trio;
  REQUIRE(trio.StartAll());
  const int leader = trio.WaitLeader(10000);
  REQUIRE(leader >= 0);
  const int port = trio.node(leader).port();
  constexpr int kClients = 20;
  std::atomic<bool> stop{false};
  std::vector<std::vector<std::string>> acked(kClients);
  std::vector<std::thread> writers;
  for (int t = 0; t < kClients; ++t) {
    writers.emplace_back([&, t] {
      ContextPtr c = ConnectTo(port);
      for (int n = 0; c && !stop && n < 1000000; ++n) {
        std::string key = "w:" + std::to_string(t) + ":" + std::to_string(n);
        ReplyPtr r = Command(c.get(), {"SET", key, std::to_string(n)});
        if (!r || r->type != REDIS_REPLY_STATUS) break;  // the leader died under us
        acked[t].push_back(key);
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  const auto killed_at = Clock::now();
  trio.node(leader).Kill();
  const int next = trio.WaitLeader(10000, leader);
  REQUIRE(next >= 0);
  // The first write the new leader takes ends the outage as a client sees it.
  ContextPtr nl = trio.node(next).Connect();
  const auto deadline = Clock::now() + std::chrono::seconds(10);
  while (Run(nl.get(), {"SET", "after", "kill"}) != "OK" && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - killed_at).count();
  MESSAGE("new leader node " << next + 1 << " took a write " << ms << " ms after kill -9");
  CHECK(ms < 2000 * ResourceScale());
  stop = true;
  for (auto& w : writers) w.join();
  size_t total = 0;
  for (int t = 0; t < kClients; ++t) {
    total += acked[t].size();
    for (const std::string& key : acked[t]) {
      const std::string want = key.substr(key.rfind(':') + 1);
      if (Run(nl.get(), {"GET", key}) != want) {
        FAIL_CHECK("acknowledged write " << key << " lost");
        break;
      }
    }
  }
  MESSAGE(total << " acknowledged writes checked");
  CHECK(total > 0);
  // The old leader comes back as a follower and holds the same data.
  REQUIRE(trio.node(leader).Start());
  CHECK(WaitValue(trio.node(leader), "after", "kill", 10000));
  CHECK(trio.WaitSameDigest(10000).size() == 40);
}
