// Limits with Redis's behaviour: maxclients, proto-max-bulk-len, client-query-buffer-limit, and
// a client that never reads its replies.
#include <doctest/doctest.h>

#include <chrono>
#include <fstream>
#include <iterator>
#include <thread>

#include "harness.h"

using namespace cairn::testing;

TEST_CASE("maxclients: the client past the limit gets Redis's error and is closed") {
  ServerProcess srv({"--maxclients", "2"});
  REQUIRE(srv.Start());
  auto a = srv.Connect();
  auto b = srv.Connect();
  REQUIRE(a);
  REQUIRE(b);
  CHECK(Run(a.get(), {"PING"}) == "PONG");
  CHECK(Run(b.get(), {"PING"}) == "PONG");
  bool closed = false;
  std::string r = RawExchange(srv.port(), "PING\r\n", 100, 2000, &closed);
  CHECK(r == "-ERR max number of clients reached\r\n");
  CHECK(closed);
  CHECK(Run(a.get(), {"INFO", "stats"}).find("rejected_connections:1") != std::string::npos);
}

TEST_CASE("proto-max-bulk-len refuses a larger bulk") {
  ServerProcess srv({"--proto-max-bulk-len", "1mb"});
  REQUIRE(srv.Start());
  bool closed = false;
  std::string r = RawExchange(srv.port(), "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1048577\r\n", 100, 2000, &closed);
  CHECK(r == "-ERR Protocol error: invalid bulk length\r\n");
  CHECK(closed);
  auto c = srv.Connect();
  CHECK(Run(c.get(), {"SET", "k", std::string(1048576, 'x')}) == "OK");
  CHECK(Run(c.get(), {"GET", "k"}).size() == 1048576);
}

TEST_CASE("client-query-buffer-limit closes a client whose request grows past it") {
  ServerProcess srv({"--client-query-buffer-limit", "1mb"});
  REQUIRE(srv.Start());
  std::string big = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5000000\r\n" + std::string(2 * 1024 * 1024, 'x');
  bool closed = false;
  std::string r = RawExchange(srv.port(), big, 1, 3000, &closed);
  CHECK(r.empty());
  CHECK(closed);
  auto c = srv.Connect();
  CHECK(Run(c.get(), {"PING"}) == "PONG");
}

TEST_CASE("CONFIG SET maxclients applies to new connections") {
  ServerProcess srv;
  REQUIRE(srv.Start());
  auto a = srv.Connect();
  CHECK(Run(a.get(), {"CONFIG", "SET", "maxclients", "1"}) == "OK");
  bool closed = false;
  CHECK(RawExchange(srv.port(), "PING\r\n", 100, 2000, &closed) == "-ERR max number of clients reached\r\n");
  CHECK(Run(a.get(), {"CONFIG", "SET", "maxclients", "10"}) == "OK");
  CHECK(RawExchange(srv.port(), "PING\r\n", 7, 2000) == "+PONG\r\n");
}

TEST_CASE("timeout closes a client idle for longer") {
  ServerProcess srv({"--timeout", "1"});
  REQUIRE(srv.Start());
  auto idle = srv.Connect();
  auto busy = srv.Connect();
  CHECK(Run(idle.get(), {"PING"}) == "PONG");
  for (int i = 0; i < 30; ++i) {  // 3 s of activity on the other connection
    CHECK(Run(busy.get(), {"PING"}) == "PONG");
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  CHECK(Run(idle.get(), {"PING"}) != "PONG");
  CHECK(Run(busy.get(), {"PING"}) == "PONG");
}

TEST_CASE("logfile sends the server's messages to a file") {
  std::string dir = MakeTempDir("cairn-logfile");
  ServerProcess srv({"--logfile", dir + "/cairn.log"});
  REQUIRE(srv.Start());
  REQUIRE(srv.Stop() == 0);
  std::ifstream f(dir + "/cairn.log");
  std::string all((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  CHECK(all.find("ready to accept connections") != std::string::npos);
  CHECK(all.find("shutting down") != std::string::npos);
}
