// Deliberate bugs the simulator plants to prove that its checks can fail. They are compiled only
// into the simulator's copy of the core (CAIRN_RAFT_PLANTS defined); in cairn_raft, PLANTED(x) is
// the constant false and the hooks vanish.
#pragma once

#include <cstdint>
#include <string_view>

namespace cairn::raft {

enum class Plant : uint8_t {
  kNone = 0,
  kDoubleVote,         // grant a second vote in the same term
  kCommitOldTerm,      // commit an earlier term's entry by counting replicas (paper §5.4.2)
  kNoTruncate,         // keep a follower's conflicting suffix instead of truncating it
  kVoteBeforePersist,  // reply to a vote without making the vote durable
  kApplyUncommitted,   // hand out one entry past the commit index for applying
  kEarlyReadIndex,     // serve ReadIndex before the leader has committed in its term
};

// Maps a command-line name ("double-vote") to a Plant; kNone if unknown.
inline Plant PlantFromName(std::string_view name) {
  if (name == "double-vote") return Plant::kDoubleVote;
  if (name == "commit-old-term") return Plant::kCommitOldTerm;
  if (name == "no-truncate") return Plant::kNoTruncate;
  if (name == "vote-before-persist") return Plant::kVoteBeforePersist;
  if (name == "apply-uncommitted") return Plant::kApplyUncommitted;
  if (name == "early-read-index") return Plant::kEarlyReadIndex;
  return Plant::kNone;
}

}  // namespace cairn::raft

#ifdef CAIRN_RAFT_PLANTS
#define CAIRN_PLANTED(plant_value, which) ((plant_value) == ::cairn::raft::Plant::which)
#else
#define CAIRN_PLANTED(plant_value, which) false
#endif
