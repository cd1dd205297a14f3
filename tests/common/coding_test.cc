// Unit tests for the shared encodings and checksum.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include "common/coding.h"
#include "common/rng.h"

using namespace cairn;

TEST_CASE("varint round-trips at every width and rejects truncation") {
  for (uint64_t v : {0ull, 1ull, 127ull, 128ull, 300ull, 1ull << 35, ~0ull}) {
    std::string buf;
    PutVarint64(&buf, v);
    std::string_view in = buf;
    uint64_t out = 0;
    REQUIRE(GetVarint64(&in, &out));
    CHECK(out == v);
    CHECK(in.empty());
    std::string_view cut(buf.data(), buf.size() - 1);
    CHECK_FALSE(GetVarint64(&cut, &out));
  }
}

TEST_CASE("length-prefixed strings refuse a length past the end") {
  std::string buf;
  PutLengthPrefixed(&buf, "hello");
  std::string_view in = buf, out;
  REQUIRE(GetLengthPrefixed(&in, &out));
  CHECK(out == "hello");
  std::string bad;
  PutVarint64(&bad, 1000);
  bad += "abc";
  std::string_view bin = bad;
  CHECK_FALSE(GetLengthPrefixed(&bin, &out));
}

TEST_CASE("crc32c matches the standard check value") {
  CHECK(Crc32c("123456789") == 0xE3069283u);
  CHECK(Crc32c("") == 0u);
}

TEST_CASE("crc32c: the hardware path agrees with the table at every length and alignment") {
  Rng rng(7);
  std::string buf(300, '\0');
  for (auto& c : buf) c = static_cast<char>(rng.Next());
  for (size_t start = 0; start < 9; ++start) {
    for (size_t len = 0; start + len <= buf.size(); len += 7) {
      CHECK(Crc32c(buf.data() + start, len) == Crc32cPortable(buf.data() + start, len));
      CHECK(Crc32c(buf.data() + start, len, 123) == Crc32cPortable(buf.data() + start, len, 123));
    }
  }
}

TEST_CASE("big-endian encoding keeps numeric order as byte order") {
  std::string a, b;
  PutBigEndian64(&a, 255);
  PutBigEndian64(&b, 256);
  CHECK(a < b);
  CHECK(DecodeBigEndian64(b.data()) == 256);
}

TEST_CASE("the seeded rng replays from its seed") {
  Rng a(42), b(42), c(43);
  bool differs = false;
  for (int i = 0; i < 100; ++i) {
    uint64_t x = a.Next();
    CHECK(x == b.Next());
    differs |= x != c.Next();
  }
  CHECK(differs);
}
