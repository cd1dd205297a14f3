// Start-up and shutdown: bad config values stop start-up naming the key; SHUTDOWN, SIGTERM and
// SIGINT stop cleanly; a config file and --key overrides work as redis-server's; the cluster keys
// are validated and the data dir refuses to start as another node or in another cluster.
#include <doctest/doctest.h>
#include <sys/wait.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "harness.h"
#include "legacy_dir.h"

using namespace cairn::testing;

namespace {
// Runs the server binary with args and returns (exit code, output) once it exits (bounded).
std::pair<int, std::string> RunToExit(const std::vector<std::string>& args) {
  std::string dir = MakeTempDir("cairn-cfg");
  std::string out = dir + "/out.log";
  std::string cmd = ServerBinary();
  for (const auto& a : args) cmd += " '" + a + "'";
  cmd = "timeout 10 " + cmd + " > " + out + " 2>&1";
  int rc = std::system(cmd.c_str());
  std::ifstream f(out);
  std::stringstream ss;
  ss << f.rdbuf();
  return {WEXITSTATUS(rc), ss.str()};
}
std::string ReadFile(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}
}  // namespace

TEST_CASE("A bad config value stops start-up with a message naming the key") {
  auto [rc, out] = RunToExit({"--port", "0", "--maxclients", "abc"});
  CHECK(rc == 1);
  CHECK(out.find("maxclients") != std::string::npos);
  auto [rc2, out2] = RunToExit({"--port", "0", "--nosuchkey", "1"});
  CHECK(rc2 == 1);
  CHECK(out2.find("nosuchkey") != std::string::npos);
  auto [rc3, out3] = RunToExit({"--port", "0", "--appendfsync", "sometimes"});
  CHECK(rc3 == 1);
  CHECK(out3.find("appendfsync") != std::string::npos);
  auto [rc4, out4] = RunToExit({"--port", "0", "--write-behind-bytes", "lots"});
  CHECK(rc4 == 1);
  CHECK(out4.find("write-behind-bytes") != std::string::npos);
  for (const char* bad : {"-1", "65", "two"}) {  // threads: 0..64
    auto [rc5, out5] = RunToExit({"--port", "0", "--store-read-threads", bad});
    CHECK(rc5 == 1);
    CHECK(out5.find("store-read-threads") != std::string::npos);
  }
}

TEST_CASE("A config file is read and --key overrides it") {
  std::string dir = MakeTempDir("cairn-cfgfile");
  std::string path = dir + "/c.toml";
  std::ofstream(path) << "maxclients = 77\nslowlog-max-len = 9\nmaxmemory = \"2mb\"\n";
  int port = FreePort();
  pid_t pid = fork();
  if (pid == 0) {
    execl(ServerBinary().c_str(), ServerBinary().c_str(), path.c_str(), "--port",
          std::to_string(port).c_str(), "--dir", (dir + "/data").c_str(), "--slowlog-max-len", "11",
          static_cast<char*>(nullptr));
    _exit(127);
  }
  redisContext* raw = nullptr;
  for (int i = 0; i < 200 && raw == nullptr; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    raw = redisConnect("127.0.0.1", port);
    if (raw != nullptr && raw->err) {
      redisFree(raw);
      raw = nullptr;
    }
  }
  REQUIRE(raw != nullptr);
  ContextPtr c(raw);
  CHECK(Run(c.get(), {"CONFIG", "GET", "maxclients"}) == "[maxclients,77]");
  CHECK(Run(c.get(), {"CONFIG", "GET", "slowlog-max-len"}) == "[slowlog-max-len,11]");
  CHECK(Run(c.get(), {"CONFIG", "GET", "maxmemory"}) == "[maxmemory,2097152]");
  kill(pid, SIGTERM);
  int status = 0;
  waitpid(pid, &status, 0);
  CHECK(WIFEXITED(status));
}

TEST_CASE("A malformed config file stops start-up naming the file and line") {
  std::string dir = MakeTempDir("cairn-badfile");
  std::string path = dir + "/bad.toml";
  std::ofstream(path) << "port = 1\nmaxclients = = 3\n";
  auto [rc, out] = RunToExit({path});
  CHECK(rc == 1);
  CHECK(out.find("line 2") != std::string::npos);
}

