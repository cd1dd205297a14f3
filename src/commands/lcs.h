// Longest common subsequence of two byte strings, as Redis's LCS command computes it: a full
// (|a|+1) x (|b|+1) table of uint32 lengths, then one walk back from the end that yields the
// sequence and the matching ranges, last range first. Pure; the caller bounds the table size
// (LcsTableBytes) before calling. Cost: O(|a|*|b|) time and 4*(|a|+1)*(|b|+1) bytes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace cairn::commands {

// One run of consecutive matching bytes: a[a_start..a_end] == b[b_start..b_end] (inclusive).
struct LcsMatch {
  uint64_t a_start = 0;
  uint64_t a_end = 0;
  uint64_t b_start = 0;
  uint64_t b_end = 0;
  uint64_t length() const { return a_end - a_start + 1; }
};

struct LcsResult {
  uint64_t length = 0;
  std::string sequence;          // filled when asked for
  std::vector<LcsMatch> matches;  // filled when asked for; runs shorter than min_match_len left out
};

// Bytes the table for strings of these sizes needs (saturates instead of overflowing).
uint64_t LcsTableBytes(uint64_t a_size, uint64_t b_size);

LcsResult ComputeLcs(std::string_view a, std::string_view b, bool want_sequence, bool want_matches,
                     uint64_t min_match_len);

}  // namespace cairn::commands
