// The fault-test proxy itself (integration/link_proxy.cc) in front of a real cairn-server:
// bytes pass both ways, cut stops them and refuses connections, heal resumes, cut-in and cut-out
// drop one direction only while the connection stays open, delay holds bytes back.
#include <doctest/doctest.h>

#include <signal.h>

#include <chrono>
#include <memory>

#include "harness.h"

using namespace cairn::testing;

namespace {

int64_t ElapsedMs(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               since)
      .count();
}

}  // namespace

TEST_CASE("link_proxy passes bytes both ways and counts them") {
  ServerProcess& server = SharedServer();
  LinkProxy proxy("127.0.0.1", server.port());
  REQUIRE(proxy.Start());
  CHECK(proxy.port() != server.port());
  auto c = ConnectTo(proxy.port());
  REQUIRE(c);
  CHECK(Run(c.get(), {"PING"}) == "PONG");
  std::string big(1 << 20, 'x');  // larger than any socket buffer: partial writes on the way
  CHECK(Run(c.get(), {"SET", "proxy:big", big}) == "OK");
  CHECK(Run(c.get(), {"GET", "proxy:big"}) == big);
  std::string status = proxy.Send("status");
  CHECK(status.rfind("state=open delay_ms=0 connections=1 accepted=1 ", 0) == 0);
  CHECK(status.find("forwarded_out=0 ") == std::string::npos);
  CHECK(proxy.Send("nonsense").rfind("ERR unknown command", 0) == 0);
}

TEST_CASE("link_proxy cut closes connections and refuses new ones; heal resumes") {
  ServerProcess& server = SharedServer();
  LinkProxy proxy("127.0.0.1", server.port());
  REQUIRE(proxy.Start());
  RawConnection before(proxy.port());
  REQUIRE(before.connected());
  before.Send("PING\r\n");
  CHECK(before.Read(7, 2000) == "+PONG\r\n");

  CHECK(proxy.Send("cut") == "OK");
  bool closed = false;
  CHECK(before.Read(1, 2000, &closed).empty());
  CHECK(closed);
  RawConnection during(proxy.port());  // the kernel accepts; the proxy closes it at once
  during.Send("PING\r\n");
  CHECK(during.Read(1, 2000, &closed).empty());
  CHECK(closed);
  CHECK(proxy.Send("status").rfind("state=cut ", 0) == 0);

  CHECK(proxy.Send("heal") == "OK");
  auto after = ConnectTo(proxy.port());
  REQUIRE(after);
  CHECK(Run(after.get(), {"PING"}) == "PONG");
}

namespace {
// Cuts one direction (`cut` is cut-out or cut-in) on a live connection, sends `command` through
// it and checks: no reply comes, the connection stays open, the server holds `key` as
// `value_after` (seen directly), the status counts `dropped`; heal, and the same connection works.
void CheckOneWayCut(const std::string& cut, const std::string& command, const std::string& key,
                    const std::string& value_after, const std::string& dropped) {
  ServerProcess& server = SharedServer();
  auto direct = server.Connect();
  LinkProxy proxy("127.0.0.1", server.port());
  REQUIRE(proxy.Start());
  RawConnection conn(proxy.port());
  REQUIRE(conn.connected());
  conn.Send("PING\r\n");
  REQUIRE(conn.Read(7, 2000) == "+PONG\r\n");

  CHECK(proxy.Send(cut) == "OK");
  conn.Send(command);
  bool closed = false;
  CHECK(conn.Read(1, 300, &closed).empty());
  CHECK_FALSE(closed);
  CHECK(Run(direct.get(), {"GET", key}) == value_after);
  CHECK(proxy.Send("status").find(dropped) != std::string::npos);

  CHECK(proxy.Send("heal") == "OK");
  conn.Send("PING\r\n");
  CHECK(conn.Read(7, 2000) == "+PONG\r\n");  // the same connection
}
}  // namespace

TEST_CASE("link_proxy cut-out drops what the client sends and keeps the connection open") {
  // The command never reaches the server.
  CheckOneWayCut("cut-out", "SET proxy:out 1\r\n", "proxy:out", "(nil)", "dropped_out=17 ");
}

TEST_CASE("link_proxy cut-in drops only the replies: the server still gets the command") {
  CheckOneWayCut("cut-in", "SET proxy:in 1\r\n", "proxy:in", "1", "dropped_in=5");  // "+OK\r\n"
}