TEST_CASE("SHUTDOWN stops the server cleanly") {
  ServerProcess srv;
  REQUIRE(srv.Start());
  auto c = srv.Connect();
  CHECK(Run(c.get(), {"SET", "k", "v"}) == "OK");
  CHECK(Run(c.get(), {"SHUTDOWN", "BOGUS"}) == "ERR syntax error");
  Command(c.get(), {"SHUTDOWN"});
  int status = 0;
  bool exited = srv.WaitExit(5000, &status);
  CHECK(exited);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  if (!exited) srv.Kill();
}

TEST_CASE("SIGTERM and SIGINT stop the server cleanly") {
  for (int sig : {SIGTERM, SIGINT}) {
    ServerProcess srv;
    REQUIRE(srv.Start());
    kill(srv.pid(), sig);
    int status = 0;
    bool exited = srv.WaitExit(5000, &status);
    CHECK(exited);
    CHECK(WEXITSTATUS(status) == 0);
    CHECK(ReadFile(srv.log_path()).find("shutting down") != std::string::npos);
    if (!exited) srv.Kill();
  }
}

TEST_CASE("SHUTDOWN NOSAVE keeps every write: the next start replays the log") {
  std::string dir = MakeTempDir("cairn-nosave");
  ServerProcess srv({"--log-compact-interval-ms", "0"}, dir);
  REQUIRE(srv.Start());
  {
    auto c = srv.Connect();
    for (int i = 0; i < 100; ++i) REQUIRE(Run(c.get(), {"INCR", "nosave:n"}) == std::to_string(i + 1));
    Command(c.get(), {"SHUTDOWN", "NOSAVE"});
  }
  int status = 0;
  bool exited = srv.WaitExit(5000, &status);
  REQUIRE(exited);
  REQUIRE(srv.Start());
  auto c = srv.Connect();
  REQUIRE(WaitLoaded(c.get()));
  CHECK(Run(c.get(), {"GET", "nosave:n"}) == "100");
}

namespace {
// The value of `key` in the data dir's identity file ("" when absent).
std::string IdentityField(const std::string& data_dir, const std::string& key) {
  std::string text = ReadFile(data_dir + "/cluster-identity");
  size_t at = text.find("\n" + key + " ");
  if (at == std::string::npos) return "";
  size_t start = at + key.size() + 2;
  return text.substr(start, text.find('\n', start) - start);
}
// A three-node cluster's cluster-peers on free loopback ports, and the README's flags for a node.
struct ThreePeers {
  int ports[3] = {FreePort(), FreePort(), FreePort()};
  std::string peers = "1=127.0.0.1:" + std::to_string(ports[0]) + ",2=127.0.0.1:" +
                      std::to_string(ports[1]) + ",3=127.0.0.1:" + std::to_string(ports[2]);
  std::vector<std::string> NodeArgs(int id) const {
    return {"--node-id", std::to_string(id), "--cluster-port", std::to_string(ports[id - 1]),
            "--cluster-peers", peers};
  }
};
}  // namespace

TEST_CASE("The README's cluster command line starts and CONFIG GET shows the cluster keys") {
  ThreePeers three;
  const std::string& peers = three.peers;
  int c1 = three.ports[0];
  ServerProcess srv(three.NodeArgs(1));
  REQUIRE(srv.Start());
  auto c = srv.Connect();
  CHECK(Run(c.get(), {"CONFIG", "GET", "node-id"}) == "[node-id,1]");
  CHECK(Run(c.get(), {"CONFIG", "GET", "cluster-port"}) == "[cluster-port," + std::to_string(c1) + "]");
  CHECK(Run(c.get(), {"CONFIG", "GET", "cluster-peers"}) == "[cluster-peers," + peers + "]");
  CHECK(Run(c.get(), {"CONFIG", "GET", "cluster-token"}) == "[cluster-token,cairn]");
  CHECK(Run(c.get(), {"CONFIG", "GET", "cluster-announce-port"}) == "[cluster-announce-port,0]");
  CHECK(Run(c.get(), {"CONFIG", "SET", "node-id", "2"}).find("can't set immutable config") !=
        std::string::npos);
  std::string cluster_id = IdentityField(srv.dir() + "/data", "cluster-id");
  CHECK(cluster_id.size() == 32);
  CHECK(IdentityField(srv.dir() + "/data", "node-id") == "1");
  CHECK(IdentityField(srv.dir() + "/data", "voters") == "1,2,3");
  std::string log = ReadFile(srv.log_path());
  CHECK(log.find("cluster: node 1 of cluster " + cluster_id + ", cluster port " +
                 std::to_string(c1) + ", voters " + peers) != std::string::npos);
  CHECK(srv.Stop() == 0);
}

