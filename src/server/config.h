// Config: every setting of a node, with redis.conf's names where Redis has the setting. Loaded
// from conf/cairn.toml, then overridden by `--key value` arguments; CONFIG GET/SET read and change
// the live values through the same table of options, so each key is parsed and checked in one
// place. Owned by the Node; loop thread only.
#pragma once

#include <cstdint>
#include <string>
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
  // Redis's hash encoding thresholds: OBJECT ENCODING answers "hashtable" for a hash that ever
  // held more fields, or a longer field or value, and "listpack" otherwise (storage is the same).
  int64_t hash_max_listpack_entries = 128;
  int64_t hash_max_listpack_value = 64;
  // The same for sets: intset while every member was an integer and at most this many ...
  int64_t set_max_intset_entries = 512;
  int64_t set_max_listpack_entries = 128;
  int64_t set_max_listpack_value = 64;
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

// "64mb" -> 67108864, as Redis's memtoll (k=1000, kb=1024, ...). False on a bad value.
bool ParseMemory(const std::string& s, int64_t* out);
std::string FsyncPolicyName(FsyncPolicy p);

}  // namespace cairn::server
