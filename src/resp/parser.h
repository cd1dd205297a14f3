// Incremental RESP request parser: multibulk (`*N\r\n$L\r\n...`) and inline commands, as Redis
// accepts them. The caller owns the input bytes; the parser keeps only the state of a command in
// progress, so a request split at any byte costs no rescanning. Not thread-safe (one per client).
//
// Every length from the wire is checked against Limits before anything is reserved for it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace cairn::resp {

struct Limits {
  int64_t max_bulk_len = 512ll * 1024 * 1024;  // proto-max-bulk-len
  int64_t max_multibulk_len = 2147483647;        // Redis: INT_MAX
  size_t max_inline_len = 64 * 1024;             // PROTO_INLINE_MAX_SIZE
  // Before AUTH, Redis allows only tiny requests (10 args, 16 KB bulks).
  bool unauthenticated = false;
};

enum class ParseStatus {
  kNeedMore,  // the buffer ends inside a command; call again with more bytes
  kCommand,   // argv() holds a complete command
  kError,     // protocol error: error() holds Redis's message; the connection must close
};

class Parser {
 public:
  explicit Parser(Limits limits = {}) : limits_(limits) {}

  // Parses from `in`, which must start where the previous call's *consumed left off. Adds the
  // number of bytes it is done with to *consumed (also on kNeedMore, for finished pieces).
  ParseStatus Next(std::string_view in, size_t* consumed);

  // The last complete command. Valid until the next call to Next.
  std::vector<std::string>& argv() { return argv_; }
  const std::string& error() const { return error_; }
  Limits& limits() { return limits_; }
  // Bytes the command in progress still needs, when known (lets the caller size its buffer).
  size_t pending_bulk_bytes() const { return bulk_len_ > 0 ? static_cast<size_t>(bulk_len_) + 2 : 0; }
  // Bytes held by the arguments of the command in progress (for query-buffer limits).
  size_t pending_arg_bytes() const { return arg_bytes_; }

 private:
  ParseStatus ParseInline(std::string_view in, size_t* consumed);
  ParseStatus ParseMultibulk(std::string_view in, size_t* consumed);
  ParseStatus Fail(std::string message);
  void Reset();

  Limits limits_;
  std::vector<std::string> argv_;
  size_t filled_ = 0;  // arguments of the command in progress already in argv_
  std::string error_;
  int64_t args_remaining_ = 0;  // multibulk arguments still to read; 0 when between commands
  int64_t bulk_len_ = -1;       // length of the bulk being read; -1 before its header
  size_t arg_bytes_ = 0;
};

// Splits an inline command line as Redis's sdssplitargs does (quotes and escapes). Returns false
// on unbalanced quotes.
bool SplitInlineArgs(std::string_view line, std::vector<std::string>* out);

}  // namespace cairn::resp
