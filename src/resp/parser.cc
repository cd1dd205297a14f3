// RESP request parser: the state machine behind Parser::Next.
#include "resp/parser.h"

#include <charconv>
#include <cstring>

namespace cairn::resp {
namespace {

constexpr int64_t kUnauthMaxMultibulk = 10;
constexpr int64_t kUnauthMaxBulk = 16384;

// Redis's string2ll: optional '-', digits, no spaces, no '+', no leading zeros except "0".
bool ParseLongLong(std::string_view s, int64_t* out) {
  if (s.empty() || s.size() > 20) return false;
  if (s.size() > 1 && s[0] == '0') return false;
  if (s[0] == '-' && (s.size() == 1 || s[1] == '0')) return false;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && ptr == s.data() + s.size();
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool IsSpace(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\v' || c == '\f'; }

}  // namespace

bool SplitInlineArgs(std::string_view line, std::vector<std::string>* out) {
  out->clear();
  size_t i = 0, n = line.size();
  while (true) {
    while (i < n && IsSpace(line[i])) ++i;
    if (i >= n) return true;
    std::string arg;
    bool in_dq = false, in_sq = false;
    while (true) {
      if (in_dq) {
        if (i >= n) return false;  // unterminated quotes
        char c = line[i];
        if (c == '\\' && i + 3 < n && line[i + 1] == 'x' && HexValue(line[i + 2]) >= 0 &&
            HexValue(line[i + 3]) >= 0) {
          arg.push_back(static_cast<char>(HexValue(line[i + 2]) * 16 + HexValue(line[i + 3])));
          i += 3;
        } else if (c == '\\' && i + 1 < n) {
          char e = line[++i];
          switch (e) {
            case 'n': arg.push_back('\n'); break;
            case 'r': arg.push_back('\r'); break;
            case 't': arg.push_back('\t'); break;
            case 'b': arg.push_back('\b'); break;
            case 'a': arg.push_back('\a'); break;
            default: arg.push_back(e); break;
          }
        } else if (c == '"') {
          // A closing quote must be followed by a space or the end.
          if (i + 1 < n && !IsSpace(line[i + 1])) return false;
          in_dq = false;
          ++i;
          break;
        } else {
          arg.push_back(c);
        }
      } else if (in_sq) {
        if (i >= n) return false;
        char c = line[i];
        if (c == '\\' && i + 1 < n && line[i + 1] == '\'') {
          arg.push_back('\'');
          ++i;
        } else if (c == '\'') {
          if (i + 1 < n && !IsSpace(line[i + 1])) return false;
          in_sq = false;
          ++i;
          break;
        } else {
          arg.push_back(c);
        }
      } else {
        if (i >= n) break;
        char c = line[i];
        // Inside a token sdssplitargs stops only at these, not at every isspace() byte.
        if (c == ' ' || c == '\n' || c == '\r' || c == '\t') break;
        if (c == '"') {
          in_dq = true;
        } else if (c == '\'') {
          in_sq = true;
        } else {
          arg.push_back(c);
        }
      }
      ++i;
    }
    out->push_back(std::move(arg));
  }
}

void Parser::Reset() {
  args_remaining_ = 0;
  bulk_len_ = -1;
  arg_bytes_ = 0;
}

ParseStatus Parser::Fail(std::string message) {
  error_ = std::move(message);
  Reset();
  return ParseStatus::kError;
}

ParseStatus Parser::Next(std::string_view in, size_t* consumed) {
  if (args_remaining_ > 0) return ParseMultibulk(in, consumed);
  // Between commands: skip nothing, decide the form by the first byte.
  while (!in.empty()) {
    size_t before = *consumed;
    ParseStatus st = in[0] == '*' ? ParseMultibulk(in, consumed) : ParseInline(in, consumed);
    if (st != ParseStatus::kCommand || !argv_.empty()) return st;
    // An empty request (a blank inline line, "*0", "*-1") is skipped, as Redis does. A loop, not
    // recursion: a buffer full of "*0\r\n" must not grow the stack.
    in.remove_prefix(*consumed - before);
  }
  return ParseStatus::kNeedMore;
}

ParseStatus Parser::ParseInline(std::string_view in, size_t* consumed) {
  size_t eol = in.find('\n');
  if (eol == std::string_view::npos) {
    if (in.size() > limits_.max_inline_len) return Fail("Protocol error: too big inline request");
    return ParseStatus::kNeedMore;
  }
  std::string_view line = in.substr(0, eol);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (!SplitInlineArgs(line, &argv_)) return Fail("Protocol error: unbalanced quotes in request");
  *consumed += eol + 1;
  return ParseStatus::kCommand;
}

ParseStatus Parser::ParseMultibulk(std::string_view in, size_t* consumed) {
  size_t pos = 0;
  if (args_remaining_ == 0) {
    size_t cr = in.find('\r');
    if (cr == std::string_view::npos || cr + 1 >= in.size()) {
      if (in.size() > limits_.max_inline_len) return Fail("Protocol error: too big mbulk count string");
      return ParseStatus::kNeedMore;
    }
    int64_t count = 0;
    bool ok = ParseLongLong(in.substr(1, cr - 1), &count);
    if (!ok || count > limits_.max_multibulk_len) {
      return Fail("Protocol error: invalid multibulk length");
    }
    if (limits_.unauthenticated && count > kUnauthMaxMultibulk) {
      return Fail("Protocol error: unauthenticated multibulk length");
    }
    pos = cr + 2;
    filled_ = 0;
    arg_bytes_ = 0;
    if (count <= 0) {  // "*0" and "*-1" are empty requests: Next skips them
      argv_.clear();
      *consumed += pos;
      return ParseStatus::kCommand;
    }
    args_remaining_ = count;
    bulk_len_ = -1;
  }
  while (args_remaining_ > 0) {
    std::string_view rest = in.substr(pos);
    if (bulk_len_ < 0) {
      size_t cr = rest.find('\r');
      if (cr == std::string_view::npos || cr + 1 >= rest.size()) {
        if (rest.size() > limits_.max_inline_len) {
          return Fail("Protocol error: too big bulk count string");
        }
        break;
      }
      if (rest[0] != '$') {
        return Fail(std::string("Protocol error: expected '$', got '") + rest[0] + "'");
      }
      int64_t len = 0;
      bool ok = ParseLongLong(rest.substr(1, cr - 1), &len);
      if (!ok || len < 0 || len > limits_.max_bulk_len) {
        return Fail("Protocol error: invalid bulk length");
      }
      if (limits_.unauthenticated && len > kUnauthMaxBulk) {
        return Fail("Protocol error: unauthenticated bulk length");
      }
      bulk_len_ = len;
      pos += cr + 2;
      continue;
    }
    size_t need = static_cast<size_t>(bulk_len_) + 2;
    if (rest.size() < need) break;
    // Reuse the argument strings of earlier commands: assign keeps their capacity, so a steady
    // stream of same-shaped commands allocates nothing here.
    if (filled_ < argv_.size()) {
      argv_[filled_].assign(rest.data(), static_cast<size_t>(bulk_len_));
    } else {
      argv_.emplace_back(rest.data(), static_cast<size_t>(bulk_len_));
    }
    ++filled_;
    arg_bytes_ += static_cast<size_t>(bulk_len_);
    pos += need;
    bulk_len_ = -1;
    --args_remaining_;
  }
  *consumed += pos;
  if (args_remaining_ > 0) return ParseStatus::kNeedMore;
  argv_.resize(filled_);  // only ever shrinks: drops strings left from a longer command
  Reset();
  return ParseStatus::kCommand;
}

}  // namespace cairn::resp
