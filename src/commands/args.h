// Argument parsing with Redis's rules: strict integers (no spaces, no '+', no leading zeros),
// floats as strtold accepts them without spaces or NaN, and the option-keyword helpers that
// several families share.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cairn::commands {

// Redis's string2ll.
bool ParseInt64(std::string_view s, int64_t* out);
// A SCAN/HSCAN cursor as Redis's parseScanCursorOrReply reads it: an unsigned 64-bit decimal.
bool ParseScanCursor(const std::string& s, uint64_t* out);
// Redis's string2ld/strtold use in INCRBYFLOAT: rejects spaces, empty strings and NaN.
bool ParseLongDouble(std::string_view s, long double* out);
bool ParseDouble(std::string_view s, double* out);
// A blocking command's timeout in seconds (Redis's getTimeoutFromObjectOrReply), as ms; false
// for a bad or negative one (BlockTimeoutError says which).
bool ParseBlockTimeout(std::string_view s, int64_t* ms);
// Formats a long double as INCRBYFLOAT does ("%.17Lg", no exponent, trailing zeros trimmed).
std::string FormatLongDouble(long double v);
// Glob matching as Redis's stringmatchlen (*, ?, [...], \ escapes), optionally case-insensitive.
bool GlobMatch(std::string_view pattern, std::string_view s, bool nocase = false);

}  // namespace cairn::commands
