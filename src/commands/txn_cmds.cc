// Transaction family: MULTI, EXEC, DISCARD, WATCH, UNWATCH, and the WATCH precondition logic.
//
// Queuing and EXEC itself live in dispatch.cc, because EXEC of a transaction that writes hands
// back a log record (Outcome::kProposed) rather than a reply. The handlers here only change the
// session's transaction state.
#include <algorithm>

#include "commands/context.h"
#include "commands/errors.h"
#include "commands/txn.h"

namespace cairn::commands {

Result<WatchedKey> ObserveKey(keyspace::Keyspace& ks, int db, std::string_view key,
                              int64_t now_ms) {
  WatchedKey w;
  w.db = db;
  w.key.assign(key.data(), key.size());
  w.db_change_index = ks.DbChangeIndex(db);
  // now_ms = 0 returns the entry even past its expiry: an expired key is seen as absent here,
  // as Redis 7 does (watching a stale key, then its deletion, is not a change).
  auto found = ks.Find(db, key, 0);
  if (!found.ok()) return found.status();
  const keyspace::Entry* e = *found;
  if (e != nullptr && !e->ExpiredAt(now_ms)) {
    w.present = true;
    w.mod_index = e->mod_index;
  }
  return w;
}

bool WatchedKeyUnchanged(keyspace::Keyspace& ks, const WatchedKey& w, int64_t now_ms) {
  auto found = ks.Find(w.db, w.key, 0);
  if (!found.ok()) return false;
  const keyspace::Entry* e = *found;
  bool present = e != nullptr && !e->ExpiredAt(now_ms);
  if (!w.present) return !present;
  // Same mod_index means the same entry as at WATCH, so also the same expiry: a key that expired
  // between WATCH and the check is caught by `present` using the record's time.
  return present && e->mod_index == w.mod_index && ks.DbChangeIndex(w.db) == w.db_change_index;
}

bool WatchedKeysUnchanged(keyspace::Keyspace& ks, const std::vector<WatchedKey>& watched,
                          int64_t now_ms) {
  return std::all_of(watched.begin(), watched.end(),
                     [&](const WatchedKey& w) { return WatchedKeyUnchanged(ks, w, now_ms); });
}

namespace {

void Multi(Context& ctx) {
  TxnState& txn = ctx.session.txn;
  if (txn.in_multi) return ctx.reply.Error(err::kMultiNested);
  txn.in_multi = true;
  txn.db = ctx.session.db;
  ctx.reply.Ok();
}

// The dispatcher runs EXEC itself (see Dispatcher::Exec); this entry only gives the table its
// name, arity and flags.
void Exec(Context& ctx) { ctx.reply.Error(err::kExecWithoutMulti); }

void Discard(Context& ctx) {
  if (!ctx.session.txn.in_multi) return ctx.reply.Error(err::kDiscardWithoutMulti);
  ctx.session.txn = TxnState{};  // the queued commands and the watched keys
  ctx.reply.Ok();
}

void Watch(Context& ctx) {
  TxnState& txn = ctx.session.txn;
  if (txn.in_multi) return ctx.reply.Error(err::kWatchInMulti);
  for (size_t i = 1; i < ctx.argc(); ++i) {
    const std::string& key = ctx.arg(i);
    // A key watched twice keeps its first observation, as Redis keeps its first watch.
    bool known = std::any_of(txn.watched.begin(), txn.watched.end(),
                             [&](const WatchedKey& w) { return w.db == ctx.db && w.key == key; });
    if (known) continue;
    auto w = ObserveKey(ctx.keyspace, ctx.db, key, ctx.now_ms);
    if (!w.ok()) return ctx.reply.Error("ERR " + w.status().ToString());
    txn.watched.push_back(std::move(w).value());
  }
  ctx.reply.Ok();
}

void Unwatch(Context& ctx) {
  ctx.session.txn.watched.clear();
  ctx.reply.Ok();
}

constexpr uint32_t kTxn = kNoScript | kLoading | kStale | kFast | kAllowBusy;

constexpr CommandSpec kTxnCommands[] = {
    {"multi", 1, kTxn, 0, 0, 0, Multi, nullptr, "transactions", "Starts a transaction.", "1.2.0"},
    {"exec", 1, kNoScript | kLoading | kStale | kSkipSlowlog, 0, 0, 0, Exec, nullptr,
     "transactions", "Executes all commands in a transaction.", "1.2.0",
     "Depends on commands in the transaction"},
    {"discard", 1, kTxn, 0, 0, 0, Discard, nullptr, "transactions", "Discards a transaction.",
     "2.0.0", "O(N), when N is the number of queued commands"},
    {"watch", -2, kTxn | kReadOnly, 1, -1, 1, Watch, nullptr, "transactions",
     "Monitors changes to keys to determine the execution of a transaction.", "2.2.0",
     "O(1) for every key."},
    {"unwatch", 1, kTxn, 0, 0, 0, Unwatch, nullptr, "transactions",
     "Forgets about watched keys of a transaction.", "2.2.0"},
};

}  // namespace

std::span<const CommandSpec> TxnCommands() { return kTxnCommands; }

}  // namespace cairn::commands
