// Unit tests for the cluster keys: the cluster-peers grammar, the checks across keys, the
// cluster id, and the keys' path through Config (toml/--key parsing, CONFIG GET, start-up only).
#include <doctest/doctest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "server/cluster_config.h"
#include "server/config.h"

using namespace cairn;
using namespace cairn::server;

namespace {

// The refusal's message for a cluster-peers value ("" when it parses).
std::string PeersError(const std::string& text) {
  auto r = ParsePeers(text);
  return r.ok() ? "" : r.status().message();
}

Config WithPeers(int64_t node_id, const std::string& peers) {
  Config c;
  c.port = 7001;
  c.node_id = node_id;
  c.cluster_peers = peers;
  return c;
}

}  // namespace

TEST_CASE("cluster-peers parses IPv4, bracketed IPv6 and DNS hosts, sorted by id") {
  auto r = ParsePeers("3=db-3.example.internal:17003,1=127.0.0.1:17001,2=[::1]:17002");
  REQUIRE(r.ok());
  REQUIRE(r->size() == 3);
  CHECK((*r)[0] == Peer{1, "127.0.0.1", 17001});
  CHECK((*r)[1] == Peer{2, "::1", 17002});
  CHECK((*r)[2] == Peer{3, "db-3.example.internal", 17003});
  CHECK(FormatPeers(*r) == "1=127.0.0.1:17001,2=[::1]:17002,3=db-3.example.internal:17003");
  CHECK(ParsePeers("")->empty());
}

TEST_CASE("cluster-peers refusals name the key and the reason") {
  struct Case {
    const char* text;
    const char* reason;
  };
  const Case cases[] = {
      {"1=a:1,1=b:2", "node id 1 is listed twice"},
      {"0=a:1", "node id must be an integer >= 1"},
      {"x=a:1", "node id must be an integer >= 1"},
      {"-1=a:1", "node id must be an integer >= 1"},
      {"1a:1", "missing '='"},
      {"1=a:0", "port must be an integer between 1 and 65535"},
      {"1=a:65536", "port must be an integer between 1 and 65535"},
      {"1=a:http", "port must be an integer between 1 and 65535"},
      {"1=a:", "port must be an integer between 1 and 65535"},
      {"1=a", "missing ':port'"},
      {"1=:7000", "empty host"},
      {"1=[]:7000", "empty host"},
      {"1=a:1,", "empty item (a stray or trailing comma)"},
      {"1=a:1,,2=b:2", "empty item"},
      {"1=a:1, 2=b:2", "must not contain whitespace"},
      {" 1=a:1", "must not contain whitespace"},
      {"1=::1:7000", "an IPv6 address needs [brackets]"},
      {"1=[not-v6]:7000", "bad IPv6 address"},
      {"1=300.1.1.1:7000", "bad IPv4 address"},
      {"1=10.0.0:7000", "bad IPv4 address"},
      {"1=bad/host:7000", "bad host name"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.text);
    std::string msg = PeersError(c.text);
    CHECK(msg.rfind("argument 'cluster-peers': ", 0) == 0);
    CHECK(msg.find(c.reason) != std::string::npos);
  }
}

TEST_CASE("This node's node-id must be in cluster-peers") {
  auto cc = MakeClusterConfig(WithPeers(4, "1=127.0.0.1:17001,2=127.0.0.1:17002"));
  REQUIRE(!cc.ok());
  CHECK(cc.status().message() ==
        "argument 'cluster-peers': this node's node-id 4 is not in the list");
  CHECK(MakeClusterConfig(WithPeers(2, "1=127.0.0.1:17001,2=127.0.0.1:17002")).ok());
}

TEST_CASE("Without cluster-peers a node is a cluster of one voter, itself") {
  Config c;
  c.port = 7001;
  c.node_id = 5;
  auto cc = MakeClusterConfig(c);
  REQUIRE(cc.ok());
  REQUIRE(cc->voters.size() == 1);
  CHECK(cc->voters[0] == Peer{5, "127.0.0.1", 17001});
  CHECK(cc->cluster_port == 17001);
  CHECK(cc->cluster_id == DeriveClusterId("cairn", {5}));
}

