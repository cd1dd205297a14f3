// ReplyBuilder appends RESP replies to a caller-owned output buffer. The only place that knows
// how RESP2 and RESP3 differ: commands say "map of 2", "double", "null" and the builder writes the
// form the connection's protocol needs. Cheap to construct; not thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace cairn::resp {

class ReplyBuilder {
 public:
  explicit ReplyBuilder(std::string* out, int protocol = 2) : out_(out), protocol_(protocol) {}

  int protocol() const { return protocol_; }
  void set_protocol(int p) { protocol_ = p; }
  std::string* buffer() { return out_; }

  void Ok() { out_->append("+OK\r\n"); }
  void Simple(std::string_view s);
  // `message` is the full error line without the leading '-', e.g. "ERR syntax error".
  void Error(std::string_view message);
  void Integer(int64_t v);
  void Bulk(std::string_view s);
  void Null();       // RESP2 $-1, RESP3 _
  void NullArray();  // RESP2 *-1, RESP3 _
  void Double(double v);
  void Bool(bool v);  // RESP2 :1/:0, RESP3 #t/#f
  void Verbatim(std::string_view s, std::string_view format = "txt");  // RESP2: a bulk string
  void ArrayHeader(size_t n);
  void MapHeader(size_t pairs);  // RESP2: an array of 2n elements
  void SetHeader(size_t n);      // RESP2: an array
  void PushHeader(size_t n);     // RESP2: an array
  void EmptyArray() { out_->append("*0\r\n"); }
  // An array of simple strings: the shape of every HELP reply.
  void SimpleArray(std::span<const std::string_view> lines) {
    ArrayHeader(lines.size());
    for (std::string_view line : lines) Simple(line);
  }

  // A reply whose element count is known only after writing them: Begin returns a token, End
  // writes the header in front of the elements.
  size_t BeginDeferred() { return out_->size(); }
  void EndDeferredArray(size_t token, size_t n) { InsertHeader(token, '*', n); }
  void EndDeferredMap(size_t token, size_t pairs);

  // Formats a double as Redis does in replies ("%.17g", with inf/-inf/nan spelled out).
  static std::string FormatDouble(double v);

 private:
  void Header(char type, int64_t n);
  void InsertHeader(size_t at, char type, size_t n);

  std::string* out_;
  int protocol_;
};

}  // namespace cairn::resp
