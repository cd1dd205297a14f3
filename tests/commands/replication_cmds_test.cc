// ROLE and WAIT through the Dispatcher, over what the node says
// of replication (ServerApi::Replication): Redis's shapes for a master and a replica.
#include <doctest/doctest.h>

#include <string>

#include "dispatch_harness.h"

using namespace cairn::commands;
using namespace cairn::commands::testing;

namespace {

ReplicationView Master() {
  ReplicationView v;
  v.master = true;
  v.offset = 42;
  v.replicas = {{"10.0.0.2", 7002, 42, true}, {"10.0.0.3", 7003, 40, true}, {"10.0.0.4", 7004, 0, false}};
  return v;
}

}  // namespace

TEST_CASE("ROLE on the leader: master, its offset, the online replicas with theirs") {
  Node n;
  Session s;
  n.server.replication = Master();
  CHECK(n.Run(s, {"ROLE"}) ==
        "*3\r\n$6\r\nmaster\r\n:42\r\n*2\r\n"
        "*3\r\n$8\r\n10.0.0.2\r\n$4\r\n7002\r\n$2\r\n42\r\n"
        "*3\r\n$8\r\n10.0.0.3\r\n$4\r\n7003\r\n$2\r\n40\r\n");
  n.server.replication = ReplicationView{};  // a single node: a master without replicas
  CHECK(n.Run(s, {"ROLE"}) == "*3\r\n$6\r\nmaster\r\n:0\r\n*0\r\n");
}

TEST_CASE("ROLE on a follower: slave, the leader's address, the link state, its offset") {
  Node n;
  Session s;
  ReplicationView v;
  v.master = false;
  v.offset = 17;
  v.master_host = "10.0.0.1";
  v.master_port = 7001;
  v.master_link_up = true;
  n.server.replication = v;
  CHECK(n.Run(s, {"ROLE"}) ==
        "*5\r\n$5\r\nslave\r\n$8\r\n10.0.0.1\r\n:7001\r\n$9\r\nconnected\r\n:17\r\n");
  v.master_link_up = false;
  n.server.replication = v;
  CHECK(n.Run(s, {"ROLE"}).find("$7\r\nconnect\r\n") != std::string::npos);
  CHECK(n.Run(s, {"ROLE", "x"}) == "-ERR wrong number of arguments for 'role' command\r\n");
}

TEST_CASE("WAIT counts the online replicas holding everything applied; errors as Redis's") {
  Node n;
  Session s;
  n.server.replication = Master();
  CHECK(n.Run(s, {"WAIT", "1", "0"}) == ":1\r\n");  // 10.0.0.3 is behind, 10.0.0.4 offline
  CHECK(n.Run(s, {"WAIT", "x", "0"}) == "-ERR value is not an integer or out of range\r\n");
  CHECK(n.Run(s, {"WAIT", "1", "-1"}) == "-ERR timeout is negative\r\n");
  CHECK(n.Run(s, {"WAIT", "1"}) == "-ERR wrong number of arguments for 'wait' command\r\n");
  ReplicationView replica;
  replica.master = false;
  n.server.replication = replica;
  CHECK(n.Run(s, {"WAIT", "1", "0"}).starts_with("-ERR WAIT cannot be used with replica instances."));
}
