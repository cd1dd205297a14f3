// ClusterConfig: the cluster keys of Config (node-id, cluster-port, cluster-peers, the announce
// address, cluster-token, cluster-auth-secret) parsed into typed values and checked against each
// other, plus the cluster id every node of one new cluster derives alike. Pure functions over
// values (no I/O, no name resolution); the Replicator reads the result. Any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "server/config.h"

namespace cairn::server {

// One initial voter as cluster-peers lists it. `host` is an IPv4 address, an IPv6 address (kept
// without its brackets) or a DNS name, which is never resolved here: the transport resolves it
// again at every connect, since a container that restarts gets a new address.
struct Peer {
  uint64_t id = 0;
  std::string host;
  int port = 0;
  bool operator==(const Peer&) const = default;
};

// Parses cluster-peers: `1=host:port,2=[::1]:port,...`. Empty text is an empty list (a cluster of
// one voter, this node). Refuses, with the reason: whitespace, an empty item (a trailing comma),
// a missing '=', an id that is not an integer >= 1, a duplicate id, a missing or bad port (not
// 1..65535), an empty or malformed host. The result is sorted by id.
Result<std::vector<Peer>> ParsePeers(std::string_view text);
// The inverse of ParsePeers (IPv6 hosts get their brackets back).
std::string FormatPeers(const std::vector<Peer>& peers);
// "host:port", with brackets around an IPv6 host.
std::string FormatAddress(const std::string& host, int port);
// True for a literal IPv4 or IPv6 address (no brackets), false for a DNS name.
bool IsIpLiteral(const std::string& host);
// True for what may be a DNS name: letters, digits, '-', '.', '_', not starting with '-' or '.'.
bool IsDnsName(std::string_view host);

// cluster-port, or its default: port + 10000 as Redis's cluster bus; 0 when port is 0, and 0 when
// port + 10000 is above 65535 (MakeClusterConfig refuses that when cluster-peers is set; a cluster
// of one voter has no peers to listen for).
int EffectiveClusterPort(const Config& config);

// 32 hex digits from the token and the sorted voter ids: the same on every node of one new
// cluster without their talking to each other, different for another token or voter set.
std::string DeriveClusterId(std::string_view token, const std::vector<uint64_t>& voter_ids);

struct ClusterConfig {
  uint64_t node_id = 1;
  int cluster_port = 0;              // where this node listens for peers
  std::vector<Peer> voters;          // sorted by id, this node included; never empty
  std::string announce_ip;           // what other nodes hand to clients for this node: an IP...
  std::string announce_hostname;     // ...and/or a name (either may be empty, not both)
  int announce_port = 0;
  std::string token;
  // cluster-auth-secret, else requirepass (as at start-up: CONFIG SET may change requirepass
  // later, so a user of the default should read it live), else empty.
  std::string auth_secret;
  std::string cluster_id;            // DeriveClusterId(token, voter ids)
  // The voters the data dir was bootstrapped with (its cluster-identity; VoterIds() for a new
  // dir): the Raft log's initial membership, which wins over cluster-peers when they differ.
  std::vector<uint64_t> bootstrap_voters;

  std::vector<uint64_t> VoterIds() const;
  // The start-up line: node id, cluster id, the voters with their addresses.
  std::string Describe() const;
};

// Builds the ClusterConfig from the loaded keys and applies the checks that span keys: this
// node's node-id must be in cluster-peers, the default cluster-port (port + 10000) must fit when
// cluster-peers is set, the cluster port must differ from port. Errors name the key, in Config's BadValue style.
Result<ClusterConfig> MakeClusterConfig(const Config& config);

}  // namespace cairn::server