TEST_CASE("Without cluster-peers the node is a cluster of one and cluster-port is port + 10000") {
  ServerProcess srv;
  REQUIRE(srv.Start());
  auto c = srv.Connect();
  // Free ports come from the ephemeral range: above 55535 the default does not fit, and a
  // cluster of one voter then has no peer port.
  int want = srv.port() + 10000 <= 65535 ? srv.port() + 10000 : 0;
  CHECK(Run(c.get(), {"CONFIG", "GET", "cluster-port"}) == "[cluster-port," + std::to_string(want) + "]");
  CHECK(Run(c.get(), {"CONFIG", "GET", "cluster-peers"}) == "[cluster-peers,]");
  CHECK(IdentityField(srv.dir() + "/data", "voters") == "1");
}

TEST_CASE("A data dir restarted as another node or with another cluster-token is refused") {
  ThreePeers three;
  const std::string& peers = three.peers;
  ServerProcess srv(three.NodeArgs(1));
  // One node of three cannot commit a write alone: its start wrote the membership into its Raft
  // log, so the dir holds data.
  REQUIRE(srv.Start());
  REQUIRE(srv.Stop() == 0);
  std::string data = srv.dir() + "/data";
  REQUIRE(std::filesystem::exists(data + "/raft/hardstate"));
  std::string id = IdentityField(data, "cluster-id");
  REQUIRE(id.size() == 32);
  std::vector<std::string> base = {"--port", "0", "--dir", data, "--cluster-peers", peers};

  std::vector<std::string> as_two = base;
  as_two.insert(as_two.end(), {"--node-id", "2"});
  auto [rc, out] = RunToExit(as_two);
  CHECK(rc == 1);
  CHECK(out.find("data dir " + data + " belongs to node 1 of cluster " + id + ", not node 2 of cluster " +
                 id + " (node-id)") != std::string::npos);

  std::vector<std::string> blue = base;
  blue.insert(blue.end(), {"--node-id", "1", "--cluster-token", "blue"});
  auto [rc2, out2] = RunToExit(blue);
  CHECK(rc2 == 1);
  size_t at = out2.find("data dir " + data + " belongs to node 1 of cluster " + id + ", not node 1 of cluster ");
  CHECK(at != std::string::npos);
  CHECK(out2.find("(cluster-token 'cairn', not 'blue')") != std::string::npos);
  CHECK(out2.find(id, out2.find("not node 1")) == std::string::npos);  // the flags' id is another

  // The same flags still start, with the log intact.
  REQUIRE(srv.Start());
  auto c = srv.Connect();
  CHECK(Run(c.get(), {"PING"}) == "PONG");
  CHECK(IdentityField(data, "cluster-id") == id);
}

TEST_CASE("Bad cluster values stop start-up with a message naming the key") {
  std::string dir = MakeTempDir("cairn-badcluster");
  struct Case {
    std::vector<std::string> args;
    const char* expect;
  };
  const Case cases[] = {
      {{"--cluster-peers", "1=127.0.0.1:17001,1=127.0.0.1:17002"}, "argument 'cluster-peers': node id 1 is listed twice"},
      {{"--cluster-peers", "0=127.0.0.1:17001"}, "argument 'cluster-peers': '0=127.0.0.1:17001': node id must be an integer >= 1"},
      {{"--cluster-peers", "1127.0.0.1:17001"}, "argument 'cluster-peers': '1127.0.0.1:17001': missing '='"},
      {{"--cluster-peers", "1=127.0.0.1:0"}, "port must be an integer between 1 and 65535"},
      {{"--cluster-peers", "1=127.0.0.1:65536"}, "port must be an integer between 1 and 65535"},
      {{"--cluster-peers", "1=127.0.0.1:abc"}, "port must be an integer between 1 and 65535"},
      {{"--cluster-peers", "1=:17001"}, "argument 'cluster-peers': '1=:17001': empty host"},
      {{"--cluster-peers", "1=127.0.0.1:17001,"}, "argument 'cluster-peers': empty item"},
      {{"--cluster-peers", "1=127.0.0.1:17001, 2=127.0.0.1:17002"}, "argument 'cluster-peers': must not contain whitespace"},
      {{"--node-id", "4", "--cluster-peers", "1=127.0.0.1:17001"}, "argument 'cluster-peers': this node's node-id 4 is not in the list"},
      {{"--node-id", "0"}, "argument 'node-id'"},
      {{"--cluster-port", "70000"}, "argument 'cluster-port'"},
      {{"--cluster-token", ""}, "argument 'cluster-token'"},
  };
  for (const Case& c : cases) {
    std::vector<std::string> args = {"--port", "0", "--dir", dir + "/data"};
    args.insert(args.end(), c.args.begin(), c.args.end());
    CAPTURE(c.expect);
    auto [rc, out] = RunToExit(args);
    CHECK(rc == 1);
    CHECK(out.find(c.expect) != std::string::npos);
  }
  CHECK(!std::filesystem::exists(dir + "/data/cluster-identity"));  // refused before the dir is claimed
}

