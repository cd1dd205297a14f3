// Dispatcher: runs one client command (lookup, arity, auth, loading, then the handler), or, for
// a write, validates it and hands back the Effect to log; and applies logged Effects. It owns no
// state beyond references to the table, the keyspace and the node. Loop thread only.
//
// Transactions: inside MULTI a command is checked (name, arity, auth, loading, MULTI ban, a
// write's validator) and queued; a failed check marks the transaction, and EXEC then answers
// EXECABORT. EXEC of a transaction without writes runs at once; one with a write becomes a single
// kTransaction record (commands, database, WATCH observations) that Apply checks and runs as one
// keyspace apply, so it is atomic on disk and to other clients.
#pragma once

#include <string>
#include <vector>

#include "commands/command_table.h"
#include "commands/effect.h"
#include "commands/server_api.h"
#include "commands/session.h"
#include "keyspace/keyspace.h"
#include "resp/reply_builder.h"

namespace cairn::commands {

enum class Outcome {
  kReplied,         // the reply is in the builder; if the session had writes pending, it ran
                    // ahead of them (RunsAhead): send it only after their replies
  kProposed,        // a write: its Effect must be logged; the reply comes at apply
  kWaitForWrites,   // the session has unapplied writes: run this command again after them
  kWaitForStore,    // reads of its keys are queued (Keyspace::QueueStoreRead): submit them, and
                    // run this command again once they are done
  kBlock,           // a blocking command none of whose keys exists: run it again after writes
                    // are applied, or once Session::block_deadline_ms passes (with
                    // block_timed_out set: it then answers its timeout reply)
};

struct ApplyStats {
  uint64_t expired_keys = 0;
};

class Dispatcher {
 public:
  Dispatcher(const CommandTable& table, keyspace::Keyspace& keyspace, ServerApi& server);

  // Runs argv for the session. On kProposed, *effect holds the encoded record and *spec the
  // command (for MONITOR and the slow log, *spec is set for every known command).
  Outcome Execute(Session& s, const std::vector<std::string>& argv, resp::ReplyBuilder& reply,
                  int64_t now_ms, std::string* effect, const CommandSpec** spec);

  // Applies one logged record with its log index. The reply goes to `reply` (the proposer's
  // builder, or a sink when the proposer is gone); `s` is the proposer's session or a stand-in.
  Status Apply(std::string_view record, uint64_t index, Session& s, resp::ReplyBuilder& reply);

  // Encodes the conditional deletion that active expiry proposes.
  static void EncodeExpire(int db, const std::string& key, int64_t expire_at_ms, int64_t now_ms,
                           std::string* out);

  const ApplyStats& apply_stats() const { return apply_stats_; }
  void ResetStats() { apply_stats_ = {}; }
  const CommandTable& table() const { return table_; }

  // Queues store reads of the keys of a command that has not run yet (one pipelined after a
  // command that waits for the store, so that one wait serves both); returns how many.
  size_t QueueStoreReads(const Session& s, const std::vector<std::string>& argv);

 private:
  // Resolves a container's subcommand and checks arity; replies and returns nullptr on error.
  const CommandSpec* Resolve(const std::vector<std::string>& argv, resp::ReplyBuilder& reply);
  const CommandSpec* ResolveLogged(const std::vector<std::string>& argv) const;
  void ApplyExpire(const Effect& e);

  // Transactions.
  bool IsTxnControl(const CommandSpec* spec) const;
  // Whether `spec` may run while the session has writes in the log (see Execute).
  bool RunsAhead(const Session& s, const CommandSpec* spec) const;
  void FlagTransaction(Session& s) const;
  // Whether the command must wait for its keys to be read off the loop (kWaitForStore).
  bool WaitsForStore(Session& s, const CommandSpec* spec, const std::vector<std::string>& argv);
  // batch: part of a pipeline (Keyspace::QueueStoreRead reads nothing inline then).
  size_t QueueKeyReads(int db, const CommandSpec* spec, const std::vector<std::string>& argv,
                       bool batch);
  Outcome Queue(Context& ctx);
  // kBlocking commands outside MULTI: whether to wait (none of the keys exists) or run.
  Outcome BlockOrRun(Session& s, const CommandSpec* spec, const std::vector<std::string>& argv,
                     resp::ReplyBuilder& reply, int64_t now_ms);
  Outcome Exec(Session& s, resp::ReplyBuilder& reply, int64_t now_ms, std::string* effect);
  // Runs a transaction's commands from database `db`, replying with the array of their replies;
  // a queued SELECT changes the database for the commands after it, and for the session.
  // `log_index`: the record's, when applying (it seeds random_seed); 0 otherwise.
  void RunTransaction(Session& s, const std::vector<std::vector<std::string>>& commands, int db,
                      int64_t now_ms, bool applying, resp::ReplyBuilder& reply,
                      uint64_t log_index = 0);
  // Context::random_seed of the command at `position` in the record at `log_index`.
  static uint64_t RandomSeed(uint64_t log_index, size_t position);

  const CommandTable& table_;
  keyspace::Keyspace& keyspace_;
  ServerApi& server_;
  ApplyStats apply_stats_;
  Effect decoded_;  // the record being applied; reused so its strings keep their capacity
  // Constant after construction: the commands that keep their own behaviour inside MULTI.
  const CommandSpec* multi_ = nullptr;
  const CommandSpec* exec_ = nullptr;
  const CommandSpec* discard_ = nullptr;
  const CommandSpec* watch_ = nullptr;
  const CommandSpec* quit_ = nullptr;
  const CommandSpec* reset_ = nullptr;
  const CommandSpec* select_ = nullptr;
};

}  // namespace cairn::commands
