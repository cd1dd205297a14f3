// Node's ServerApi side: CONFIG, CLIENT LIST/KILL, MONITOR feeds and SLOWLOG. The write path
// and the wiring live in node.cc, INFO in info.cc.
#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdio>

#include "server/node.h"
#include "server/raft_log_setup.h"

namespace cairn::server {
namespace {

constexpr size_t kSlowlogMaxArgs = 32;
constexpr size_t kSlowlogMaxArgLen = 128;

// Redis's sdscatrepr: the quoted, escaped form MONITOR prints.
void AppendRepr(std::string* out, std::string_view s) {
  out->push_back('"');
  for (unsigned char c : s) {
    switch (c) {
      case '\\': out->append("\\\\"); break;
      case '"': out->append("\\\""); break;
      case '\n': out->append("\\n"); break;
      case '\r': out->append("\\r"); break;
      case '\t': out->append("\\t"); break;
      case '\a': out->append("\\a"); break;
      case '\b': out->append("\\b"); break;
      default:
        if (std::isprint(c)) {
          out->push_back(static_cast<char>(c));
        } else {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\x%02x", c);
          out->append(buf);
        }
    }
  }
  out->push_back('"');
}

// "host:port" split for ROLE; an address not yet known gives ("", 0).
void SplitAddress(const std::string& address, std::string* host, int* port) {
  if (address.empty() || !replication::ParsePeerAddress(address, host, port).ok()) {
    host->clear();
    *port = 0;
  }
}

}  // namespace

commands::ReplicationView Node::Replication() const {
  commands::ReplicationView v;
  v.offset = replicator_->applied_index();
  if (peers_ == nullptr) return v;  // a cluster of one voter: a master without replicas
  if (replicator_->is_leader()) {
    for (const Peer& p : cluster_.voters) {
      if (p.id == cluster_.node_id) continue;
      commands::ReplicaView r;
      auto stats = peers_->Stats(p.id);
      if (stats) {
        SplitAddress(stats->client_address, &r.host, &r.port);
        r.online = stats->connected;
      }
      r.offset = replicator_->match_index(p.id);
      v.replicas.push_back(std::move(r));
    }
    return v;
  }
  v.master = false;
  SplitAddress(RelayTarget(), &v.master_host, &v.master_port);
  auto stats = replicator_->leader() != raft::kNoNode ? peers_->Stats(replicator_->leader())
                                                      : std::nullopt;
  v.master_link_up = stats && stats->connected && !v.master_host.empty();
  return v;
}

void Node::FeedMonitors(const Client& c, const std::vector<std::string>& argv) {
  if (monitors_.empty()) return;
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                std::chrono::system_clock::now().time_since_epoch())
                .count();
  char head[96];
  std::snprintf(head, sizeof(head), "+%" PRId64 ".%06" PRId64 " [%d %s]", us / 1000000,
                us % 1000000, c.session.db, c.session.peer.c_str());
  std::string line = head;
  for (const auto& a : argv) {
    line.push_back(' ');
    AppendRepr(&line, a);
  }
  line += "\r\n";
  for (uint64_t id : monitors_) {
    Client* m = FindClient(id);
    if (m == nullptr || m == &c) continue;
    m->conn->output().append(line);
  }
}

void Node::RecordSlowlog(const Client& c, const std::vector<std::string>& argv, int64_t duration_us) {
  if (config_.slowlog_log_slower_than < 0 || duration_us < config_.slowlog_log_slower_than) return;
  commands::SlowlogEntry e;
  e.id = slowlog_next_id_++;
  e.start_s = clock_.NowMs() / 1000;
  e.duration_us = duration_us;
  size_t n = std::min(argv.size(), kSlowlogMaxArgs);
  for (size_t i = 0; i < n; ++i) {
    if (n < argv.size() && i == n - 1) {
      e.argv.push_back("... (" + std::to_string(argv.size() - n + 1) + " more arguments)");
      break;
    }
    if (argv[i].size() > kSlowlogMaxArgLen) {
      e.argv.push_back(argv[i].substr(0, kSlowlogMaxArgLen) + "... (" +
                       std::to_string(argv[i].size() - kSlowlogMaxArgLen) + " more bytes)");
    } else {
      e.argv.push_back(argv[i]);
    }
  }
  e.peer = c.session.peer;
  e.client_name = c.session.name;
  slowlog_.push_front(std::move(e));
  while (slowlog_.size() > static_cast<size_t>(config_.slowlog_max_len)) slowlog_.pop_back();
}

// --- ServerApi: config, clients, monitor, slowlog ---

void Node::LogLine(std::string_view line) {
  std::fprintf(stderr, "%.*s\n", static_cast<int>(line.size()), line.data());
}

