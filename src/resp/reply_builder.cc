// ReplyBuilder: RESP2/RESP3 encodings of each reply kind.
#include "resp/reply_builder.h"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace cairn::resp {

void ReplyBuilder::Header(char type, int64_t n) {
  char buf[24];
  buf[0] = type;
  auto [p, ec] = std::to_chars(buf + 1, buf + sizeof(buf) - 2, n);
  *p++ = '\r';
  *p++ = '\n';
  out_->append(buf, p - buf);
}

void ReplyBuilder::InsertHeader(size_t at, char type, size_t n) {
  std::string header;
  std::string* saved = out_;
  out_ = &header;
  Header(type, static_cast<int64_t>(n));
  out_ = saved;
  out_->insert(at, header);
}

void ReplyBuilder::EndDeferredMap(size_t token, size_t pairs) {
  if (protocol_ >= 3) {
    InsertHeader(token, '%', pairs);
  } else {
    InsertHeader(token, '*', pairs * 2);
  }
}

void ReplyBuilder::Simple(std::string_view s) {
  out_->push_back('+');
  out_->append(s);
  out_->append("\r\n");
}

void ReplyBuilder::Error(std::string_view message) {
  out_->push_back('-');
  // An error line cannot hold newlines: Redis replaces them with spaces.
  size_t start = out_->size();
  out_->append(message);
  for (size_t i = start; i < out_->size(); ++i) {
    if ((*out_)[i] == '\r' || (*out_)[i] == '\n') (*out_)[i] = ' ';
  }
  out_->append("\r\n");
}

void ReplyBuilder::Integer(int64_t v) { Header(':', v); }

void ReplyBuilder::Bulk(std::string_view s) {
  Header('$', static_cast<int64_t>(s.size()));
  out_->append(s);
  out_->append("\r\n");
}

void ReplyBuilder::Null() { out_->append(protocol_ >= 3 ? "_\r\n" : "$-1\r\n"); }
void ReplyBuilder::NullArray() { out_->append(protocol_ >= 3 ? "_\r\n" : "*-1\r\n"); }

std::string ReplyBuilder::FormatDouble(double v) {
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  if (std::isnan(v)) return "nan";
  char buf[64];
  int n = std::snprintf(buf, sizeof(buf), "%.17g", v);
  return std::string(buf, n);
}

void ReplyBuilder::Double(double v) {
  std::string s = FormatDouble(v);
  if (protocol_ >= 3) {
    out_->push_back(',');
    out_->append(s);
    out_->append("\r\n");
  } else {
    Bulk(s);
  }
}

void ReplyBuilder::Bool(bool v) {
  if (protocol_ >= 3) {
    out_->append(v ? "#t\r\n" : "#f\r\n");
  } else {
    out_->append(v ? ":1\r\n" : ":0\r\n");
  }
}

void ReplyBuilder::Verbatim(std::string_view s, std::string_view format) {
  if (protocol_ < 3) return Bulk(s);
  // The length covers "fmt:" too; RESP3 formats are three bytes, but count what is written.
  Header('=', static_cast<int64_t>(format.size() + 1 + s.size()));
  out_->append(format);
  out_->push_back(':');
  out_->append(s);
  out_->append("\r\n");
}

void ReplyBuilder::ArrayHeader(size_t n) { Header('*', static_cast<int64_t>(n)); }
void ReplyBuilder::MapHeader(size_t pairs) {
  if (protocol_ >= 3) {
    Header('%', static_cast<int64_t>(pairs));
  } else {
    Header('*', static_cast<int64_t>(pairs * 2));
  }
}
void ReplyBuilder::SetHeader(size_t n) { Header(protocol_ >= 3 ? '~' : '*', static_cast<int64_t>(n)); }
void ReplyBuilder::PushHeader(size_t n) { Header(protocol_ >= 3 ? '>' : '*', static_cast<int64_t>(n)); }

}  // namespace cairn::resp
