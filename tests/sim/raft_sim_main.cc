// raft_sim: the deterministic Raft simulator's command line.
//   raft_sim --seed N            replay one seed, printing its trace
//   raft_sim --seeds A..B        run a range, printing the failing seeds
//   --plant NAME                 run with one planted bug (see raft/plants.h)
//   --stop-at-first              with --seeds: stop at the first failing seed
// Exit status: 0 no violation, 1 some seed violated a check, 2 usage error.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "sim/simulation.h"

namespace {

constexpr int kExitOk = 0;
constexpr int kExitViolation = 1;
constexpr int kExitUsage = 2;

int Usage(const char* why) {
  std::fprintf(stderr,
               "raft_sim: %s\n"
               "usage: raft_sim (--seed N | --seeds A..B) [--plant NAME] [--stop-at-first]\n"
               "plants: double-vote commit-old-term no-truncate vote-before-persist "
               "apply-uncommitted early-read-index\n",
               why);
  return kExitUsage;
}

bool ParseU64(std::string_view s, uint64_t* out) {
  if (s.empty() || s.size() > 19) return false;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  *out = v;
  return true;
}

void PrintSummary(const cairn::sim::SimResult& r) {
  std::printf(
      "steps=%llu leaders=%llu applied=%llu acked=%llu reads=%llu snapshots=%llu crashes=%llu\n",
      static_cast<unsigned long long>(r.steps), static_cast<unsigned long long>(r.leaders_elected),
      static_cast<unsigned long long>(r.entries_applied),
      static_cast<unsigned long long>(r.proposals_acked),
      static_cast<unsigned long long>(r.reads_served),
      static_cast<unsigned long long>(r.snapshots_installed),
      static_cast<unsigned long long>(r.crashes));
}

}  // namespace

int main(int argc, char** argv) {
  bool one_seed = false, range = false, stop_at_first = false;
  uint64_t first = 0, last = 0;
  cairn::raft::Plant plant = cairn::raft::Plant::kNone;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--seed" && has_value) {
      if (!ParseU64(argv[++i], &first)) return Usage("--seed needs a number");
      last = first;
      one_seed = true;
    } else if (arg == "--seeds" && has_value) {
      const std::string_view v = argv[++i];
      const size_t dots = v.find("..");
      if (dots == std::string_view::npos || !ParseU64(v.substr(0, dots), &first) ||
          !ParseU64(v.substr(dots + 2), &last) || last < first) {
        return Usage("--seeds needs A..B with A <= B");
      }
      range = true;
    } else if (arg == "--plant" && has_value) {
      plant = cairn::raft::PlantFromName(argv[++i]);
      if (plant == cairn::raft::Plant::kNone) return Usage("unknown plant");
    } else if (arg == "--stop-at-first") {
      stop_at_first = true;
    } else {
      return Usage("unknown or incomplete argument");
    }
  }
  if (one_seed == range) return Usage("give exactly one of --seed and --seeds");

  if (one_seed) {
    cairn::sim::SimOptions options;
    options.seed = first;
    options.plant = plant;
    options.trace = true;
    const cairn::sim::SimResult r = cairn::sim::RunSimulation(options);
    PrintSummary(r);
    if (!r.ok)
      std::printf("seed %llu FAILED: %s\n", static_cast<unsigned long long>(first),
                  r.violation.c_str());
    return r.ok ? kExitOk : kExitViolation;
  }

  const auto start = std::chrono::steady_clock::now();
  uint64_t failed = 0, ran = 0;
  for (uint64_t seed = first; seed <= last; ++seed) {
    cairn::sim::SimOptions options;
    options.seed = seed;
    options.plant = plant;
    const cairn::sim::SimResult r = cairn::sim::RunSimulation(options);
    ++ran;
    if (!r.ok) {
      ++failed;
      std::printf("seed %llu FAILED: %s\n", static_cast<unsigned long long>(seed),
                  r.violation.c_str());
      std::fflush(stdout);
      if (stop_at_first) break;
    }
    if (seed == UINT64_MAX) break;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("ran %llu seeds, %llu failed, in %.1fs\n", static_cast<unsigned long long>(ran),
              static_cast<unsigned long long>(failed), seconds);
  return failed == 0 ? kExitOk : kExitViolation;
}
