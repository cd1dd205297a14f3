// Transactions: the WATCH precondition logic, shared by WATCH (which observes keys), the local run
// of a read-only EXEC, and the apply of a logged EXEC record (which checks them again).
//
// A watched key counts as changed when its logical state may differ from what WATCH saw:
//   - present at WATCH (it existed and had not expired at WATCH's time): changed when it is now
//     missing or expired at the check's time, when its mod_index differs (any write, a deletion
//     and re-creation, a RENAME onto it), or when its database was flushed or swapped since
//     (Keyspace::DbChangeIndex differs: a swap may bring in an entry with an equal mod_index);
//   - absent or already expired at WATCH: changed when it is present now.
// The check reads only the keyspace and the given time, so applying the same record on any node
// gives the same answer. Pure functions; loop thread (they read the keyspace).
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "commands/effect.h"
#include "common/status.h"
#include "keyspace/keyspace.h"

namespace cairn::commands {

// What WATCH records for (db, key) at now_ms.
Result<WatchedKey> ObserveKey(keyspace::Keyspace& ks, int db, std::string_view key, int64_t now_ms);
// Whether the key still matches what WATCH saw, at now_ms. A read error counts as a change:
// aborting is always safe.
bool WatchedKeyUnchanged(keyspace::Keyspace& ks, const WatchedKey& w, int64_t now_ms);
bool WatchedKeysUnchanged(keyspace::Keyspace& ks, const std::vector<WatchedKey>& watched,
                          int64_t now_ms);

// The most bytes of queued arguments one transaction may hold (it becomes one log record).
inline constexpr size_t kMaxTransactionBytes = size_t{512} << 20;

}  // namespace cairn::commands
