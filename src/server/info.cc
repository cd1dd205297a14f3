// INFO: the sections and field names Redis prints, so tools that parse INFO work unchanged.
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cinttypes>
#include <cstdio>
#include <fstream>

#include "server/node.h"

namespace cairn::server {
namespace {

constexpr std::string_view kDefaultSections[] = {"server", "clients", "memory", "persistence",
                                                 "stats", "replication", "cpu", "modules",
                                                 "errorstats", "cluster", "keyspace"};

std::string Human(uint64_t bytes) {
  char buf[32];
  double b = static_cast<double>(bytes);
  if (b < 1024) {
    std::snprintf(buf, sizeof(buf), "%" PRIu64 "B", bytes);
  } else if (b < 1024.0 * 1024) {
    std::snprintf(buf, sizeof(buf), "%.2fK", b / 1024);
  } else if (b < 1024.0 * 1024 * 1024) {
    std::snprintf(buf, sizeof(buf), "%.2fM", b / (1024.0 * 1024));
  } else {
    std::snprintf(buf, sizeof(buf), "%.2fG", b / (1024.0 * 1024 * 1024));
  }
  return buf;
}

uint64_t ResidentBytes() {
  std::ifstream statm("/proc/self/statm");
  uint64_t pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
}

void Field(std::string* out, std::string_view name, const std::string& value) {
  out->append(name);
  out->push_back(':');
  out->append(value);
  out->append("\r\n");
}
void Field(std::string* out, std::string_view name, uint64_t value) {
  Field(out, name, std::to_string(value));
}

}  // namespace

std::string Node::Info(const std::vector<std::string>& sections) {
  std::vector<std::string_view> wanted;
  if (sections.empty() || (sections.size() == 1 && sections[0] == "default")) {
    wanted.assign(std::begin(kDefaultSections), std::end(kDefaultSections));
  } else {
    for (const auto& s : sections) {
      if (s == "all" || s == "everything") {
        wanted.assign(std::begin(kDefaultSections), std::end(kDefaultSections));
        wanted.push_back("commandstats");
        wanted.push_back("raft");
        break;
      }
      wanted.push_back(s);
    }
  }
  std::string out;
  for (auto name : wanted) {
    std::string body = InfoSection(name);
    if (body.empty() && name != "modules" && name != "errorstats" && name != "keyspace") continue;
    if (!out.empty()) out += "\r\n";
    std::string title(name);
    title[0] = static_cast<char>(std::toupper(title[0]));
    if (name == "cpu") title = "CPU";
    out += "# " + title + "\r\n" + body;
  }
  return out;
}

std::string Node::InfoSection(std::string_view name) {
  std::string o;
  int64_t now_ms = clock_.NowMs();
  if (name == "server") {
    utsname u{};
    uname(&u);
    Field(&o, "redis_version", "7.2.0");
    Field(&o, "redis_git_sha1", "00000000");
    Field(&o, "redis_git_dirty", "0");
    Field(&o, "redis_build_id", "cairn");
    Field(&o, "redis_mode", "standalone");
    Field(&o, "os", std::string(u.sysname) + " " + u.release + " " + u.machine);
    Field(&o, "arch_bits", "64");
    Field(&o, "multiplexing_api", "epoll");
    Field(&o, "gcc_version", std::to_string(__GNUC__) + "." + std::to_string(__GNUC_MINOR__) + ".0");
    Field(&o, "process_id", static_cast<uint64_t>(getpid()));
    Field(&o, "process_supervised", "no");
    Field(&o, "run_id", run_id_);
    Field(&o, "tcp_port", static_cast<uint64_t>(bound_port()));
    Field(&o, "server_time_usec", static_cast<uint64_t>(now_ms) * 1000);
    Field(&o, "uptime_in_seconds", static_cast<uint64_t>((now_ms - start_ms_) / 1000));
    Field(&o, "uptime_in_days", static_cast<uint64_t>((now_ms - start_ms_) / 86400000));
    Field(&o, "hz", static_cast<uint64_t>(config_.hz));
    Field(&o, "configured_hz", static_cast<uint64_t>(config_.hz));
    Field(&o, "lru_clock", static_cast<uint64_t>((now_ms / 1000) & ((1 << 24) - 1)));
    Field(&o, "executable", "cairn-server");
    Field(&o, "config_file", config_.config_file);
    Field(&o, "io_threads_active", "0");
    Field(&o, "cairn_version", "0.1.0");
  } else if (name == "clients") {
    size_t max_in = 0, max_out = 0;
    for (const auto& [id, c] : clients_) {
      max_in = std::max(max_in, c->conn->input().size());
      max_out = std::max(max_out, c->conn->pending_output_bytes());
    }
    Field(&o, "connected_clients", clients_.size());
    Field(&o, "cluster_connections", "0");
    Field(&o, "maxclients", static_cast<uint64_t>(config_.maxclients));
    Field(&o, "client_recent_max_input_buffer", max_in);
    Field(&o, "client_recent_max_output_buffer", max_out);
    Field(&o, "blocked_clients", static_cast<uint64_t>(blocked_.size()));
    Field(&o, "tracking_clients", "0");
    Field(&o, "clients_in_timeout_table", "0");
    Field(&o, "total_blocking_keys", "0");
  } else if (name == "memory") {
    keyspace::KeyspaceStats ks = keyspace_->Stats();
    uint64_t rss = ResidentBytes();
    uint64_t used = ks.tier_bytes + ks.pending_bytes > 0 ? ks.tier_bytes + ks.pending_bytes : rss;
    Field(&o, "used_memory", used);
    Field(&o, "used_memory_human", Human(used));
    Field(&o, "used_memory_rss", rss);
    Field(&o, "used_memory_rss_human", Human(rss));
    Field(&o, "maxmemory", static_cast<uint64_t>(config_.maxmemory));
    Field(&o, "maxmemory_human", Human(static_cast<uint64_t>(config_.maxmemory)));
    Field(&o, "maxmemory_policy", config_.maxmemory_policy);
    Field(&o, "mem_fragmentation_ratio", used > 0 ? std::to_string(static_cast<double>(rss) / used) : "0");
    Field(&o, "mem_allocator", "libc");
    Field(&o, "tier_entries", ks.tier_entries);
    Field(&o, "tier_hits", ks.tier_hits);
    Field(&o, "tier_misses", ks.tier_misses);
    Field(&o, "tier_evictions", ks.tier_evictions);
    Field(&o, "tier_store_reads", ks.store_reads);
    Field(&o, "tier_store_reads_async", ks.store_reads_async);
    Field(&o, "write_behind_bytes", ks.pending_bytes);
  } else if (name == "persistence") {
    Status log_status = store_ != nullptr ? store_->status() : Status::Ok();
    Field(&o, "loading", loading_ ? "1" : "0");
    Field(&o, "async_loading", "0");
    Field(&o, "rdb_changes_since_last_save", stats_.changes_since_save);
    Field(&o, "rdb_bgsave_in_progress", "0");
    Field(&o, "rdb_last_save_time", static_cast<uint64_t>(last_save_s_));
    Field(&o, "rdb_last_bgsave_status", "ok");
    Field(&o, "aof_enabled", "1");
    Field(&o, "aof_rewrite_in_progress", "0");
    Field(&o, "aof_last_write_status", log_status.ok() ? "ok" : "err");
    Field(&o, "appendfsync", FsyncPolicyName(config_.appendfsync));
    Field(&o, "log_last_index", log_->LastIndex());
    Field(&o, "log_durable_index", store_ != nullptr ? store_->durable_index() : log_->LastIndex());
    Field(&o, "keyspace_applied_index", keyspace_->applied_index());
    Field(&o, "checkpoints", checkpoints_);
    Field(&o, "log_bytes_since_checkpoint", logged_bytes_since_checkpoint_);
    if (store_ != nullptr) {
      const wal::LogStats ls = store_->stats();
      Field(&o, "log_records_appended", ls.records_appended);
      Field(&o, "log_batches_written", ls.batches_written);
      Field(&o, "log_bytes_written", ls.bytes_written);
      Field(&o, "log_fsyncs", ls.fsyncs);
      Field(&o, "log_first_index", store_->first_record_index());
    }
  } else if (name == "stats") {
    Field(&o, "total_connections_received", stats_.total_connections);
    Field(&o, "total_commands_processed", stats_.total_commands);
    Field(&o, "instantaneous_ops_per_sec", "0");
    Field(&o, "total_net_input_bytes", stats_.net_input_bytes);
    Field(&o, "total_net_output_bytes", stats_.net_output_bytes);
    Field(&o, "rejected_connections", stats_.rejected_connections);
    Field(&o, "expired_keys", dispatcher_->apply_stats().expired_keys);
    Field(&o, "evicted_keys", "0");
    Field(&o, "keyspace_hits", stats_.keyspace_hits);
    Field(&o, "keyspace_misses", stats_.keyspace_misses);
    Field(&o, "pubsub_channels", "0");
    Field(&o, "pubsub_patterns", "0");
    Field(&o, "total_writes_applied", stats_.writes_applied);
  } else if (name == "replication") {
    // Redis's fields over Raft: the leader is the master, offsets are log indexes.
    const commands::ReplicationView v = Replication();
    Field(&o, "role", v.master ? "master" : "slave");
    if (!v.master) {
      Field(&o, "master_host", v.master_host);
      Field(&o, "master_port", static_cast<uint64_t>(v.master_port));
      Field(&o, "master_link_status", v.master_link_up ? "up" : "down");
      Field(&o, "master_last_io_seconds_ago", v.master_link_up ? "0" : "-1");
      Field(&o, "master_sync_in_progress", "0");
      Field(&o, "slave_read_repl_offset", v.offset);
      Field(&o, "slave_repl_offset", v.offset);
      Field(&o, "slave_priority", "100");
      Field(&o, "slave_read_only", "1");
      Field(&o, "replica_announced", "1");
    }
    size_t online = 0;
    for (const auto& r : v.replicas) online += r.online ? 1 : 0;
    Field(&o, "connected_slaves", online);
    size_t n = 0;
    for (const auto& r : v.replicas) {
      if (!r.online) continue;
      Field(&o, "slave" + std::to_string(n++),
            "ip=" + r.host + ",port=" + std::to_string(r.port) + ",state=online,offset=" +
                std::to_string(r.offset) + ",lag=0");
    }
    Field(&o, "master_failover_state", "no-failover");
    Field(&o, "master_replid", run_id_);
    Field(&o, "master_replid2", std::string(40, '0'));
    Field(&o, "master_repl_offset", v.offset);
    Field(&o, "second_repl_offset", "-1");
    Field(&o, "repl_backlog_active", "0");
  } else if (name == "raft") {
    Field(&o, "node_id", cluster_.node_id);
    Field(&o, "cluster_id", cluster_.cluster_id);
    Field(&o, "role", raft::RoleName(replicator_->core().role()));
    Field(&o, "term", replicator_->term());
    Field(&o, "leader_id", replicator_->leader());
    Field(&o, "commit_index", replicator_->commit_index());
    Field(&o, "applied_index", replicator_->applied_index());
    Field(&o, "last_index", replicator_->core().last_index());
    Field(&o, "voters", cluster_.voters.size());
    Field(&o, "leader_client_address", replicator_->is_leader() ? ClientAddress() : RelayTarget());
    Field(&o, "relays_opened", relays_opened_);
    Field(&o, "read_index_rounds", read_index_rounds_);
    for (const Peer& p : cluster_.voters) {
      if (p.id == cluster_.node_id) continue;
      std::string line = "match=" + std::to_string(replicator_->match_index(p.id));
      if (peers_ != nullptr) {
        if (auto st = peers_->Stats(p.id)) {
          line += ",connected=" + std::string(st->connected ? "1" : "0") +
                  ",sent=" + std::to_string(st->messages_sent) +
                  ",received=" + std::to_string(st->messages_received);
        }
      }
      Field(&o, "peer" + std::to_string(p.id), line);
    }
  } else if (name == "cpu") {
    rusage self{}, children{};
    getrusage(RUSAGE_SELF, &self);
    getrusage(RUSAGE_CHILDREN, &children);
    auto secs = [](const timeval& tv) {
      char buf[32];
      std::snprintf(buf, sizeof(buf), "%ld.%06ld", static_cast<long>(tv.tv_sec), static_cast<long>(tv.tv_usec));
      return std::string(buf);
    };
    Field(&o, "used_cpu_sys", secs(self.ru_stime));
    Field(&o, "used_cpu_user", secs(self.ru_utime));
    Field(&o, "used_cpu_sys_children", secs(children.ru_stime));
    Field(&o, "used_cpu_user_children", secs(children.ru_utime));
  } else if (name == "cluster") {
    Field(&o, "cluster_enabled", "0");
  } else if (name == "keyspace") {
    keyspace::KeyspaceStats ks = keyspace_->Stats();
    for (int db = 0; db < keyspace::kNumDatabases; ++db) {
      uint64_t n = keyspace_->Size(db);
      if (n == 0) continue;
      Field(&o, "db" + std::to_string(db),
            "keys=" + std::to_string(n) + ",expires=" + std::to_string(ks.expires[db]) + ",avg_ttl=0");
    }
  }
  return o;
}

}  // namespace cairn::server
