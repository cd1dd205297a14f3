// Unit tests for the data dir's identity file: encoding, checksum, atomic write, and the rules
// ClaimDataDir applies at start-up (bootstrap, adopt, refuse another node or cluster).
#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "common/coding.h"
#include "server/cluster_identity.h"
#include "wal/test_util.h"

using namespace cairn;
using namespace cairn::server;
using cairn::wal::testing::FaultEnv;
using cairn::wal::testing::TempDir;

namespace {

ClusterConfig Cluster(uint64_t node_id, const std::string& peers, const std::string& token = "cairn") {
  Config c;
  c.port = 7001;
  c.node_id = static_cast<int64_t>(node_id);
  c.cluster_peers = peers;
  c.cluster_token = token;
  auto cc = MakeClusterConfig(c);
  CAIRN_ASSERT(cc.ok());
  return *cc;
}

const char kThree[] = "1=127.0.0.1:17001,2=127.0.0.1:17002,3=127.0.0.1:17003";

std::string Slurp(const std::string& path) {
  std::ifstream f(path);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

void Spit(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

}  // namespace

TEST_CASE("The identity file round-trips and pins its format") {
  ClusterIdentity id{std::string(32, 'a'), 2, "prod", {1, 2, 3}};
  std::string text = EncodeIdentity(id);
  CHECK(text.rfind("cairn-cluster-identity 1\ncluster-id aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\nnode-id 2\n"
                   "cluster-token prod\nvoters 1,2,3\ncrc32c ", 0) == 0);
  auto back = DecodeIdentity(text);
  REQUIRE(back.ok());
  CHECK(*back == id);
}

TEST_CASE("A corrupt identity file is refused with a clear error") {
  std::string good = EncodeIdentity({std::string(32, 'b'), 1, "cairn", {1}});
  std::string flipped = good;
  flipped[good.find("node-id 1") + 8] = '7';  // the checksum no longer matches
  struct Case {
    std::string text;
    const char* reason;
  };
  const Case cases[] = {
      {"", "not a version 1 identity file"},
      {"cairn-cluster-identity 2\n", "not a version 1 identity file"},
      {good.substr(0, good.size() - 3), "checksum mismatch"},
      {good.substr(0, good.find("crc32c")), "no checksum"},
      {flipped, "checksum mismatch"},
  };
  for (const Case& c : cases) {
    auto r = DecodeIdentity(c.text);
    REQUIRE(!r.ok());
    CHECK(r.status().code() == ErrorCode::kCorruption);
    CHECK(r.status().message() == std::string("cluster-identity file is corrupt: ") + c.reason);
  }
  // A well-checksummed file with a malformed field is refused too.
  std::string body = "cairn-cluster-identity 1\ncluster-id xyz\nnode-id 1\ncluster-token t\nvoters 1\n";
  auto r = DecodeIdentity(body + "crc32c " + [&] {
    char buf[9];
    std::snprintf(buf, sizeof(buf), "%08x", Crc32c(body));
    return std::string(buf);
  }() + "\n");
  CHECK(r.status().message() == "cluster-identity file is corrupt: bad cluster-id");
}

TEST_CASE("The identity file is written atomically: a failed write leaves the old one") {
  TempDir dir;
  FaultEnv env;
  ClusterIdentity first{std::string(32, 'c'), 1, "cairn", {1}};
  REQUIRE(WriteIdentity(&env, dir.path(), first).ok());
  CHECK(!std::filesystem::exists(dir.path() + "/cluster-identity.tmp"));
  env.SetSyncHook([] { return Status::IoError("injected fsync failure"); });
  ClusterIdentity second{std::string(32, 'd'), 1, "cairn", {1}};
  CHECK(!WriteIdentity(&env, dir.path(), second).ok());
  auto read = ReadIdentity(&env, dir.path());
  REQUIRE(read.ok());
  CHECK(*read == first);
  env.SetSyncHook(nullptr);
  // A temp file left by a crash mid-write is overwritten, not read.
  Spit(dir.path() + "/cluster-identity.tmp", "garbage");
  REQUIRE(WriteIdentity(&env, dir.path(), second).ok());
  CHECK(*ReadIdentity(&env, dir.path()) == second);
  CHECK(Slurp(dir.path() + "/cluster-identity") == EncodeIdentity(second));
}

TEST_CASE("ReadIdentity: NotFound without a file; a corrupt file names its path") {
  TempDir dir;
  CHECK(ReadIdentity(wal::Env::Posix(), dir.path()).status().code() == ErrorCode::kNotFound);
  Spit(dir.path() + "/cluster-identity", "hello\n");
  auto r = ReadIdentity(wal::Env::Posix(), dir.path());
  CHECK(r.status().code() == ErrorCode::kCorruption);
  CHECK(r.status().message() == dir.path() + "/cluster-identity: cluster-identity file is corrupt: "
                                             "not a version 1 identity file");
  // ClaimDataDir refuses it rather than bootstrapping over it.
  auto claim = ClaimDataDir(wal::Env::Posix(), dir.path(), Cluster(1, ""));
  CHECK(claim.status().code() == ErrorCode::kCorruption);
}

TEST_CASE("An empty dir is bootstrapped with the cluster id derived from the flags") {
  TempDir dir;
  ClusterConfig cc = Cluster(1, kThree);
  auto claim = ClaimDataDir(wal::Env::Posix(), dir.path(), cc);
  REQUIRE(claim.ok());
  CHECK(claim->how == DataDirClaim::How::kBootstrapped);
  CHECK(claim->notices.empty());
  ClusterIdentity want{DeriveClusterId("cairn", {1, 2, 3}), 1, "cairn", {1, 2, 3}};
  CHECK(claim->identity == want);
  CHECK(*ReadIdentity(wal::Env::Posix(), dir.path()) == want);
}

TEST_CASE("A dir with data is refused as another node or with another cluster-token") {
  TempDir dir;
  REQUIRE(ClaimDataDir(wal::Env::Posix(), dir.path(), Cluster(1, kThree)).ok());
  std::filesystem::create_directory(dir.path() + "/wal");  // the node has started: it holds data
  auto same = ClaimDataDir(wal::Env::Posix(), dir.path(), Cluster(1, kThree));
  REQUIRE(same.ok());
  CHECK(same->how == DataDirClaim::How::kRecorded);
  CHECK(same->notices.empty());

  std::string id = DeriveClusterId("cairn", {1, 2, 3});
  auto other_node = ClaimDataDir(wal::Env::Posix(), dir.path(), Cluster(2, kThree));
  CHECK(other_node.status().message() == "data dir " + dir.path() + " belongs to node 1 of cluster " +
                                             id + ", not node 2 of cluster " + id + " (node-id)");
  auto other_token = ClaimDataDir(wal::Env::Posix(), dir.path(), Cluster(1, kThree, "blue"));
  CHECK(other_token.status().message() ==
        "data dir " + dir.path() + " belongs to node 1 of cluster " + id + ", not node 1 of cluster " +
            DeriveClusterId("blue", {1, 2, 3}) + " (cluster-token 'cairn', not 'blue')");
  CHECK(ReadIdentity(wal::Env::Posix(), dir.path())->cluster_id == id);  // never rewritten
}

TEST_CASE("Other voters in the flags keep the recorded cluster, with a notice") {
  TempDir dir;
  REQUIRE(ClaimDataDir(wal::Env::Posix(), dir.path(), Cluster(1, kThree)).ok());
  std::filesystem::create_directory(dir.path() + "/keyspace");
  auto claim = ClaimDataDir(wal::Env::Posix(), dir.path(), Cluster(1, "1=127.0.0.1:17001,4=h:1"));
  REQUIRE(claim.ok());
  CHECK(claim->identity.cluster_id == DeriveClusterId("cairn", {1, 2, 3}));
  REQUIRE(claim->notices.size() == 1);
  CHECK(claim->notices[0].find("cluster-peers lists voters 1,4 but data dir " + dir.path() +
                               " was bootstrapped with voters 1,2,3") == 0);
}

TEST_CASE("A dir that holds only its identity file is bootstrapped again, with a notice") {
  TempDir dir;
  REQUIRE(ClaimDataDir(wal::Env::Posix(), dir.path(), Cluster(1, kThree)).ok());
  auto claim = ClaimDataDir(wal::Env::Posix(), dir.path(), Cluster(2, kThree, "blue"));
  REQUIRE(claim.ok());
  CHECK(claim->how == DataDirClaim::How::kBootstrapped);
  CHECK(claim->identity.node_id == 2);
  CHECK(claim->identity.cluster_id == DeriveClusterId("blue", {1, 2, 3}));
  CHECK(claim->notices.size() == 1);
}

TEST_CASE("A dir from before cluster ids is adopted as node-id's, a cluster of one") {
  TempDir dir;
  std::filesystem::create_directory(dir.path() + "/wal");
  auto claim = ClaimDataDir(wal::Env::Posix(), dir.path(), Cluster(3, kThree));
  REQUIRE(claim.ok());
  CHECK(claim->how == DataDirClaim::How::kAdopted);
  ClusterIdentity want{DeriveClusterId("cairn", {3}), 3, "cairn", {3}};
  CHECK(claim->identity == want);
  CHECK(*ReadIdentity(wal::Env::Posix(), dir.path()) == want);
  REQUIRE(claim->notices.size() == 1);
  CHECK(claim->notices[0].find("adopted as node 3 of cluster " + want.cluster_id) != std::string::npos);
  // Started alone (no cluster-peers), there is nothing to say.
  TempDir alone;
  std::filesystem::create_directory(alone.path() + "/keyspace");
  auto quiet = ClaimDataDir(wal::Env::Posix(), alone.path(), Cluster(1, ""));
  REQUIRE(quiet.ok());
  CHECK(quiet->how == DataDirClaim::How::kAdopted);
  CHECK(quiet->notices.empty());
}
