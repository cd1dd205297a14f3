// Binary wire format for Raft messages (one frame per Message) and for ConfChange entry data.
// Pure functions; thread-safe. Encoding costs O(message size); decoding never reads past its
// input and rejects truncated, oversized, corrupted or unknown-version frames.
//
// Frame (version 1), all integers little-endian or varint:
//   length:fixed32  crc32c(body):fixed32  body[length]
//   body    := version:u8=1 type:u8 from to term log_term index commit:varint flags:u8
//              reject_hint:varint context:lenprefixed n_entries:varint entry* has_snap:u8 [snap]
//   flags   := bit 0 reject; other bits must be zero
//   entry   := term index:varint type:u8 data:lenprefixed
//   snap    := index term:varint n_voters:varint voter* n_learners:varint learner*
//              data:lenprefixed
// ConfChange data (version 1): version:u8=1 type:u8 node:varint.
// Versions and enum values are never reused; a new layout gets a new version byte.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"
#include "raft/types.h"

namespace cairn::raft {

inline constexpr uint8_t kWireVersion = 1;
inline constexpr size_t kFrameHeaderBytes = 8;
inline constexpr uint32_t kMaxFrameBodyBytes = 64u << 20;  // larger snapshots must be chunked

void AppendFrame(const Message& m, std::string* out);
std::string EncodeFrame(const Message& m);
// Decodes the frame at the front of *in and consumes it. Errors: kOutOfRange when *in holds only
// part of a frame (the caller reads more and retries; nothing is consumed), kCorruption for a
// bad checksum, an oversized length, an unknown version or malformed contents.
Status DecodeFrame(std::string_view* in, Message* out);

std::string EncodeConfChange(const ConfChange& cc);
Result<ConfChange> DecodeConfChange(std::string_view data);

}  // namespace cairn::raft
