// ClusterConfig: the cluster-peers grammar, host checks, the cross-key rules and the cluster id.
#include "server/cluster_config.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "commands/args.h"
#include "common/coding.h"

namespace cairn::server {
namespace {

Status BadPeer(std::string_view item, std::string_view reason) {
  return BadValue("cluster-peers", "'" + std::string(item) + "': " + std::string(reason));
}

// All digits and dots looks like an IPv4 address: then it must be one ("10.0.0" is not a name).
bool LooksNumeric(std::string_view host) {
  return std::all_of(host.begin(), host.end(),
                     [](char c) { return std::isdigit(static_cast<unsigned char>(c)) || c == '.'; });
}

Status CheckHost(std::string_view item, std::string_view host, bool bracketed) {
  if (host.empty()) return BadPeer(item, "empty host");
  std::string h(host);
  if (bracketed) {
    in6_addr a6{};
    if (inet_pton(AF_INET6, h.c_str(), &a6) != 1) return BadPeer(item, "bad IPv6 address");
    return Status::Ok();
  }
  if (h.find(':') != std::string::npos) return BadPeer(item, "an IPv6 address needs [brackets]");
  if (LooksNumeric(h)) {
    in_addr a4{};
    if (inet_pton(AF_INET, h.c_str(), &a4) != 1) return BadPeer(item, "bad IPv4 address");
    return Status::Ok();
  }
  if (!IsDnsName(h)) return BadPeer(item, "bad host name");
  return Status::Ok();
}

bool ParseId(std::string_view s, uint64_t* id) {
  int64_t v = 0;
  if (s.empty() || !std::isdigit(static_cast<unsigned char>(s[0]))) return false;
  if (!commands::ParseInt64(std::string(s), &v) || v < 1) return false;
  *id = static_cast<uint64_t>(v);
  return true;
}

bool ParsePort(std::string_view s, int* port) {
  int64_t v = 0;
  if (s.empty() || !std::isdigit(static_cast<unsigned char>(s[0]))) return false;
  if (!commands::ParseInt64(std::string(s), &v) || v < 1 || v > 65535) return false;
  *port = static_cast<int>(v);
  return true;
}

// One `id=host:port` item.
Result<Peer> ParsePeer(std::string_view item) {
  size_t eq = item.find('=');
  if (eq == std::string_view::npos) return BadPeer(item, "missing '=' (expected id=host:port)");
  Peer p;
  if (!ParseId(item.substr(0, eq), &p.id)) return BadPeer(item, "node id must be an integer >= 1");
  std::string_view addr = item.substr(eq + 1);
  size_t colon = addr.rfind(':');
  if (colon == std::string_view::npos) return BadPeer(item, "missing ':port'");
  std::string_view host = addr.substr(0, colon);
  bool bracketed = host.size() >= 2 && host.front() == '[' && host.back() == ']';
  if (bracketed) host = host.substr(1, host.size() - 2);
  CAIRN_RETURN_IF_ERROR(CheckHost(item, host, bracketed));
  if (!ParsePort(addr.substr(colon + 1), &p.port)) {
    return BadPeer(item, "port must be an integer between 1 and 65535");
  }
  p.host = std::string(host);
  return p;
}

std::string Hex64(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof(buf), "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

Status CheckClusterPort(const Config& c) {
  if (c.cluster_port == 0 && c.port + 10000 > 65535 && !c.cluster_peers.empty()) {
    return BadValue("cluster-port", "the default, port + 10000 = " + std::to_string(c.port + 10000) +
                                        ", is above 65535: set cluster-port");
  }
  if (c.port != 0 && c.cluster_port == c.port) return BadValue("cluster-port", "must differ from port");
  return Status::Ok();
}

}  // namespace

bool IsDnsName(std::string_view host) {
  if (host.empty() || host.size() > 253 || host.front() == '.' || host.front() == '-') return false;
  for (char ch : host) {
    auto c = static_cast<unsigned char>(ch);
    if (!std::isalnum(c) && c != '-' && c != '.' && c != '_') return false;
  }
  return true;
}

int EffectiveClusterPort(const Config& c) {
  if (c.cluster_port != 0) return static_cast<int>(c.cluster_port);
  if (c.port == 0 || c.port + 10000 > 65535) return 0;
  return static_cast<int>(c.port) + 10000;
}

bool IsIpLiteral(const std::string& host) {
  in_addr a4{};
  in6_addr a6{};
  return inet_pton(AF_INET, host.c_str(), &a4) == 1 || inet_pton(AF_INET6, host.c_str(), &a6) == 1;
}

std::string FormatAddress(const std::string& host, int port) {
  bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

Result<std::vector<Peer>> ParsePeers(std::string_view text) {
  std::vector<Peer> peers;
  if (text.empty()) return peers;
  auto space = std::find_if(text.begin(), text.end(),
                            [](char c) { return std::isspace(static_cast<unsigned char>(c)); });
  if (space != text.end()) return BadValue("cluster-peers", "must not contain whitespace");
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = std::min(text.find(',', start), text.size());
    std::string_view item = text.substr(start, comma - start);
    if (item.empty()) return BadValue("cluster-peers", "empty item (a stray or trailing comma)");
    auto p = ParsePeer(item);
    if (!p.ok()) return p.status();
    for (const Peer& q : peers) {
      if (q.id == p->id) return BadValue("cluster-peers", "node id " + std::to_string(q.id) + " is listed twice");
    }
    peers.push_back(std::move(*p));
    start = comma + 1;
  }
  std::sort(peers.begin(), peers.end(), [](const Peer& a, const Peer& b) { return a.id < b.id; });
  return peers;
}

std::string FormatPeers(const std::vector<Peer>& peers) {
  std::string out;
  for (const Peer& p : peers) {
    if (!out.empty()) out += ',';
    out += std::to_string(p.id) + "=" + FormatAddress(p.host, p.port);
  }
  return out;
}

std::string DeriveClusterId(std::string_view token, const std::vector<uint64_t>& voter_ids) {
  std::vector<uint64_t> ids = voter_ids;
  std::sort(ids.begin(), ids.end());
  // Length-prefixed token, so that no token/id pair reads as another.
  std::string material = std::to_string(token.size()) + ":" + std::string(token);
  for (uint64_t id : ids) material += "," + std::to_string(id);
  return Hex64(StableHash64("cairn-cluster-id-a/" + material)) +
         Hex64(StableHash64("cairn-cluster-id-b/" + material));
}

std::vector<uint64_t> ClusterConfig::VoterIds() const {
  std::vector<uint64_t> ids;
  for (const Peer& p : voters) ids.push_back(p.id);
  return ids;
}

std::string ClusterConfig::Describe() const {
  std::string s = "node " + std::to_string(node_id) + " of cluster " + cluster_id + ", cluster port " +
                  std::to_string(cluster_port) + ", voters ";
  for (size_t i = 0; i < voters.size(); ++i) {
    s += (i ? "," : "") + std::to_string(voters[i].id) + "=" +
         FormatAddress(voters[i].host, voters[i].port);
  }
  std::string announce = announce_hostname.empty() ? announce_ip : announce_hostname;
  return s + ", announced to clients as " + FormatAddress(announce, announce_port);
}

Result<ClusterConfig> MakeClusterConfig(const Config& c) {
  CAIRN_RETURN_IF_ERROR(CheckClusterPort(c));
  auto peers = ParsePeers(c.cluster_peers);
  if (!peers.ok()) return peers.status();
  ClusterConfig cc;
  cc.node_id = static_cast<uint64_t>(c.node_id);
  cc.cluster_port = EffectiveClusterPort(c);
  cc.voters = std::move(*peers);
  if (cc.voters.empty()) cc.voters.push_back({cc.node_id, c.bind, cc.cluster_port});
  auto self = std::find_if(cc.voters.begin(), cc.voters.end(),
                           [&](const Peer& p) { return p.id == cc.node_id; });
  if (self == cc.voters.end()) {
    return BadValue("cluster-peers", "this node's node-id " + std::to_string(cc.node_id) +
                                    " is not in the list");
  }
  cc.announce_ip = c.cluster_announce_ip;
  cc.announce_hostname = c.cluster_announce_hostname;
  if (cc.announce_ip.empty() && cc.announce_hostname.empty()) {
    (IsIpLiteral(self->host) ? cc.announce_ip : cc.announce_hostname) = self->host;
  }
  cc.announce_port = c.cluster_announce_port != 0 ? static_cast<int>(c.cluster_announce_port)
                                                  : static_cast<int>(c.port);
  cc.token = c.cluster_token;
  cc.auth_secret = c.cluster_auth_secret.empty() ? c.requirepass : c.cluster_auth_secret;
  cc.cluster_id = DeriveClusterId(cc.token, cc.VoterIds());
  cc.bootstrap_voters = cc.VoterIds();
  return cc;
}

}  // namespace cairn::server
