// StoreReader: LevelDB point reads on threads of their own, handed back to the loop by job.
#include "keyspace/store_reader.h"

namespace cairn::keyspace {

StoreReader::StoreReader(const Engine& engine, int threads, std::function<void()> notify)
    : engine_(engine), notify_(std::move(notify)) {
  for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { Run(); });
}

StoreReader::~StoreReader() { Stop(); }

void StoreReader::Submit(Job job) {
  {
    std::lock_guard lock(mu_);
    queued_.push_back(std::move(job));
  }
  cv_.notify_one();
}

void StoreReader::TakeDone(std::vector<Job>* done) {
  std::lock_guard lock(mu_);
  for (Job& j : done_) done->push_back(std::move(j));
  done_.clear();
}

void StoreReader::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
    queued_.clear();
  }
  cv_.notify_all();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
}

void StoreReader::Run() {
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, [this] { return stop_ || !queued_.empty(); });
    if (stop_) return;
    Job job = std::move(queued_.front());
    queued_.pop_front();
    lock.unlock();
    for (Read& r : job.reads) {
      // A failed read is left as not found: the loop reads the key again itself, and reports.
      r.found = engine_.Get(r.meta_key, &r.raw).ok();
    }
    lock.lock();
    done_.push_back(std::move(job));
    // Under the lock, so that Stop (which takes it) cannot return between the push and this.
    if (notify_ && !stop_) notify_();
  }
}

}  // namespace cairn::keyspace
