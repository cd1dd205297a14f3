// The stock tools work unchanged: redis-cli interactive-style input, -x, --pipe, --scan, and
// redis-benchmark's suite for the commands Cairn supports, with no error replies.
#include <doctest/doctest.h>

#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>

#include "harness.h"

using namespace cairn::testing;

namespace {
ServerProcess& Server() { return SharedServer(); }
std::string Shell(const std::string& cmd) {
  std::string out;
  FILE* p = popen(("timeout 60 " + cmd + " 2>&1").c_str(), "r");
  if (p == nullptr) return "(popen failed)";
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), p)) > 0) out.append(buf, n);
  pclose(p);
  return out;
}
std::string Cli() { return "redis-cli -p " + std::to_string(Server().port()); }
}  // namespace

TEST_CASE("redis-cli reads commands from standard input") {
  std::string out = Shell("printf 'SET cli:a 1\\nGET cli:a\\nPING\\nCOMMAND COUNT\\n' | " + Cli());
  CHECK(out.rfind("OK\n1\nPONG\n", 0) == 0);
}

TEST_CASE("redis-cli -x takes the last argument from standard input") {
  std::string dir = MakeTempDir("cairn-cli");
  std::ofstream(dir + "/v") << "from stdin";
  CHECK(Shell(Cli() + " -x SET cli:x < " + dir + "/v") == "OK\n");
  CHECK(Shell(Cli() + " GET cli:x") == "from stdin\n");
}

TEST_CASE("redis-cli --pipe mass insertion") {
  std::string dir = MakeTempDir("cairn-pipe");
  {
    std::ofstream f(dir + "/cmds");
    for (int i = 0; i < 10000; ++i) {
      std::string k = "pipe:" + std::to_string(i);
      f << "*3\r\n$3\r\nSET\r\n$" << k.size() << "\r\n" << k << "\r\n$1\r\nv\r\n";
    }
  }
  std::string out = Shell(Cli() + " --pipe < " + dir + "/cmds");
  CHECK(out.find("errors: 0, replies: 10000") != std::string::npos);
  CHECK(Shell(Cli() + " GET pipe:9999") == "v\n");
}

TEST_CASE("redis-cli --scan lists every key once") {
  auto c = Server().Connect();
  for (int i = 0; i < 500; ++i) Run(c.get(), {"SET", "scan:" + std::to_string(i), "v"});
  std::string out = Shell(Cli() + " --scan --pattern 'scan:*'");
  std::istringstream lines(out);
  std::set<std::string> keys;
  std::string line;
  size_t n = 0;
  while (std::getline(lines, line)) {
    keys.insert(line);
    ++n;
  }
  CHECK(keys.size() == 500);
  CHECK(n == 500);
}

TEST_CASE("redis-benchmark runs the supported commands without error replies") {
  std::string out = Shell("redis-benchmark -p " + std::to_string(Server().port()) +
                          " -n 2000 -c 10 -q -t ping,set,get,incr,mset");
  CHECK(out.find("PING_INLINE") != std::string::npos);
  CHECK(out.find("SET:") != std::string::npos);
  CHECK(out.find("GET:") != std::string::npos);
  CHECK(out.find("INCR:") != std::string::npos);
  CHECK(out.find("MSET") != std::string::npos);
  CHECK(out.find("ERR") == std::string::npos);
  CHECK(out.find("rror") == std::string::npos);
}

TEST_CASE("redis-benchmark pipelined SET/GET") {
  std::string out = Shell("redis-benchmark -p " + std::to_string(Server().port()) +
                          " -n 5000 -c 20 -P 16 -q -t set,get -r 1000");
  CHECK(out.find("SET:") != std::string::npos);
  CHECK(out.find("GET:") != std::string::npos);
  CHECK(out.find("rror") == std::string::npos);
}
