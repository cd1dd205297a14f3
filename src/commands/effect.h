// Effect: the deterministic record of a write, as it goes into the log and comes back at apply.
// It carries the leader's "now" and the database, so applying it on any node, at any later time,
// gives the same result: relative times in the arguments (EX 10) resolve against `now_ms`.
//
// Wire format (version 1), documented here and never changed in place:
//   u8 version=1 | u8 kind | varint db | fixed64 now_ms | varint n_commands |
//   n × (varint argc | argc × length-prefixed arg)
// kind kExpire holds one command {key, expire_at_ms as decimal}: "delete key if its expiry is
// still expire_at_ms".
// kind kTransaction (MULTI/EXEC) holds every queued command in order, reads included, with `db`
// the database selected at EXEC (a queued SELECT changes it for the commands after it), and
// after the commands its WATCH preconditions:
//   varint n_watches | n × (varint db | length-prefixed key | u8 flags (bit 0: present) |
//                           varint mod_index | varint db_change_index)
// The other kinds end after their commands.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace cairn::commands {

enum class EffectKind : uint8_t { kCommand = 1, kExpire = 2, kTransaction = 3 };

// What WATCH saw of one key, checked again when the EXEC record is applied (see txn.h). The
// record carries it, so every replica decides the same way.
struct WatchedKey {
  int db = 0;
  std::string key;
  bool present = false;          // the key existed and had not expired at WATCH
  uint64_t mod_index = 0;        // its Entry::mod_index then (present keys only)
  uint64_t db_change_index = 0;  // Keyspace::DbChangeIndex(db) then

  bool operator==(const WatchedKey&) const = default;
};

struct Effect {
  EffectKind kind = EffectKind::kCommand;
  int db = 0;
  int64_t now_ms = 0;
  std::vector<std::vector<std::string>> commands;
  std::vector<WatchedKey> watches;  // kTransaction only
};

void EncodeEffect(const Effect& e, std::string* out);
// The common case, a single command, encoded straight from its arguments (no Effect built).
void EncodeCommandEffect(int db, int64_t now_ms, const std::vector<std::string>& argv,
                         std::string* out);
Result<Effect> DecodeEffect(std::string_view in);
// Decodes into *out, reusing its storage; on error *out is unspecified.
Status DecodeEffectInto(std::string_view in, Effect* out);

}  // namespace cairn::commands
