// The durable keyspace end to end: kill -9 under load loses no acknowledged write, a torn log tail
// is recovered from, replay answers LOADING, a large keyspace restarts quickly, data larger than
// maxmemory stays correct within a bounded RSS, and TTL keys expire without being read.
#include <doctest/doctest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "harness.h"
#include "legacy_dir.h"
#include "page_cache.h"

using namespace cairn::testing;
namespace fs = std::filesystem;

namespace {

using Clock = std::chrono::steady_clock;

// Sends argv lists pipelined in chunks; returns false on any error reply.
bool Pipeline(redisContext* c, const std::vector<std::vector<std::string>>& cmds) {
  constexpr size_t kChunk = 2000;
  for (size_t start = 0; start < cmds.size(); start += kChunk) {
    size_t end = std::min(cmds.size(), start + kChunk);
    for (size_t i = start; i < end; ++i) {
      std::vector<const char*> ptrs;
      std::vector<size_t> lens;
      for (const auto& a : cmds[i]) {
        ptrs.push_back(a.data());
        lens.push_back(a.size());
      }
      redisAppendCommandArgv(c, static_cast<int>(ptrs.size()), ptrs.data(), lens.data());
    }
    for (size_t i = start; i < end; ++i) {
      void* raw = nullptr;
      if (redisGetReply(c, &raw) != REDIS_OK) return false;
      ReplyPtr r(static_cast<redisReply*>(raw));
      if (r->type == REDIS_REPLY_ERROR) return false;
    }
  }
  return true;
}

uint64_t ProcStatusKb(pid_t pid, const std::string& field) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind(field + ":", 0) == 0) return std::stoull(line.substr(field.size() + 1));
  }
  return 0;
}

std::string ReadAll(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

}  // namespace

