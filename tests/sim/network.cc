// Simulated network: see network.h.
#include "sim/network.h"

#include "common/assert.h"
#include "raft/codec.h"

namespace cairn::sim {

void Network::Send(const raft::Message& m, uint64_t now_step) {
  if (rng_->Chance(faults_.drop)) return;
  const std::string frame = raft::EncodeFrame(m);
  Enqueue(m, frame, now_step);
  if (rng_->Chance(faults_.duplicate)) Enqueue(m, frame, now_step);
}

void Network::Enqueue(const raft::Message& m, const std::string& frame, uint64_t now_step) {
  const uint64_t span = faults_.max_delay_steps - faults_.min_delay_steps + 1;
  const uint64_t delay = faults_.min_delay_steps + rng_->Uniform(span);
  queue_.push(InFlight{now_step + delay, rng_->Next(), m.from, m.to, frame});
}

bool Network::NextDue(uint64_t now_step, raft::Message* out) {
  while (!queue_.empty() && queue_.top().due_step <= now_step) {
    InFlight f = queue_.top();
    queue_.pop();
    if (Blocked(f.from, f.to)) continue;
    std::string_view in = f.frame;
    const Status st = raft::DecodeFrame(&in, out);
    CAIRN_ASSERT(st.ok() && in.empty());  // the codec must round-trip what it encoded
    return true;
  }
  return false;
}

}  // namespace cairn::sim
