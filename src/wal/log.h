// The durable write log: an append-only, segmented, checksummed record log with group commit on a
// writer thread. It is the seam the Raft log store will sit on.
//
// Ownership and threads: a Log is owned by one thread (the loop), which calls every public method.
// Append() never blocks on disk unless Options::inline_writes: it encodes the records and queues
// them for the log's own writer thread, which drains everything queued with one write() per segment and then, per FsyncPolicy,
// fdatasyncs once for the whole drain (group commit) before publishing durable_index() and calling
// Options::on_durable. TruncateSuffix() and Close() wait for the writer to go idle; Sync() waits
// for an fsync. Read() serves durable records from a bounded in-memory tail cache or with one
// pread per segment touched. A write or fsync error puts the log in a failed state for good: it
// stops publishing progress, status() reports the error, and only a re-Open (which recovers from
// what is actually on disk) clears it.
//
// Spares (Options::max_spares > 0): new segments are written into files that already have their
// blocks, so that an fdatasync after a write inside the file commits no new length to the file
// system's journal (measured on ext4: 15-25% faster alone, a third of the p99 next to another
// writer). A spare is a compacted segment renamed instead of deleted or, when none is at hand, a
// file zero-filled on a thread of its own once a segment that is being appended to holds an
// eighth of segment_bytes; such a segment rolls over as soon as a spare is ready. The file left behind at a roll is
// cut to its records (before the next segment's name exists), so only the last segment can end
// in leftover bytes, and recovery ends the log there quietly (the header says "reused").
//
// Memory: 8 bytes per record on disk (its file offset), plus the tail cache and the queued bytes.
// Disk: the segments, plus up to max_spares spare files of about segment_bytes each.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <string_view>
#include <thread>
#include <vector>

#include "common/status.h"
#include "wal/env.h"
#include "wal/format.h"

namespace cairn::wal {

// One log entry. The payload is opaque to the log (an Effect, later a Raft entry's data).
struct Record {
  uint64_t index = 0;
  uint64_t term = 0;
  std::string payload;
};

// When the writer fsyncs, as Redis's appendfsync. Values are config, not on disk.
enum class FsyncPolicy {
  kAlways,    // durable = fdatasynced; one fdatasync per writer drain
  kEverySec,  // durable = written to the OS; fdatasync at most once a second
  kNo,        // durable = written to the OS; fdatasync only at Sync(), Close() and segment roll
};

struct Options {
  std::string dir;
  FsyncPolicy fsync = FsyncPolicy::kAlways;
  // A segment rolls over once the next record would take it past this size.
  uint64_t segment_bytes = uint64_t{64} << 20;
  // Payload bytes of the most recent records kept in memory for Read(); 0: none, and appending
  // copies no payload (Read() then always reads the segments).
  size_t tail_cache_bytes = size_t{4} << 20;
  // Append() writes the records itself, on the caller's thread, before it returns, and under
  // kAlways fdatasyncs them too: Redis's model, one write (and sync) per loop iteration with no
  // hand-off to another thread, which on a small machine costs more than it overlaps. The writer
  // thread then only serves Sync(), the everysec fsync and Close().
  bool inline_writes = false;
  // Spare files kept for new segments to be written into (see above); 0: every segment is a new
  // file, appended to.
  size_t max_spares = 0;
  // Called from the writer thread after durable_index() advances, with its new value (not for
  // inline writes: the caller reads durable_index() after Append). Must not call back into the
  // Log; hand the value to the loop (e.g. uv_async_send) instead.
  std::function<void(uint64_t durable_index)> on_durable;
  // Called once from the writer thread when the log enters its failed state.
  std::function<void(const Status&)> on_failure;
  // Recovery messages (what was cut, from which file, why), from Open's thread.
  std::function<void(std::string_view)> logger;
  // The segments' format version (format.h): a log never opens a segment of another.
  uint8_t format_version = kFormatVersion;
  // File-system seam; not owned, must outlive the Log. Null means Env::Posix().
  Env* env = nullptr;
};

// Counters for INFO. records_written / fsyncs is the group-commit factor under kAlways.
struct LogStats {
  uint64_t append_calls = 0;
  uint64_t records_appended = 0;
  uint64_t records_written = 0;
  uint64_t batches_written = 0;  // writer drains that wrote something
  uint64_t bytes_written = 0;
  uint64_t fsyncs = 0;
};

class Log {
  struct PrivateTag {};

