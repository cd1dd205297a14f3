// Unit tests for what the transport dials with: the reconnect backoff and peer address parsing.
// Pure functions, no sockets.
#include <doctest/doctest.h>

#include <set>

#include "replication/peer_transport.h"

namespace cairn::replication {
namespace {

TEST_CASE("backoff doubles from the minimum, stays under the cap and jitters") {
  Rng rng(42);
  for (uint32_t attempt = 0; attempt < 40; ++attempt) {
    uint64_t ceiling = 50;
    for (uint32_t i = 0; i < attempt && ceiling < 2000; ++i) ceiling *= 2;
    ceiling = std::min<uint64_t>(ceiling, 2000);
    for (int i = 0; i < 50; ++i) {
      const uint64_t d = BackoffDelayMs(attempt, 50, 2000, rng);
      CHECK(d >= ceiling / 2);
      CHECK(d <= ceiling);
    }
  }
  std::set<uint64_t> seen;
  for (int i = 0; i < 100; ++i) seen.insert(BackoffDelayMs(10, 50, 2000, rng));
  CHECK(seen.size() > 10);  // jittered, not one fixed delay
  Rng a(7), b(7);
  CHECK(BackoffDelayMs(3, 50, 2000, a) == BackoffDelayMs(3, 50, 2000, b));  // seeded: replayable
}

TEST_CASE("peer addresses are host:port, with brackets for an IPv6 literal") {
  std::string host;
  int port = 0;
  REQUIRE(ParsePeerAddress("node-1.cluster:17001", &host, &port).ok());
  CHECK(host == "node-1.cluster");
  CHECK(port == 17001);
  REQUIRE(ParsePeerAddress("[::1]:9", &host, &port).ok());
  CHECK(host == "::1");
  CHECK(port == 9);
  for (const char* bad : {"", "host", "host:", ":1", "h:0", "h:65536", "h:12x", "h:99999999999"}) {
    CHECK(ParsePeerAddress(bad, &host, &port).code() == ErrorCode::kInvalidArgument);
  }
}

}  // namespace
}  // namespace cairn::replication
