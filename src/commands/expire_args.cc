// Expiry argument conversion with overflow checks, as Redis's getExpireCommand does.
#include "commands/expire_args.h"

#include <limits>

#include "commands/args.h"
#include "commands/errors.h"

namespace cairn::commands {

bool AbsoluteExpireOrReply(Context& ctx, std::string_view arg, ExpireUnit unit, ExpireBase base,
                           bool allow_nonpositive, int64_t* expire_at_ms) {
  int64_t v = 0;
  if (!ParseInt64(arg, &v)) {
    ctx.reply.Error(err::kNotInteger);
    return false;
  }
  if (!allow_nonpositive && v <= 0) {
    ctx.reply.Error(err::InvalidExpire(ctx.argv[0]));
    return false;
  }
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  if (unit == ExpireUnit::kSeconds) {
    if (v > kMax / 1000 || v < -kMax / 1000) {
      ctx.reply.Error(err::InvalidExpire(ctx.argv[0]));
      return false;
    }
    v *= 1000;
  }
  if (base == ExpireBase::kRelative) {
    // Only the upper bound can overflow: now_ms is positive. A very negative relative time is
    // simply in the past (PEXPIRE k -9223372036854770000 deletes k, as in Redis).
    if (v > 0 && v > kMax - ctx.now_ms) {
      ctx.reply.Error(err::InvalidExpire(ctx.argv[0]));
      return false;
    }
    v += ctx.now_ms;
  }
  *expire_at_ms = v;
  return true;
}

}  // namespace cairn::commands
