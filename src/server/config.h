// Config: every setting of a node, with redis.conf's names where Redis has the setting. Loaded
// from conf/cairn.toml, then overridden by `--key value` arguments; CONFIG GET/SET read and change
// the live values through the same table of options, so each key is parsed and checked in one
// place. Owned by the Node; loop thread only.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace cairn::server {

enum class FsyncPolicy { kAlways, kEverySec, kNo };

struct Config {
  std::string bind = "127.0.0.1";
  int64_t port = 6379;
  std::string dir = "./data";
  std::string requirepass;
  int64_t maxclients = 10000;
  int64_t maxmemory = 0;  // bytes; 0 = no limit. The shipped cairn.toml sets a quarter of RAM.
  std::string maxmemory_policy = "noeviction";
  FsyncPolicy appendfsync = FsyncPolicy::kAlways;
  int64_t proto_max_bulk_len = 512ll * 1024 * 1024;
  int64_t client_query_buffer_limit = 1024ll * 1024 * 1024;
  int64_t slowlog_log_slower_than = 10000;  // µs; negative disables, 0 logs everything
  int64_t slowlog_max_len = 128;
  int64_t timeout = 0;
  int64_t tcp_keepalive = 300;
  int64_t tcp_backlog = 511;
  int64_t hz = 10;
  int64_t databases = 16;
  std::string loglevel = "notice";
  std::string logfile;
  std::string save;  // accepted for compatibility; the keyspace is always on disk
  std::string appendonly = "yes";
  int64_t active_expire_keys_per_cycle = 200;
  int64_t wal_segment_bytes = 64ll * 1024 * 1024;
  // When applied writes are checkpointed into LevelDB and the log prefix it then holds is dropped:
  // once the interval has passed and the log has grown by log_compact_bytes since the last one
  // (as Redis rewrites its AOF only past auto-aof-rewrite-min-size). A checkpoint writes every
  // key changed since the last, so for a hot set its cost is per checkpoint, not per write: the
  // size floor keeps slow writers from paying it every few seconds, and the interval keeps fast
  // writers from paying it every few hundred milliseconds. Together they bound what a restart
  // after a crash replays: the larger of the two. Interval 0: only at shutdown; bytes 0: no floor.
  int64_t log_compact_interval_ms = 5000;
  int64_t log_compact_bytes = 64ll << 20;
  // Applied writes kept in memory before LevelDB gets them (DurableKeyspace write-behind); at most
  // an eighth of maxmemory. 0: written at once.
  int64_t write_behind_bytes = 64ll << 20;
  // Threads that read keys the memory tier evicted from LevelDB, so that such a read (perhaps
  // from disk) makes only its own client wait, not the loop. 0: the loop reads them itself.
  int64_t store_read_threads = 2;
  // Raft's clock: one tick every raft_tick_ms; a follower that hears no leader for
  // raft_election_ticks to twice that many ticks starts an election (with the defaults, 200-400
  // ms, so a failover on a LAN takes well under a second); the leader heartbeats every tick.
  int64_t raft_tick_ms = 20;
  // Redis's key-load-delay (its test suite uses it to watch LOADING): while loading, sleep this
  // many microseconds per entry applied; negative n: 1 us every -n entries; 0: no delay.
  int64_t key_load_delay = 0;
  int64_t raft_election_ticks = 10;
  // Redis's encoding thresholds (redis.conf names; the ziplist names are aliases). Accepted and
  // reported so that redis.conf files and tools that tune them work; the collection families read
  // them to choose what OBJECT ENCODING reports: "hashtable" for a hash that ever held more fields,
  // or a longer field or value, "listpack" otherwise (storage is the same either way).
  int64_t hash_max_listpack_entries = 512;
  int64_t hash_max_listpack_value = 64;
  int64_t list_max_listpack_size = -2;
  int64_t list_compress_depth = 0;
  int64_t set_max_intset_entries = 512;
  // Redis 7.2's set listpack thresholds, accepted ahead of it: a set that ever held more members
  // than this, or a longer one, reports "hashtable" (intset while every member was an integer).
  int64_t set_max_listpack_entries = 128;
  int64_t set_max_listpack_value = 64;
  int64_t zset_max_listpack_entries = 128;
  int64_t zset_max_listpack_value = 64;
  int64_t stream_node_max_bytes = 4096;
  int64_t stream_node_max_entries = 100;
  // Cluster keys (start-up only; src/server/cluster_config.h turns them into a ClusterConfig and
  // checks them against each other). Nothing is replicated yet: they are validated and reported.
  int64_t node_id = 1;
  int64_t cluster_port = 0;  // 0: port + 10000, as Redis's cluster bus (0 when port is 0)
  std::string cluster_peers;  // "1=host:port,2=host:port,..."; empty: a cluster of one voter
  std::string cluster_announce_hostname;  // empty: this node's host in cluster-peers if a name
  std::string cluster_announce_ip;        // empty: this node's host in cluster-peers if an IP
  int64_t cluster_announce_port = 0;      // 0: port
  std::string cluster_token = "cairn";    // tells apart clusters that use the same node ids
  std::string cluster_auth_secret;        // empty: requirepass, when that is set
  std::string config_file;

  // Loads a TOML file over the defaults. Unknown keys and bad values are errors naming the key.
  Status LoadFile(const std::string& path);
  // Applies one "key value" setting (from the command line, the file or CONFIG SET).
  // `live` is true for CONFIG SET, where start-up-only keys are refused.
  Status Set(const std::string& key, const std::string& value, bool live);
  // (name, value) pairs of every key matching a glob pattern, as CONFIG GET prints them.
  std::vector<std::pair<std::string, std::string>> Get(const std::string& pattern) const;
  // Parses argv: an optional config file path first, then `--key value` pairs.
  Status LoadCommandLine(int argc, char** argv);
};

// A bad value's error: "argument 'key': reason", the message every option check gives.
Status BadValue(std::string_view key, std::string_view reason);
// "64mb" -> 67108864, as Redis's memtoll (k=1000, kb=1024, ...). False on a bad value.
bool ParseMemory(const std::string& s, int64_t* out);
std::string FsyncPolicyName(FsyncPolicy p);

}  // namespace cairn::server
