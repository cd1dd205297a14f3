// libFuzzer target for the RESP request parser. The whole input is the bytes a client sends; how
// they are cut into reads is derived from the input itself, so every finding replays exactly.
//
// For each input, under default, tight and unauthenticated limits, it checks:
//   - Next never says it consumed more than it was given;
//   - a command is never empty, and re-encoded as multibulk it parses back to the same argv;
//   - after an error the message is one of Redis's protocol errors, and parsing stops;
//   - argv never holds more slots than the input could have filled (no reserve from a claimed
//     length);
//   - while the input is short enough that no "too big" limit can depend on how much is buffered,
//     the chunked parse and a one-shot parse of the whole input agree exactly.
//
// Built two ways: by scripts/fuzz.sh with -fsanitize=fuzzer (libFuzzer's main), and by CMake with
// g++ into parser_corpus_replay, which replays the seed corpus under `make test`.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "resp/parser.h"

namespace {

using cairn::resp::Limits;
using cairn::resp::Parser;
using cairn::resp::ParseStatus;

// Not assert(): the replay binary is built with NDEBUG and must still check.
#define FUZZ_CHECK(cond)                                                            \
  do {                                                                              \
    if (!(cond)) {                                                                  \
      std::fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                 \
    }                                                                               \
  } while (0)

struct Outcome {
  std::vector<std::vector<std::string>> commands;
  std::string error;
  bool operator==(const Outcome&) const = default;
};

std::string EncodeMultibulk(const std::vector<std::string>& argv) {
  std::string out = "*" + std::to_string(argv.size()) + "\r\n";
  for (const std::string& arg : argv) {
    out += "$" + std::to_string(arg.size()) + "\r\n";
    out += arg;
    out += "\r\n";
  }
  return out;
}

bool IsProtocolError(const std::string& e) {
  static const char* const kErrors[] = {
      "Protocol error: invalid multibulk length",
      "Protocol error: invalid bulk length",
      "Protocol error: too big inline request",
      "Protocol error: too big mbulk count string",
      "Protocol error: too big bulk count string",
      "Protocol error: unbalanced quotes in request",
      "Protocol error: unauthenticated multibulk length",
      "Protocol error: unauthenticated bulk length",
  };
  for (const char* known : kErrors) {
    if (e == known) return true;
  }
  // "expected '$', got 'x'" with any byte for x.
  static constexpr std::string_view kExpected = "Protocol error: expected '$', got '";
  return e.size() == kExpected.size() + 2 && e.compare(0, kExpected.size(), kExpected) == 0 &&
         e.back() == '\'';
}

// A command parsed from any input must survive a round trip through the canonical encoding.
void CheckRoundTrip(const std::vector<std::string>& argv) {
  std::string encoded = EncodeMultibulk(argv);
  Parser again;
  size_t consumed = 0;
  FUZZ_CHECK(again.Next(encoded, &consumed) == ParseStatus::kCommand);
  FUZZ_CHECK(consumed == encoded.size());
  FUZZ_CHECK(again.argv() == argv);
}

// Chunk sizes come from a small generator seeded by a hash of the input: mostly tiny reads (the
// interesting split points), sometimes large ones.
class ChunkSizes {
 public:
  explicit ChunkSizes(std::string_view data) {
    for (unsigned char c : data) state_ = (state_ ^ c) * 1099511628211ull;  // FNV-1a
  }
  size_t Next() {
    state_ = state_ * 6364136223846793005ull + 1442695040888963407ull;
    uint32_t r = static_cast<uint32_t>(state_ >> 33);
    switch (r % 4) {
      case 0:
        return 1;
      case 1:
        return 1 + (r >> 2) % 8;
      case 2:
        return 1 + (r >> 2) % 64;
      default:
        return 1 + (r >> 2) % 1024;
    }
  }

 private:
  uint64_t state_ = 14695981039346656037ull;
};

// Feeds `data` to a fresh parser as a connection would, `chunks` deciding each read's size (null:
// the whole input in one read).
Outcome Parse(std::string_view data, const Limits& limits, ChunkSizes* chunks) {
  Parser parser(limits);
  Outcome out;
  std::string buffer;
  size_t fed = 0;
  do {
    size_t n = chunks ? chunks->Next() : data.size();
    if (n > data.size() - fed) n = data.size() - fed;
    buffer.append(data.substr(fed, n));
    fed += n;
    while (true) {
      size_t consumed = 0;
      ParseStatus st = parser.Next(buffer, &consumed);
      FUZZ_CHECK(consumed <= buffer.size());
      buffer.erase(0, consumed);
      // Each argument took at least two input bytes (inline "a ") so argv cannot outgrow this.
      FUZZ_CHECK(parser.argv().capacity() <= 2 * data.size() + 16);
      if (st == ParseStatus::kNeedMore) {
        FUZZ_CHECK(parser.error().empty());
        break;
      }
      if (st == ParseStatus::kError) {
        out.error = parser.error();
        FUZZ_CHECK(IsProtocolError(out.error));
        return out;  // the connection closes: nothing more is parsed
      }
      FUZZ_CHECK(st == ParseStatus::kCommand);
      FUZZ_CHECK(!parser.argv().empty());
      CheckRoundTrip(parser.argv());
      out.commands.push_back(parser.argv());
    }
  } while (fed < data.size());
  return out;
}

void CheckUnder(std::string_view data, const Limits& limits) {
  ChunkSizes sizes(data);
  Outcome chunked = Parse(data, limits, &sizes);
  if (data.size() <= limits.max_inline_len) {
    // No "too big" check can fire, so where reads end must not matter.
    FUZZ_CHECK(chunked == Parse(data, limits, nullptr));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  CheckUnder(input, Limits{});

  // Small limits, so short inputs reach every "too big" and "invalid length" branch.
  Limits tight;
  tight.max_bulk_len = 64;
  tight.max_multibulk_len = 16;
  tight.max_inline_len = 128;
  CheckUnder(input, tight);

  Limits unauthenticated;
  unauthenticated.unauthenticated = true;
  CheckUnder(input, unauthenticated);
  return 0;
}
