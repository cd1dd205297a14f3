// Server family: INFO, DBSIZE, FLUSHDB, FLUSHALL, SWAPDB, TIME, LASTSAVE, SAVE, BGSAVE, DEBUG,
// SLOWLOG, LATENCY, MONITOR, CONFIG and SHUTDOWN.
#include <chrono>
#include <thread>

#include "commands/args.h"
#include "commands/context.h"
#include "commands/digest.h"
#include "commands/errors.h"

namespace cairn::commands {
namespace {

void Info(Context& ctx) {
  std::vector<std::string> sections;
  for (size_t i = 1; i < ctx.argc(); ++i) sections.push_back(ToLower(ctx.arg(i)));
  ctx.reply.Verbatim(ctx.server.Info(sections));
}

void DbSize(Context& ctx) { ctx.reply.Integer(static_cast<int64_t>(ctx.keyspace.Size(ctx.db))); }

// FLUSHDB and FLUSHALL take one optional ASYNC or SYNC; both are the same here, since a flush
// only repoints the database.
bool ValidateFlush(Context& ctx) {
  if (ctx.argc() == 1) return true;
  if (ctx.argc() == 2 && (EqualsIgnoreCase(ctx.arg(1), "ASYNC") || EqualsIgnoreCase(ctx.arg(1), "SYNC"))) {
    return true;
  }
  ctx.reply.Error(err::kSyntax);
  return false;
}

void FlushDb(Context& ctx) {
  ctx.keyspace.FlushDb(ctx.db);
  ctx.reply.Ok();
}

void FlushAll(Context& ctx) {
  ctx.keyspace.FlushAll();
  ctx.reply.Ok();
}

// Parses a SWAPDB index; replies with Redis's error on failure.
bool ParseDbIndexOrReply(Context& ctx, const std::string& arg, std::string_view which, int* out) {
  int64_t v = 0;
  if (!ParseInt64(arg, &v)) {
    ctx.reply.Error("ERR invalid " + std::string(which) + " DB index");
    return false;
  }
  if (v < 0 || v >= keyspace::kNumDatabases) {
    ctx.reply.Error(err::kDbIndexOutOfRange);
    return false;
  }
  *out = static_cast<int>(v);
  return true;
}

bool ValidateSwapDb(Context& ctx) {
  int a = 0, b = 0;
  return ParseDbIndexOrReply(ctx, ctx.arg(1), "first", &a) &&
         ParseDbIndexOrReply(ctx, ctx.arg(2), "second", &b);
}

void SwapDb(Context& ctx) {
  int a = 0, b = 0;
  if (!ParseDbIndexOrReply(ctx, ctx.arg(1), "first", &a) ||
      !ParseDbIndexOrReply(ctx, ctx.arg(2), "second", &b)) {
    return;
  }
  ctx.keyspace.SwapDb(a, b);
  ctx.reply.Ok();
}

void Time(Context& ctx) {
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                std::chrono::system_clock::now().time_since_epoch())
                .count();
  ctx.reply.ArrayHeader(2);
  ctx.reply.Bulk(std::to_string(us / 1000000));
  ctx.reply.Bulk(std::to_string(us % 1000000));
}

void LastSave(Context& ctx) { ctx.reply.Integer(ctx.server.LastSaveS()); }

// WAIT numreplicas timeout: how many replicas hold everything this node has applied, which
// includes the caller's acknowledged writes. Every acknowledged write is already on a quorum, so
// this answers at once (it does not block for the timeout when fewer replicas have caught up).
void Wait(Context& ctx) {
  int64_t want = 0, timeout = 0;
  if (!ParseInt64(ctx.arg(1), &want) || !ParseInt64(ctx.arg(2), &timeout)) {
    return ctx.reply.Error(err::kNotInteger);
  }
  if (timeout < 0) return ctx.reply.Error(err::kTimeoutNegative);
  const ReplicationView v = ctx.server.Replication();
  if (!v.master) return ctx.reply.Error(err::kWaitOnReplica);
  int64_t holding = 0;
  for (const auto& r : v.replicas) holding += r.online && r.offset >= v.offset ? 1 : 0;
  ctx.reply.Integer(holding);
}

// ROLE in Redis's shapes: the Raft leader answers as a master, the other voters as replicas.
void Role(Context& ctx) {
  const ReplicationView v = ctx.server.Replication();
  if (v.master) {
    ctx.reply.ArrayHeader(3);
    ctx.reply.Bulk("master");
    ctx.reply.Integer(static_cast<int64_t>(v.offset));
    size_t online = 0;
    for (const auto& r : v.replicas) online += r.online ? 1 : 0;
    ctx.reply.ArrayHeader(online);
    for (const auto& r : v.replicas) {
      if (!r.online) continue;
      ctx.reply.ArrayHeader(3);
      ctx.reply.Bulk(r.host);
      ctx.reply.Bulk(std::to_string(r.port));
      ctx.reply.Bulk(std::to_string(r.offset));
    }
    return;
  }
  ctx.reply.ArrayHeader(5);
  ctx.reply.Bulk("slave");
  ctx.reply.Bulk(v.master_host);
  ctx.reply.Integer(v.master_port);
  ctx.reply.Bulk(v.master_link_up ? "connected" : "connect");
  ctx.reply.Integer(static_cast<int64_t>(v.offset));
}

void Save(Context& ctx) {
  Status st = ctx.server.Save();
  if (!st.ok()) return ctx.reply.Error("ERR " + st.ToString());
  ctx.reply.Ok();
}

void BgSave(Context& ctx) {
  if (ctx.argc() > 2 || (ctx.argc() == 2 && !EqualsIgnoreCase(ctx.arg(1), "SCHEDULE"))) {
    return ctx.reply.Error(err::kSyntax);
  }
  // The keyspace is already on disk; a "background save" is a flush, quick enough to do now.
  Status st = ctx.server.Save();
  if (!st.ok()) return ctx.reply.Error("ERR " + st.ToString());
  ctx.reply.Simple("Background saving started");
}

void DebugProtocol(Context& ctx, std::string_view kind) {
  auto& r = ctx.reply;
  if (kind == "string") return r.Bulk("Hello World");
  if (kind == "integer") return r.Integer(12345);
  if (kind == "double") return r.Double(3.141);
  if (kind == "bignum") return r.Bulk("1234567999999999999999999999999999999");
  if (kind == "null") return r.Null();
  if (kind == "array") {
    r.ArrayHeader(3);
    for (int i = 0; i < 3; ++i) r.Integer(i);
    return;
  }
  if (kind == "set") {
    r.SetHeader(3);
    for (int i = 0; i < 3; ++i) r.Integer(i);
    return;
  }
  if (kind == "map") {
    r.MapHeader(3);
    for (int i = 0; i < 3; ++i) {
      r.Integer(i);
      r.Bool(i == 1);
    }
    return;
  }
  if (kind == "true") return r.Bool(true);
  if (kind == "false") return r.Bool(false);
  if (kind == "verbatim") return r.Verbatim("This is a verbatim\nstring");
  r.Error("ERR Wrong protocol type name. Please use one of the following: string|integer|double|"
          "bignum|null|array|set|map|attrib|push|verbatim|true|false");
}

// DEBUG DIGEST: a status of 40 hex digits, as Redis (all zeros for an empty dataset). O(keys +
// members) on the loop: every client waits while it runs (see commands/digest.h).
void DebugDigest(Context& ctx) {
  auto digest = DatasetDigest(ctx.keyspace);
  if (!digest.ok()) return ctx.reply.Error("ERR " + digest.status().ToString());
  ctx.reply.Simple(DigestHex(*digest));
}

// DEBUG DIGEST-VALUE key [key ...]: one status per key, of its value without the key name; all
// zeros for a missing key.
void DebugDigestValue(Context& ctx) {
  std::vector<std::string> hex;
  for (size_t i = 2; i < ctx.argc(); ++i) {
    auto digest = ValueDigest(ctx.keyspace, ctx.db, ctx.arg(i));
    if (!digest.ok()) return ctx.reply.Error("ERR " + digest.status().ToString());
    hex.push_back(DigestHex(*digest));
  }
  ctx.reply.ArrayHeader(hex.size());
  for (const std::string& h : hex) ctx.reply.Simple(h);
}

void Debug(Context& ctx) {
  std::string sub = ToLower(ctx.arg(1));
  if (sub == "digest" && ctx.argc() == 2) return DebugDigest(ctx);
  if (sub == "digest-value") return DebugDigestValue(ctx);
  if (sub == "sleep" && ctx.argc() == 3) {
    double seconds = 0;
    if (!ParseDouble(ctx.arg(2), &seconds)) return ctx.reply.Error(err::kNotFloat);
    if (seconds > 0) {
      std::this_thread::sleep_for(std::chrono::microseconds(static_cast<int64_t>(seconds * 1e6)));
    }
    return ctx.reply.Ok();
  }
  if (sub == "set-active-expire" && ctx.argc() == 3) {
    int64_t on = 0;
    if (!ParseInt64(ctx.arg(2), &on)) return ctx.reply.Error(err::kNotInteger);
    ctx.server.SetActiveExpire(on != 0);
    return ctx.reply.Ok();
  }
  if (sub == "protocol" && ctx.argc() == 3) return DebugProtocol(ctx, ToLower(ctx.arg(2)));
  if (sub == "log" && ctx.argc() == 3) {
    ctx.server.LogLine("DEBUG LOG: " + ctx.arg(2));
    return ctx.reply.Ok();
  }
  if (sub == "help") {
    static constexpr std::string_view kLines[] = {
        "DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:", "SLEEP <seconds>",
        "SET-ACTIVE-EXPIRE <0|1>", "PROTOCOL <type>", "LOG <message>", "DIGEST",
        "DIGEST-VALUE <key> [<key> ...]"};
    return ctx.reply.SimpleArray(kLines);
  }
  ctx.reply.Error(err::SubcommandSyntax(ctx.arg(1), "debug"));
}

void SlowlogGet(Context& ctx) {
  int64_t count = 10;
  if (ctx.argc() == 3) {
    if (!ParseInt64(ctx.arg(2), &count) || count < -1) {
      return ctx.reply.Error("ERR count should be greater than or equal to -1");
    }
  }
  size_t n = count == -1 ? SIZE_MAX : static_cast<size_t>(count);
  auto entries = ctx.server.SlowlogGet(n);
  ctx.reply.ArrayHeader(entries.size());
  for (const auto& e : entries) {
    ctx.reply.ArrayHeader(6);
    ctx.reply.Integer(static_cast<int64_t>(e.id));
    ctx.reply.Integer(e.start_s);
    ctx.reply.Integer(e.duration_us);
    ctx.reply.ArrayHeader(e.argv.size());
    for (const auto& a : e.argv) ctx.reply.Bulk(a);
    ctx.reply.Bulk(e.peer);
    ctx.reply.Bulk(e.client_name);
  }
}

void SlowlogLen(Context& ctx) { ctx.reply.Integer(static_cast<int64_t>(ctx.server.SlowlogLen())); }
void SlowlogReset(Context& ctx) {
  ctx.server.SlowlogReset();
  ctx.reply.Ok();
}
void SlowlogHelp(Context& ctx) {
  static constexpr std::string_view kLines[] = {
      "SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "GET [<count>]",
      "LEN",
      "RESET",
      "HELP"};
  ctx.reply.SimpleArray(kLines);
}

// Cairn records no latency events yet; the replies have Redis's shapes.
void LatencyLatest(Context& ctx) { ctx.reply.ArrayHeader(0); }
void LatencyHistory(Context& ctx) { ctx.reply.ArrayHeader(0); }
void LatencyReset(Context& ctx) { ctx.reply.Integer(0); }
void LatencyDoctor(Context& ctx) {
  ctx.reply.Verbatim("Dave, no latency spike was observed during the lifetime of this instance, "
                     "nice job.\n");
}
void LatencyHelp(Context& ctx) {
  static constexpr std::string_view kLines[] = {
      "LATENCY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "LATEST",
      "HISTORY <event>",
      "RESET [<event> ...]",
      "DOCTOR"};
  ctx.reply.SimpleArray(kLines);
}

void Monitor(Context& ctx) {
  ctx.server.AddMonitor(ctx.session);
  ctx.reply.Ok();
}

void ConfigGet(Context& ctx) {
  std::vector<std::pair<std::string, std::string>> all;
  for (size_t i = 2; i < ctx.argc(); ++i) {
    for (auto& kv : ctx.server.ConfigGet(ctx.arg(i))) {
      bool dup = false;
      for (const auto& seen : all) dup |= seen.first == kv.first;
      if (!dup) all.push_back(std::move(kv));
    }
  }
  ctx.reply.MapHeader(all.size());
  for (const auto& [k, v] : all) {
    ctx.reply.Bulk(k);
    ctx.reply.Bulk(v);
  }
}

void ConfigSet(Context& ctx) {
  if (ctx.argc() % 2 != 0) return ctx.reply.Error(err::WrongArity("config|set"));
  std::vector<std::pair<std::string, std::string>> pairs;
  for (size_t i = 2; i + 1 < ctx.argc(); i += 2) pairs.emplace_back(ToLower(ctx.arg(i)), ctx.arg(i + 1));
  Status st = ctx.server.ConfigSet(pairs);
  if (!st.ok()) return ctx.reply.Error(st.message());
  ctx.reply.Ok();
}

void ConfigResetStat(Context& ctx) {
  ctx.server.ResetStats();
  ctx.reply.Ok();
}

void ConfigHelp(Context& ctx) {
  static constexpr std::string_view kLines[] = {
      "CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "GET <pattern>",
      "SET <directive> <value>",
      "RESETSTAT",
      "HELP"};
  ctx.reply.SimpleArray(kLines);
}

void Shutdown(Context& ctx) {
  bool save = true;
  for (size_t i = 1; i < ctx.argc(); ++i) {
    const std::string& a = ctx.arg(i);
    if (EqualsIgnoreCase(a, "NOSAVE")) {
      save = false;
    } else if (EqualsIgnoreCase(a, "SAVE") || EqualsIgnoreCase(a, "NOW") ||
               EqualsIgnoreCase(a, "FORCE")) {
      continue;
    } else if (EqualsIgnoreCase(a, "ABORT")) {
      return ctx.reply.Error("ERR No shutdown in progress.");
    } else {
      return ctx.reply.Error(err::kSyntax);
    }
  }
  // Like Redis, a successful SHUTDOWN sends no reply: the connection just closes.
  ctx.server.Shutdown(save);
}

void ContainerArity(Context& ctx) { ctx.reply.Error(err::WrongArity(ctx.spec.name)); }

constexpr uint32_t kSrv = kAdmin | kNoScript;

constexpr CommandSpec kSlowlogSubcommands[] = {
    {"slowlog|get", -2, kSrv | kLoading | kStale, 0, 0, 0, SlowlogGet, nullptr, "server", "Returns the slow log's entries.", "2.2.12", "O(N)"},
    {"slowlog|len", 2, kSrv | kLoading | kStale, 0, 0, 0, SlowlogLen, nullptr, "server", "Returns the number of entries in the slow log.", "2.2.12"},
    {"slowlog|reset", 2, kSrv | kLoading | kStale, 0, 0, 0, SlowlogReset, nullptr, "server", "Clears all entries from the slow log.", "2.2.12", "O(N)"},
    {"slowlog|help", 2, kLoading | kStale, 0, 0, 0, SlowlogHelp, nullptr, "server", "Show helpful text about the different subcommands", "6.2.0"},
};

constexpr CommandSpec kLatencySubcommands[] = {
    {"latency|latest", 2, kSrv | kLoading | kStale, 0, 0, 0, LatencyLatest, nullptr, "server", "Returns the latest latency samples for all events.", "2.8.13"},
    {"latency|history", 3, kSrv | kLoading | kStale, 0, 0, 0, LatencyHistory, nullptr, "server", "Returns timestamp-latency samples for an event.", "2.8.13"},
    {"latency|reset", -2, kSrv | kLoading | kStale, 0, 0, 0, LatencyReset, nullptr, "server", "Resets the latency data for one or more events.", "2.8.13"},
    {"latency|doctor", 2, kSrv | kLoading | kStale, 0, 0, 0, LatencyDoctor, nullptr, "server", "Returns a human-readable latency analysis report.", "2.8.13"},
    {"latency|help", 2, kLoading | kStale, 0, 0, 0, LatencyHelp, nullptr, "server", "Returns helpful text about the different subcommands.", "2.8.13"},
};

constexpr CommandSpec kConfigSubcommands[] = {
    {"config|get", -3, kSrv | kLoading | kStale, 0, 0, 0, ConfigGet, nullptr, "server", "Returns the effective values of configuration parameters.", "2.0.0", "O(N)"},
    {"config|set", -4, kSrv | kLoading | kStale, 0, 0, 0, ConfigSet, nullptr, "server", "Sets configuration parameters in-flight.", "2.0.0", "O(N)"},
    {"config|resetstat", 2, kSrv | kLoading | kStale, 0, 0, 0, ConfigResetStat, nullptr, "server", "Resets the server's statistics.", "2.0.0"},
    {"config|help", 2, kLoading | kStale, 0, 0, 0, ConfigHelp, nullptr, "server", "Returns helpful text about the different subcommands.", "5.0.0"},
};

constexpr CommandSpec kServerCommands[] = {
    {"info", -1, kLoading | kStale, 0, 0, 0, Info, nullptr, "server", "Returns information and statistics about the server.", "1.0.0", "O(1)"},
    {"dbsize", 1, kReadOnly | kFast, 0, 0, 0, DbSize, nullptr, "server", "Returns the number of keys in the database.", "1.0.0"},
    {"flushdb", -1, kWrite, 0, 0, 0, FlushDb, ValidateFlush, "server", "Removes all keys from the current database.", "1.0.0", "O(N)"},
    {"flushall", -1, kWrite, 0, 0, 0, FlushAll, ValidateFlush, "server", "Removes all keys from all databases.", "1.0.0", "O(N)"},
    {"swapdb", 3, kWrite | kFast, 0, 0, 0, SwapDb, ValidateSwapDb, "server", "Swaps two Redis databases.", "4.0.0", "O(N)"},
    {"time", 1, kLoading | kStale | kFast | kRandom, 0, 0, 0, Time, nullptr, "server", "Returns the server time.", "2.6.0"},
    {"wait", 3, kNoScript, 0, 0, 0, Wait, nullptr, "generic", "Blocks until the asynchronous replication of all preceding write commands sent by the connection is completed.", "3.0.0", "O(1)"},
    {"role", 1, kNoScript | kLoading | kStale | kFast, 0, 0, 0, Role, nullptr, "server", "Returns the replication role.", "2.8.12", "O(1)"},
    {"lastsave", 1, kLoading | kStale | kFast | kRandom, 0, 0, 0, LastSave, nullptr, "server", "Returns the Unix timestamp of the last successful save to disk.", "1.0.0"},
    {"save", 1, kSrv | kNoMulti, 0, 0, 0, Save, nullptr, "server", "Synchronously saves the database(s) to disk.", "1.0.0", "O(N)"},
    {"bgsave", -1, kSrv, 0, 0, 0, BgSave, nullptr, "server", "Asynchronously saves the database(s) to disk.", "1.0.0", "O(1)"},
    {"debug", -2, kSrv | kLoading | kStale, 0, 0, 0, Debug, nullptr, "server", "A container for debugging commands.", "1.0.0", "Depends on subcommand."},
    {"slowlog", -2, 0, 0, 0, 0, ContainerArity, nullptr, "server", "A container for slow log commands.", "2.2.12", "Depends on subcommand.", kSlowlogSubcommands},
    {"latency", -2, 0, 0, 0, 0, ContainerArity, nullptr, "server", "A container for latency diagnostics commands.", "2.8.13", "Depends on subcommand.", kLatencySubcommands},
    {"monitor", 1, kSrv | kLoading | kStale | kNoMulti, 0, 0, 0, Monitor, nullptr, "server", "Listens for all requests received by the server in real-time.", "1.0.0"},
    {"config", -2, 0, 0, 0, 0, ContainerArity, nullptr, "server", "A container for server configuration commands.", "2.0.0", "Depends on subcommand.", kConfigSubcommands},
    {"shutdown", -1, kSrv | kLoading | kStale | kNoMulti | kAllowBusy, 0, 0, 0, Shutdown, nullptr, "server", "Synchronously saves the database(s) to disk and shuts down the Redis server.", "1.0.0", "O(N)"},
};

}  // namespace

std::span<const CommandSpec> ServerCommands() { return kServerCommands; }

}  // namespace cairn::commands
