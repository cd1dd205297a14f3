// Start-up and shutdown: bad config values stop start-up naming the key; SHUTDOWN, SIGTERM and
// SIGINT stop cleanly; a config file and --key overrides work as redis-server's; the cluster keys
// are validated.
#include <doctest/doctest.h>
#include <sys/wait.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "harness.h"

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
}