TEST_CASE("cluster-port defaults to port + 10000, 0 when port is 0, and must fit with peers") {
  Config c;
  c.port = 7001;
  CHECK(MakeClusterConfig(c)->cluster_port == 17001);
  CHECK(c.Get("cluster-port")[0].second == "17001");
  c.port = 0;
  CHECK(MakeClusterConfig(c)->cluster_port == 0);
  CHECK(c.Get("cluster-port")[0].second == "0");
  c.port = 60000;
  CHECK(MakeClusterConfig(c)->cluster_port == 0);  // a cluster of one voter: no peers to listen for
  c.cluster_peers = "1=127.0.0.1:17001";
  auto too_big = MakeClusterConfig(c);
  REQUIRE(!too_big.ok());
  CHECK(too_big.status().message().find("argument 'cluster-port': the default, port + 10000 = 70000") == 0);
  c.cluster_port = 17000;
  CHECK(MakeClusterConfig(c)->cluster_port == 17000);
  c.cluster_port = 60000;
  CHECK(MakeClusterConfig(c).status().message() == "argument 'cluster-port': must differ from port");
}

TEST_CASE("The announce address defaults to this node's host in cluster-peers and its port") {
  auto ip = MakeClusterConfig(WithPeers(2, "1=10.0.0.1:17001,2=10.0.0.2:17002"));
  REQUIRE(ip.ok());
  CHECK(ip->announce_ip == "10.0.0.2");
  CHECK(ip->announce_hostname.empty());
  CHECK(ip->announce_port == 7001);
  auto name = MakeClusterConfig(WithPeers(1, "1=cairn-1:17001"));
  REQUIRE(name.ok());
  CHECK(name->announce_hostname == "cairn-1");
  CHECK(name->announce_ip.empty());
  Config c = WithPeers(1, "1=cairn-1:17001");
  REQUIRE(c.Set("cluster-announce-ip", "192.0.2.7", false).ok());
  REQUIRE(c.Set("cluster-announce-port", "6380", false).ok());
  auto set = MakeClusterConfig(c);
  CHECK(set->announce_ip == "192.0.2.7");
  CHECK(set->announce_hostname.empty());
  CHECK(set->announce_port == 6380);
}

TEST_CASE("cluster-auth-secret defaults to requirepass") {
  Config c;
  c.requirepass = "pw";
  CHECK(MakeClusterConfig(c)->auth_secret == "pw");
  c.cluster_auth_secret = "s3cret";
  CHECK(MakeClusterConfig(c)->auth_secret == "s3cret");
}

