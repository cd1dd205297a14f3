// The values that cross the Raft core's boundary: log entries, persistent state, configuration,
// snapshots, messages and the Ready batch. Plain value types with no behaviour; the wire format
// of Message lives in codec.h, and the numeric values of every enum here are pinned forever.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace cairn::raft {

// A node id; 0 means "none" (no vote, no known leader).
using NodeId = uint64_t;
inline constexpr NodeId kNoNode = 0;

enum class EntryType : uint8_t {
  kNormal = 0,      // application data (an empty one is the leader's no-op)
  kConfChange = 1,  // data is an encoded ConfChange
};

struct Entry {
  uint64_t term = 0;
  uint64_t index = 0;
  EntryType type = EntryType::kNormal;
  std::string data;

  bool operator==(const Entry&) const = default;
};

// What must be durable before any message that depends on it is sent.
struct HardState {
  uint64_t term = 0;
  NodeId vote = kNoNode;
  uint64_t commit = 0;

  bool operator==(const HardState&) const = default;
};

// The membership: voters count in quorums, learners only receive the log.
struct ConfState {
  std::vector<NodeId> voters;
  std::vector<NodeId> learners;

  bool operator==(const ConfState&) const = default;
};

enum class ConfChangeType : uint8_t {
  kAddLearner = 0,  // a new node that receives the log but does not vote
  kAddVoter = 1,    // promote a learner that has caught up
  kRemoveNode = 2,  // remove a voter or a learner
};

// One membership change. Changes go one at a time: see Core::ProposeConfChange.
struct ConfChange {
  ConfChangeType type = ConfChangeType::kAddLearner;
  NodeId node = kNoNode;

  bool operator==(const ConfChange&) const = default;
};

// Applies one change to a configuration (pure). Unknown or redundant changes leave it unchanged.
ConfState ApplyConfChange(const ConfState& conf, const ConfChange& cc);
bool IsVoter(const ConfState& conf, NodeId id);
// The log every node of a new cluster starts with: one kAddVoter conf change per voter, in term
// 1 at indexes 1..n, to be persisted as committed (hard state term 1, commit n). Keeping the
// initial membership in the log, not beside it, lets a node added later learn it by replication.
std::vector<Entry> BootstrapEntries(const std::vector<NodeId>& voters);
bool IsLearner(const ConfState& conf, NodeId id);

struct SnapshotMeta {
  uint64_t index = 0;  // last index the snapshot covers
  uint64_t term = 0;   // term of that entry
  ConfState conf;      // membership as of index

  bool operator==(const SnapshotMeta&) const = default;
};

struct Snapshot {
  SnapshotMeta meta;
  std::string data;  // opaque to Raft: the state machine's image

  bool empty() const { return meta.index == 0; }
  bool operator==(const Snapshot&) const = default;
};

enum class MessageType : uint8_t {
  kAppend = 1,          // log entries after (index, log_term); commit piggybacked
  kAppendResp = 2,      // index = last matching index, or reject with a hint
  kVote = 3,            // candidate's last (index, log_term)
  kVoteResp = 4,        // reject = vote not granted
  kPreVote = 5,         // as kVote, for term+1 without changing anyone's term
  kPreVoteResp = 6,     //
  kHeartbeat = 7,       // commit (capped at the follower's match); context = read sequence
  kHeartbeatResp = 8,   // echoes context
  kSnapshot = 9,        // install snapshot
  kTimeoutNow = 10,     // leadership transfer: start an election now
  kReadIndex = 11,      // follower asks the leader for a read index; context identifies it
  kReadIndexResp = 12,  // index = the read index for context
};

const char* MessageTypeName(MessageType type);

struct Message {
  MessageType type = MessageType::kAppend;
  NodeId from = kNoNode;
  NodeId to = kNoNode;
  uint64_t term = 0;
  uint64_t log_term = 0;  // term of entry `index` (append, vote) or of the reject hint
  uint64_t index = 0;
  uint64_t commit = 0;
  bool reject = false;
  uint64_t reject_hint = 0;  // follower's suggested probe index on reject
  std::string context;       // read-index context, or kTransferContext on a forced vote
  std::vector<Entry> entries;
  Snapshot snapshot;

  bool operator==(const Message&) const = default;
};

// A vote that carries this context was caused by a leadership transfer: voters grant it even
// while they believe a leader is alive (check-quorum lease).
inline constexpr char kTransferContext[] = "transfer";

// The answer to a ReadIndex request: once the applied index reaches `index`, a read that started
// before the request is linearizable.
struct ReadState {
  uint64_t index = 0;
  std::string context;

  bool operator==(const ReadState&) const = default;
};

// Work the caller must do, in this order: persist snapshot, entries and hard state; send
// messages; apply committed entries; then call Core::Advance with the same Ready.
struct Ready {
  std::optional<HardState> hard_state;   // set only when it changed
  // To append to stable storage (may overwrite a suffix). A view of the core's unstable log,
  // valid until Advance: persisting them copies nothing the core already holds.
  std::span<const Entry> entries;
  Snapshot snapshot;                     // to install, when not empty
  std::vector<Message> messages;         // to send only after persisting the above
  // To apply, in order: a view of the core's unstable log when they are all still there (a
  // leader's own new entries), else of committed_storage, which holds them as read from storage.
  // Valid until Advance, and across moves of the Ready (a Ready is not copied).
  std::span<const Entry> committed_entries;
  std::vector<Entry> committed_storage;

  Ready() = default;
  Ready(Ready&&) = default;
  Ready& operator=(Ready&&) = default;
  Ready(const Ready&) = delete;
  Ready& operator=(const Ready&) = delete;
  std::vector<ReadState> read_states;
};

}  // namespace cairn::raft