TEST_CASE("link_proxy delay holds bytes back in both directions, in order") {
  ServerProcess& server = SharedServer();
  LinkProxy proxy("127.0.0.1", server.port());
  REQUIRE(proxy.Start());
  CHECK(proxy.Send("delay 150") == "OK");
  CHECK(proxy.Send("status").rfind("state=open delay_ms=150 ", 0) == 0);
  RawConnection conn(proxy.port());
  REQUIRE(conn.connected());
  auto start = std::chrono::steady_clock::now();
  conn.Send("SET proxy:d a\r\n");
  conn.Send("APPEND proxy:d b\r\nGET proxy:d\r\n");
  CHECK(conn.Read(17, 3000) == "+OK\r\n:2\r\n$2\r\nab\r\n");
  CHECK(ElapsedMs(start) >= 300);  // 150 ms each way
  CHECK(proxy.Send("delay -1").rfind("ERR", 0) == 0);
  CHECK(proxy.Send("delay 0") == "OK");
  // No upper time bound: on a loaded 2-core machine it would flake; the status says it.
  CHECK(proxy.Send("status").rfind("state=open delay_ms=0 ", 0) == 0);
  conn.Send("PING\r\n");
  CHECK(conn.Read(7, 2000) == "+PONG\r\n");
}

TEST_CASE("link_proxy stops by PID") {
  ServerProcess& server = SharedServer();
  LinkProxy proxy("127.0.0.1", server.port());
  REQUIRE(proxy.Start());
  pid_t pid = proxy.pid();
  proxy.Stop();
  CHECK(kill(pid, 0) == -1);  // gone and reaped
  CHECK(proxy.Send("status") == "(no reply)");
}

TEST_CASE("PeerMesh: a proxy per directed link, cluster-peers through them, one-way cuts") {
  // Three servers stand in for three nodes' peer ports: any TCP listener shows what passes.
  ServerProcess a, b, c;
  REQUIRE(a.Start());
  REQUIRE(b.Start());
  REQUIRE(c.Start());
  PeerMesh mesh({a.port(), b.port(), c.port()});
  REQUIRE(mesh.Start());
  std::string peers1 = mesh.PeersFor(1);
  CHECK(peers1 == "1=127.0.0.1:" + std::to_string(a.port()) + ",2=127.0.0.1:" +
                      std::to_string(mesh.Link(1, 2).port()) + ",3=127.0.0.1:" +
                      std::to_string(mesh.Link(1, 3).port()));
  auto ping = [&](int from, int to) {
    auto conn = ConnectTo(mesh.Link(from, to).port());
    return conn ? Run(conn.get(), {"PING"}) : "(no connection)";
  };
  CHECK(ping(1, 2) == "PONG");
  CHECK(mesh.Cut(1, 2));
  CHECK(ping(1, 2) != "PONG");
  CHECK(ping(2, 1) == "PONG");  // the other direction is untouched
  CHECK(ping(1, 3) == "PONG");
  CHECK(mesh.Isolate(3));
  CHECK(ping(2, 3) != "PONG");
  CHECK(ping(3, 1) != "PONG");
  CHECK(ping(2, 1) == "PONG");
  CHECK(mesh.HealAll());
  for (int from = 1; from <= 3; ++from) {
    for (int to = 1; to <= 3; ++to) {
      if (from != to) CHECK(ping(from, to) == "PONG");
    }
  }
}

TEST_CASE("Three nodes start with cluster-peers through a PeerMesh, and agree on the cluster") {
  // What the partition tests will do: each node lists its peers at their proxies. The cluster id
  // derives from the voter ids, not their addresses, so all three derive the same one.
  int cluster_ports[3] = {FreePort(), FreePort(), FreePort()};
  PeerMesh mesh({cluster_ports[0], cluster_ports[1], cluster_ports[2]});
  REQUIRE(mesh.Start());
  std::vector<std::unique_ptr<ServerProcess>> nodes;
  for (int i = 1; i <= 3; ++i) {
    nodes.push_back(std::make_unique<ServerProcess>(std::vector<std::string>{
        "--node-id", std::to_string(i), "--cluster-port", std::to_string(cluster_ports[i - 1]),
        "--cluster-peers", mesh.PeersFor(i)}));
    REQUIRE(nodes.back()->Start());
  }
  std::string first_id;
  for (int i = 1; i <= 3; ++i) {
    auto c = nodes[i - 1]->Connect();
    CHECK(Run(c.get(), {"CONFIG", "GET", "cluster-peers"}) == "[cluster-peers," + mesh.PeersFor(i) + "]");
    std::string log = ReadTextFile(nodes[i - 1]->log_path());  // written before it serves
    size_t at = log.find(" of cluster ");
    REQUIRE(at != std::string::npos);
    std::string id = log.substr(at + 12, 32);
    if (i == 1) first_id = id;
    CHECK(id == first_id);
  }
  CHECK(mesh.Isolate(2));  // cuts while the nodes run: nothing to observe until they replicate
  CHECK(mesh.HealAll());
  for (auto& n : nodes) CHECK(n->Stop() == 0);
}
