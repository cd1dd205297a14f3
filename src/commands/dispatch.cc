// Dispatcher: the checks every command passes, in Redis's order, and the apply of log records.
#include "commands/dispatch.h"

#include "commands/context.h"
#include "commands/errors.h"

namespace cairn::commands {

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

Outcome Dispatcher::Execute(Session& s, const std::vector<std::string>& argv,
                            resp::ReplyBuilder& reply, int64_t now_ms, std::string* effect,
                            const CommandSpec** out_spec) {
  // While writes of this session wait in the log, nothing may reply ahead of them; only a valid
  // write (whose reply also comes at apply) can go on.
  std::string scratch;
  resp::ReplyBuilder probe(&scratch, reply.protocol());
  resp::ReplyBuilder& target = s.pending_writes > 0 ? probe : reply;

  const CommandSpec* spec = Resolve(argv, target);
  *out_spec = spec;
  if (spec == nullptr) return s.pending_writes > 0 ? Outcome::kWaitForWrites : Outcome::kReplied;
  if (s.pending_writes > 0 && !spec->is_write()) return Outcome::kWaitForWrites;

  if (!s.authenticated && !server_.RequirePass().empty() && !(spec->flags & kNoAuth)) {
    if (s.pending_writes > 0) return Outcome::kWaitForWrites;
    reply.Error(err::kNoAuth);
    return Outcome::kReplied;
  }
  if (server_.loading() && !(spec->flags & kLoading)) {
    if (s.pending_writes > 0) return Outcome::kWaitForWrites;
    reply.Error(err::kLoading);
    return Outcome::kReplied;
  }

  Context ctx{s, argv, target, keyspace_, server_, *spec, table_, now_ms, s.db, false};
  if (spec->is_write()) {
    if (spec->validate != nullptr && !spec->validate(ctx)) {
      return s.pending_writes > 0 ? Outcome::kWaitForWrites : Outcome::kReplied;
    }
    Effect e;
    e.kind = EffectKind::kCommand;
    e.db = s.db;
    e.now_ms = now_ms;
    e.commands.push_back(argv);
    effect->clear();
    EncodeEffect(e, effect);
    return Outcome::kProposed;
  }
  spec->handler(ctx);
  return Outcome::kReplied;
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
  Result<Effect> decoded = DecodeEffect(record);
  if (!decoded.ok()) return decoded.status();
  const Effect& e = *decoded;
  keyspace_.BeginApply(index, e.now_ms);
  if (e.kind == EffectKind::kExpire) {
    if (e.commands.size() != 1 || e.commands[0].size() != 2) {
      CAIRN_RETURN_IF_ERROR(keyspace_.CommitApply());
      return Status::Corruption("expire effect: bad shape");
    }
    ApplyExpire(e);
  } else {
    for (const auto& argv : e.commands) {
      const CommandSpec* spec = table_.Find(argv[0]);
      if (spec != nullptr && !spec->subcommands.empty() && argv.size() >= 2) {
        spec = CommandTable::FindSub(*spec, argv[1]);
      }
      if (spec == nullptr || !spec->is_write() || !spec->ArityOk(argv.size())) {
        reply.Error("ERR corrupt log record");
        continue;
      }
      Context ctx{s, argv, reply, keyspace_, server_, *spec, table_, e.now_ms, e.db, true};
      spec->handler(ctx);
    }
  }
  return keyspace_.CommitApply();
}

}  // namespace cairn::commands
