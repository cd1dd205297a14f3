// StoreReader: threads that read keys' records from LevelDB off the loop thread. A key only the
// store holds (the tier evicted it) costs a LevelDB read: a pread, a checksum, a block to
// decompress, and a disk read where the kernel dropped the page. On the loop that stalls every
// client; here it stalls only the client that asked (DurableKeyspace::QueueStoreRead says how).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "keyspace/engine.h"

namespace cairn::keyspace {

class StoreReader {
 public:
  struct Read {
    uint64_t ns = 0;
    std::string key;       // the user's key
    std::string meta_key;  // its record's LevelDB key
    bool found = false;    // filled in by a reader thread, with raw
    std::string raw;
  };
  // One client's reads: `tag` tells the caller whose; `epoch` is the caller's note of what the
  // store held when the job was made (DurableKeyspace compares it before using the results).
  struct Job {
    uint64_t tag = 0;
    uint64_t epoch = 0;
    std::vector<Read> reads;
  };

  // `notify` is called from a reader thread after each finished job (the loop's wake-up).
  StoreReader(const Engine& engine, int threads, std::function<void()> notify);
  ~StoreReader();
  StoreReader(const StoreReader&) = delete;
  StoreReader& operator=(const StoreReader&) = delete;

  void Submit(Job job);
  // Moves the finished jobs into *done (appended), oldest first.
  void TakeDone(std::vector<Job>* done);
  // Joins the threads; jobs not started are dropped. Idempotent; no notify after it returns.
  void Stop();

 private:
  void Run();

  const Engine& engine_;
  std::function<void()> notify_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> queued_;
  std::vector<Job> done_;
  bool stop_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace cairn::keyspace
