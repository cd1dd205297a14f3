// The expiry options shared by SET, GETEX, SETEX, PSETEX and the EXPIRE family: parse them once,
// turn relative times into absolute ones against the command's "now" (the log entry's), and give
// Redis's errors for bad values.
#pragma once

#include <cstdint>
#include <string_view>

#include "commands/context.h"

namespace cairn::commands {

enum class ExpireUnit { kSeconds, kMilliseconds };
enum class ExpireBase { kRelative, kAbsolute };

// Converts a user-given time to an absolute ms timestamp. Returns false after replying
// "invalid expire time in '<cmd>' command" when the value is not positive (allow_nonpositive lets
// EXPIRE accept them) or overflows.
bool AbsoluteExpireOrReply(Context& ctx, std::string_view arg, ExpireUnit unit, ExpireBase base,
                           bool allow_nonpositive, int64_t* expire_at_ms);

}  // namespace cairn::commands
