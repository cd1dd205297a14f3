// Dispatcher: the checks every command passes, in Redis's order, MULTI queuing and EXEC, and the
// apply of log records.
#include "commands/dispatch.h"

#include <utility>

#include "commands/args.h"
#include "commands/context.h"
#include "commands/errors.h"
#include "commands/txn.h"
#include "common/assert.h"

namespace cairn::commands {

Dispatcher::Dispatcher(const CommandTable& table, keyspace::Keyspace& keyspace, ServerApi& server)
    : table_(table),
      keyspace_(keyspace),
      server_(server),
      multi_(table.Find("multi")),
      exec_(table.Find("exec")),
      discard_(table.Find("discard")),
      watch_(table.Find("watch")),
      quit_(table.Find("quit")),
      reset_(table.Find("reset")),
      select_(table.Find("select")) {
  CAIRN_ASSERT(multi_ && exec_ && discard_ && watch_ && quit_ && reset_ && select_);
}

const CommandSpec* Dispatcher::Resolve(const std::vector<std::string>& argv,
                                       resp::ReplyBuilder& reply) {
  const CommandSpec* spec = table_.Find(argv[0]);
  if (spec == nullptr) {
    reply.Error(err::UnknownCommand(argv[0], argv));
    return nullptr;
  }
  if (!spec->subcommands.empty() && argv.size() >= 2) {
    const CommandSpec* sub = CommandTable::FindSub(*spec, argv[1]);
    if (sub == nullptr) {
      reply.Error(err::UnknownSubcommand(argv[1], spec->name));
      return nullptr;
    }
    spec = sub;
  }
  if (!spec->ArityOk(argv.size())) {
    reply.Error(err::WrongArity(spec->name));
    return nullptr;
  }
  return spec;
}

// The command of a logged argv, or nullptr when the record names none (a corrupt record).
const CommandSpec* Dispatcher::ResolveLogged(const std::vector<std::string>& argv) const {
  const CommandSpec* spec = table_.Find(argv[0]);
  if (spec != nullptr && !spec->subcommands.empty() && argv.size() >= 2) {
    spec = CommandTable::FindSub(*spec, argv[1]);
  }
  if (spec == nullptr || !spec->ArityOk(argv.size())) return nullptr;
  return spec;
}

// Building a transaction reads nothing from the keyspace: MULTI, queuing, DISCARD, and an EXEC
// that is logged (it has a write) or refused (EXECABORT) reply the same whatever the session's
// pending writes do, so a pipelined transaction need not wait for the one before it to apply.
// Not after a logged EXEC that may change the session (a queued SELECT decides the database the
// next MULTI queues for), nor WATCH or a read-only EXEC, which read keys.
bool Dispatcher::RunsAhead(const Session& s, const CommandSpec* spec) const {
  if (s.exec_changes_session) return false;
  if (spec == multi_) return true;
  if (!s.txn.in_multi) return false;
  if (spec == exec_) return s.txn.has_write || s.txn.dirty;
  return spec == discard_ || !IsTxnControl(spec);
}

bool Dispatcher::IsTxnControl(const CommandSpec* spec) const {
  return spec == multi_ || spec == exec_ || spec == discard_ || spec == watch_ || spec == quit_ ||
         spec == reset_;
}

bool Dispatcher::WaitsForStore(Session& s, const CommandSpec* spec,
                               const std::vector<std::string>& argv) {
  if (std::exchange(s.store_read_done, false)) return false;
  return QueueKeyReads(s.db, spec, argv, /*batch=*/s.input_follows) > 0;
}

size_t Dispatcher::QueueStoreReads(const Session& s, const std::vector<std::string>& argv) {
  if (argv.empty() || s.txn.in_multi) return 0;
  const CommandSpec* spec = ResolveLogged(argv);
  return spec == nullptr ? 0 : QueueKeyReads(s.db, spec, argv, /*batch=*/true);
}

size_t Dispatcher::QueueKeyReads(int db, const CommandSpec* spec,
                                 const std::vector<std::string>& argv, bool batch) {
  if (spec->first_key <= 0 || !keyspace_.ReadsStore(db)) return 0;
  size_t queued = 0;
  spec->ForEachKey(argv, [&](int i) { queued += keyspace_.QueueStoreRead(db, argv[i], !batch) ? 1 : 0; });
  return queued;
}

// A command refused while queuing makes EXEC fail (Redis's flagTransaction).
void Dispatcher::FlagTransaction(Session& s) const {
  if (s.txn.in_multi) s.txn.dirty = true;
}

Outcome Dispatcher::Execute(Session& s, const std::vector<std::string>& argv,
                            resp::ReplyBuilder& reply, int64_t now_ms, std::string* effect,
                            const CommandSpec** out_spec) {
  // While writes of this session wait in the log, a command whose reply depends on the keyspace
  // must wait for them; a valid write goes on (its reply also comes at apply), and so does what
  // RunsAhead allows, whose reply the caller holds back until the writes before it have replied.
  std::string scratch;
  resp::ReplyBuilder probe(&scratch, reply.protocol());
  const bool waiting = s.pending_writes > 0;

  const CommandSpec* spec = Resolve(argv, waiting ? probe : reply);
  *out_spec = spec;
  if (spec == nullptr) {
    // Refusing an unknown command while queuing reads nothing either: it may run ahead.
    if (waiting && !(s.txn.in_multi && !s.exec_changes_session)) return Outcome::kWaitForWrites;
    if (waiting) Resolve(argv, reply);  // the error again, this time into the real reply
    FlagTransaction(s);
    return Outcome::kReplied;
  }
  const bool runs_ahead = waiting && RunsAhead(s, spec);
  resp::ReplyBuilder& target = waiting && !runs_ahead ? probe : reply;
  // Set before the handler runs, so CLIENT LIST/INFO show themselves, as in Redis.
  if (!waiting || runs_ahead) s.last_command = spec->name;
  if (waiting && !runs_ahead && (!spec->is_write() || s.txn.in_multi || s.exec_changes_session)) {
    return Outcome::kWaitForWrites;
  }

  if (!s.authenticated && !server_.RequirePass().empty() && !(spec->flags & kNoAuth)) {
    if (waiting) return Outcome::kWaitForWrites;
    reply.Error(err::kNoAuth);
    FlagTransaction(s);
    return Outcome::kReplied;
  }
  if (server_.loading() && !(spec->flags & kLoading)) {
    if (waiting) return Outcome::kWaitForWrites;
    reply.Error(err::kLoading);
    FlagTransaction(s);
    return Outcome::kReplied;
  }

  if (s.txn.in_multi && !IsTxnControl(spec)) {
    Context ctx{s, argv, reply, keyspace_, server_, *spec, table_, now_ms, s.txn.db, false};
    return Queue(ctx);
  }
  if (spec == exec_) return Exec(s, reply, now_ms, effect);

  if (!waiting && WaitsForStore(s, spec, argv)) return Outcome::kWaitForStore;
  Context ctx{s, argv, target, keyspace_, server_, *spec, table_, now_ms, s.db, false};
  if (spec->is_write()) {
    if (spec->validate != nullptr && !spec->validate(ctx)) {
      return waiting ? Outcome::kWaitForWrites : Outcome::kReplied;
    }
    if (spec->flags & kBlocking) {
      Outcome o = BlockOrRun(s, spec, argv, reply, now_ms);
      if (o != Outcome::kProposed) return o;
    }
    effect->clear();
    EncodeCommandEffect(s.db, now_ms, argv, effect);
    return Outcome::kProposed;
  }
  spec->handler(ctx);
  return Outcome::kReplied;
}

// A blocking command is logged as it is once one of its keys exists (at apply it takes from the
// first that holds something, or answers as on a timeout when another client took it first);
// until then it waits, off the log, so a replay never blocks. Inside MULTI it is queued and runs
// at EXEC without waiting, as in Redis.
Outcome Dispatcher::BlockOrRun(Session& s, const CommandSpec* spec,
                               const std::vector<std::string>& argv, resp::ReplyBuilder& reply,
                               int64_t now_ms) {
  if (s.blocked && s.block_timed_out) {
    s.blocked = s.block_timed_out = false;
    reply.NullArray();
    return Outcome::kReplied;
  }
  bool any = false;
  spec->ForEachKey(argv, [&](int i) {
    if (any) return;
    auto found = keyspace_.FindMeta(s.db, argv[i], now_ms);
    // A read error: let the command report it.
    any = !found.ok() ||
          (*found != nullptr && (!s.blocked || (*found)->type == spec->block_type));
  });
  if (any) {
    s.blocked = false;
    return Outcome::kProposed;
  }
  if (!s.blocked) {
    const size_t at = spec->timeout_arg < 0 ? argv.size() - 1 : spec->timeout_arg;
    int64_t timeout_ms = 0;
    (void)ParseBlockTimeout(argv[at], &timeout_ms);  // the validator checked it
    s.blocked = true;
    s.block_timed_out = false;
    s.block_deadline_ms = timeout_ms == 0 ? 0 : now_ms + timeout_ms;
  }
  return Outcome::kBlock;
}

// Queues one command inside MULTI. ctx.db is the database it will run in (after queued SELECTs),
// so that a validator that compares databases (COPY, MOVE) sees the right one.
Outcome Dispatcher::Queue(Context& ctx) {
  Session& s = ctx.session;
  const CommandSpec& spec = ctx.spec;
  if (spec.flags & kNoMulti) {
    ctx.reply.Error(err::kNotAllowedInMulti);
    FlagTransaction(s);
    return Outcome::kReplied;
  }
  // A write's validator is pure, so its syntax errors are found now, as errors of queuing.
  if (spec.is_write() && spec.validate != nullptr && !spec.validate(ctx)) {
    FlagTransaction(s);
    return Outcome::kReplied;
  }
  size_t bytes = 0;
  for (const auto& a : ctx.argv) bytes += a.size() + 8;
  if (s.txn.queued_bytes + bytes > kMaxTransactionBytes) {
    ctx.reply.Error(err::kTransactionTooLarge);
    FlagTransaction(s);
    return Outcome::kReplied;
  }
  if (&spec == select_) {
    // The queued SELECT runs inside EXEC; the commands after it are validated in its database.
    int64_t db = 0;
    if (ParseInt64(ctx.arg(1), &db) && db >= 0 && db < keyspace::kNumDatabases) {
      s.txn.db = static_cast<int>(db);
    }
  }
  s.txn.queued_bytes += bytes;
  s.txn.queued.push_back(ctx.argv);
  s.txn.has_write = s.txn.has_write || spec.is_write();
  if (!(spec.flags & (kWrite | kReadOnly))) s.txn.changes_session = true;
  ctx.reply.Simple("QUEUED");
  return Outcome::kReplied;
}

Outcome Dispatcher::Exec(Session& s, resp::ReplyBuilder& reply, int64_t now_ms,
                         std::string* effect) {
  if (!s.txn.in_multi) {
    reply.Error(err::kExecWithoutMulti);
    return Outcome::kReplied;
  }
  // EXEC ends the transaction and every WATCH, whatever its outcome.
  TxnState txn = std::move(s.txn);
  s.txn = TxnState{};
  if (txn.dirty) {
    reply.Error(err::kExecAbort);
    return Outcome::kReplied;
  }
  if (!txn.has_write) {
    // Nothing to log: this session has no write pending (EXEC waited for them), and the loop
    // thread runs the whole transaction before any other command, so it is atomic as it is.
    if (!WatchedKeysUnchanged(keyspace_, txn.watched, now_ms)) {
      reply.NullArray();
    } else {
      RunTransaction(s, txn.queued, s.db, now_ms, /*applying=*/false, reply);
    }
    return Outcome::kReplied;
  }
  s.exec_changes_session = txn.changes_session;
  Effect e;
  e.kind = EffectKind::kTransaction;
  e.db = s.db;
  e.now_ms = now_ms;
  e.commands = std::move(txn.queued);
  e.watches = std::move(txn.watched);
  effect->clear();
  EncodeEffect(e, effect);
  return Outcome::kProposed;
}

uint64_t Dispatcher::RandomSeed(uint64_t log_index, size_t position) {
  return log_index * 0x9e3779b97f4a7c15ull + position + 1;  // Rng spreads it further
}

void Dispatcher::RunTransaction(Session& s, const std::vector<std::vector<std::string>>& commands,
                                int db, int64_t now_ms, bool applying,
                                resp::ReplyBuilder& reply, uint64_t log_index) {
  reply.ArrayHeader(commands.size());
  for (size_t position = 0; position < commands.size(); ++position) {
    const auto& argv = commands[position];
    const CommandSpec* spec = ResolveLogged(argv);
    // Queuing let none of these in; a record that holds one is corrupt.
    if (spec == nullptr || IsTxnControl(spec) || (spec->flags & kNoMulti)) {
      reply.Error("ERR corrupt log record");
      continue;
    }
    // A command that does not touch the keyspace (CONFIG SET, CLIENT KILL, DEBUG, PING) acts on
    // the node serving the client, once: not again at replay or on another replica, where the
    // session is the node's stand-in (id 0) and the reply goes nowhere. Redis likewise
    // replicates only a transaction's writes.
    if (applying && s.id == 0 && !(spec->flags & (kWrite | kReadOnly)) && spec != select_) {
      reply.Null();
      continue;
    }
    s.db = db;  // SELECT reads and sets the session's database
    Context ctx{s, argv, reply, keyspace_, server_, *spec, table_, now_ms, db, applying,
                applying ? RandomSeed(log_index, position) : 0};
    spec->handler(ctx);
    if (spec == select_) db = s.db;
  }
  s.db = db;
}

void Dispatcher::EncodeExpire(int db, const std::string& key, int64_t expire_at_ms,
                              int64_t now_ms, std::string* out) {
  Effect e;
  e.kind = EffectKind::kExpire;
  e.db = db;
  e.now_ms = now_ms;
  e.commands.push_back({key, std::to_string(expire_at_ms)});
  EncodeEffect(e, out);
}

void Dispatcher::ApplyExpire(const Effect& e) {
  const std::string& key = e.commands[0][0];
  int64_t expire_at = std::stoll(e.commands[0][1]);
  // now_ms = 0 sees expired keys too: the record decides by the expiry time it names, so a SET
  // or PERSIST that raced with it wins.
  auto found = keyspace_.Find(e.db, key, 0);
  if (found.ok() && *found != nullptr && (*found)->expire_at_ms == expire_at) {
    keyspace_.Delete(e.db, key);
    ++apply_stats_.expired_keys;
  }
}

Status Dispatcher::Apply(std::string_view record, uint64_t index, Session& s,
                         resp::ReplyBuilder& reply) {
  if (record.empty()) {  // a filler record: it only advances the applied index
    keyspace_.BeginApply(index, 0);
    return keyspace_.CommitApply();
  }
  CAIRN_RETURN_IF_ERROR(DecodeEffectInto(record, &decoded_));
  const Effect& e = decoded_;
  keyspace_.BeginApply(index, e.now_ms);
  if (e.kind == EffectKind::kExpire) {
    if (e.commands.size() != 1 || e.commands[0].size() != 2) {
      CAIRN_RETURN_IF_ERROR(keyspace_.CommitApply());
      return Status::Corruption("expire effect: bad shape");
    }
    ApplyExpire(e);
  } else if (e.kind == EffectKind::kTransaction) {
    s.exec_changes_session = false;
    // The WATCH check and the commands see the keyspace as of this entry, with its time: the
    // same on every node. One apply: one atomic batch.
    if (!WatchedKeysUnchanged(keyspace_, e.watches, e.now_ms)) {
      reply.NullArray();
    } else {
      RunTransaction(s, e.commands, e.db, e.now_ms, /*applying=*/true, reply, index);
    }
  } else {
    for (size_t position = 0; position < e.commands.size(); ++position) {
      const auto& argv = e.commands[position];
      const CommandSpec* spec = ResolveLogged(argv);
      if (spec == nullptr || !spec->is_write()) {
        reply.Error("ERR corrupt log record");
        continue;
      }
      Context ctx{s,      argv, reply, keyspace_, server_, *spec, table_, e.now_ms, e.db, true,
                  RandomSeed(index, position)};
      spec->handler(ctx);
    }
  }
  return keyspace_.CommitApply();
}

}  // namespace cairn::commands