TEST_CASE("kill -9 while 50 clients write with appendfsync always loses no acknowledged write") {
  constexpr int kClients = 50;
  std::string dir = MakeTempDir("cairn-crash");
  ServerProcess srv({"--appendfsync", "always"}, dir);
  REQUIRE(srv.Start());
  std::vector<int64_t> acked(kClients, 0);    // last acknowledged sequence number per client
  std::vector<int64_t> counter(kClients, 0);  // last acknowledged INCR result
  std::atomic<bool> stop{false};
  std::vector<std::thread> writers;
  for (int t = 0; t < kClients; ++t) {
    writers.emplace_back([&, t] {
      ContextPtr c = srv.Connect();
      if (!c) return;
      auto deadline = Clock::now() + std::chrono::seconds(10);
      for (int64_t n = 1; !stop && Clock::now() < deadline && n < 1000000; ++n) {
        std::string key = "w:" + std::to_string(t) + ":" + std::to_string(n);
        ReplyPtr r = Command(c.get(), {"SET", key, std::to_string(n)});
        if (!r || r->type != REDIS_REPLY_STATUS) return;
        acked[t] = n;
        ReplyPtr i = Command(c.get(), {"INCR", "ctr:" + std::to_string(t)});
        if (!i || i->type != REDIS_REPLY_INTEGER) return;
        counter[t] = i->integer;
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  srv.Kill();
  stop = true;
  for (auto& w : writers) w.join();
  int64_t total = 0;
  for (int64_t a : acked) total += a;
  MESSAGE("acknowledged SETs before kill -9: " << total);
  CHECK(total > 0);

  REQUIRE(srv.Start());
  ContextPtr c = srv.Connect();
  REQUIRE(WaitLoaded(c.get()));
  int64_t missing = 0;
  for (int t = 0; t < kClients; ++t) {
    std::vector<std::vector<std::string>> gets;
    for (int64_t n = 1; n <= acked[t]; ++n) {
      gets.push_back({"GET", "w:" + std::to_string(t) + ":" + std::to_string(n)});
    }
    for (size_t i = 0; i < gets.size(); ++i) {
      if (Run(c.get(), gets[i]) != std::to_string(i + 1)) ++missing;
    }
    // The INCR in flight at the kill may or may not have been applied, never more.
    int64_t v = std::stoll("0" + Run(c.get(), {"GET", "ctr:" + std::to_string(t)}));
    CHECK(v >= counter[t]);
    CHECK(v <= counter[t] + 1);
  }
  CHECK(missing == 0);
}

TEST_CASE("A torn last record is recovered from, and later writes survive another restart") {
  std::string dir = MakeTempDir("cairn-torn");
  ServerProcess srv({"--appendfsync", "always", "--log-compact-interval-ms", "0"}, dir);
  REQUIRE(srv.Start());
  {
    ContextPtr c = srv.Connect();
    std::vector<std::vector<std::string>> sets;
    for (int i = 0; i < 1000; ++i) sets.push_back({"SET", "torn:" + std::to_string(i), "v" + std::to_string(i)});
    REQUIRE(Pipeline(c.get(), sets));
  }
  srv.Kill();
  // Cut the last segment in the middle of its last record.
  std::vector<fs::path> segments;
  for (const auto& e : fs::directory_iterator(dir + "/data/raft")) {
    if (e.path().extension() == ".log") segments.push_back(e.path());  // not the spare files
  }
  std::sort(segments.begin(), segments.end());
  REQUIRE(!segments.empty());
  auto size = fs::file_size(segments.back());
  fs::resize_file(segments.back(), size - 7);

  REQUIRE(srv.Start());
  ContextPtr c = srv.Connect();
  REQUIRE(WaitLoaded(c.get()));
  CHECK(ReadAll(srv.log_path()).find("raft log recovery") != std::string::npos);
  for (int i = 0; i < 999; ++i) CHECK(Run(c.get(), {"GET", "torn:" + std::to_string(i)}) == "v" + std::to_string(i));
  CHECK(Run(c.get(), {"SET", "after-torn", "yes"}) == "OK");
  srv.Kill();
  REQUIRE(srv.Start());
  c = srv.Connect();
  REQUIRE(WaitLoaded(c.get()));
  CHECK(Run(c.get(), {"GET", "after-torn"}) == "yes");
  CHECK(Run(c.get(), {"GET", "torn:0"}) == "v0");
}

TEST_CASE("A data dir from before replication moves onto the Raft log and keeps every write") {
  std::string dir = MakeTempDir("cairn-upgrade");
  // What a node before replication left after kill -9: no checkpoint yet, so every write is
  // only in its log.
  std::vector<std::vector<std::string>> writes;
  for (int i = 0; i < 100; ++i) writes.push_back({"SET", "old:" + std::to_string(i), "v" + std::to_string(i)});
  writes.push_back({"INCRBY", "old:n", "41"});
  WriteLegacyDataDir(dir + "/data", writes);
  ServerProcess srv({}, dir);
  REQUIRE(srv.Start());
  ContextPtr c = srv.Connect();
  REQUIRE(WaitLoaded(c.get()));
  CHECK(ReadAll(srv.log_path()).find("moved 101 records of the write log from before replication") != std::string::npos);
  CHECK(!fs::exists(dir + "/data/wal"));
  CHECK(Run(c.get(), {"GET", "old:0"}) == "v0");
  CHECK(Run(c.get(), {"GET", "old:99"}) == "v99");
  CHECK(Run(c.get(), {"INCR", "old:n"}) == "42");
  // A later crash replays the moved records and the new ones alike.
  srv.Kill();
  REQUIRE(srv.Start());
  c = srv.Connect();
  REQUIRE(WaitLoaded(c.get()));
  CHECK(Run(c.get(), {"GET", "old:50"}) == "v50");
  CHECK(Run(c.get(), {"GET", "old:n"}) == "42");
}

TEST_CASE("While the node replays its log it answers LOADING, then serves the data") {
  std::string dir = MakeTempDir("cairn-loading");
  // key-load-delay (Redis's, as its own suite uses it) makes the replay take seconds, long enough
  // to be seen on any machine.
  ServerProcess srv({"--appendfsync", "no", "--log-compact-interval-ms", "0", "--key-load-delay", "20"}, dir);
  REQUIRE(srv.Start());
  {
    ContextPtr c = srv.Connect();
    std::vector<std::vector<std::string>> cmds;
    for (int i = 0; i < 50000; ++i) cmds.push_back({"INCR", "loading:counter"});
    REQUIRE(Pipeline(c.get(), cmds));
  }
  // LevelDB already holds what was applied (its writes reached the OS), so a plain restart has
  // nothing to replay. Losing the keyspace directory makes the node rebuild it from the whole
  // log, which compaction (off here) would otherwise have trimmed.
  srv.Kill();
  fs::remove_all(dir + "/data/keyspace");
  REQUIRE(srv.Start());
  ContextPtr c = srv.Connect();
  // Both commands in one write, so both are answered in the same loading state.
  redisAppendCommand(c.get(), "GET loading:counter");
  redisAppendCommand(c.get(), "INFO persistence");
  std::string replies[2];
  for (std::string& r : replies) {
    void* raw = nullptr;
    REQUIRE(redisGetReply(c.get(), &raw) == REDIS_OK);
    ReplyPtr reply(static_cast<redisReply*>(raw));
    r = Render(reply.get());
  }
  CHECK(replies[0] == "LOADING Cairn is loading the dataset in memory");
  CHECK(replies[1].find("\nloading:1") != std::string::npos);
  REQUIRE(WaitLoaded(c.get()));
  CHECK(Run(c.get(), {"GET", "loading:counter"}) == "50000");
}

TEST_CASE("1M keys written, node restarted: it serves again quickly") {
  std::string dir = MakeTempDir("cairn-1m");
  ServerProcess srv({"--appendfsync", "no"}, dir);
  REQUIRE(srv.Start());
  {
    ContextPtr c = srv.Connect();
    std::vector<std::vector<std::string>> cmds;
    cmds.reserve(100000);
    for (int batch = 0; batch < 10; ++batch) {
      cmds.clear();
      for (int i = 0; i < 100000; ++i) {
        int k = batch * 100000 + i;
        // MSET of 10 keys per command: 1M keys in 100k commands.
        if (i % 10 != 0) continue;
        std::vector<std::string> m = {"MSET"};
        for (int j = 0; j < 10; ++j) {
          m.push_back("key:" + std::to_string(k + j));
          m.push_back(std::to_string(k + j));
        }
        cmds.push_back(std::move(m));
      }
      REQUIRE(Pipeline(c.get(), cmds));
    }
    CHECK(Run(c.get(), {"DBSIZE"}) == "1000000");
  }
  for (bool crash : {false, true}) {
    if (crash) {
      srv.Kill();
    } else {
      REQUIRE(srv.Stop() == 0);
    }
    auto t0 = Clock::now();
    REQUIRE(srv.Start());
    ContextPtr c = srv.Connect();
    REQUIRE(WaitLoaded(c.get()));
    CHECK(Run(c.get(), {"GET", "key:999999"}) == "999999");
    double secs = std::chrono::duration<double>(Clock::now() - t0).count();
    MESSAGE("restart after " << (crash ? "kill -9" : "SIGTERM") << " with 1M keys: serving in "
                             << secs << " s");
    std::printf("restart (%s) with 1M keys: serving in %.3f s\n", crash ? "kill -9" : "SIGTERM", secs);
    CHECK(secs < 2.0 * ResourceScale());
    CHECK(Run(c.get(), {"DBSIZE"}) == "1000000");
  }
}

TEST_CASE("With maxmemory 64mb, 1 GiB of values reads back correctly and RSS stays under 256 MiB") {
  std::string dir = MakeTempDir("cairn-big");
  ServerProcess srv({"--maxmemory", "64mb", "--appendfsync", "no"}, dir);
  REQUIRE(srv.Start());
  constexpr int kKeys = 16384;
  constexpr size_t kValueBytes = 64 * 1024;  // 16384 x 64 KiB = 1 GiB
  auto value_of = [&](int i) {
    std::string v(kValueBytes, static_cast<char>('a' + i % 26));
    std::string tag = std::to_string(i);
    v.replace(0, tag.size(), tag);
    return v;
  };
  ContextPtr c = srv.Connect();
  for (int start = 0; start < kKeys; start += 256) {
    std::vector<std::vector<std::string>> cmds;
    for (int i = start; i < start + 256; ++i) cmds.push_back({"SET", "big:" + std::to_string(i), value_of(i)});
    REQUIRE(Pipeline(c.get(), cmds));
  }
  int wrong = 0;
  for (int start = 0; start < kKeys; start += 256) {
    for (int i = start; i < start + 256; ++i) {
      std::string k = "big:" + std::to_string(i);
      redisAppendCommand(c.get(), "GET %b", k.data(), k.size());
    }
    for (int i = start; i < start + 256; ++i) {
      void* raw = nullptr;
      REQUIRE(redisGetReply(c.get(), &raw) == REDIS_OK);
      ReplyPtr r(static_cast<redisReply*>(raw));
      if (r->type != REDIS_REPLY_STRING || std::string(r->str, r->len) != value_of(i)) ++wrong;
    }
  }
  CHECK(wrong == 0);
  uint64_t peak_kb = ProcStatusKb(srv.pid(), "VmHWM");
  uint64_t rss_kb = ProcStatusKb(srv.pid(), "VmRSS");
  MESSAGE("peak RSS " << peak_kb / 1024 << " MiB, RSS now " << rss_kb / 1024 << " MiB");
  std::printf("1 GiB through a 64 MiB tier: peak RSS %llu MiB\n", static_cast<unsigned long long>(peak_kb / 1024));
  CHECK(peak_kb > 0);
  CHECK(peak_kb < 256 * 1024 * ResourceScale());
  CHECK(Run(c.get(), {"INFO", "memory"}).find("tier_evictions:0\r") == std::string::npos);
}

TEST_CASE("10k keys with a 1 s TTL and no reads: DBSIZE is 0 within 3 s") {
  ServerProcess srv;
  REQUIRE(srv.Start());
  ContextPtr c = srv.Connect();
  std::vector<std::vector<std::string>> cmds;
  for (int i = 0; i < 10000; ++i) cmds.push_back({"SET", "ttl:" + std::to_string(i), "v", "EX", "1"});
  auto t0 = Clock::now();
  REQUIRE(Pipeline(c.get(), cmds));  // every SET answered OK
  std::string size;
  while (Clock::now() - t0 < std::chrono::seconds(3 * ResourceScale())) {
    size = Run(c.get(), {"DBSIZE"});
    if (size == "0") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  double secs = std::chrono::duration<double>(Clock::now() - t0).count();
  MESSAGE("DBSIZE reached " << size << " after " << secs << " s");
  CHECK(size == "0");
  CHECK(Run(c.get(), {"INFO", "stats"}).find("expired_keys:10000") != std::string::npos);
}

TEST_CASE("Background checkpoints drop the log prefix; a crash after them loses nothing") {
  std::string dir = MakeTempDir("cairn-checkpoint");
  ServerProcess srv({"--appendfsync", "always", "--log-compact-interval-ms", "200",
                     "--log-compact-bytes", "0", "--wal-segment-bytes", "1mb"},
                    dir);
  REQUIRE(srv.Start());
  const std::string value(200, 'v');
  {
    ContextPtr c = srv.Connect();
    std::vector<std::vector<std::string>> cmds;
    for (int i = 0; i < 20000; ++i) cmds.push_back({"SET", "ck:" + std::to_string(i), value});
    REQUIRE(Pipeline(c.get(), cmds));  // ~5 MB of log: several 1 MB segments
    // Pending writes are checkpointed into LevelDB by the writer thread, then the log drops the
    // segments below it: log_first_index moves.
    auto first_index = [&] {
      std::string info = Run(c.get(), {"INFO", "persistence"});
      size_t at = info.find("log_first_index:");
      return at == std::string::npos ? 0 : std::stoull(info.substr(at + 16));
    };
    auto deadline = Clock::now() + std::chrono::seconds(10 * ResourceScale());
    while (first_index() <= 1 && Clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    CHECK(first_index() > 1);
    // Segments are written into spare files (zero-filled, then compacted ones kept), so the
    // crash below finds reused segments; wal/log.h says why. A spare may already have been
    // taken by a roll (a busy machine's filler thread lags): then a segment says it reused one
    // (header byte 5, flags bit 0, wal/format.h).
    bool reuses = false;
    for (const auto& e : fs::directory_iterator(dir + "/data/raft")) {
      const std::string name = e.path().filename().string();
      reuses = reuses || name.starts_with("wal-spare-");
      if (name.starts_with("wal-") && name.ends_with(".log")) {
        std::ifstream f(e.path(), std::ios::binary);
        char header[6] = {};
        reuses = reuses || (f.read(header, sizeof(header)) && (header[5] & 1) != 0);
      }
    }
    CHECK(reuses);
    CHECK(Run(c.get(), {"INFO", "memory"}).find("\r\nwrite_behind_bytes:") != std::string::npos);
    // Writes after the checkpoint: pending in memory, in the log only, when the node dies.
    cmds.clear();
    for (int i = 0; i < 20000; i += 10) cmds.push_back({"SET", "ck:" + std::to_string(i), "new"});
    cmds.push_back({"DEL", "ck:1"});
    REQUIRE(Pipeline(c.get(), cmds));
  }
  srv.Kill();
  REQUIRE(srv.Start());
  ContextPtr c = srv.Connect();
  REQUIRE(WaitLoaded(c.get()));
  CHECK(Run(c.get(), {"DBSIZE"}) == "19999");
  CHECK(Run(c.get(), {"GET", "ck:0"}) == "new");
  CHECK(Run(c.get(), {"GET", "ck:1"}) == "(nil)");
  CHECK(Run(c.get(), {"GET", "ck:19990"}) == "new");
  CHECK(Run(c.get(), {"GET", "ck:19999"}) == value);
}

// A checkpoint waits for both the interval and the log growth: a slow writer does not pay one
// every interval, and once the log has grown enough one starts within the interval.
TEST_CASE("Checkpoints wait until the log has grown by log-compact-bytes") {
  std::string dir = MakeTempDir("cairn-checkpoint-bytes");
  ServerProcess srv({"--appendfsync", "everysec", "--log-compact-interval-ms", "100",
                     "--log-compact-bytes", "2mb"},
                    dir);
  REQUIRE(srv.Start());
  ContextPtr c = srv.Connect();
  auto field = [&](const std::string& name) {
    std::string info = Run(c.get(), {"INFO", "persistence"});
    size_t at = info.find("\r\n" + name + ":");
    REQUIRE(at != std::string::npos);
    return std::stoull(info.substr(at + name.size() + 3));
  };
  const std::string value(1000, 'v');
  auto write_keys = [&](int from, int to) {
    std::vector<std::vector<std::string>> cmds;
    for (int i = from; i < to; ++i) cmds.push_back({"SET", "cb:" + std::to_string(i), value});
    REQUIRE(Pipeline(c.get(), cmds));
  };
  write_keys(0, 1000);  // ~1 MB: under the floor
  std::this_thread::sleep_for(std::chrono::milliseconds(600));  // six intervals
  CHECK(field("checkpoints") == 0);
  CHECK(field("log_bytes_since_checkpoint") >= 1000 * value.size());
  write_keys(1000, 2200);  // past 2 MB in all
  auto deadline = Clock::now() + std::chrono::seconds(10 * ResourceScale());
  while (field("checkpoints") == 0 && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  CHECK(field("checkpoints") == 1);
  CHECK(field("log_bytes_since_checkpoint") < 1000 * value.size());
  // The floor is live: at 0 the pending writes are checkpointed at the next interval.
  write_keys(2200, 2300);
  REQUIRE(Run(c.get(), {"CONFIG", "SET", "log-compact-bytes", "0"}) == "OK");
  deadline = Clock::now() + std::chrono::seconds(10 * ResourceScale());
  while (field("checkpoints") < 2 && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  CHECK(field("checkpoints") == 2);
  CHECK(field("log_bytes_since_checkpoint") == 0);
  CHECK(Run(c.get(), {"DBSIZE"}) == "2300");
}

namespace {

// An integer field of INFO `section`, or -1 if absent.
int64_t InfoInt(redisContext* c, const std::string& section, const std::string& field) {
  std::string info = Run(c, {"INFO", section});
  size_t at = info.find("\r\n" + field + ":");
  if (at == std::string::npos) return -1;
  return std::stoll(info.substr(at + field.size() + 3));
}

}  // namespace

TEST_CASE("Keys the tier evicted are read off the loop: pipelined reads right, a vanished client harmless") {
  for (std::string threads : {"2", "0"}) {
    CAPTURE(threads);
    std::string dir = MakeTempDir("cairn-cold");
    ServerProcess srv({"--maxmemory", "1mb", "--appendfsync", "no", "--store-read-threads", threads}, dir);
    REQUIRE(srv.Start());
    ContextPtr c = srv.Connect();
    constexpr int kKeys = 4000;  // x 1 KiB: four times the tier
    auto value_of = [](int i) {
      std::string v = "value:" + std::to_string(i) + ":";
      v.resize(1024, static_cast<char>('a' + i % 26));
      return v;
    };
    std::vector<std::vector<std::string>> cmds;
    for (int i = 0; i < kKeys; ++i) cmds.push_back({"SET", "cold:" + std::to_string(i), value_of(i)});
    REQUIRE(Pipeline(c.get(), cmds));
    REQUIRE(Run(c.get(), {"SAVE"}) == "OK");  // in LevelDB, and most keys only there
    REQUIRE(InfoInt(c.get(), "memory", "tier_evictions") > 0);
    CHECK(Run(c.get(), {"CONFIG", "GET", "store-read-threads"}) == "[store-read-threads," + threads + "]");
    CHECK(Run(c.get(), {"CONFIG", "SET", "store-read-threads", "1"}) ==
          "ERR CONFIG SET failed (possibly related to argument 'store-read-threads') - can't set immutable config");

    // Pipelines of 16 reads in a scattered order, from two clients taking turns; a write in the
    // middle of one pipeline must be seen by the read after it.
    ContextPtr c2 = srv.Connect();
    int wrong = 0;
    for (int round = 0; round < 60; ++round) {
      // Reads the page cache serves run on the loop; only one that waits for the disk goes to
      // a reader thread.
      EvictFromPageCache(dir + "/data/keyspace");
      redisContext* ctx = round % 2 == 0 ? c.get() : c2.get();
      std::vector<std::string> expected;
      for (int j = 0; j < 16; ++j) {
        int i = (round * 16 + j) * 2654435761u % kKeys;
        std::string k = "cold:" + std::to_string(i);
        if (j == 8) {
          std::string fresh = "fresh:" + std::to_string(round);
          redisAppendCommand(ctx, "SET %b %b", k.data(), k.size(), fresh.data(), fresh.size());
          expected.push_back("OK");
          redisAppendCommand(ctx, "GET %b", k.data(), k.size());
          expected.push_back(fresh);
          continue;
        }
        redisAppendCommand(ctx, "GET %b", k.data(), k.size());
        expected.push_back(value_of(i));
      }
      for (const std::string& want : expected) {
        void* raw = nullptr;
        REQUIRE(redisGetReply(ctx, &raw) == REDIS_OK);
        ReplyPtr r(static_cast<redisReply*>(raw));
        if (Render(r.get()) != want) ++wrong;
      }
    }
    CHECK(wrong == 0);
    // MGET waits once for all of its keys.
    CHECK(Run(c.get(), {"MGET", "cold:3", "cold:1003", "nokey", "cold:3999"}) ==
          "[" + value_of(3) + "," + value_of(1003) + ",(nil)," + value_of(3999) + "]");
    const int64_t async_reads = InfoInt(c.get(), "memory", "tier_store_reads_async");
    if (threads == "0") {
      CHECK(async_reads == 0);
    } else {
      CHECK(async_reads > 0);
    }

    // A client that sends 64 reads of evicted keys and is gone before they are read.
    for (int n = 0; n < 20; ++n) {
      EvictFromPageCache(dir + "/data/keyspace");
      ContextPtr gone = srv.Connect();
      REQUIRE(gone != nullptr);
      for (int j = 0; j < 64; ++j) {
        std::string k = "cold:" + std::to_string((n * 64 + j) * 7919 % kKeys);
        redisAppendCommand(gone.get(), "GET %b", k.data(), k.size());
      }
      int done = 0;
      while (!done) REQUIRE(redisBufferWrite(gone.get(), &done) == REDIS_OK);
    }  // closed here
    CHECK(Run(c.get(), {"PING"}) == "PONG");
    CHECK(Run(c.get(), {"DBSIZE"}) == std::to_string(kKeys));
    CHECK(Run(c.get(), {"GET", "cold:2"}) == value_of(2));
    CHECK(srv.Stop() == 0);
  }
}
