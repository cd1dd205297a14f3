// Context: everything one command invocation sees: its arguments, the session, where its reply
// goes, the keyspace, the node, and "now". For a write, the context is built at apply time from
// the logged effect, so `now_ms` and `db` come from the log entry, never from a local clock.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "commands/command_table.h"
#include "commands/server_api.h"
#include "commands/session.h"
#include "keyspace/keyspace.h"
#include "resp/reply_builder.h"

namespace cairn::commands {

struct Context {
  Session& session;
  const std::vector<std::string>& argv;
  resp::ReplyBuilder& reply;
  keyspace::Keyspace& keyspace;
  ServerApi& server;
  const CommandSpec& spec;
  const CommandTable& table;
  int64_t now_ms;
  int db;          // the database the command works on
  bool applying;   // true when running a logged write
  // A logged write that picks at random (SPOP) seeds its Rng with this: derived at apply from the
  // record's log index and the command's place in it, so every replica and every replay draws
  // the same. 0 outside an apply.
  uint64_t random_seed = 0;

  size_t argc() const { return argv.size(); }
  const std::string& arg(size_t i) const { return argv[i]; }
};

}  // namespace cairn::commands
