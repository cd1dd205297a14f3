// ReadFence: batching, answers, release in order, and retry of lost requests.
#include "server/read_fence.h"

#include <charconv>

namespace cairn::server {

std::vector<uint64_t> ReadFence::Send(const std::function<Status(std::string)>& read_index,
                                      int64_t now_tick) {
  if (waiting_.empty()) return {};
  Batch b;
  b.seq = next_seq_++;
  b.sent_tick = now_tick;
  b.clients.swap(waiting_);
  if (!read_index(std::to_string(b.seq)).ok()) return std::move(b.clients);
  batches_.push_back(std::move(b));
  return {};
}

void ReadFence::OnReadState(const raft::ReadState& rs) {
  uint64_t seq = 0;
  const char* end = rs.context.data() + rs.context.size();
  if (std::from_chars(rs.context.data(), end, seq).ptr != end) return;  // not ours
  for (Batch& b : batches_) {
    if (b.seq == seq) {
      b.index = rs.index;
      b.answered = true;
      return;
    }
  }
}

void ReadFence::Release(uint64_t applied_index, std::vector<uint64_t>* ready) {
  // In order: a later batch's index is never below an earlier one's, but a later answer may come
  // first; it waits for the earlier batch, so a client's reads never overtake each other.
  while (!batches_.empty() && batches_.front().answered && batches_.front().index <= applied_index) {
    ready->insert(ready->end(), batches_.front().clients.begin(), batches_.front().clients.end());
    batches_.pop_front();
  }
}

void ReadFence::Retry(int64_t now_tick, int64_t after_ticks) {
  while (!batches_.empty() && !batches_.front().answered &&
         now_tick - batches_.front().sent_tick >= after_ticks) {
    waiting_.insert(waiting_.end(), batches_.front().clients.begin(), batches_.front().clients.end());
    batches_.pop_front();
  }
}

}  // namespace cairn::server