TEST_CASE("A data dir from before cluster ids is adopted as node-id's, a cluster of one") {
  // A dir as a node from before cluster ids left it: a write log (wal/, format 1) and no
  // cluster-identity file.
  const std::string dir = MakeTempDir("cairn-preid");
  const std::string data = dir + "/data";
  WriteLegacyDataDir(data, {{"SET", "before", "1"}});
  ServerProcess srv(ThreePeers().NodeArgs(3), dir);
  REQUIRE(srv.Start());
  auto c = srv.Connect();
  REQUIRE(WaitLoaded(c.get()));
  CHECK(Run(c.get(), {"GET", "before"}) == "1");
  CHECK(IdentityField(data, "node-id") == "3");
  CHECK(IdentityField(data, "voters") == "3");
  std::string id = IdentityField(data, "cluster-id");
  std::string log = ReadFile(srv.log_path());
  CHECK(log.find("holds data from before cluster ids: adopted as node 3 of cluster " + id) != std::string::npos);
  CHECK(log.find("cluster: node 3 of cluster " + id) != std::string::npos);
}

TEST_CASE("A restart whose cluster-peers lists other voters keeps the recorded cluster and says so") {
  ThreePeers three;
  ServerProcess srv(three.NodeArgs(1));
  REQUIRE(srv.Start());
  REQUIRE(srv.Stop() == 0);
  std::string data = srv.dir() + "/data";
  std::string id = IdentityField(data, "cluster-id");
  std::string two = "1=127.0.0.1:" + std::to_string(three.ports[0]) + ",4=127.0.0.1:" +
                    std::to_string(three.ports[1]);
  ServerProcess again({"--cluster-peers", two}, srv.dir());
  REQUIRE(again.Start());
  std::string log = ReadFile(again.log_path());
  CHECK(log.find("cluster-peers lists voters 1,4 but data dir " + data +
                 " was bootstrapped with voters 1,2,3: keeping cluster " + id) != std::string::npos);
  CHECK(log.find("cluster: node 1 of cluster " + id + ",") != std::string::npos);
  CHECK(IdentityField(data, "voters") == "1,2,3");
}

TEST_CASE("A corrupt cluster-identity file stops start-up naming the file") {
  ServerProcess srv;
  REQUIRE(srv.Start());
  REQUIRE(srv.Stop() == 0);
  std::string data = srv.dir() + "/data";
  std::string text = ReadFile(data + "/cluster-identity");
  text[text.find("node-id 1") + 8] = '2';  // as a hand edit would: the checksum no longer matches
  std::ofstream(data + "/cluster-identity") << text;
  auto [rc, out] = RunToExit({"--port", "0", "--dir", data});
  CHECK(rc == 1);
  CHECK(out.find(data + "/cluster-identity: cluster-identity file is corrupt: checksum mismatch") !=
        std::string::npos);
}

TEST_CASE("A DNS name in cluster-peers is not resolved at start-up") {
  // .invalid never resolves (RFC 6761): start-up must not depend on peers' names resolving.
  int cp = FreePort();
  std::string peers = "1=127.0.0.1:" + std::to_string(cp) + ",2=cairn-2.invalid:17002,3=[::1]:17003";
  ServerProcess srv({"--cluster-port", std::to_string(cp), "--cluster-peers", peers});
  REQUIRE(srv.Start());
  auto c = srv.Connect();
  CHECK(Run(c.get(), {"CONFIG", "GET", "cluster-peers"}) == "[cluster-peers," + peers + "]");
  CHECK(ReadFile(srv.log_path()).find("voters " + peers) != std::string::npos);
}
