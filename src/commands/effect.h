// Effect: the deterministic record of a write, as it goes into the log and comes back at apply.
// It carries the leader's "now" and the database, so applying it on any node, at any later time,
// gives the same result: relative times in the arguments (EX 10) resolve against `now_ms`.
//
// Wire format (version 1), documented here and never changed in place:
//   u8 version=1 | u8 kind | varint db | fixed64 now_ms | varint n_commands |
//   n × (varint argc | argc × length-prefixed arg)
// kind kExpire holds one command {key, expire_at_ms as decimal}: "delete key if its expiry is
// still expire_at_ms".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace cairn::commands {

enum class EffectKind : uint8_t { kCommand = 1, kExpire = 2, kTransaction = 3 };

struct Effect {
  EffectKind kind = EffectKind::kCommand;
  int db = 0;
  int64_t now_ms = 0;
  std::vector<std::vector<std::string>> commands;
};

void EncodeEffect(const Effect& e, std::string* out);
Result<Effect> DecodeEffect(std::string_view in);

}  // namespace cairn::commands
