// The simulator's safety checks: see checker.h.
#include "sim/checker.h"

#include <cstdio>

#include "sim/sim_node.h"

namespace cairn::sim {

namespace {
template <typename... Args>
std::string Format(const char* fmt, Args... args) {
  char buf[320];
  std::snprintf(buf, sizeof(buf), fmt, args...);
  return buf;
}
uint64_t EntryHash(const raft::Entry& e) { return MixEntry(0, e); }
}  // namespace

Checker::Checker() : history_(1) {}

void Checker::Fail(std::string what) {
  if (violation_.empty()) violation_ = std::move(what);
}

void Checker::OnLeader(raft::NodeId id, uint64_t term) {
  auto [it, inserted] = leaders_.emplace(term, id);
  if (!inserted && it->second != id) {
    Fail(Format("election safety: nodes %llu and %llu both lead term %llu", it->second, id, term));
  }
}

void Checker::OnPersist(raft::NodeId id, std::span<const raft::Entry> entries,
                        const raft::Storage& disk) {
  for (const raft::Entry& e : entries) {
    Result<uint64_t> prev = disk.Term(e.index - 1);
    if (!prev.ok()) continue;  // predecessor compacted: covered by a committed snapshot
    const LogPoint point{EntryHash(e), *prev};
    auto [it, inserted] = log_points_.emplace(std::make_pair(e.index, e.term), point);
    if (!inserted &&
        (it->second.entry_hash != point.entry_hash || it->second.prev_term != point.prev_term)) {
      Fail(
          Format("log matching: node %llu persisted a different entry or predecessor at index "
                 "%llu term %llu",
                 id, e.index, e.term));
    }
  }
}

void Checker::OnApply(raft::NodeId id, const raft::Entry& e, uint64_t node_term) {
  if (e.index < history_.size()) {
    const raft::Entry& h = history_[e.index].entry;
    if (h.term != e.term || h.data != e.data || h.type != e.type) {
      Fail(
          Format("state machine safety: node %llu applied term %llu at index %llu, history has "
                 "term %llu",
                 id, e.term, e.index, h.term));
    }
    return;
  }
  if (e.index != history_.size()) {
    Fail(Format("state machine safety: node %llu applied index %llu past history end %llu", id,
                e.index, history_.size() - 1));
    return;
  }
  if (e.type == raft::EntryType::kNormal && !e.data.empty()) {
    auto [it, inserted] = applied_data_.emplace(e.data, e.index);
    if (!inserted) {
      Fail(Format("proposal applied twice: node %llu at index %llu, first at %llu", id, e.index,
                  it->second));
    }
  }
  history_.push_back(Applied{e, node_term, MixEntry(history_.back().hash, e)});
}

void Checker::OnSnapshotInstalled(raft::NodeId id, uint64_t index, uint64_t hash) {
  if (index >= history_.size() || history_[index].hash != hash) {
    Fail(
        Format("state machine safety: node %llu installed a snapshot at index %llu that matches "
               "no applied history (history length %llu)",
               id, index, history_.size() - 1));
  }
}

void Checker::CheckLeaderLog(raft::NodeId id, const raft::Core& core, uint64_t* checked_term,
                             uint64_t* checked_upto) {
  const uint64_t term = core.term();
  if (*checked_term != term) {
    *checked_term = term;
    *checked_upto = 0;
  }
  for (uint64_t i = *checked_upto + 1; i < history_.size(); ++i) {
    // Only entries certainly committed before this term began: the recorded term bounds the
    // commit term from above.
    if (history_[i].recorded_term >= term || i < core.first_index()) continue;
    const uint64_t have = core.log().TermOrZero(i);
    if (have != history_[i].entry.term) {
      Fail(
          Format("leader completeness: leader %llu of term %llu lacks committed index %llu "
                 "(has term %llu)",
                 id, term, i, have));
      return;
    }
  }
  *checked_upto = history_.size() - 1;
}

void Checker::CheckElectable(const std::vector<const raft::Storage*>& disks) {
  const uint64_t h = history_.size() - 1;
  if (h == 0) return;
  struct Tip {
    uint64_t last_term, last_index;
  };
  std::vector<Tip> tips;
  for (const raft::Storage* d : disks) {
    const uint64_t last = d->LastIndex();
    Result<uint64_t> term = d->Term(last);
    tips.push_back(Tip{term.ok() ? *term : 0, last});
  }
  for (size_t x = 0; x < disks.size(); ++x) {
    size_t would_vote = 0;  // §5.4.1: voters whose log is no more up to date than x's
    for (const Tip& v : tips) {
      if (tips[x].last_term > v.last_term ||
          (tips[x].last_term == v.last_term && tips[x].last_index >= v.last_index)) {
        ++would_vote;
      }
    }
    if (would_vote <= disks.size() / 2) continue;
    if (disks[x]->FirstIndex() > h) continue;  // a snapshot covers the whole history
    Result<uint64_t> term = disks[x]->Term(h);
    if (!term.ok() || *term != history_[h].entry.term) {
      Fail(
          Format("leader completeness: node %zu could be elected but lacks applied index %llu "
                 "(term %llu)",
                 x + 1, h, history_[h].entry.term));
      return;
    }
  }
}

void Checker::OnRead(raft::NodeId id, const std::string& context, uint64_t required_index,
                     uint64_t result_index) {
  if (result_index < required_index) {
    Fail(
        Format("linearizability: read %s on node %llu saw index %llu, but index %llu was "
               "acknowledged or read before it began",
               context.c_str(), id, result_index, required_index));
  }
}

}  // namespace cairn::sim
