// Helpers over the plain Raft value types: membership arithmetic and names for traces.
#include "raft/types.h"

#include <algorithm>

#include "raft/codec.h"

namespace cairn::raft {

namespace {
bool Contains(const std::vector<NodeId>& ids, NodeId id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}
void Erase(std::vector<NodeId>* ids, NodeId id) {
  ids->erase(std::remove(ids->begin(), ids->end(), id), ids->end());
}
void Insert(std::vector<NodeId>* ids, NodeId id) {
  if (!Contains(*ids, id)) ids->insert(std::upper_bound(ids->begin(), ids->end(), id), id);
}
}  // namespace

bool IsVoter(const ConfState& conf, NodeId id) { return Contains(conf.voters, id); }
bool IsLearner(const ConfState& conf, NodeId id) { return Contains(conf.learners, id); }

ConfState ApplyConfChange(const ConfState& conf, const ConfChange& cc) {
  ConfState out = conf;
  if (cc.node == kNoNode) return out;
  switch (cc.type) {
    case ConfChangeType::kAddLearner:
      if (!IsVoter(out, cc.node)) Insert(&out.learners, cc.node);
      break;
    case ConfChangeType::kAddVoter:
      Erase(&out.learners, cc.node);
      Insert(&out.voters, cc.node);
      break;
    case ConfChangeType::kRemoveNode:
      Erase(&out.learners, cc.node);
      Erase(&out.voters, cc.node);
      break;
  }
  return out;
}

std::vector<Entry> BootstrapEntries(const std::vector<NodeId>& voters) {
  std::vector<Entry> out;
  for (NodeId id : voters) {
    Entry e;
    e.term = 1;
    e.index = out.size() + 1;
    e.type = EntryType::kConfChange;
    e.data = EncodeConfChange(ConfChange{ConfChangeType::kAddVoter, id});
    out.push_back(std::move(e));
  }
  return out;
}

const char* MessageTypeName(MessageType type) {
  switch (type) {
    case MessageType::kAppend:
      return "Append";
    case MessageType::kAppendResp:
      return "AppendResp";
    case MessageType::kVote:
      return "Vote";
    case MessageType::kVoteResp:
      return "VoteResp";
    case MessageType::kPreVote:
      return "PreVote";
    case MessageType::kPreVoteResp:
      return "PreVoteResp";
    case MessageType::kHeartbeat:
      return "Heartbeat";
    case MessageType::kHeartbeatResp:
      return "HeartbeatResp";
    case MessageType::kSnapshot:
      return "Snapshot";
    case MessageType::kTimeoutNow:
      return "TimeoutNow";
    case MessageType::kReadIndex:
      return "ReadIndex";
    case MessageType::kReadIndexResp:
      return "ReadIndexResp";
  }
  return "?";
}

}  // namespace cairn::raft
