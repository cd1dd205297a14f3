// The on-disk format of the write-ahead log: segment file names, the segment header and the
// record frame, with pure encode/decode/scan functions over bytes (no I/O, no state, any thread).
//
// A log is a directory of segment files named "wal-<index of first record, 20 digits>.log", so
// the names sort in log order. Layout, little-endian; the version byte is bumped on any change and
// values are never reused:
//
//   segment header (kHeaderBytes = 20)
//     magic        4 bytes  "CWAL"
//     version      1 byte   what the payloads are (the frame is the same in both): 1 = the
//                           single node's untyped records, one made-up term (before
//                           replication); 2 = Raft entries (payload = type byte + data, real
//                           terms). A log opens only segments of its own version (Options).
//     flags        1 byte   kHeaderReused: the file was a spare (zero-filled or a compacted segment)
//                           written over from the start, so past its last record it holds
//                           zeros or an earlier use's bytes, which end the log quietly (0 in
//                           logs from before spares; readers that ignore it cut such a tail
//                           as torn, which is also correct)
//     reserved     2 bytes  zero
//     first_index  fixed64  index of the segment's first record; equals the one in the name
//     crc          fixed32  CRC32C of the 16 bytes above
//   record frame, repeated (kFrameOverheadBytes = 24, plus the payload)
//     crc          fixed32  CRC32C of everything after it in the frame, length included, so a
//                           flipped length is caught rather than trusted
//     length       fixed32  payload bytes
//     index        fixed64
//     term         fixed64
//     payload      `length` bytes, opaque to the log
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace cairn::wal {

inline constexpr char kMagic[4] = {'C', 'W', 'A', 'L'};
inline constexpr uint8_t kFormatVersionRecords = 1;
inline constexpr uint8_t kFormatVersionRaft = 2;
inline constexpr uint8_t kFormatVersion = kFormatVersionRaft;
inline constexpr size_t kHeaderBytes = 20;
inline constexpr size_t kFrameOverheadBytes = 24;
// One frame must fit the 32-bit length with room to spare; the node caps commands far below this.
inline constexpr size_t kMaxPayloadBytes = (size_t{1} << 31) - 1;

std::string SegmentFileName(uint64_t first_index);
// True when `name` is a segment file name; sets *first_index.
bool ParseSegmentFileName(std::string_view name, uint64_t* first_index);

inline constexpr uint8_t kHeaderReused = 1;

void EncodeHeader(std::string* dst, uint64_t first_index, uint8_t version, uint8_t flags = 0);

struct SegmentHeader {
  uint64_t first_index = 0;
  uint8_t version = 0;
  uint8_t flags = 0;
};
// Decodes the header at the start of `file`: empty when valid (of any version), else what is
// wrong with it.
std::string DecodeHeader(std::string_view file, SegmentHeader* out);
inline size_t FrameBytes(size_t payload_bytes) { return kFrameOverheadBytes + payload_bytes; }
void EncodeFrame(std::string* dst, uint64_t index, uint64_t term, std::string_view payload);
// The same frame for the payload head + body, framed from the two pieces (no joined copy).
void EncodeFrame(std::string* dst, uint64_t index, uint64_t term, std::string_view head,
                 std::string_view body);

enum class FrameCheck {
  kOk,
  kTruncated,  // the bytes end inside the frame: a torn write
  kCorrupt,    // checksum mismatch
};

// A frame decoded in place; payload points into the input.
struct FrameView {
  uint64_t index = 0;
  uint64_t term = 0;
  std::string_view payload;
  size_t frame_bytes = 0;
};

// Decodes the frame at the start of `in`. Never reads past the end of `in`.
FrameCheck DecodeFrame(std::string_view in, FrameView* out);

// What a scan of one whole segment file found: the valid prefix, and why it ends where it does.
struct SegmentScan {
  bool header_ok = false;
  uint8_t version = 0;            // the header's, when header_ok
  uint8_t flags = 0;              // the header's, when header_ok
  std::vector<uint64_t> offsets;  // file offset of each valid record, in index order
  uint64_t valid_bytes = 0;       // end of the valid prefix: 0 if the header is bad
  std::string problem;            // empty when the whole file is valid
};

// Scans a segment whose name says it starts at `first_index`: checks the header, then frames until
// the first torn, corrupt or out-of-sequence one (index must be first_index + position).
SegmentScan ScanSegment(std::string_view file, uint64_t first_index);

}  // namespace cairn::wal
