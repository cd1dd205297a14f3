// Unit tests for the log's on-disk format: names, header, frames, and the recovery scan.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include "wal/format.h"

#include <doctest/doctest.h>

using namespace cairn::wal;

namespace {
std::string SegmentWith(uint64_t first, int records) {
  std::string file;
  EncodeHeader(&file, first, kFormatVersion);
  for (int i = 0; i < records; ++i)
    EncodeFrame(&file, first + i, 7, "payload-" + std::to_string(i));
  return file;
}
}  // namespace

TEST_CASE("segment file names sort in index order and parse back") {
  CHECK(SegmentFileName(42) == "wal-00000000000000000042.log");
  CHECK(SegmentFileName(9) < SegmentFileName(10));
  uint64_t first = 0;
  REQUIRE(ParseSegmentFileName(SegmentFileName(18446744073709551615ull), &first));
  CHECK(first == 18446744073709551615ull);
  CHECK_FALSE(ParseSegmentFileName("wal-0000000000000000004x.log", &first));
  CHECK_FALSE(ParseSegmentFileName("wal-42.log", &first));
  CHECK_FALSE(ParseSegmentFileName("wal-00000000000000000042.log.tmp", &first));
}

TEST_CASE("a frame decodes to what was encoded and rejects a cut or a flipped bit") {
  std::string buf;
  EncodeFrame(&buf, 5, 3, "hello");
  CHECK(buf.size() == FrameBytes(5));
  FrameView f;
  REQUIRE(DecodeFrame(buf, &f) == FrameCheck::kOk);
  CHECK(f.index == 5);
  CHECK(f.term == 3);
  CHECK(f.payload == "hello");
  for (size_t cut = 0; cut < buf.size(); ++cut) {
    CHECK(DecodeFrame(std::string_view(buf).substr(0, cut), &f) == FrameCheck::kTruncated);
  }
  for (size_t i = 0; i < buf.size(); ++i) {
    std::string bad = buf;
    bad[i] ^= 0x10;
    // A flipped length may claim more bytes than exist, which reads as a torn write.
    CHECK(DecodeFrame(bad, &f) != FrameCheck::kOk);
  }
}

TEST_CASE("a scan keeps the valid prefix and says why it stopped") {
  const std::string file = SegmentWith(10, 4);
  SegmentScan whole = ScanSegment(file, 10);
  CHECK(whole.header_ok);
  CHECK(whole.problem.empty());
  CHECK(whole.offsets.size() == 4);
  CHECK(whole.valid_bytes == file.size());

  SegmentScan torn = ScanSegment(std::string_view(file).substr(0, file.size() - 3), 10);
  CHECK(torn.offsets.size() == 3);
  CHECK(torn.valid_bytes == whole.offsets[3]);
  CHECK(torn.problem.find("torn") != std::string::npos);

  std::string flipped = file;
  flipped[whole.offsets[1] + kFrameOverheadBytes] ^= 1;  // record 11's payload
  SegmentScan bad = ScanSegment(flipped, 10);
  CHECK(bad.offsets.size() == 1);
  CHECK(bad.problem.find("checksum") != std::string::npos);

  CHECK_FALSE(ScanSegment(file, 11).header_ok);  // name and header disagree
  CHECK_FALSE(ScanSegment(std::string_view(file).substr(0, kHeaderBytes - 1), 10).header_ok);

  std::string gap = SegmentWith(10, 2);
  EncodeFrame(&gap, 13, 7, "skips 12");
  SegmentScan seq = ScanSegment(gap, 10);
  CHECK(seq.offsets.size() == 2);
  CHECK(seq.problem.find("expected") != std::string::npos);
}
