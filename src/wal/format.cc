// Encoding, decoding and scanning of log segments; the layout is documented in format.h.
#include "wal/format.h"

#include <charconv>
#include <cstring>

#include "common/coding.h"

namespace cairn::wal {
namespace {
constexpr std::string_view kPrefix = "wal-";
constexpr std::string_view kSuffix = ".log";
constexpr size_t kIndexDigits = 20;
}  // namespace

std::string SegmentFileName(uint64_t first_index) {
  std::string digits = std::to_string(first_index);
  std::string name(kPrefix);
  name.append(kIndexDigits - digits.size(), '0');
  name += digits;
  name += kSuffix;
  return name;
}

bool ParseSegmentFileName(std::string_view name, uint64_t* first_index) {
  if (name.size() != kPrefix.size() + kIndexDigits + kSuffix.size()) return false;
  if (!name.starts_with(kPrefix) || !name.ends_with(kSuffix)) return false;
  std::string_view digits = name.substr(kPrefix.size(), kIndexDigits);
  const char* end = digits.data() + digits.size();
  auto [ptr, ec] = std::from_chars(digits.data(), end, *first_index);
  return ec == std::errc() && ptr == end;
}

void EncodeHeader(std::string* dst, uint64_t first_index, uint8_t version, uint8_t flags) {
  const size_t start = dst->size();
  dst->append(kMagic, sizeof(kMagic));
  dst->push_back(static_cast<char>(version));
  dst->push_back(static_cast<char>(flags));
  dst->append(2, '\0');
  PutFixed64(dst, first_index);
  PutFixed32(dst, Crc32c(dst->data() + start, dst->size() - start));
}

void EncodeFrame(std::string* dst, uint64_t index, uint64_t term, std::string_view payload) {
  EncodeFrame(dst, index, term, {}, payload);
}

void EncodeFrame(std::string* dst, uint64_t index, uint64_t term, std::string_view head,
                 std::string_view body) {
  const size_t start = dst->size();
  PutFixed32(dst, 0);  // crc, filled in below once the covered bytes are in place
  PutFixed32(dst, static_cast<uint32_t>(head.size() + body.size()));
  PutFixed64(dst, index);
  PutFixed64(dst, term);
  dst->append(head);
  dst->append(body);
  const uint32_t crc = Crc32c(dst->data() + start + 4, dst->size() - start - 4);
  for (int i = 0; i < 4; ++i) (*dst)[start + i] = static_cast<char>(crc >> (8 * i));
}

FrameCheck DecodeFrame(std::string_view in, FrameView* out) {
  if (in.size() < kFrameOverheadBytes) return FrameCheck::kTruncated;
  const uint32_t crc = DecodeFixed32(in.data());
  const uint32_t length = DecodeFixed32(in.data() + 4);
  // A torn length can be any value; only a length that fits the remaining bytes is checked.
  if (in.size() - kFrameOverheadBytes < length) return FrameCheck::kTruncated;
  const size_t frame_bytes = kFrameOverheadBytes + length;
  if (Crc32c(in.data() + 4, frame_bytes - 4) != crc) return FrameCheck::kCorrupt;
  out->index = DecodeFixed64(in.data() + 8);
  out->term = DecodeFixed64(in.data() + 16);
  out->payload = in.substr(kFrameOverheadBytes, length);
  out->frame_bytes = frame_bytes;
  return FrameCheck::kOk;
}

std::string DecodeHeader(std::string_view file, SegmentHeader* out) {
  if (file.size() < kHeaderBytes) return "header torn";
  if (std::memcmp(file.data(), kMagic, sizeof(kMagic)) != 0 ||
      Crc32c(file.data(), kHeaderBytes - 4) != DecodeFixed32(file.data() + kHeaderBytes - 4)) {
    return "header corrupt";
  }
  const auto version = static_cast<uint8_t>(file[4]);
  if (version != kFormatVersionRecords && version != kFormatVersionRaft) {
    return "unknown format version " + std::to_string(version);
  }
  out->version = version;
  out->first_index = DecodeFixed64(file.data() + 8);
  out->flags = static_cast<uint8_t>(file[5]);
  return {};
}

SegmentScan ScanSegment(std::string_view file, uint64_t first_index) {
  SegmentScan scan;
  SegmentHeader header;
  scan.problem = DecodeHeader(file, &header);
  if (scan.problem.empty() && header.first_index != first_index) {
    scan.problem = "header first index does not match the file name";
  }
  if (!scan.problem.empty()) return scan;
  scan.header_ok = true;
  scan.version = header.version;
  scan.flags = header.flags;
  uint64_t offset = kHeaderBytes;
  while (offset < file.size()) {
    FrameView frame;
    const uint64_t expected = first_index + scan.offsets.size();
    switch (DecodeFrame(file.substr(offset), &frame)) {
      case FrameCheck::kTruncated:
        scan.problem = "torn record (expected index " + std::to_string(expected) + ")";
        break;
      case FrameCheck::kCorrupt:
        scan.problem = "checksum mismatch (expected index " + std::to_string(expected) + ")";
        break;
      case FrameCheck::kOk:
        if (frame.index != expected) {
          scan.problem = "index " + std::to_string(frame.index) + " where " +
                         std::to_string(expected) + " was expected";
        }
        break;
    }
    if (!scan.problem.empty()) break;
    scan.offsets.push_back(offset);
    offset += frame.frame_bytes;
  }
  scan.valid_bytes = offset;
  return scan;
}

}  // namespace cairn::wal
