// Redis-compatible parsing and formatting of numbers, and glob matching.
#include "commands/args.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace cairn::commands {

bool ParseInt64(std::string_view s, int64_t* out) {
  if (s.empty() || s.size() > 20) return false;
  if (s.size() > 1 && s[0] == '0') return false;
  if (s[0] == '-' && (s.size() == 1 || s[1] == '0')) return false;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && ptr == s.data() + s.size();
}

bool ParseScanCursor(const std::string& s, uint64_t* out) {
  char* end = nullptr;
  errno = 0;
  unsigned long long u = std::strtoull(s.c_str(), &end, 10);
  if (s.empty() || *end != '\0' || errno == ERANGE || s[0] == '-' || s[0] == ' ') {
    // strtoull refuses these; Redis's fallback accepts a signed 64-bit integer (as unsigned).
    int64_t v = 0;
    if (!ParseInt64(s, &v)) return false;
    *out = static_cast<uint64_t>(v);
    return true;
  }
  *out = u;
  return true;
}

bool ParseLongDouble(std::string_view s, long double* out) {
  if (s.empty() || s.size() > 5000 || std::isspace(static_cast<unsigned char>(s[0]))) return false;
  std::string buf(s);
  char* end = nullptr;
  errno = 0;
  long double v = std::strtold(buf.c_str(), &end);
  if (end != buf.c_str() + buf.size() || std::isnan(v)) return false;
  if (errno == ERANGE && (v == HUGE_VALL || v == -HUGE_VALL || v == 0)) return false;
  *out = v;
  return true;
}

bool ParseDouble(std::string_view s, double* out) {
  if (s.empty() || s.size() > 5000 || std::isspace(static_cast<unsigned char>(s[0]))) return false;
  std::string buf(s);
  char* end = nullptr;
  errno = 0;
  double v = std::strtod(buf.c_str(), &end);
  if (end != buf.c_str() + buf.size() || std::isnan(v)) return false;
  if (errno == ERANGE && (v == HUGE_VAL || v == -HUGE_VAL || v == 0)) return false;
  *out = v;
  return true;
}

bool ParseBlockTimeout(std::string_view s, int64_t* ms) {
  long double seconds = 0;
  if (!ParseLongDouble(s, &seconds) || seconds < 0 || seconds * 1000 > 1e17) return false;
  *ms = static_cast<int64_t>(std::ceil(seconds * 1000));
  return true;
}

std::string FormatLongDouble(long double v) {
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[5600];
  // Redis (LD_STR_HUMAN): fixed notation with 17 digits of precision, trailing zeros removed.
  int n = std::snprintf(buf, sizeof(buf), "%.17Lf", v);
  std::string s(buf, n);
  if (s.find('.') != std::string::npos) {
    while (!s.empty() && s.back() == '0') s.pop_back();
    if (!s.empty() && s.back() == '.') s.pop_back();
  }
  if (s == "-0") s = "0";
  return s;
}

namespace {
// `*give_up` is set when a '*' has tried every remaining suffix of the string without a match:
// an enclosing '*' would only offer it shorter suffixes, so it can stop too (as Redis's
// skipLongerMatches). Without this, "a*a*a*...b" against a long run of 'a' is exponential.
bool Match(const char* p, const char* pend, const char* s, const char* send, bool nocase, int depth,
           bool* give_up) {
  if (depth > 1000) return false;  // a pathological pattern must not blow the stack
  auto lower = [&](char c) { return nocase ? static_cast<char>(std::tolower(static_cast<unsigned char>(c))) : c; };
  while (p < pend) {
    switch (*p) {
      case '*':
        while (p + 1 < pend && p[1] == '*') ++p;
        if (p + 1 == pend) return true;
        for (const char* t = s; t <= send; ++t) {
          if (Match(p + 1, pend, t, send, nocase, depth + 1, give_up)) return true;
          if (*give_up) return false;
        }
        *give_up = true;
        return false;
      case '?':
        if (s == send) return false;
        ++s;
        break;
      case '[': {
        if (s == send) return false;
        ++p;
        bool negate = p < pend && *p == '^';
        if (negate) ++p;
        bool matched = false;
        while (p < pend && *p != ']') {
          if (*p == '\\' && p + 1 < pend) {
            ++p;
            if (lower(*p) == lower(*s)) matched = true;
          } else if (p + 2 < pend && p[1] == '-' && p[2] != ']') {
            char a = lower(p[0]), b = lower(p[2]);
            if (a > b) std::swap(a, b);
            char c = lower(*s);
            if (c >= a && c <= b) matched = true;
            p += 2;
          } else if (lower(*p) == lower(*s)) {
            matched = true;
          }
          ++p;
        }
        if (p == pend) --p;  // unterminated class: Redis treats the end as its close
        if (negate) matched = !matched;
        if (!matched) return false;
        ++s;
        break;
      }
      case '\\':
        if (p + 1 < pend) ++p;
        [[fallthrough]];
      default:
        if (s == send || lower(*p) != lower(*s)) return false;
        ++s;
        break;
    }
    ++p;
  }
  return s == send;
}
}  // namespace

bool GlobMatch(std::string_view pattern, std::string_view s, bool nocase) {
  bool give_up = false;
  return Match(pattern.data(), pattern.data() + pattern.size(), s.data(), s.data() + s.size(),
               nocase, 0, &give_up);
}

}  // namespace cairn::commands
