// Connection family: PING, ECHO, QUIT, RESET, HELLO, AUTH, SELECT and CLIENT.
#include <algorithm>

#include "commands/args.h"
#include "commands/context.h"
#include "commands/errors.h"

namespace cairn::commands {
namespace {

void Ping(Context& ctx) {
  if (ctx.argc() > 2) {
    ctx.reply.Error(err::WrongArity("ping"));
  } else if (ctx.argc() == 2) {
    ctx.reply.Bulk(ctx.arg(1));
  } else {
    ctx.reply.Simple("PONG");
  }
}

void Echo(Context& ctx) { ctx.reply.Bulk(ctx.arg(1)); }

void Quit(Context& ctx) {
  ctx.reply.Ok();
  ctx.session.close_after_reply = true;
}

void ResetSession(Session& s) {
  s.db = 0;
  s.protocol = 2;
  s.name.clear();
  s.reply_mode = ReplyMode::kOn;
  s.no_evict = false;
  s.no_touch = false;
  s.monitor = false;
  s.txn = TxnState{};  // RESET discards a transaction and unwatches every key
}

void Reset(Context& ctx) {
  ResetSession(ctx.session);
  ctx.session.authenticated = ctx.server.RequirePass().empty();
  ctx.reply.set_protocol(2);
  ctx.reply.Simple("RESET");
}

// Checks a username/password pair against requirepass; replies on failure.
bool CheckCredentialsOrReply(Context& ctx, std::string_view user, std::string_view pass) {
  const std::string& required = ctx.server.RequirePass();
  bool ok = user == "default" && (required.empty() || pass == required);
  if (!ok) {
    ctx.reply.Error(err::kWrongPass);
    return false;
  }
  ctx.session.authenticated = true;
  ctx.session.user = "default";
  return true;
}

void Auth(Context& ctx) {
  if (ctx.argc() > 3) return ctx.reply.Error(err::kSyntax);
  if (ctx.argc() == 2 && ctx.server.RequirePass().empty()) {
    return ctx.reply.Error(err::kAuthNoPassword);
  }
  std::string_view user = ctx.argc() == 3 ? std::string_view(ctx.arg(1)) : "default";
  if (CheckCredentialsOrReply(ctx, user, ctx.arg(ctx.argc() - 1))) ctx.reply.Ok();
}

bool ValidClientName(std::string_view name) {
  return std::all_of(name.begin(), name.end(), [](char c) { return c >= '!' && c <= '~'; });
}

void Hello(Context& ctx) {
  int protocol = ctx.session.protocol;
  size_t i = 1;
  if (ctx.argc() >= 2) {
    int64_t v = 0;
    if (!ParseInt64(ctx.arg(1), &v)) {
      return ctx.reply.Error("ERR Protocol version is not an integer or out of range");
    }
    if (v < 2 || v > 3) return ctx.reply.Error("NOPROTO unsupported protocol version");
    protocol = static_cast<int>(v);
    i = 2;
  }
  std::string name;
  bool set_name = false;
  bool authed_here = false;
  for (; i < ctx.argc(); ++i) {
    bool more = i + 1 < ctx.argc();
    if (EqualsIgnoreCase(ctx.arg(i), "AUTH") && i + 2 < ctx.argc()) {
      if (!CheckCredentialsOrReply(ctx, ctx.arg(i + 1), ctx.arg(i + 2))) return;
      authed_here = true;
      i += 2;
    } else if (EqualsIgnoreCase(ctx.arg(i), "SETNAME") && more) {
      name = ctx.arg(++i);
      if (!ValidClientName(name)) {
        return ctx.reply.Error(
            "ERR Client names cannot contain spaces, newlines or special characters.");
      }
      set_name = true;
    } else {
      return ctx.reply.Error("ERR Syntax error in HELLO option '" + ctx.arg(i) + "'");
    }
  }
  if (!ctx.session.authenticated && !ctx.server.RequirePass().empty() && !authed_here) {
    return ctx.reply.Error(
        "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO "
        "<proto> AUTH <user> <pass> option can be used to authenticate the client and select "
        "the RESP protocol version at the same time");
  }
  if (set_name) ctx.session.name = name;
  ctx.session.protocol = protocol;
  ctx.reply.set_protocol(protocol);
  ctx.reply.MapHeader(7);
  ctx.reply.Bulk("server");
  ctx.reply.Bulk("redis");
  ctx.reply.Bulk("version");
  ctx.reply.Bulk("7.2.0");
  ctx.reply.Bulk("proto");
  ctx.reply.Integer(protocol);
  ctx.reply.Bulk("id");
  ctx.reply.Integer(static_cast<int64_t>(ctx.session.id));
  ctx.reply.Bulk("mode");
  ctx.reply.Bulk("standalone");
  ctx.reply.Bulk("role");
  ctx.reply.Bulk("master");
  ctx.reply.Bulk("modules");
  ctx.reply.ArrayHeader(0);
}

void Select(Context& ctx) {
  int64_t db = 0;
  if (!ParseInt64(ctx.arg(1), &db)) return ctx.reply.Error(err::kNotInteger);
  if (db < 0 || db >= keyspace::kNumDatabases) return ctx.reply.Error(err::kDbIndexOutOfRange);
  ctx.session.db = static_cast<int>(db);
  ctx.reply.Ok();
}

// --- CLIENT ---

void ClientId(Context& ctx) { ctx.reply.Integer(static_cast<int64_t>(ctx.session.id)); }

void ClientSetName(Context& ctx) {
  if (!ValidClientName(ctx.arg(2))) {
    return ctx.reply.Error(
        "ERR Client names cannot contain spaces, newlines or special characters.");
  }
  ctx.session.name = ctx.arg(2);
  ctx.reply.Ok();
}

void ClientGetName(Context& ctx) {
  if (ctx.session.name.empty()) return ctx.reply.Null();
  ctx.reply.Bulk(ctx.session.name);
}

void ClientList(Context& ctx) {
  std::optional<std::string> type;
  std::vector<uint64_t> ids;
  for (size_t i = 2; i < ctx.argc(); ++i) {
    if (EqualsIgnoreCase(ctx.arg(i), "TYPE") && i + 1 < ctx.argc()) {
      type = ToLower(ctx.arg(++i));
      if (*type != "normal" && *type != "master" && *type != "replica" && *type != "pubsub") {
        return ctx.reply.Error("ERR Unknown client type '" + ctx.arg(i) + "'");
      }
    } else if (EqualsIgnoreCase(ctx.arg(i), "ID") && i + 1 < ctx.argc()) {
      for (++i; i < ctx.argc(); ++i) {
        int64_t id = 0;
        if (!ParseInt64(ctx.arg(i), &id) || id <= 0) return ctx.reply.Error("ERR Invalid client ID");
        ids.push_back(static_cast<uint64_t>(id));
      }
    } else {
      return ctx.reply.Error(err::kSyntax);
    }
  }
  std::string out;
  for (const Session* s : ctx.server.Clients()) {
    if (type && *type != "normal") continue;  // only normal clients exist on this node
    if (!ids.empty() && std::find(ids.begin(), ids.end(), s->id) == ids.end()) continue;
    out += ctx.server.ClientLine(*s);
    out += '\n';
  }
  ctx.reply.Verbatim(out);
}

void ClientInfo(Context& ctx) { ctx.reply.Verbatim(ctx.server.ClientLine(ctx.session) + "\n"); }

void ClientKill(Context& ctx) {
  ClientFilter f;
  if (ctx.argc() == 3) {  // old form: CLIENT KILL addr:port
    f.addr = ctx.arg(2);
    f.skip_me = false;
    if (ctx.server.KillClients(f, ctx.session) == 0) return ctx.reply.Error("ERR No such client");
    return ctx.reply.Ok();
  }
  if (ctx.argc() % 2 != 0) return ctx.reply.Error(err::kSyntax);
  for (size_t i = 2; i + 1 < ctx.argc(); i += 2) {
    const std::string& opt = ctx.arg(i);
    const std::string& val = ctx.arg(i + 1);
    if (EqualsIgnoreCase(opt, "ID")) {
      int64_t id = 0;
      if (!ParseInt64(val, &id) || id <= 0) {
        return ctx.reply.Error("ERR client-id should be greater than 0");
      }
      f.id = static_cast<uint64_t>(id);
    } else if (EqualsIgnoreCase(opt, "ADDR")) {
      f.addr = val;
    } else if (EqualsIgnoreCase(opt, "LADDR")) {
      f.laddr = val;
    } else if (EqualsIgnoreCase(opt, "USER")) {
      if (val != "default") return ctx.reply.Error("ERR No such user '" + val + "'");
      f.user = val;
    } else if (EqualsIgnoreCase(opt, "TYPE")) {
      std::string t = ToLower(val);
      if (t != "normal" && t != "master" && t != "replica" && t != "slave" && t != "pubsub") {
        return ctx.reply.Error("ERR Unknown client type '" + val + "'");
      }
      f.type = t;
    } else if (EqualsIgnoreCase(opt, "SKIPME")) {
      if (EqualsIgnoreCase(val, "yes")) {
        f.skip_me = true;
      } else if (EqualsIgnoreCase(val, "no")) {
        f.skip_me = false;
      } else {
        return ctx.reply.Error(err::kSyntax);
      }
    } else if (EqualsIgnoreCase(opt, "MAXAGE")) {
      int64_t age = 0;
      if (!ParseInt64(val, &age)) return ctx.reply.Error(err::kNotInteger);
      f.max_age_s = age;
    } else {
      return ctx.reply.Error(err::kSyntax);
    }
  }
  ctx.reply.Integer(static_cast<int64_t>(ctx.server.KillClients(f, ctx.session)));
}

void ClientSetInfo(Context& ctx) {
  const std::string& attr = ctx.arg(2);
  const std::string& val = ctx.arg(3);
  bool is_name = EqualsIgnoreCase(attr, "LIB-NAME");
  if (!is_name && !EqualsIgnoreCase(attr, "LIB-VER")) {
    return ctx.reply.Error("ERR Unrecognized option '" + attr + "'");
  }
  if (!ValidClientName(val)) {
    return ctx.reply.Error("ERR " + ToLower(attr) +
                           " cannot contain spaces, newlines or special characters.");
  }
  (is_name ? ctx.session.lib_name : ctx.session.lib_ver) = val;
  ctx.reply.Ok();
}

// ON/OFF switches shared by NO-EVICT and NO-TOUCH.
void ClientOnOff(Context& ctx, bool* flag) {
  if (EqualsIgnoreCase(ctx.arg(2), "ON")) {
    *flag = true;
  } else if (EqualsIgnoreCase(ctx.arg(2), "OFF")) {
    *flag = false;
  } else {
    return ctx.reply.Error(err::kSyntax);
  }
  ctx.reply.Ok();
}
void ClientNoEvict(Context& ctx) { ClientOnOff(ctx, &ctx.session.no_evict); }
void ClientNoTouch(Context& ctx) { ClientOnOff(ctx, &ctx.session.no_touch); }

void ClientReply(Context& ctx) {
  const std::string& mode = ctx.arg(2);
  if (EqualsIgnoreCase(mode, "ON")) {
    ctx.session.reply_mode = ReplyMode::kOn;
    ctx.reply.Ok();
  } else if (EqualsIgnoreCase(mode, "OFF")) {
    ctx.session.reply_mode = ReplyMode::kOff;
  } else if (EqualsIgnoreCase(mode, "SKIP")) {
    ctx.session.reply_mode = ReplyMode::kSkipNext;
  } else {
    ctx.reply.Error(err::kSyntax);
  }
}

void ClientHelp(Context& ctx) {
  static constexpr std::string_view kLines[] = {
      "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "ID", "    Return the ID of the current connection.",
      "INFO", "    Return information about the current client connection.",
      "GETNAME", "    Return the name of the current connection.",
      "KILL <ip:port>", "    Kill connection made from <ip:port>.",
      "KILL <option> <value> [<option> <value> [...]]",
      "    Kill connections. Options are: ID, ADDR, LADDR, USER, TYPE, SKIPME, MAXAGE.",
      "LIST [options ...]", "    Return information about client connections.",
      "NO-EVICT (ON|OFF)", "    Protect current client connection from eviction.",
      "NO-TOUCH (ON|OFF)", "    Will not touch LRU/LFU stats when this mode is on.",
      "REPLY (ON|OFF|SKIP)", "    Control the replies sent to the current connection.",
      "SETNAME <name>", "    Assign the name <name> to the current connection.",
      "SETINFO <option> <value>", "    Set client meta attr. Options are: LIB-NAME, LIB-VER.",
      "HELP", "    Print this help."};
  ctx.reply.SimpleArray(kLines);
}

void ClientContainer(Context& ctx) { ctx.reply.Error(err::WrongArity("client")); }

constexpr uint32_t kConn = kNoScript | kLoading | kStale;

constexpr CommandSpec kClientSubcommands[] = {
    {"client|id", 2, kConn, 0, 0, 0, ClientId, nullptr, "connection", "Returns the unique client ID of the connection.", "5.0.0"},
    {"client|setname", 3, kConn, 0, 0, 0, ClientSetName, nullptr, "connection", "Sets the connection name.", "2.6.9"},
    {"client|getname", 2, kConn, 0, 0, 0, ClientGetName, nullptr, "connection", "Returns the name of the connection.", "2.6.9"},
    {"client|list", -2, kConn | kAdmin, 0, 0, 0, ClientList, nullptr, "connection", "Lists open connections.", "2.4.0", "O(N)"},
    {"client|info", 2, kConn, 0, 0, 0, ClientInfo, nullptr, "connection", "Returns information about the connection.", "6.2.0"},
    {"client|kill", -3, kConn | kAdmin, 0, 0, 0, ClientKill, nullptr, "connection", "Terminates open connections.", "2.4.0", "O(N)"},
    {"client|setinfo", 4, kConn, 0, 0, 0, ClientSetInfo, nullptr, "connection", "Sets information specific to the client or connection.", "7.2.0"},
    {"client|no-evict", 3, kConn | kAdmin, 0, 0, 0, ClientNoEvict, nullptr, "connection", "Sets the client eviction mode of the connection.", "7.0.0"},
    {"client|no-touch", 3, kConn, 0, 0, 0, ClientNoTouch, nullptr, "connection", "Controls whether commands sent by the client affect the LRU/LFU of accessed keys.", "7.2.0"},
    {"client|reply", 3, kConn, 0, 0, 0, ClientReply, nullptr, "connection", "Instructs the server whether to reply to commands.", "3.2.0"},
    {"client|help", 2, kConn, 0, 0, 0, ClientHelp, nullptr, "connection", "Returns helpful text about the different subcommands.", "5.0.0"},
};

constexpr CommandSpec kConnectionCommands[] = {
    {"ping", -1, kFast | kStale, 0, 0, 0, Ping, nullptr, "connection", "Returns the server's liveliness response.", "1.0.0"},
    {"echo", 2, kFast | kLoading | kStale, 0, 0, 0, Echo, nullptr, "connection", "Returns the given string.", "1.0.0"},
    {"quit", -1, kNoAuth | kLoading | kStale | kFast | kAllowBusy | kNoScript, 0, 0, 0, Quit, nullptr, "connection", "Closes the connection.", "1.0.0"},
    {"reset", 1, kNoAuth | kLoading | kStale | kFast | kNoScript, 0, 0, 0, Reset, nullptr, "connection", "Resets the connection.", "6.2.0"},
    {"hello", -1, kNoAuth | kLoading | kStale | kFast | kNoScript, 0, 0, 0, Hello, nullptr, "connection", "Handshakes with the Redis server.", "6.0.0"},
    {"auth", -2, kNoAuth | kLoading | kStale | kFast | kNoScript | kSkipMonitor | kSkipSlowlog, 0, 0, 0, Auth, nullptr, "connection", "Authenticates the connection.", "1.0.0"},
    {"select", 2, kLoading | kStale | kFast, 0, 0, 0, Select, nullptr, "connection", "Changes the selected database.", "1.0.0"},
    {"client", -2, kConn, 0, 0, 0, ClientContainer, nullptr, "connection", "A container for client connection commands.", "2.4.0", "Depends on subcommand.", kClientSubcommands},
};

}  // namespace

std::span<const CommandSpec> ConnectionCommands() { return kConnectionCommands; }

}  // namespace cairn::commands