 public:
  // Opens or creates the log in options.dir, recovering from a crash: the first torn, corrupt or
  // out-of-sequence record ends the log; the file is cut there, later segments are deleted, and
  // the logger is told what went. Everything that survives is durable.
  static Result<std::unique_ptr<Log>> Open(Options options);

  Log(PrivateTag, Options options);
  Log(const Log&) = delete;
  Log& operator=(const Log&) = delete;
  ~Log();  // Close(), ignoring its status.

  // Queues records for writing (or writes them, with inline_writes); returns the last index. The
  // indexes must continue the log: batch[0].index == last_index() + 1, then +1 each (asserted).
  uint64_t Append(std::vector<Record> batch);
  // Append() with the next indexes assigned, all with `term`. The payloads are only read: the
  // tail cache, if any, takes copies.
  uint64_t AppendPayloads(uint64_t term, std::span<const std::string_view> payloads);
  uint64_t AppendPayloads(uint64_t term, const std::vector<std::string>& payloads);
  // Append() of records given as views, each payload being head + body (the Raft log's type byte
  // and entry data), framed without joining them. Indexes continue the log, as for Append().
  struct RecordView {
    uint64_t index = 0;
    uint64_t term = 0;
    std::string_view head;
    std::string_view body;
  };
  uint64_t AppendViews(std::span<const RecordView> records);

  // Index of the first record still held; last_index() + 1 when the log is empty.
  uint64_t first_index() const { return first_index_; }
  // Index of the last record appended, durable or not; first_index() - 1 when empty.
  uint64_t last_index() const { return last_index_; }
  // Every record up to this index is durable under the FsyncPolicy. Safe from any thread.
  uint64_t durable_index() const { return durable_index_.load(std::memory_order_acquire); }
  // OK, or the write/fsync error that put the log in its failed state. Safe from any thread.
  Status status() const;
  LogStats stats() const;

  // Durable records from..to_inclusive, stopping early at durable_index() or once their payloads
  // would pass max_bytes (at least one record is returned when one is available). Errors:
  // OutOfRange below first_index() (compacted) or past last_index(); Corruption if a record fails
  // its checksum on the way back from disk.
  Result<std::vector<Record>> Read(uint64_t from, uint64_t to_inclusive, size_t max_bytes);

  // Drops every record with index >= from_index, durably (Raft conflict resolution); the next
  // append continues at from_index. Waits for the writer to go idle. from_index must be >=
  // first_index(); past last_index() it does nothing.
  Status TruncateSuffix(uint64_t from_index);

  // Drops every record and starts the log afresh at next_index (a follower that installs a
  // snapshot ending at next_index - 1). Waits for the writer to go idle. A crash part-way leaves
  // an empty log or one starting at next_index; the caller's snapshot point tells which is stale.
  Status Reset(uint64_t next_index);
  // Everything <= up_to_index is held elsewhere: deletes the whole segments that lie at or below
  // it (and below durable_index()), never the last one. first_index() moves to the first record
  // still on disk, which may be <= up_to_index. Does not wait for the writer.
  Status CompactPrefix(uint64_t up_to_index);

  // CONFIG SET appendfsync: the policy for what is appended from now on.
  void set_fsync(FsyncPolicy p) { fsync_.store(p, std::memory_order_relaxed); }
  FsyncPolicy fsync() const { return fsync_.load(std::memory_order_relaxed); }
  // Blocks until everything appended so far is written and fdatasynced, whatever the policy.
  Status Sync();
  // Flushes and fsyncs what is queued, stops the writer thread. Other calls are invalid after it.
  Status Close();

 private:
  // One segment file, as the loop thread sees it (queued bytes included).
  struct Segment {
    uint64_t first_index = 0;
    std::string path;
    std::vector<uint64_t> offsets;             // file offset of each record, in index order
    uint64_t size_bytes = 0;                   // end of the last record
    uint64_t file_bytes = 0;                   // the file's length: more when it is a reused one
    std::unique_ptr<RandomAccessFile> reader;  // opened on first Read from this file
    uint64_t last_index() const { return first_index + offsets.size() - 1; }
  };

  // Encoded bytes bound for the end of one segment file.
  struct WriteOp {
    std::string path;
    bool create = false;  // a new segment: bytes begin with its header
    uint64_t offset = 0;  // where in the file the bytes go
    std::string spare;    // create: the spare file renamed to `path` first, if any
    std::string trim_path;  // create: the segment left behind, cut to trim_bytes first
    uint64_t trim_bytes = 0;
    std::string bytes;
    uint64_t last_index = 0;
    size_t records = 0;
  };