TEST_CASE("The cluster id is the same for every node of one cluster and differs across clusters") {
  std::string id = DeriveClusterId("cairn", {1, 2, 3});
  CHECK(id.size() == 32);
  CHECK(id.find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK(DeriveClusterId("cairn", {3, 1, 2}) == id);
  CHECK(DeriveClusterId("other", {1, 2, 3}) != id);
  CHECK(DeriveClusterId("cairn", {1, 2}) != id);
  CHECK(DeriveClusterId("cairn", {1, 23}) != DeriveClusterId("cairn", {12, 3}));
  // Each node of one cluster, from its own flags.
  std::string peers = "1=127.0.0.1:17001,2=127.0.0.1:17002,3=127.0.0.1:17003";
  CHECK(MakeClusterConfig(WithPeers(1, peers))->cluster_id == id);
  CHECK(MakeClusterConfig(WithPeers(3, peers))->cluster_id == id);
}

TEST_CASE("Cluster keys are set from --key values, refused by CONFIG SET, reported by CONFIG GET") {
  Config c;
  REQUIRE(c.Set("node-id", "2", false).ok());
  REQUIRE(c.Set("cluster-port", "17002", false).ok());
  REQUIRE(c.Set("cluster-peers", "1=127.0.0.1:17001,2=127.0.0.1:17002", false).ok());
  REQUIRE(c.Set("cluster-token", "prod-eu", false).ok());
  REQUIRE(c.Set("cluster-auth-secret", "x", false).ok());
  REQUIRE(c.Set("cluster-announce-hostname", "cairn-2.local", false).ok());
  CHECK(c.Get("node-id")[0].second == "2");
  CHECK(c.Get("cluster-port")[0].second == "17002");
  CHECK(c.Get("cluster-peers")[0].second == "1=127.0.0.1:17001,2=127.0.0.1:17002");
  CHECK(c.Get("cluster-token")[0].second == "prod-eu");
  CHECK(c.Get("cluster-announce-hostname")[0].second == "cairn-2.local");
  CHECK(c.Get("cluster-*").size() == 7);
  for (const char* key : {"node-id", "cluster-port", "cluster-peers", "cluster-token",
                          "cluster-announce-ip", "cluster-announce-hostname",
                          "cluster-announce-port", "cluster-auth-secret"}) {
    CAPTURE(key);
    CHECK(c.Set(key, "1", true).message().find("can't set immutable config") != std::string::npos);
  }
  CHECK(c.Set("node-id", "0", false).message() ==
        "argument 'node-id': argument must be between 1 and 9223372036854775807 inclusive");
  CHECK(c.Set("cluster-port", "65536", false).message().find("argument 'cluster-port'") == 0);
  CHECK(c.Set("cluster-token", "", false).message().find("argument 'cluster-token'") == 0);
  CHECK(c.Set("cluster-token", "a b", false).message().find("argument 'cluster-token'") == 0);
  CHECK(c.Set("cluster-announce-ip", "cairn-2", false).message() ==
        "argument 'cluster-announce-ip': must be an IPv4 or IPv6 address");
  CHECK(c.Set("cluster-announce-hostname", "bad host", false).message() ==
        "argument 'cluster-announce-hostname': must be a host name");
  CHECK(c.Set("cluster-peers", "1=a:1,", false).message().find("argument 'cluster-peers'") == 0);
  CHECK(c.cluster_peers == "1=127.0.0.1:17001,2=127.0.0.1:17002");  // a refused value changes nothing
}

TEST_CASE("The start-up description names node id, cluster id and the voters") {
  auto cc = MakeClusterConfig(WithPeers(1, "1=127.0.0.1:17001,2=[::1]:17002"));
  REQUIRE(cc.ok());
  std::string d = cc->Describe();
  CHECK(d.find("node 1 of cluster " + cc->cluster_id) == 0);
  CHECK(d.find("voters 1=127.0.0.1:17001,2=[::1]:17002") != std::string::npos);
  CHECK(d.find("announced to clients as 127.0.0.1:7001") != std::string::npos);
}

TEST_CASE("Cluster keys load from a TOML file") {
  std::string dir = (std::filesystem::temp_directory_path() / "cairn-cfg-XXXXXX").string();
  REQUIRE(::mkdtemp(dir.data()) != nullptr);
  std::string path = dir + "/c.toml";
  std::ofstream(path) << "port = 7002\nnode-id = 2\ncluster-port = 17002\n"
                         "cluster-peers = \"1=10.0.0.1:17001,2=10.0.0.2:17002\"\ncluster-token = \"t1\"\n";
  Config c;
  REQUIRE(c.LoadFile(path).ok());
  auto cc = MakeClusterConfig(c);
  REQUIRE(cc.ok());
  CHECK(cc->node_id == 2);
  CHECK(cc->cluster_port == 17002);
  CHECK(cc->voters.size() == 2);
  CHECK(cc->cluster_id == DeriveClusterId("t1", {1, 2}));
  std::ofstream(path) << "cluster-peers = \"1=10.0.0.1:17001,\"\n";
  Config bad;
  CHECK(bad.LoadFile(path).message().find("config key 'cluster-peers' in " + path +
                                          ": argument 'cluster-peers': empty item") == 0);
  std::filesystem::remove_all(dir);
}

TEST_CASE("conf/cairn.toml documents the cluster keys with their defaults") {
  Config shipped;
  REQUIRE(shipped.LoadFile(CAIRN_SOURCE_DIR "/conf/cairn.toml").ok());
  Config defaults;
  for (const char* key : {"node-id", "cluster-port", "cluster-peers", "cluster-announce-ip",
                          "cluster-announce-hostname", "cluster-announce-port", "cluster-token",
                          "cluster-auth-secret"}) {
    CAPTURE(key);
    REQUIRE(shipped.Get(key).size() == 1);
    CHECK(shipped.Get(key) == defaults.Get(key));
  }
}
