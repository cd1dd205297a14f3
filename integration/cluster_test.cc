// Three real cairn-server processes on loopback replicating through Raft: election, writes
// reaching every node, followers refusing writes, kill -9 of the leader under load, SIGSTOP of
// the leader, partitions (a proxy on every directed peer link), and kill -9 of all three.
#include <doctest/doctest.h>

#include <signal.h>

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

// Three nodes of one cluster, each with its own dir and cluster port; with a mesh, each node
// reaches each peer through a proxy of its own (PeerMesh), so links can be cut one way.
class Trio {
 public:
  explicit Trio(bool mesh = false) {
    for (int& p : cluster_ports_) p = FreePort();
    std::string peers = "1=127.0.0.1:" + std::to_string(cluster_ports_[0]) + ",2=127.0.0.1:" +
                        std::to_string(cluster_ports_[1]) + ",3=127.0.0.1:" +
                        std::to_string(cluster_ports_[2]);
    // A proxy listens on a port of the OS's choosing, which may be one FreePort handed out for a
    // cluster port (released until the node binds it): then all three are chosen again.
    for (int attempt = 0; mesh && attempt < 5; ++attempt) {
      mesh_ = std::make_unique<PeerMesh>(std::vector<int>(cluster_ports_, cluster_ports_ + 3));
      mesh_ok_ = mesh_->Start() && !ProxyTakesClusterPort();
      if (mesh_ok_) break;
      mesh_.reset();
      for (int& p : cluster_ports_) p = FreePort();
    }
    for (int id = 1; id <= 3; ++id) {
      nodes_.push_back(std::make_unique<ServerProcess>(std::vector<std::string>{
          "--node-id", std::to_string(id), "--cluster-port", std::to_string(cluster_ports_[id - 1]),
          "--cluster-peers", mesh_ ? mesh_->PeersFor(id) : peers}));
    }
  }
  bool StartAll() {
    if (!mesh_ok_) return false;
    for (auto& n : nodes_) {
      if (!n->Start()) return false;
    }
    return true;
  }
  ServerProcess& node(int i) { return *nodes_[i]; }
  PeerMesh& mesh() { return *mesh_; }
  bool ProxyTakesClusterPort() {
    for (int from = 1; from <= 3; ++from) {
      for (int to = 1; to <= 3; ++to) {
        if (from == to) continue;
        for (int p : cluster_ports_) {
          if (mesh_->Link(from, to).port() == p) return true;
        }
      }
    }
    return false;
  }

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
  std::unique_ptr<PeerMesh> mesh_;
  bool mesh_ok_ = true;
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

// SET on a node until it answers `want` (or the deadline): what a client there sees settle.
bool WaitWriteReply(ServerProcess& n, const std::string& want, int timeout_ms) {
  const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms * ResourceScale());
  while (Clock::now() < deadline) {
    ContextPtr c = n.Connect();
    if (c && Run(c.get(), {"SET", "probe", "x"}) == want) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

std::string Info(ServerProcess& n) {
  ContextPtr c = n.Connect();
  return c ? Run(c.get(), {"INFO", "raft"}) : "";
}

}  // namespace

TEST_CASE("Three nodes elect one leader; its writes reach every follower; followers relay writes") {
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
    std::string info = Run(f.get(), {"INFO", "raft"});
    CHECK(info.find("role:follower") != std::string::npos);
    CHECK(info.find("leader_id:" + std::to_string(leader + 1)) != std::string::npos);
  }
  // ROLE and INFO replication in Redis's terms: the leader is the master of the other two.
  CHECK(Run(l.get(), {"ROLE"}).starts_with("[master,"));
  const auto deadline = Clock::now() + std::chrono::seconds(5);
  while (Run(l.get(), {"WAIT", "2", "0"}) != "2" && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  CHECK(Run(l.get(), {"WAIT", "2", "0"}) == "2");
  CHECK(Run(l.get(), {"INFO", "replication"}).find("connected_slaves:2") != std::string::npos);
  for (int i = 0; i < 3; ++i) {
    if (i == leader) continue;
    ContextPtr f = trio.node(i).Connect();
    CHECK(Run(f.get(), {"ROLE"}).starts_with(
        "[slave,127.0.0.1," + std::to_string(trio.node(leader).port()) + ",connected,"));
    const std::string info = Run(f.get(), {"INFO", "replication"});
    CHECK(info.find("role:slave") != std::string::npos);
    CHECK(info.find("master_port:" + std::to_string(trio.node(leader).port())) != std::string::npos);
    CHECK(info.find("master_link_status:up") != std::string::npos);
  }
  // A write sent to a follower is relayed: the leader applies it, every node gets it.
  const int follower = (leader + 1) % 3;
  ContextPtr f = trio.node(follower).Connect();
  CHECK(Run(f.get(), {"INCR", "n"}) == "6");
  CHECK(Run(l.get(), {"GET", "n"}) == "6");
  CHECK(trio.WaitSameDigest(5000).size() == 40);
}

TEST_CASE("Through a follower: SELECT, MULTI/EXEC and WATCH behave as on the leader; a leader change closes the relay") {
  Trio trio;
  REQUIRE(trio.StartAll());
  const int leader = trio.WaitLeader(10000);
  REQUIRE(leader >= 0);
  const int follower = (leader + 1) % 3;
  ContextPtr f = trio.node(follower).Connect();
  CHECK(Run(f.get(), {"SELECT", "3"}) == "OK");  // a read-side command: runs on the follower
  CHECK(Run(f.get(), {"MULTI"}) == "OK");         // from here on the connection is relayed
  CHECK(Run(f.get(), {"SET", "t", "1"}) == "QUEUED");
  CHECK(Run(f.get(), {"INCR", "t"}) == "QUEUED");
  CHECK(Run(f.get(), {"EXEC"}) == "[OK,2]");
  CHECK(Run(f.get(), {"GET", "t"}) == "2");  // relayed too: the leader's db 3
  ContextPtr l = trio.node(leader).Connect();
  CHECK(Run(l.get(), {"SELECT", "3"}) == "OK");
  CHECK(Run(l.get(), {"GET", "t"}) == "2");
  // WATCH through the follower: a change by another client aborts the transaction.
  CHECK(Run(f.get(), {"WATCH", "t"}) == "OK");
  CHECK(Run(l.get(), {"SET", "t", "changed"}) == "OK");
  CHECK(Run(f.get(), {"MULTI"}) == "OK");
  CHECK(Run(f.get(), {"SET", "t", "mine"}) == "QUEUED");
  CHECK(Run(f.get(), {"EXEC"}) == "(nil)");
  CHECK(Run(l.get(), {"GET", "t"}) == "changed");
  CHECK(Info(trio.node(follower)).find("relays_opened:1") != std::string::npos);
  // The leader dies: the relayed connection is closed, as a Redis failover drops its clients.
  trio.node(leader).Kill();
  ReplyPtr r = Command(f.get(), {"GET", "t"});
  CHECK(r == nullptr);
}

TEST_CASE("The WATCH race through followers: one winner per round") {
  Trio trio;
  REQUIRE(trio.StartAll());
  const int leader = trio.WaitLeader(10000);
  REQUIRE(leader >= 0);
  constexpr int kClients = 10;
  constexpr int kRounds = 20;
  std::vector<ContextPtr> conns;
  for (int i = 0; i < kClients; ++i) conns.push_back(trio.node(i % 3).Connect());
  for (int round = 0; round < kRounds; ++round) {
    const std::string key = "race:" + std::to_string(round);
    for (auto& c : conns) {
      REQUIRE(Run(c.get(), {"WATCH", key}) == "OK");
      REQUIRE(Run(c.get(), {"GET", key}) == "(nil)");
    }
    std::atomic<int> winners{0};
    std::vector<std::thread> ts;
    for (int i = 0; i < kClients; ++i) {
      ts.emplace_back([&, i] {
        redisContext* c = conns[i].get();
        Run(c, {"MULTI"});
        Run(c, {"SET", key, std::to_string(i)});
        if (Run(c, {"EXEC"}) == "[OK]") ++winners;
      });
    }
    for (auto& t : ts) t.join();
    CAPTURE(round);
    CHECK(winners == 1);
  }
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

TEST_CASE("SIGSTOP of the leader: the others take over; on SIGCONT it serves no write and steps down") {
  Trio trio;
  REQUIRE(trio.StartAll());
  const int old = trio.WaitLeader(10000);
  REQUIRE(old >= 0);
  ContextPtr before = trio.node(old).Connect();
  CHECK(Run(before.get(), {"SET", "k", "before"}) == "OK");
  REQUIRE(kill(trio.node(old).pid(), SIGSTOP) == 0);
  const int next = trio.WaitLeader(10000, old);
  REQUIRE(next >= 0);
  ContextPtr nl = trio.node(next).Connect();
  CHECK(Run(nl.get(), {"SET", "k", "during"}) == "OK");
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // the stopped node falls behind
  // A write sent to the old leader before it runs again. Whether it arrives before or after the
  // old leader hears of the new term, an acknowledgement must mean the new leader has it: the
  // stale leader cannot commit alone (its connection closes instead), and once it follows it
  // relays the write to the new leader.
  redisAppendCommand(before.get(), "SET k stale");
  redisBufferWrite(before.get(), nullptr);
  REQUIRE(kill(trio.node(old).pid(), SIGCONT) == 0);
  bool acked = false;
  void* raw = nullptr;
  if (redisGetReply(before.get(), &raw) == REDIS_OK) {
    ReplyPtr r(static_cast<redisReply*>(raw));
    acked = Render(r.get()) == "OK";
  }  // else: its connection was closed, as for any write of unknown fate
  const std::string want = acked ? "stale" : "during";
  MESSAGE("the write sent to the stopped leader was "
          << std::string(acked ? "relayed and acknowledged" : "not acknowledged"));
  CHECK(Run(nl.get(), {"GET", "k"}) == want);
  CHECK(WaitWriteReply(trio.node(old), "OK", 5000));  // it follows now, and relays
  CHECK(Info(trio.node(old)).find("role:follower") != std::string::npos);
  CHECK(WaitValue(trio.node(old), "probe", "x", 5000));
  CHECK(trio.WaitSameDigest(5000).size() == 40);
}

TEST_CASE("SIGSTOP of the leader: a read sent to it meanwhile never returns the stale value") {
  Trio trio;
  REQUIRE(trio.StartAll());
  const int old = trio.WaitLeader(10000);
  REQUIRE(old >= 0);
  ContextPtr stale = trio.node(old).Connect();
  CHECK(Run(stale.get(), {"SET", "r", "old"}) == "OK");
  REQUIRE(kill(trio.node(old).pid(), SIGSTOP) == 0);
  const int next = trio.WaitLeader(10000, old);
  REQUIRE(next >= 0);
  ContextPtr nl = trio.node(next).Connect();
  CHECK(Run(nl.get(), {"SET", "r", "new"}) == "OK");
  // Sent while it is stopped; it still believes it leads when it wakes.
  redisAppendCommand(stale.get(), "GET r");
  redisBufferWrite(stale.get(), nullptr);
  REQUIRE(kill(trio.node(old).pid(), SIGCONT) == 0);
  void* raw = nullptr;
  REQUIRE(redisGetReply(stale.get(), &raw) == REDIS_OK);
  ReplyPtr r(static_cast<redisReply*>(raw));
  CHECK(Render(r.get()) == "new");  // ReadIndex: confirmed by the new leader, after catching up
  CHECK(Info(trio.node(old)).find("read_index_rounds:") != std::string::npos);
}

TEST_CASE("Minority partition: the majority serves, the cut-off node answers CLUSTERDOWN, healing converges") {
  Trio trio(/*mesh=*/true);
  REQUIRE(trio.StartAll());
  const int old = trio.WaitLeader(10000);
  REQUIRE(old >= 0);
  REQUIRE(trio.mesh().Isolate(old + 1));
  const int next = trio.WaitLeader(10000, old);
  REQUIRE(next >= 0);
  ContextPtr nl = trio.node(next).Connect();
  CHECK(Run(nl.get(), {"SET", "side", "majority"}) == "OK");
  // The isolated node steps down (check-quorum) and, knowing no leader, refuses writes.
  CHECK(WaitWriteReply(trio.node(old), "CLUSTERDOWN The cluster is down", 5000));
  // Nor does it serve reads: a linearizable read needs a leader to confirm it (ReadIndex).
  ContextPtr iso = trio.node(old).Connect();
  CHECK(Run(iso.get(), {"GET", "side"}) == "CLUSTERDOWN The cluster is down");
  REQUIRE(trio.mesh().HealAll());
  CHECK(WaitValue(trio.node(old), "side", "majority", 10000));
  CHECK(trio.WaitSameDigest(10000).size() == 40);
}

TEST_CASE("One-way partition: a leader that cannot send is replaced, and rejoins once healed") {
  Trio trio(/*mesh=*/true);
  REQUIRE(trio.StartAll());
  const int old = trio.WaitLeader(10000);
  REQUIRE(old >= 0);
  // The leader's messages stop reaching the others; theirs still reach it.
  for (int j = 1; j <= 3; ++j) {
    if (j != old + 1) REQUIRE(trio.mesh().Cut(old + 1, j));
  }
  const int next = trio.WaitLeader(10000, old);
  REQUIRE(next >= 0);
  ContextPtr nl = trio.node(next).Connect();
  const auto deadline = Clock::now() + std::chrono::seconds(10);
  while (Run(nl.get(), {"SET", "oneway", "new"}) != "OK" && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  CHECK(Run(nl.get(), {"GET", "oneway"}) == "new");
  // The old leader hears the new term and follows: it knows the new leader.
  const auto follows = Clock::now() + std::chrono::seconds(5);
  while (Info(trio.node(old)).find("leader_id:" + std::to_string(next + 1)) == std::string::npos &&
         Clock::now() < follows) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  CHECK(Info(trio.node(old)).find("role:follower") != std::string::npos);
  REQUIRE(trio.mesh().HealAll());
  CHECK(WaitWriteReply(trio.node(old), "OK", 5000));  // relayed to the new leader
  CHECK(WaitValue(trio.node(old), "oneway", "new", 10000));
  CHECK(trio.WaitSameDigest(10000).size() == 40);
}

TEST_CASE("kill -9 of all three during INCRs: after restart no acknowledged INCR is lost, none applied twice") {
  Trio trio;
  REQUIRE(trio.StartAll());
  const int leader = trio.WaitLeader(10000);
  REQUIRE(leader >= 0);
  const int port = trio.node(leader).port();
  constexpr int kClients = 10;
  std::vector<int64_t> acked(kClients, 0);
  std::atomic<bool> stop{false};
  std::vector<std::thread> writers;
  for (int t = 0; t < kClients; ++t) {
    writers.emplace_back([&, t] {
      ContextPtr c = ConnectTo(port);
      while (c && !stop) {
        ReplyPtr r = Command(c.get(), {"INCR", "ctr:" + std::to_string(t)});
        if (!r || r->type != REDIS_REPLY_INTEGER) break;
        acked[t] = r->integer;
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  for (int i = 0; i < 3; ++i) kill(trio.node(i).pid(), SIGKILL);
  for (int i = 0; i < 3; ++i) trio.node(i).Kill();  // reaps them
  stop = true;
  for (auto& w : writers) w.join();
  REQUIRE(trio.StartAll());
  const int again = trio.WaitLeader(10000);
  REQUIRE(again >= 0);
  ContextPtr c = trio.node(again).Connect();
  REQUIRE(WaitLoaded(c.get()));
  int64_t total = 0;
  for (int t = 0; t < kClients; ++t) {
    std::string v = Run(c.get(), {"GET", "ctr:" + std::to_string(t)});
    const int64_t got = v == "(nil)" ? 0 : std::stoll(v);
    CAPTURE(t);
    CHECK(got >= acked[t]);      // nothing acknowledged is lost
    CHECK(got <= acked[t] + 1);  // at most the one in flight applied beyond it, never twice
    total += acked[t];
  }
  MESSAGE(total << " acknowledged INCRs across the crash");
  CHECK(total > 0);
  CHECK(trio.WaitSameDigest(10000).size() == 40);
}
