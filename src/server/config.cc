// Config: the option table (name, parse, print, live-settable) and the TOML/command-line loaders.
// The only file that includes toml++ (it is a heavy header).
#include "server/config.h"

#include <toml++/toml.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <functional>

#include "commands/args.h"
#include "server/cluster_config.h"

namespace cairn::server {
namespace {

struct Option {
  std::string_view name;
  bool live;  // may change with CONFIG SET
  std::function<Status(Config&, const std::string&)> set;
  std::function<std::string(const Config&)> get;
};

bool ParseInt(const std::string& s, int64_t* out) { return commands::ParseInt64(s, out); }

Option IntOption(std::string_view name, bool live, int64_t Config::*field, int64_t min,
                 int64_t max) {
  return {name, live,
          [=](Config& c, const std::string& v) {
            int64_t x = 0;
            if (!ParseInt(v, &x)) return BadValue(name, "argument couldn't be parsed into an integer");
            if (x < min || x > max) {
              return BadValue(name, "argument must be between " + std::to_string(min) + " and " +
                                        std::to_string(max) + " inclusive");
            }
            c.*field = x;
            return Status::Ok();
          },
          [=](const Config& c) { return std::to_string(c.*field); }};
}

Option MemoryOption(std::string_view name, bool live, int64_t Config::*field, int64_t min) {
  return {name, live,
          [=](Config& c, const std::string& v) {
            int64_t x = 0;
            if (!ParseMemory(v, &x)) return BadValue(name, "argument must be a memory value");
            if (x < min) return BadValue(name, "argument must be a memory value of at least " + std::to_string(min));
            c.*field = x;
            return Status::Ok();
          },
          [=](const Config& c) { return std::to_string(c.*field); }};
}

Option StringOption(std::string_view name, bool live, std::string Config::*field) {
  return {name, live,
          [=](Config& c, const std::string& v) {
            c.*field = v;
            return Status::Ok();
          },
          [=](const Config& c) { return c.*field; }};
}

Option EnumOption(std::string_view name, bool live, std::string Config::*field,
                  std::vector<std::string> allowed) {
  return {name, live,
          [=](Config& c, const std::string& v) {
            std::string lower = v;
            std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
            if (std::find(allowed.begin(), allowed.end(), lower) == allowed.end()) {
              return BadValue(name, "argument(s) must be one of the following: " + [&] {
                std::string s;
                for (const auto& a : allowed) s += (s.empty() ? "" : ", ") + a;
                return s;
              }());
            }
            c.*field = lower;
            return Status::Ok();
          },
          [=](const Config& c) { return c.*field; }};
}

// A start-up-only string key whose value must pass `valid`.
Option CheckedStringOption(std::string_view name, std::string Config::*field,
                           std::function<bool(const std::string&)> valid, std::string_view reason) {
  return {name, false,
          [=](Config& c, const std::string& v) {
            if (!valid(v)) return BadValue(name, reason);
            c.*field = v;
            return Status::Ok();
          },
          [=](const Config& c) { return c.*field; }};
}

// The cluster keys: each checked alone here; MakeClusterConfig checks them against each other.
std::vector<Option> ClusterOptions() {
  Option cluster_port = IntOption("cluster-port", false, &Config::cluster_port, 0, 65535);
  cluster_port.get = [](const Config& c) { return std::to_string(EffectiveClusterPort(c)); };
  // The token goes on one line of the identity file: printable, no spaces.
  auto token_ok = [](const std::string& v) {
    return !v.empty() && std::all_of(v.begin(), v.end(), [](char ch) { return ch > ' ' && ch < 127; });
  };
  return {
      IntOption("node-id", false, &Config::node_id, 1, INT64_MAX),
      cluster_port,
      {"cluster-peers", false,
       [](Config& c, const std::string& v) {
         auto peers = ParsePeers(v);  // its error names the key and the reason
         if (!peers.ok()) return peers.status();
         c.cluster_peers = v;
         return Status::Ok();
       },
       [](const Config& c) { return c.cluster_peers; }},
      CheckedStringOption("cluster-announce-ip", &Config::cluster_announce_ip,
                          [](const std::string& v) { return v.empty() || IsIpLiteral(v); },
                          "must be an IPv4 or IPv6 address"),
      CheckedStringOption("cluster-announce-hostname", &Config::cluster_announce_hostname,
                          [](const std::string& v) { return v.empty() || IsDnsName(v); },
                          "must be a host name"),
      IntOption("cluster-announce-port", false, &Config::cluster_announce_port, 0, 65535),
      CheckedStringOption("cluster-token", &Config::cluster_token, token_ok,
                          "must be non-empty printable text without spaces"),
      StringOption("cluster-auth-secret", false, &Config::cluster_auth_secret),
  };
}

const std::vector<Option>& Options() {
  static const std::vector<Option> kOptions = {
      StringOption("bind", false, &Config::bind),
      IntOption("port", false, &Config::port, 0, 65535),
      StringOption("dir", false, &Config::dir),
      StringOption("requirepass", true, &Config::requirepass),
      IntOption("maxclients", true, &Config::maxclients, 1, 1000000),
      MemoryOption("maxmemory", true, &Config::maxmemory, 0),
      EnumOption("maxmemory-policy", true, &Config::maxmemory_policy,
                 {"noeviction", "allkeys-lru", "volatile-lru", "allkeys-lfu", "volatile-lfu",
                  "allkeys-random", "volatile-random", "volatile-ttl"}),
      {"appendfsync", true,
       [](Config& c, const std::string& v) {
         std::string lower = v;
         std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
         if (lower == "always") {
           c.appendfsync = FsyncPolicy::kAlways;
         } else if (lower == "everysec") {
           c.appendfsync = FsyncPolicy::kEverySec;
         } else if (lower == "no") {
           c.appendfsync = FsyncPolicy::kNo;
         } else {
           return BadValue("appendfsync", "argument(s) must be one of the following: always, everysec, no");
         }
         return Status::Ok();
       },
       [](const Config& c) { return FsyncPolicyName(c.appendfsync); }},
      MemoryOption("proto-max-bulk-len", true, &Config::proto_max_bulk_len, 1024 * 1024),
      MemoryOption("client-query-buffer-limit", true, &Config::client_query_buffer_limit, 1024 * 1024),
      IntOption("slowlog-log-slower-than", true, &Config::slowlog_log_slower_than, -1, INT64_MAX),
      IntOption("slowlog-max-len", true, &Config::slowlog_max_len, 0, 1 << 30),
      IntOption("timeout", true, &Config::timeout, 0, INT32_MAX),
      IntOption("tcp-keepalive", true, &Config::tcp_keepalive, 0, INT32_MAX),
      IntOption("tcp-backlog", false, &Config::tcp_backlog, 0, INT32_MAX),
      IntOption("hz", true, &Config::hz, 1, 500),
      IntOption("databases", false, &Config::databases, 16, 16),
      EnumOption("loglevel", true, &Config::loglevel, {"debug", "verbose", "notice", "warning", "nothing"}),
      StringOption("logfile", false, &Config::logfile),
      StringOption("save", true, &Config::save),
      EnumOption("appendonly", true, &Config::appendonly, {"yes"}),
      IntOption("active-expire-keys-per-cycle", true, &Config::active_expire_keys_per_cycle, 1, 1000000),
      MemoryOption("wal-segment-bytes", false, &Config::wal_segment_bytes, 1024 * 1024),
      IntOption("log-compact-interval-ms", true, &Config::log_compact_interval_ms, 0, INT32_MAX),
      MemoryOption("log-compact-bytes", true, &Config::log_compact_bytes, 0),
      MemoryOption("write-behind-bytes", false, &Config::write_behind_bytes, 0),
      IntOption("store-read-threads", false, &Config::store_read_threads, 0, 64),
      IntOption("raft-tick-ms", false, &Config::raft_tick_ms, 1, 10000),
      IntOption("key-load-delay", true, &Config::key_load_delay, INT32_MIN, INT32_MAX),
      IntOption("raft-election-ticks", false, &Config::raft_election_ticks, 3, 1000),
      // Encoding thresholds: each listpack name with its ziplist alias, as Redis 7 has both.
      IntOption("hash-max-listpack-entries", true, &Config::hash_max_listpack_entries, 0, INT64_MAX),
      IntOption("hash-max-ziplist-entries", true, &Config::hash_max_listpack_entries, 0, INT64_MAX),
      MemoryOption("hash-max-listpack-value", true, &Config::hash_max_listpack_value, 0),
      MemoryOption("hash-max-ziplist-value", true, &Config::hash_max_listpack_value, 0),
      IntOption("list-max-listpack-size", true, &Config::list_max_listpack_size, INT32_MIN, INT32_MAX),
      IntOption("list-max-ziplist-size", true, &Config::list_max_listpack_size, INT32_MIN, INT32_MAX),
      IntOption("list-compress-depth", true, &Config::list_compress_depth, 0, INT32_MAX),
      IntOption("set-max-intset-entries", true, &Config::set_max_intset_entries, 0, INT64_MAX),
      IntOption("set-max-listpack-entries", true, &Config::set_max_listpack_entries, 0, INT64_MAX),
      MemoryOption("set-max-listpack-value", true, &Config::set_max_listpack_value, 0),
      IntOption("zset-max-listpack-entries", true, &Config::zset_max_listpack_entries, 0, INT64_MAX),
      IntOption("zset-max-ziplist-entries", true, &Config::zset_max_listpack_entries, 0, INT64_MAX),
      MemoryOption("zset-max-listpack-value", true, &Config::zset_max_listpack_value, 0),
      MemoryOption("zset-max-ziplist-value", true, &Config::zset_max_listpack_value, 0),
      MemoryOption("stream-node-max-bytes", true, &Config::stream_node_max_bytes, 0),
      IntOption("stream-node-max-entries", true, &Config::stream_node_max_entries, 0, INT64_MAX),
  };
  static const std::vector<Option> kAll = [] {
    std::vector<Option> all = kOptions;
    for (Option& o : ClusterOptions()) all.push_back(std::move(o));
    return all;
  }();
  return kAll;
}

const Option* FindOption(const std::string& key) {
  for (const auto& o : Options()) {
    if (o.name == key) return &o;
  }
  return nullptr;
}

}  // namespace

Status BadValue(std::string_view key, std::string_view reason) {
  return Status::InvalidArgument("argument '" + std::string(key) + "': " + std::string(reason));
}

bool ParseMemory(const std::string& s, int64_t* out) {
  if (s == "auto") {  // a quarter of this machine's RAM: the shipped default for maxmemory
    *out = static_cast<int64_t>(sysconf(_SC_PHYS_PAGES)) * sysconf(_SC_PAGESIZE) / 4;
    return true;
  }
  size_t digits = 0;
  while (digits < s.size() && (std::isdigit(static_cast<unsigned char>(s[digits])) || (digits == 0 && s[0] == '-'))) ++digits;
  std::string unit = s.substr(digits);
  std::transform(unit.begin(), unit.end(), unit.begin(), ::tolower);
  int64_t mul = 1;
  if (unit.empty() || unit == "b") {
    mul = 1;
  } else if (unit == "k") {
    mul = 1000;
  } else if (unit == "kb") {
    mul = 1024;
  } else if (unit == "m") {
    mul = 1000 * 1000;
  } else if (unit == "mb") {
    mul = 1024 * 1024;
  } else if (unit == "g") {
    mul = 1000ll * 1000 * 1000;
  } else if (unit == "gb") {
    mul = 1024ll * 1024 * 1024;
  } else {
    return false;
  }
  int64_t v = 0;
  if (!commands::ParseInt64(s.substr(0, digits), &v) || v < 0) return false;
  if (v > INT64_MAX / mul) return false;
  *out = v * mul;
  return true;
}

std::string FsyncPolicyName(FsyncPolicy p) {
  switch (p) {
    case FsyncPolicy::kAlways: return "always";
    case FsyncPolicy::kEverySec: return "everysec";
    case FsyncPolicy::kNo: return "no";
  }
  return "always";
}

Status Config::Set(const std::string& raw_key, const std::string& value, bool live) {
  std::string key = raw_key;
  std::transform(key.begin(), key.end(), key.begin(), ::tolower);
  const Option* o = FindOption(key);
  if (o == nullptr) return Status::NotFound("unknown config key '" + raw_key + "'");
  if (live && !o->live) return BadValue(key, "can't set immutable config");
  return o->set(*this, value);
}

std::vector<std::pair<std::string, std::string>> Config::Get(const std::string& pattern) const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& o : Options()) {
    if (commands::GlobMatch(pattern, o.name, true)) out.emplace_back(o.name, o.get(*this));
  }
  return out;
}

