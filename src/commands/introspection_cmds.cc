// COMMAND and its subcommands (COUNT, INFO, DOCS, LIST, GETKEYS, HELP), answered from the table.
#include "commands/args.h"
#include "commands/context.h"
#include "commands/errors.h"

namespace cairn::commands {

namespace {

struct FlagName {
  Flag flag;
  std::string_view name;
};
constexpr FlagName kFlagNames[] = {
    {kWrite, "write"},       {kReadOnly, "readonly"}, {kDenyOom, "denyoom"},
    {kAdmin, "admin"},       {kPubSub, "pubsub"},     {kNoScript, "noscript"},
    {kLoading, "loading"},   {kStale, "stale"},       {kSkipMonitor, "skip_monitor"},
    {kSkipSlowlog, "skip_slowlog"}, {kFast, "fast"},  {kNoAuth, "no_auth"},
    {kNoMulti, "no_multi"},  {kAllowBusy, "allow_busy"},
};

void WriteCommandInfo(resp::ReplyBuilder& r, const CommandSpec& spec) {
  r.ArrayHeader(10);
  r.Bulk(spec.name);
  r.Integer(spec.arity);
  size_t nflags = 0;
  for (const auto& f : kFlagNames) nflags += (spec.flags & f.flag) ? 1 : 0;
  r.SetHeader(nflags);
  for (const auto& f : kFlagNames) {
    if (spec.flags & f.flag) r.Simple(f.name);
  }
  r.Integer(spec.first_key);
  r.Integer(spec.last_key);
  r.Integer(spec.key_step);
  r.SetHeader(0);    // ACL categories: Cairn has no ACLs
  r.ArrayHeader(0);  // tips
  if (spec.first_key > 0) {
    // One key spec in the "range" form, enough for cluster-aware clients to find keys.
    r.ArrayHeader(1);
    r.MapHeader(3);
    r.Bulk("flags");
    r.SetHeader(0);
    r.Bulk("begin_search");
    r.MapHeader(2);
    r.Bulk("type");
    r.Bulk("index");
    r.Bulk("spec");
    r.MapHeader(1);
    r.Bulk("index");
    r.Integer(spec.first_key);
    r.Bulk("find_keys");
    r.MapHeader(2);
    r.Bulk("type");
    r.Bulk("range");
    r.Bulk("spec");
    r.MapHeader(3);
    r.Bulk("lastkey");
    r.Integer(spec.last_key < 0 ? spec.last_key : spec.last_key - spec.first_key);
    r.Bulk("keystep");
    r.Integer(spec.key_step);
    r.Bulk("limit");
    r.Integer(0);
  } else {
    r.ArrayHeader(0);
  }
  r.ArrayHeader(spec.subcommands.size());
  for (const auto& sub : spec.subcommands) WriteCommandInfo(r, sub);
}

void WriteCommandDocs(resp::ReplyBuilder& r, const CommandSpec& spec) {
  bool has_subs = !spec.subcommands.empty();
  r.MapHeader(4 + (has_subs ? 1 : 0));
  r.Bulk("summary");
  r.Bulk(spec.summary);
  r.Bulk("since");
  r.Bulk(spec.since);
  r.Bulk("group");
  r.Bulk(spec.group);
  r.Bulk("complexity");
  r.Bulk(spec.complexity);
  if (has_subs) {
    r.Bulk("subcommands");
    r.MapHeader(spec.subcommands.size());
    for (const auto& sub : spec.subcommands) {
      r.Bulk(sub.name);
      WriteCommandDocs(r, sub);
    }
  }
}

void Command(Context& ctx) {
  const auto& all = ctx.table.all();
  ctx.reply.ArrayHeader(all.size());
  for (const CommandSpec* spec : all) WriteCommandInfo(ctx.reply, *spec);
}

void CommandCount(Context& ctx) {
  ctx.reply.Integer(static_cast<int64_t>(ctx.table.all().size()));
}

// Finds "name" or "container|sub".
const CommandSpec* LookupFullName(const CommandTable& table, std::string_view name) {
  size_t bar = name.find('|');
  if (bar == std::string_view::npos) return table.Find(name);
  const CommandSpec* c = table.Find(name.substr(0, bar));
  return c == nullptr ? nullptr : CommandTable::FindSub(*c, name.substr(bar + 1));
}

void CommandInfo(Context& ctx) {
  if (ctx.argc() == 2) return Command(ctx);
  ctx.reply.ArrayHeader(ctx.argc() - 2);
  for (size_t i = 2; i < ctx.argc(); ++i) {
    const CommandSpec* spec = LookupFullName(ctx.table, ctx.arg(i));
    if (spec == nullptr) {
      ctx.reply.NullArray();
    } else {
      WriteCommandInfo(ctx.reply, *spec);
    }
  }
}

void CommandDocs(Context& ctx) {
  std::vector<const CommandSpec*> specs;
  if (ctx.argc() == 2) {
    specs = ctx.table.all();
  } else {
    for (size_t i = 2; i < ctx.argc(); ++i) {
      if (const CommandSpec* s = LookupFullName(ctx.table, ctx.arg(i))) specs.push_back(s);
    }
  }
  ctx.reply.MapHeader(specs.size());
  for (const CommandSpec* spec : specs) {
    ctx.reply.Bulk(spec->name);
    WriteCommandDocs(ctx.reply, *spec);
  }
}

void CommandList(Context& ctx) {
  std::optional<std::string> pattern;
  if (ctx.argc() == 5 && EqualsIgnoreCase(ctx.arg(2), "FILTERBY") &&
      EqualsIgnoreCase(ctx.arg(3), "PATTERN")) {
    pattern = ctx.arg(4);
  } else if (ctx.argc() == 5 && EqualsIgnoreCase(ctx.arg(2), "FILTERBY") &&
             (EqualsIgnoreCase(ctx.arg(3), "MODULE") || EqualsIgnoreCase(ctx.arg(3), "ACLCAT"))) {
    return ctx.reply.ArrayHeader(0);
  } else if (ctx.argc() != 2) {
    return ctx.reply.Error(err::kSyntax);
  }
  std::vector<std::string_view> names;
  for (const CommandSpec* spec : ctx.table.all()) {
    if (!pattern || GlobMatch(*pattern, spec->name, true)) names.push_back(spec->name);
    for (const auto& sub : spec->subcommands) {
      if (pattern && GlobMatch(*pattern, sub.name, true)) names.push_back(sub.name);
    }
  }
  ctx.reply.ArrayHeader(names.size());
  for (auto n : names) ctx.reply.Bulk(n);
}

void CommandGetKeys(Context& ctx) {
  std::vector<std::string> argv(ctx.argv.begin() + 2, ctx.argv.end());
  const CommandSpec* spec = ctx.table.Find(argv[0]);
  if (spec == nullptr) return ctx.reply.Error("ERR Invalid command specified");
  if (!spec->subcommands.empty() && argv.size() >= 2) {
    if (const CommandSpec* sub = CommandTable::FindSub(*spec, argv[1])) spec = sub;
  }
  if (!spec->ArityOk(argv.size())) {
    return ctx.reply.Error("ERR Invalid number of arguments specified for command");
  }
  std::vector<int> keys = spec->KeyPositions(argv);
  if (keys.empty()) return ctx.reply.Error("ERR The command has no key arguments");
  ctx.reply.ArrayHeader(keys.size());
  for (int k : keys) ctx.reply.Bulk(argv[k]);
}

void CommandHelp(Context& ctx) {
  static constexpr std::string_view kLines[] = {
      "COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "(no subcommand)", "    Return details about all Redis commands.",
      "COUNT", "    Return the total number of commands in this Redis server.",
      "LIST", "    Return a list of all commands in this Redis server.",
      "INFO [<command-name> ...]", "    Return details about multiple Redis commands.",
      "DOCS [<command-name> ...]", "    Return documentation details about multiple Redis commands.",
      "GETKEYS <full-command>", "    Return the keys from a full Redis command.",
      "HELP", "    Print this help."};
  ctx.reply.SimpleArray(kLines);
}

constexpr uint32_t kIntro = kLoading | kStale;

constexpr CommandSpec kCommandSubcommands[] = {
    {"command|count", 2, kIntro, 0, 0, 0, CommandCount, nullptr, "server", "Returns a count of commands.", "2.8.13"},
    {"command|info", -2, kIntro, 0, 0, 0, CommandInfo, nullptr, "server", "Returns information about one, multiple or all commands.", "2.8.13", "O(N)"},
    {"command|docs", -2, kIntro, 0, 0, 0, CommandDocs, nullptr, "server", "Returns documentary information about one, multiple or all commands.", "7.0.0", "O(N)"},
    {"command|list", -2, kIntro, 0, 0, 0, CommandList, nullptr, "server", "Returns a list of command names.", "7.0.0", "O(N)"},
    {"command|getkeys", -3, kIntro, 0, 0, 0, CommandGetKeys, nullptr, "server", "Extracts the key names from an arbitrary command.", "2.8.13", "O(N)"},
    {"command|help", 2, kIntro, 0, 0, 0, CommandHelp, nullptr, "server", "Returns helpful text about the different subcommands.", "5.0.0"},
};

constexpr CommandSpec kIntrospectionCommands[] = {
    {"command", -1, kIntro, 0, 0, 0, Command, nullptr, "server", "Returns detailed information about all commands.", "2.8.13", "O(N)", kCommandSubcommands},
};

}  // namespace

std::span<const CommandSpec> IntrospectionCommands() { return kIntrospectionCommands; }

}  // namespace cairn::commands
