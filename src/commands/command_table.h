// The command table: one constant entry per command (name, arity, flags, key positions, handler,
// docs), gathered from the family files. Arity is checked here, once, before any handler runs.
// Built once at start-up; read-only afterwards.
#pragma once

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "keyspace/keyspace.h"

namespace cairn::commands {

struct Context;

// Flags: a bitmask. Each one drives a check (see dispatch.cc) or a COMMAND reply field.
enum Flag : uint32_t {
  kWrite = 1u << 0,        // goes through the write log; runs at apply time
  kReadOnly = 1u << 1,     // reads the keyspace only
  kDenyOom = 1u << 2,      // may grow memory (reported)
  kAdmin = 1u << 3,        // administrative (reported)
  kNoScript = 1u << 4,     // (reported)
  kLoading = 1u << 5,      // allowed while the node is loading its data
  kStale = 1u << 6,        // (reported)
  kFast = 1u << 7,         // O(1) or O(log N) (reported; not in the slow log's class)
  kNoAuth = 1u << 8,       // allowed before AUTH
  kNoMulti = 1u << 9,      // refused inside MULTI
  kSkipMonitor = 1u << 10, // not fed to MONITOR clients
  kSkipSlowlog = 1u << 11, // not recorded in the slow log
  kRandom = 1u << 12,      // (reported)
  kPubSub = 1u << 13,      // (reported)
  kAllowBusy = 1u << 14,   // (reported)
  kBlocking = 1u << 15,    // a write that waits for one of its keys (Outcome::kBlock)
};

using Handler = void (*)(Context& ctx);
// A pure syntax check that runs before a write is logged (so a bad write never reaches the log):
// returns false after replying with the error.
using Validator = bool (*)(Context& ctx);

struct CommandSpec {
  std::string_view name;  // lower case; for subcommands "container|sub"
  int arity;              // N: exactly N args (name included); -N: at least N
  uint32_t flags;
  int first_key;  // 0: no keys
  int last_key;   // -1: the last argument
  int key_step;
  Handler handler;
  Validator validate = nullptr;
  std::string_view group = "generic";
  std::string_view summary = "";
  std::string_view since = "1.0.0";
  std::string_view complexity = "O(1)";
  std::span<const CommandSpec> subcommands = {};
  // > 0: argv[numkeys_arg] counts the keys right after it (SINTERCARD numkeys key...); first_key
  // and last_key then name the first of them only, for COMMAND INFO.
  int numkeys_arg = 0;
  // kBlocking commands: argv position of the timeout in seconds (-1: the last argument), and the
  // type a key must hold to wake a blocked client (a key of another type: it waits on, as in
  // Redis; the first run reports WRONGTYPE instead).
  int timeout_arg = 0;
  keyspace::ValueType block_type = keyspace::ValueType::kZSet;

  bool is_write() const { return (flags & kWrite) != 0; }
  bool ArityOk(size_t argc) const {
    return arity >= 0 ? argc == static_cast<size_t>(arity) : argc >= static_cast<size_t>(-arity);
  }
  // Key argument positions for an argv of this command (KeyPositions(argc): for commands whose
  // keys sit at fixed positions, numkeys_arg == 0).
  std::vector<int> KeyPositions(size_t argc) const;
  std::vector<int> KeyPositions(const std::vector<std::string>& argv) const;
  // Calls fn(position) for each of them, allocating nothing (the per-command path).
  template <typename Fn>
  void ForEachKey(size_t argc, Fn&& fn) const {
    if (first_key <= 0) return;
    const int n = static_cast<int>(argc);
    const int last = last_key < 0 ? n + last_key : last_key;
    for (int i = first_key; i <= last && i < n; i += key_step > 1 ? key_step : 1) fn(i);
  }
  // The same for a whole argv, numkeys commands included (a bad count: no keys).
  template <typename Fn>
  void ForEachKey(const std::vector<std::string>& argv, Fn&& fn) const {
    if (numkeys_arg <= 0) return ForEachKey(argv.size(), fn);
    if (static_cast<size_t>(numkeys_arg) >= argv.size()) return;
    const std::string& count = argv[numkeys_arg];
    int64_t n = 0;
    auto [end, ec] = std::from_chars(count.data(), count.data() + count.size(), n);
    if (ec != std::errc() || end != count.data() + count.size() || n <= 0) return;
    const int64_t last = std::min<int64_t>(numkeys_arg + n, static_cast<int64_t>(argv.size()) - 1);
    for (int64_t i = numkeys_arg + 1; i <= last; ++i) fn(static_cast<int>(i));
  }
};

bool EqualsIgnoreCase(std::string_view a, std::string_view b);

class CommandTable {
 public:
  // Every family registers here; the table is complete after construction.
  CommandTable();

  // Case-insensitive lookup of a top-level command.
  const CommandSpec* Find(std::string_view name) const;
  // A container's subcommand (case-insensitive), or nullptr.
  static const CommandSpec* FindSub(const CommandSpec& container, std::string_view sub);
  const std::vector<const CommandSpec*>& all() const { return all_; }

  void Add(std::span<const CommandSpec> family);

 private:
  // Case-insensitive, and looked up by string_view: no allocation per command.
  struct CaseHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const;
  };
  struct CaseEq {
    using is_transparent = void;
    bool operator()(std::string_view a, std::string_view b) const { return EqualsIgnoreCase(a, b); }
  };
  std::unordered_map<std::string_view, const CommandSpec*, CaseHash, CaseEq> by_name_;
  std::vector<const CommandSpec*> all_;
};

// Each family file defines one of these.
std::span<const CommandSpec> ConnectionCommands();
std::span<const CommandSpec> ServerCommands();
std::span<const CommandSpec> IntrospectionCommands();
std::span<const CommandSpec> StringCommands();
std::span<const CommandSpec> KeyCommands();
std::span<const CommandSpec> HashCommands();
std::span<const CommandSpec> SetCommands();
std::span<const CommandSpec> ZSetCommands();
std::span<const CommandSpec> ZSetAlgebraCommands();
std::span<const CommandSpec> TxnCommands();
std::span<const CommandSpec> FunctionCommands();

std::string ToLower(std::string_view s);
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

}  // namespace cairn::commands