std::vector<std::pair<std::string, std::string>> Node::ConfigGet(std::string_view pattern) {
  return config_.Get(std::string(pattern));
}

Status Node::ConfigSet(const std::vector<std::pair<std::string, std::string>>& pairs) {
  Config next = config_;
  for (const auto& [k, v] : pairs) {
    Status st = next.Set(k, v, true);
    if (st.code() == ErrorCode::kNotFound) {
      return Status::InvalidArgument("ERR Unknown option or number of arguments for CONFIG SET - '" + k + "'");
    }
    if (!st.ok()) {
      std::string reason = st.message();
      size_t colon = reason.find(": ");
      if (colon != std::string::npos) reason = reason.substr(colon + 2);
      return Status::InvalidArgument("ERR CONFIG SET failed (possibly related to argument '" + k +
                                     "') - " + reason);
    }
  }
  config_ = std::move(next);
  for (auto& [id, c] : clients_) c->parser.limits().max_bulk_len = config_.proto_max_bulk_len;
  keyspace_->SetMaxMemory(static_cast<uint64_t>(config_.maxmemory));
  if (store_ != nullptr) store_->set_fsync(WalPolicy(config_.appendfsync));
  uint64_t period_ms = std::max<int64_t>(1, 1000 / config_.hz);
  uv_timer_set_repeat(&timer_, period_ms);
  return Status::Ok();
}

void Node::ResetStats() {
  stats_ = Stats();
  paced_commands_ = 0;
  dispatcher_->ResetStats();
  keyspace_->ResetStats();
}

std::vector<const commands::Session*> Node::Clients() const {
  std::vector<const commands::Session*> out;
  for (const auto& [id, c] : clients_) out.push_back(&c->session);
  return out;
}

std::string Node::ClientLine(const commands::Session& s) const {
  int64_t now = const_cast<SystemClock&>(clock_).NowMs();
  std::string flags;
  if (s.monitor) flags += 'O';
  if (s.txn.in_multi) flags += 'x';
  if (flags.empty()) flags = "N";
  size_t qbuf = 0, obl = 0;
  auto it = clients_.find(s.id);
  if (it != clients_.end()) {
    qbuf = it->second->conn->input().size();
    obl = it->second->conn->pending_output_bytes();
  }
  char buf[1024];
  std::snprintf(buf, sizeof(buf),
                "id=%" PRIu64 " addr=%s laddr=%s fd=%d name=%s age=%" PRId64 " idle=%" PRId64
                " flags=%s db=%d sub=0 psub=0 ssub=0 multi=%lld qbuf=%zu qbuf-free=0 argv-mem=0 "
                "multi-mem=0 rbs=0 rbp=0 obl=%zu oll=0 omem=%zu tot-mem=%zu events=r cmd=%s "
                "user=%s redir=-1 resp=%d lib-name=%s lib-ver=%s",
                s.id, s.peer.c_str(), s.local.c_str(), s.fd, s.name.c_str(),
                (now - s.created_ms) / 1000, (now - s.last_interaction_ms) / 1000, flags.c_str(),
                s.db, s.txn.in_multi ? static_cast<long long>(s.txn.queued.size()) : -1LL, qbuf,
                obl, obl, qbuf + obl, std::string(s.last_command).c_str(), s.user.c_str(),
                s.protocol, s.lib_name.c_str(), s.lib_ver.c_str());
  return buf;
}

size_t Node::KillClients(const commands::ClientFilter& f, const commands::Session& me) {
  int64_t now = clock_.NowMs();
  std::vector<Client*> victims;
  for (auto& [id, c] : clients_) {
    const commands::Session& s = c->session;
    if (f.skip_me && s.id == me.id) continue;
    if (f.id && *f.id != s.id) continue;
    if (f.addr && *f.addr != s.peer) continue;
    if (f.laddr && *f.laddr != s.local) continue;
    if (f.user && *f.user != s.user) continue;
    if (f.type && *f.type != "normal") continue;
    if (f.max_age_s && (now - s.created_ms) / 1000 < *f.max_age_s) continue;
    victims.push_back(c);
  }
  for (Client* c : victims) c->conn->CloseAfterWrite();
  return victims.size();
}

void Node::AddMonitor(commands::Session& s) {
  s.monitor = true;
  if (std::find(monitors_.begin(), monitors_.end(), s.id) == monitors_.end()) monitors_.push_back(s.id);
}

std::vector<commands::SlowlogEntry> Node::SlowlogGet(size_t count) const {
  std::vector<commands::SlowlogEntry> out;
  for (const auto& e : slowlog_) {
    if (out.size() >= count) break;
    out.push_back(e);
  }
  return out;
}

}  // namespace cairn::server