  Status Recover();
  Status CreateEmptySegment(uint64_t first_index);
  Segment& Roll(uint64_t first_index, std::vector<WriteOp>* ops);
  void Enqueue(std::vector<WriteOp> ops);
  void WriteInline(std::vector<WriteOp>* ops);
  void AddToCache(std::vector<Record>* batch);
  Segment* FindSegment(uint64_t index);
  Status ReadFromSegment(Segment* seg, uint64_t from, uint64_t to, size_t max_bytes, size_t* bytes,
                         std::vector<Record>* out);
  void Note(std::string_view msg) const;

  void WriterLoop();
  Status WriteOps(std::vector<WriteOp>* ops, bool must_sync, uint64_t* written);
  Status SyncWriterFile();
  Status SwitchWriterFile(const WriteOp& op);
  void WaitIdle(std::unique_lock<std::mutex>& lock);
  Status ParkWriterLocked(std::unique_lock<std::mutex>& lock);
  Status FailLocked(Status st);
  // Frames one record into *ops (rolling to a new segment when full); Append's shared step.
  void FrameRecord(uint64_t index, uint64_t term, std::string_view head, std::string_view body,
                   std::vector<WriteOp>* ops);
  void FinishAppend(size_t records, std::vector<WriteOp> ops);
  void EverySecSync(std::unique_lock<std::mutex>& lock);  // writer thread; mu_ held on entry/exit

  // Spares. Paths are named by the loop thread; spares_ is shared with the filler thread.
  struct Spare {
    std::string path;
    uint64_t bytes = 0;
  };
  std::string SparePath(uint64_t id, bool ready) const;
  Status RecoverSpare(const std::string& name);  // Open: keeps or removes a spare file
  bool TakeSpare(Spare* out);
  bool KeepAsSpare(const Segment& seg);  // CompactPrefix: renames seg's file into the spares
  void MaybeStartFill();
  void FillSpare(std::string zeroing, std::string ready);  // the filler thread

  // Constant after construction.
  const Options options_;
  Env* const env_;

  // Loop thread only.
  std::deque<Segment> segments_;  // never empty once open, sorted by first_index
  uint64_t first_index_ = 1;
  uint64_t last_index_ = 0;
  std::deque<Record> cache_;  // the most recent records, contiguous, ending at last_index_
  size_t cache_bytes_ = 0;
  bool closed_ = false;

  // Writer thread only, except that the loop may touch them under mu_ while the writer is idle.
  std::shared_ptr<WritableFile> writer_file_;  // shared with an everysec sync in progress
  std::string writer_path_;
  bool unsynced_ = false;
  std::chrono::steady_clock::time_point last_sync_;

  // Guarded by mu_.
  mutable std::mutex mu_;
  std::condition_variable work_cv_;  // wakes the writer
  std::condition_variable idle_cv_;  // wakes the loop waiting in WaitIdle() or Sync()
  std::vector<WriteOp> queue_;
  bool writing_ = false;
  bool stop_ = false;
  bool unsynced_since_inline_ = false;  // an inline write left data unsynced: re-arm everysec
  uint64_t sync_requested_ = 0;
  uint64_t sync_done_ = 0;
  Status failure_;

  std::atomic<uint64_t> durable_index_{0};
  std::atomic<FsyncPolicy> fsync_;  // options_.fsync, then CONFIG SET's
  std::atomic<uint64_t> append_calls_{0};
  std::atomic<uint64_t> records_appended_{0};
  std::atomic<uint64_t> records_written_{0};
  std::atomic<uint64_t> batches_written_{0};
  std::atomic<uint64_t> bytes_written_{0};
  std::atomic<uint64_t> fsyncs_{0};

  std::mutex spare_mu_;
  std::vector<Spare> spares_;                // guarded by spare_mu_
  std::atomic<size_t> spare_count_{0};       // spares_.size(), read per record without the lock
  std::atomic<bool> filling_{false};         // a filler thread is zero-filling a spare
  std::atomic<bool> stop_filling_{false};
  uint64_t next_spare_id_ = 0;               // loop thread

  std::thread writer_;
  std::thread filler_;
};

}  // namespace cairn::wal