Status Config::LoadFile(const std::string& path) {
  // Debian's toml++ is built with exceptions: catch them here, so none leaves this module.
  toml::table parsed;
  try {
    parsed = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    return Status::InvalidArgument("config file " + path + ", line " +
                                   std::to_string(e.source().begin.line) + ": " +
                                   std::string(e.description()));
  }
  config_file = path;
  for (const auto& [k, node] : parsed) {
    std::string key(k.str());
    std::string value;
    if (auto s = node.value<std::string>()) {
      value = *s;
    } else if (auto i = node.value<int64_t>()) {
      value = std::to_string(*i);
    } else if (auto b = node.value<bool>()) {
      value = *b ? "yes" : "no";
    } else {
      return Status::InvalidArgument("config key '" + key + "' in " + path +
                                     ": value must be a string, integer or boolean");
    }
    Status st = Set(key, value, false);
    if (!st.ok()) return Status::InvalidArgument("config key '" + key + "' in " + path + ": " + st.message());
  }
  return Status::Ok();
}

Status Config::LoadCommandLine(int argc, char** argv) {
  int i = 1;
  if (i < argc && std::string_view(argv[i]).substr(0, 2) != "--") {
    CAIRN_RETURN_IF_ERROR(LoadFile(argv[i]));
    ++i;
  }
  for (; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a.substr(0, 2) != "--" || a.size() == 2) {
      return Status::InvalidArgument("unexpected argument '" + std::string(a) + "' (options are --key value)");
    }
    std::string key(a.substr(2));
    if (i + 1 >= argc) return Status::InvalidArgument("option --" + key + " needs a value");
    Status st = Set(key, argv[++i], false);
    if (!st.ok()) return Status::InvalidArgument("option --" + key + ": " + st.message());
  }
  return Status::Ok();
}

}  // namespace cairn::server
