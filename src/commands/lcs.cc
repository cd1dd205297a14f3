// LCS by dynamic programming, walked back the way Redis walks it so that ties resolve alike and
// the ranges come out in the same order.
#include "commands/lcs.h"

#include <algorithm>
#include <limits>

namespace cairn::commands {

uint64_t LcsTableBytes(uint64_t a_size, uint64_t b_size) {
  constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();
  uint64_t rows = a_size + 1, cols = b_size + 1;
  if (rows > kMax / cols) return kMax;
  uint64_t cells = rows * cols;
  if (cells > kMax / sizeof(uint32_t)) return kMax;
  return cells * sizeof(uint32_t);
}

LcsResult ComputeLcs(std::string_view a, std::string_view b, bool want_sequence, bool want_matches,
                     uint64_t min_match_len) {
  const size_t alen = a.size(), blen = b.size(), cols = blen + 1;
  std::vector<uint32_t> table((alen + 1) * cols, 0);
  auto at = [&](size_t i, size_t j) -> uint32_t& { return table[i * cols + j]; };
  for (size_t i = 1; i <= alen; ++i) {
    for (size_t j = 1; j <= blen; ++j) {
      at(i, j) = a[i - 1] == b[j - 1] ? at(i - 1, j - 1) + 1 : std::max(at(i - 1, j), at(i, j - 1));
    }
  }

  LcsResult out;
  out.length = at(alen, blen);
  if (want_sequence) out.sequence.assign(out.length, '\0');
  size_t i = alen, j = blen, idx = out.length;
  bool in_run = false;
  LcsMatch run;
  auto emit = [&] {
    if (want_matches && (min_match_len == 0 || run.length() >= min_match_len)) {
      out.matches.push_back(run);
    }
    in_run = false;
  };
  while (i > 0 && j > 0) {
    if (a[i - 1] == b[j - 1]) {
      if (want_sequence) out.sequence[idx - 1] = a[i - 1];
      // Walking back along a diagonal, a match right after a match extends the same run.
      if (!in_run) {
        run = {i - 1, i - 1, j - 1, j - 1};
        in_run = true;
      } else {
        run.a_start = i - 1;
        run.b_start = j - 1;
      }
      --i;
      --j;
      --idx;
      if (i == 0 || j == 0) emit();
    } else {
      // Redis's tie-break: step back in b unless a strictly longer LCS lies back in a.
      if (at(i - 1, j) > at(i, j - 1)) {
        --i;
      } else {
        --j;
      }
      if (in_run) emit();
    }
  }
  return out;
}

}  // namespace cairn::commands
