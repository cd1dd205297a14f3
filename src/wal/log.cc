// The durable write log: recovery, the loop-side append/read/truncate/compact paths, and the
// writer thread that turns queued bytes into write() and fdatasync calls.
#include "wal/log.h"

#include <algorithm>
#include <charconv>
#include <utility>

#include "common/assert.h"
#include "wal/format.h"

namespace cairn::wal {
namespace {

constexpr auto kEverySecInterval = std::chrono::seconds(1);
constexpr std::string_view kSparePrefix = "wal-spare-";
constexpr std::string_view kSpareReady = ".tmp";
constexpr std::string_view kSpareZeroing = ".zeroing";
// The filler writes and syncs a chunk at a time with a pause between: the log's own fdatasyncs
// share the disk's queue, and a 64 MiB burst was seen to stretch them (the fill has seconds).
constexpr size_t kZeroChunkBytes = size_t{1} << 20;
constexpr auto kZeroChunkPause = std::chrono::milliseconds(10);

std::string JoinPath(const std::string& dir, std::string_view name) {
  std::string path = dir;
  if (!path.empty() && path.back() != '/') path += '/';
  path += name;
  return path;
}

}  // namespace

// ---- Open and recovery ----------------------------------------------------------------------

Result<std::unique_ptr<Log>> Log::Open(Options options) {
  if (options.dir.empty()) return Status::InvalidArgument("wal: options.dir is empty");
  if (options.segment_bytes <= kHeaderBytes + kFrameOverheadBytes) {
    return Status::InvalidArgument("wal: segment_bytes is too small");
  }
  auto log = std::make_unique<Log>(PrivateTag{}, std::move(options));
  CAIRN_RETURN_IF_ERROR(log->Recover());
  log->writer_ = std::thread([raw = log.get()] { raw->WriterLoop(); });
  return log;
}

Log::Log(PrivateTag, Options options)
    : options_(std::move(options)),
      env_(options_.env != nullptr ? options_.env : Env::Posix()),
      last_sync_(std::chrono::steady_clock::now()),
      fsync_(options_.fsync) {}

Log::~Log() { (void)Close(); }

void Log::Note(std::string_view msg) const {
  if (options_.logger) options_.logger(msg);
}

Status Log::Recover() {
  CAIRN_RETURN_IF_ERROR(env_->CreateDirIfMissing(options_.dir));
  auto names = env_->ListDir(options_.dir);
  if (!names.ok()) return names.status();
  std::vector<std::pair<uint64_t, std::string>> found;
  std::vector<std::string> spare_names;
  for (const std::string& name : *names) {
    uint64_t first = 0;
    if (ParseSegmentFileName(name, &first)) {
      found.emplace_back(first, JoinPath(options_.dir, name));
    } else if (name.starts_with(kSparePrefix)) {
      spare_names.push_back(name);
    }
  }
  std::sort(found.begin(), found.end());

  // Once something is cut, every later segment goes too: records after a bad one are never served.
  bool cut = false;
  bool removed_any = false;
  uint64_t fresh_first_index = 1;
  for (auto& [first, path] : found) {
    const bool last_file = path == found.back().second;
    auto data = env_->ReadWholeFile(path);
    if (!data.ok()) return data.status();
    std::string problem;
    SegmentScan scan;
    if (cut) {
      problem = "it follows a cut";
    } else if (!segments_.empty() && first != segments_.back().last_index() + 1) {
      problem = "it starts at index " + std::to_string(first) + ", expected " +
                std::to_string(segments_.back().last_index() + 1);
    } else {
      scan = ScanSegment(*data, first);
      if (!scan.header_ok) problem = scan.problem;
      // A whole segment of the other format is not damage to cut away: refuse to open.
      if (scan.header_ok && scan.version != options_.format_version) {
        return Status::InvalidArgument("wal: " + path + " is format version " +
                                       std::to_string(scan.version) + ", this log is version " +
                                       std::to_string(options_.format_version));
      }
    }
    if (!problem.empty()) {
      Note("wal: recovery removed " + path + " (" + std::to_string(data->size()) +
           " bytes): " + problem);
      CAIRN_RETURN_IF_ERROR(env_->RemoveFile(path));
      if (segments_.empty() && !cut) fresh_first_index = first;
      cut = removed_any = true;
      continue;
    }
    const bool reused = (scan.flags & kHeaderReused) != 0;
    if (!scan.problem.empty() && reused && last_file) {
      // Written over from the start: past the last record lie zeros or the file's earlier
      // contents (or a torn write, never acknowledged). The log ends here, and the next record
      // is written over them; a roll cuts the file first.
      const std::string_view rest = std::string_view(*data).substr(scan.valid_bytes);
      if (rest.find_first_not_of('\0') != std::string_view::npos) {
        Note("wal: " + path + " ends at offset " + std::to_string(scan.valid_bytes) + " (" +
             scan.problem + "); the " + std::to_string(rest.size()) +
             " bytes after it are left from the reused file's earlier contents or a torn write");
      }
    } else if (!scan.problem.empty()) {
      Note("wal: recovery cut " + path + " at offset " + std::to_string(scan.valid_bytes) +
           ", dropping " + std::to_string(data->size() - scan.valid_bytes) +
           " bytes: " + scan.problem);
      CAIRN_RETURN_IF_ERROR(env_->TruncateFile(path, scan.valid_bytes));
      data->resize(scan.valid_bytes);
      cut = true;
    }
    Segment seg;
    seg.first_index = first;
    seg.path = path;
    seg.offsets = std::move(scan.offsets);
    seg.size_bytes = scan.valid_bytes;
    seg.file_bytes = data->size();
    segments_.push_back(std::move(seg));
  }
  if (removed_any) CAIRN_RETURN_IF_ERROR(env_->SyncDir(options_.dir));
  if (segments_.empty()) CAIRN_RETURN_IF_ERROR(CreateEmptySegment(fresh_first_index));

  first_index_ = segments_.front().first_index;
  last_index_ = segments_.back().last_index();
  durable_index_.store(last_index_, std::memory_order_release);
  for (const std::string& name : spare_names) CAIRN_RETURN_IF_ERROR(RecoverSpare(name));
  return Status::Ok();
}

// Written synchronously, so that first_index survives a crash even before the first append.
Status Log::CreateEmptySegment(uint64_t first_index) {
  Segment seg;
  seg.first_index = first_index;
  seg.path = JoinPath(options_.dir, SegmentFileName(first_index));
  seg.size_bytes = seg.file_bytes = kHeaderBytes;
  std::string header;
  EncodeHeader(&header, first_index, options_.format_version);
  auto file = env_->OpenWritable(seg.path, 0, /*truncate=*/true);
  if (!file.ok()) return file.status();
  CAIRN_RETURN_IF_ERROR((*file)->Append(header));
  CAIRN_RETURN_IF_ERROR((*file)->Sync());
  CAIRN_RETURN_IF_ERROR(env_->SyncDir(options_.dir));
  segments_.push_back(std::move(seg));
  return Status::Ok();
}

// ---- Loop thread: append ---------------------------------------------------------------------

uint64_t Log::Append(std::vector<Record> batch) {
  CAIRN_ASSERT(!closed_);
  if (batch.empty()) return last_index_;
  std::vector<WriteOp> ops;
  for (const Record& r : batch) {
    CAIRN_ASSERT(r.index == last_index_ + 1);
    FrameRecord(r.index, r.term, {}, r.payload, &ops);
  }
  FinishAppend(batch.size(), std::move(ops));
  AddToCache(&batch);
  return last_index_;
}

uint64_t Log::AppendPayloads(uint64_t term, std::span<const std::string_view> payloads) {
  CAIRN_ASSERT(!closed_);
  if (payloads.empty()) return last_index_;
  const uint64_t first = last_index_ + 1;
  std::vector<WriteOp> ops;
  for (std::string_view p : payloads) FrameRecord(last_index_ + 1, term, {}, p, &ops);
  FinishAppend(payloads.size(), std::move(ops));
  if (options_.tail_cache_bytes > 0) {
    std::vector<Record> batch;
    batch.reserve(payloads.size());
    uint64_t index = first;
    for (std::string_view p : payloads) batch.push_back(Record{index++, term, std::string(p)});
    AddToCache(&batch);
  }
  return last_index_;
}

uint64_t Log::AppendPayloads(uint64_t term, const std::vector<std::string>& payloads) {
  std::vector<std::string_view> views(payloads.begin(), payloads.end());
  return AppendPayloads(term, std::span<const std::string_view>(views));
}

uint64_t Log::AppendViews(std::span<const RecordView> records) {
  CAIRN_ASSERT(!closed_);
  if (records.empty()) return last_index_;
  std::vector<WriteOp> ops;
  for (const RecordView& r : records) {
    CAIRN_ASSERT(r.index == last_index_ + 1);
    FrameRecord(r.index, r.term, r.head, r.body, &ops);
  }
  FinishAppend(records.size(), std::move(ops));
  if (options_.tail_cache_bytes > 0) {
    std::vector<Record> batch;
    batch.reserve(records.size());
    for (const RecordView& r : records) {
      std::string payload(r.head);
      payload += r.body;
      batch.push_back(Record{r.index, r.term, std::move(payload)});
    }
    AddToCache(&batch);
  }
  return last_index_;
}

void Log::FrameRecord(uint64_t index, uint64_t term, std::string_view head, std::string_view body,
                      std::vector<WriteOp>* ops) {
  CAIRN_ASSERT(head.size() + body.size() <= kMaxPayloadBytes);
  const size_t frame_bytes = FrameBytes(head.size() + body.size());
  Segment* seg = &segments_.back();
  // A segment being appended to (its file grows with it) leaves for a spare as soon as one is
  // ready: the journal commit per fdatasync is what spares are for.
  const bool appending = seg->file_bytes <= seg->size_bytes;
  if (!seg->offsets.empty() &&
      (seg->size_bytes + frame_bytes > options_.segment_bytes ||
       (appending && spare_count_.load(std::memory_order_relaxed) > 0))) {
    seg = &Roll(index, ops);
  }
  if (ops->empty() || ops->back().path != seg->path) {
    ops->emplace_back();
    ops->back().path = seg->path;
    ops->back().offset = seg->size_bytes;
  }
  EncodeFrame(&ops->back().bytes, index, term, head, body);
  ops->back().last_index = index;
  ++ops->back().records;
  seg->offsets.push_back(seg->size_bytes);
  seg->size_bytes += frame_bytes;
  seg->file_bytes = std::max(seg->file_bytes, seg->size_bytes);
  last_index_ = index;
}

void Log::FinishAppend(size_t records, std::vector<WriteOp> ops) {
  append_calls_.fetch_add(1, std::memory_order_relaxed);
  records_appended_.fetch_add(records, std::memory_order_relaxed);
  Enqueue(std::move(ops));
  MaybeStartFill();
}

Log::Segment& Log::Roll(uint64_t first_index, std::vector<WriteOp>* ops) {
  WriteOp op;
  Segment& left = segments_.back();
  if (left.file_bytes > left.size_bytes) {
    // A reused file: cut its leftover bytes before the next segment exists, or recovery would
    // take them for corruption in the middle of the log.
    op.trim_path = left.path;
    op.trim_bytes = left.file_bytes = left.size_bytes;
  }
  Segment seg;
  seg.first_index = first_index;
  seg.path = JoinPath(options_.dir, SegmentFileName(first_index));
  seg.size_bytes = seg.file_bytes = kHeaderBytes;
  Spare spare;
  if (TakeSpare(&spare)) {
    op.spare = std::move(spare.path);
    seg.file_bytes = std::max(spare.bytes, seg.size_bytes);
  }
  op.path = seg.path;
  op.create = true;
  EncodeHeader(&op.bytes, first_index, options_.format_version, op.spare.empty() ? 0 : kHeaderReused);
  ops->push_back(std::move(op));
  segments_.push_back(std::move(seg));
  return segments_.back();
}

// Coalesces with the op still queued for the same file, so one drain is one write() per file.
void Log::Enqueue(std::vector<WriteOp> ops) {
  if (options_.inline_writes) {
    WriteInline(&ops);
    return;
  }
  {
    std::lock_guard lock(mu_);
    for (WriteOp& op : ops) {
      if (!queue_.empty() && queue_.back().path == op.path && !op.create) {
        queue_.back().bytes += op.bytes;
        queue_.back().last_index = op.last_index;
        queue_.back().records += op.records;
      } else {
        queue_.push_back(std::move(op));
      }
    }
  }
  work_cv_.notify_one();
}

// The loop thread writes, holding mu_ once the writer is idle: the writer's file state is then
// the loop's to use (as in TruncateSuffix), and an everysec fsync waits for the write to end.
void Log::WriteInline(std::vector<WriteOp>* ops) {
  std::unique_lock lock(mu_);
  WaitIdle(lock);
  if (!failure_.ok()) return;  // nothing may become durable past the error
  const bool was_unsynced = unsynced_;
  uint64_t written = 0;
  Status st = WriteOps(ops, /*must_sync=*/false, &written);
  if (!st.ok()) {
    (void)FailLocked(st);
    lock.unlock();
    if (options_.on_failure) options_.on_failure(st);
    return;
  }
  if (written > 0) durable_index_.store(written, std::memory_order_release);
  if (fsync() == FsyncPolicy::kEverySec && !was_unsynced && unsynced_) {
    // The writer sleeps without a deadline while nothing is unsynced: give it one.
    unsynced_since_inline_ = true;
    lock.unlock();
    work_cv_.notify_one();
  }
}

void Log::AddToCache(std::vector<Record>* batch) {
  for (Record& r : *batch) {
    cache_bytes_ += r.payload.size();
    cache_.push_back(std::move(r));
  }
  while (!cache_.empty() && cache_bytes_ > options_.tail_cache_bytes) {
    cache_bytes_ -= cache_.front().payload.size();
    cache_.pop_front();
  }
}

// ---- Loop thread: read -----------------------------------------------------------------------

Log::Segment* Log::FindSegment(uint64_t index) {
  auto it = std::upper_bound(segments_.begin(), segments_.end(), index,
                             [](uint64_t i, const Segment& s) { return i < s.first_index; });
  if (it == segments_.begin()) return nullptr;
  return &*std::prev(it);
}

Result<std::vector<Record>> Log::Read(uint64_t from, uint64_t to_inclusive, size_t max_bytes) {
  CAIRN_ASSERT(!closed_);
  if (from < first_index_) {
    return Status::OutOfRange("wal: index " + std::to_string(from) +
                              " is compacted; first index is " + std::to_string(first_index_));
  }
  if (to_inclusive > last_index_) {
    return Status::OutOfRange("wal: index " + std::to_string(to_inclusive) +
                              " is past the last index " + std::to_string(last_index_));
  }
  const uint64_t to = std::min(to_inclusive, durable_index());
  const uint64_t cache_first = cache_.empty() ? last_index_ + 1 : cache_.front().index;
  std::vector<Record> out;
  size_t bytes = 0;
  uint64_t next = from;
  while (next <= to && next < cache_first) {
    Segment* seg = FindSegment(next);
    CAIRN_ASSERT(seg != nullptr && next <= seg->last_index());
    const uint64_t seg_to = std::min({to, cache_first - 1, seg->last_index()});
    const size_t before = out.size();
    CAIRN_RETURN_IF_ERROR(ReadFromSegment(seg, next, seg_to, max_bytes, &bytes, &out));
    next += out.size() - before;
    if (next <= seg_to) return out;  // stopped by max_bytes
  }
  for (; next <= to; ++next) {
    const Record& r = cache_[next - cache_first];
    if (!out.empty() && bytes + r.payload.size() > max_bytes) break;
    bytes += r.payload.size();
    out.push_back(r);
  }
  return out;
}

// Reads records from..to of one segment with a single pread, verifying each frame again: a record
// that rotted on disk since Open is an error, never served.
Status Log::ReadFromSegment(Segment* seg, uint64_t from, uint64_t to, size_t max_bytes,
                            size_t* bytes, std::vector<Record>* out) {
  auto end_of = [seg](size_t pos) {
    return pos + 1 < seg->offsets.size() ? seg->offsets[pos + 1] : seg->size_bytes;
  };
  const size_t first_pos = from - seg->first_index;
  const size_t to_pos = to - seg->first_index;
  size_t end_pos = first_pos;  // exclusive: grown while the byte budget allows
  size_t budget = *bytes;
  while (end_pos <= to_pos) {
    const size_t payload = end_of(end_pos) - seg->offsets[end_pos] - kFrameOverheadBytes;
    const bool have_one = !out->empty() || end_pos > first_pos;
    if (have_one && budget + payload > max_bytes) break;
    budget += payload;
    ++end_pos;
  }
  if (end_pos == first_pos) return Status::Ok();
  const size_t last_pos = end_pos - 1;
  if (!seg->reader) {
    auto reader = env_->OpenRandomAccess(seg->path);
    if (!reader.ok()) return reader.status();
    seg->reader = std::move(*reader);
  }
  const uint64_t start = seg->offsets[first_pos];
  std::string buf;
  CAIRN_RETURN_IF_ERROR(seg->reader->Read(start, end_of(last_pos) - start, &buf));
  std::string_view in = buf;
  for (size_t pos = first_pos; pos <= last_pos; ++pos) {
    FrameView frame;
    const uint64_t index = seg->first_index + pos;
    if (DecodeFrame(in, &frame) != FrameCheck::kOk || frame.index != index) {
      return Status::Corruption("wal: record " + std::to_string(index) + " in " + seg->path +
                                " fails its checksum");
    }
    out->push_back(Record{frame.index, frame.term, std::string(frame.payload)});
    in.remove_prefix(frame.frame_bytes);
  }
  *bytes = budget;
  return Status::Ok();
}

// ---- Loop thread: truncate, compact, sync, close ---------------------------------------------

// Before the loop rewrites segments: the writer idle, what it wrote synced, and its open file
// closed, so it comes back to nothing that was changed under it.
Status Log::ParkWriterLocked(std::unique_lock<std::mutex>& lock) {
  WaitIdle(lock);
  if (!failure_.ok()) return failure_;
  if (Status st = SyncWriterFile(); !st.ok()) return FailLocked(std::move(st));
  writer_file_.reset();
  writer_path_.clear();
  return Status::Ok();
}

Status Log::TruncateSuffix(uint64_t from_index) {
  CAIRN_ASSERT(!closed_);
  if (from_index > last_index_) return Status::Ok();
  if (from_index < first_index_) {
    return Status::InvalidArgument("wal: cannot truncate from " + std::to_string(from_index) +
                                   ", below the first index " + std::to_string(first_index_));
  }
  std::unique_lock lock(mu_);
  // The file about to shrink may hold unsynced records below from_index: they are synced first.
  CAIRN_RETURN_IF_ERROR(ParkWriterLocked(lock));

  Segment* seg = FindSegment(from_index);
  CAIRN_ASSERT(seg != nullptr);
  const size_t keep = from_index - seg->first_index;
  const uint64_t new_size = seg->offsets[keep];
  // Later segments go first, newest first, so a crash part-way leaves a gap that recovery cuts
  // rather than a stale suffix that would look contiguous.
  while (&segments_.back() != seg) {
    if (Status st = env_->RemoveFile(segments_.back().path); !st.ok()) {
      return FailLocked(std::move(st));
    }
    segments_.pop_back();
  }
  if (Status st = env_->SyncDir(options_.dir); !st.ok()) return FailLocked(std::move(st));
  if (Status st = env_->TruncateFile(seg->path, new_size); !st.ok()) {
    return FailLocked(std::move(st));
  }
  seg->offsets.resize(keep);
  seg->size_bytes = seg->file_bytes = new_size;

  last_index_ = from_index - 1;
  if (durable_index() > last_index_) durable_index_.store(last_index_, std::memory_order_release);
  while (!cache_.empty() && cache_.back().index >= from_index) {
    cache_bytes_ -= cache_.back().payload.size();
    cache_.pop_back();
  }
  return Status::Ok();
}

Status Log::Reset(uint64_t next_index) {
  CAIRN_ASSERT(!closed_);
  CAIRN_ASSERT(next_index >= 1);
  std::unique_lock lock(mu_);
  CAIRN_RETURN_IF_ERROR(ParkWriterLocked(lock));
  // Newest first, as TruncateSuffix: a crash part-way leaves a contiguous prefix.
  while (!segments_.empty()) {
    if (Status st = env_->RemoveFile(segments_.back().path); !st.ok()) {
      return FailLocked(std::move(st));
    }
    segments_.pop_back();
  }
  if (Status st = env_->SyncDir(options_.dir); !st.ok()) return FailLocked(std::move(st));
  if (Status st = CreateEmptySegment(next_index); !st.ok()) return FailLocked(std::move(st));
  first_index_ = next_index;
  last_index_ = next_index - 1;
  durable_index_.store(last_index_, std::memory_order_release);
  cache_.clear();
  cache_bytes_ = 0;
  return Status::Ok();
}

Status Log::CompactPrefix(uint64_t up_to_index) {
  CAIRN_ASSERT(!closed_);
  if (Status st = status(); !st.ok()) return st;
  // Only durable records: a segment still being written must not be deleted under the writer.
  const uint64_t limit = std::min(up_to_index, durable_index());
  bool removed = false;
  while (segments_.size() > 1 && segments_.front().last_index() <= limit) {
    // Oldest first, so a crash part-way leaves a contiguous suffix.
    if (!KeepAsSpare(segments_.front())) {
      CAIRN_RETURN_IF_ERROR(env_->RemoveFile(segments_.front().path));
    }
    segments_.pop_front();
    removed = true;
  }
  if (!removed) return Status::Ok();
  CAIRN_RETURN_IF_ERROR(env_->SyncDir(options_.dir));
  first_index_ = segments_.front().first_index;
  while (!cache_.empty() && cache_.front().index < first_index_) {
    cache_bytes_ -= cache_.front().payload.size();
    cache_.pop_front();
  }
  return Status::Ok();
}

Status Log::Sync() {
  CAIRN_ASSERT(!closed_);
  std::unique_lock lock(mu_);
  if (!failure_.ok()) return failure_;
  const uint64_t ticket = ++sync_requested_;
  work_cv_.notify_one();
  // sync_done_ moves after the drain's callbacks have run, failed or not.
  idle_cv_.wait(lock, [&] { return sync_done_ >= ticket; });
  return failure_;
}

Status Log::Close() {
  if (closed_) return status();
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  work_cv_.notify_one();
  if (writer_.joinable()) writer_.join();
  stop_filling_.store(true);
  if (filler_.joinable()) filler_.join();
  closed_ = true;
  return status();
}

Status Log::status() const {
  std::lock_guard lock(mu_);
  return failure_;
}

LogStats Log::stats() const {
  LogStats s;
  s.append_calls = append_calls_.load(std::memory_order_relaxed);
  s.records_appended = records_appended_.load(std::memory_order_relaxed);
  s.records_written = records_written_.load(std::memory_order_relaxed);
  s.batches_written = batches_written_.load(std::memory_order_relaxed);
  s.bytes_written = bytes_written_.load(std::memory_order_relaxed);
  s.fsyncs = fsyncs_.load(std::memory_order_relaxed);
  return s;
}

void Log::WaitIdle(std::unique_lock<std::mutex>& lock) {
  idle_cv_.wait(lock, [&] { return queue_.empty() && !writing_; });
}

Status Log::FailLocked(Status st) {
  if (failure_.ok()) failure_ = st;
  return st;
}

// ---- Writer thread ---------------------------------------------------------------------------

void Log::WriterLoop() {
  std::unique_lock lock(mu_);
  for (;;) {
    const bool everysec = fsync() == FsyncPolicy::kEverySec;
    auto has_work = [&] {
      return stop_ || !queue_.empty() || sync_requested_ > sync_done_ || unsynced_since_inline_;
    };
    // A failed log never syncs again, so it has no deadline to wake for.
    if (everysec && unsynced_ && failure_.ok()) {
      work_cv_.wait_until(lock, last_sync_ + kEverySecInterval, has_work);
    } else {
      work_cv_.wait(lock, has_work);
    }
    unsynced_since_inline_ = false;
    const bool second_passed =
        everysec && std::chrono::steady_clock::now() >= last_sync_ + kEverySecInterval;
    const bool must_sync = stop_ || sync_requested_ > sync_done_ || second_passed;
    const uint64_t ticket = sync_requested_;
    const bool failed = !failure_.ok();
    if (second_passed && queue_.empty() && !stop_ && ticket == sync_done_ && !failed) {
      EverySecSync(lock);
      continue;
    }
    std::vector<WriteOp> ops = std::move(queue_);
    queue_.clear();
    writing_ = true;
    lock.unlock();

    uint64_t written = 0;
    // After a failure queued bytes are dropped: nothing may become durable past the error.
    Status st = failed ? Status::Ok() : WriteOps(&ops, must_sync, &written);
    bool advanced = false;
    lock.lock();
    if (!st.ok()) {
      (void)FailLocked(st);
    } else if (!failed && written > 0) {
      durable_index_.store(written, std::memory_order_release);
      advanced = true;
    }
    lock.unlock();
    // Outside the lock, but still "writing", so TruncateSuffix cannot interleave with it.
    if (!st.ok() && options_.on_failure) options_.on_failure(st);
    if (advanced && options_.on_durable) options_.on_durable(written);
    lock.lock();
    writing_ = false;
    sync_done_ = ticket;  // Sync() reads failure_ to tell whether the sync it asked for happened.
    idle_cv_.notify_all();
    if (stop_ && queue_.empty()) break;
  }
}

// The once-a-second fdatasync of what inline writes left unsynced. It runs without mu_ and
// without `writing_`, so the loop's inline writes (which only need mu_) go on meanwhile: waiting
// for an fdatasync that takes milliseconds on a busy disk was, once a second, the slowest
// request's latency. The file stays open while this holds it, even if the loop moves to the next
// segment (which syncs the one it leaves itself); what is written while the sync runs is left
// unsynced for the next one.
void Log::EverySecSync(std::unique_lock<std::mutex>& lock) {
  std::shared_ptr<WritableFile> file = writer_file_;
  if (!unsynced_ || file == nullptr) return;
  unsynced_ = false;
  lock.unlock();
  Status st = file->Sync();
  file.reset();
  lock.lock();
  if (!st.ok()) {
    unsynced_ = true;
    (void)FailLocked(st);
    lock.unlock();
    if (options_.on_failure) options_.on_failure(st);
    lock.lock();
    return;
  }
  last_sync_ = std::chrono::steady_clock::now();
  fsyncs_.fetch_add(1, std::memory_order_relaxed);
}

// Writes every op, one Append per op (ops for one file were coalesced by Enqueue), then syncs as
// the policy says. Sets *written to the last index written.
Status Log::WriteOps(std::vector<WriteOp>* ops, bool must_sync, uint64_t* written) {
  size_t records = 0;
  for (const WriteOp& op : *ops) {
    if (!writer_file_ || op.path != writer_path_) CAIRN_RETURN_IF_ERROR(SwitchWriterFile(op));
    CAIRN_RETURN_IF_ERROR(writer_file_->Append(op.bytes));
    unsynced_ = true;
    bytes_written_.fetch_add(op.bytes.size(), std::memory_order_relaxed);
    records += op.records;
    *written = op.last_index;
  }
  records_written_.fetch_add(records, std::memory_order_relaxed);
  if (!ops->empty()) batches_written_.fetch_add(1, std::memory_order_relaxed);
  const bool sync = must_sync || (fsync() == FsyncPolicy::kAlways && !ops->empty());
  if (sync) CAIRN_RETURN_IF_ERROR(SyncWriterFile());
  return Status::Ok();
}

Status Log::SyncWriterFile() {
  if (!unsynced_ || !writer_file_) return Status::Ok();
  CAIRN_RETURN_IF_ERROR(writer_file_->Sync());
  unsynced_ = false;
  last_sync_ = std::chrono::steady_clock::now();
  fsyncs_.fetch_add(1, std::memory_order_relaxed);
  return Status::Ok();
}

// The file being left is synced whatever the policy: a later Sync() only reaches the current file.
Status Log::SwitchWriterFile(const WriteOp& op) {
  CAIRN_RETURN_IF_ERROR(SyncWriterFile());
  writer_file_.reset();
  writer_path_.clear();
  if (!op.trim_path.empty()) CAIRN_RETURN_IF_ERROR(env_->TruncateFile(op.trim_path, op.trim_bytes));
  if (!op.spare.empty()) CAIRN_RETURN_IF_ERROR(env_->RenameFile(op.spare, op.path));
  auto file = env_->OpenWritable(op.path, op.offset, op.create && op.spare.empty());
  if (!file.ok()) return file.status();
  writer_file_ = std::move(*file);
  writer_path_ = op.path;
  if (op.create) CAIRN_RETURN_IF_ERROR(env_->SyncDir(options_.dir));
  return Status::Ok();
}

// ---- Spares -----------------------------------------------------------------------------------

std::string Log::SparePath(uint64_t id, bool ready) const {
  std::string name(kSparePrefix);
  name += std::to_string(id);
  name += ready ? kSpareReady : kSpareZeroing;
  return JoinPath(options_.dir, name);
}

// A ready spare from before a restart is kept while there is room, if it cannot hold a record
// the log could take for its own: zero-filled, or a compacted segment of this log (its records
// all come before first_index_). Anything else (a half-filled one, a stranger) is removed.
Status Log::RecoverSpare(const std::string& name) {
  const std::string path = JoinPath(options_.dir, name);
  uint64_t id = 0;
  bool keep = name.ends_with(kSpareReady) && spares_.size() < options_.max_spares;
  if (keep) {
    const std::string_view digits = std::string_view(name).substr(
        kSparePrefix.size(), name.size() - kSparePrefix.size() - kSpareReady.size());
    auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), id);
    keep = ec == std::errc() && ptr == digits.data() + digits.size();
  }
  uint64_t bytes = 0;
  if (keep) {
    auto data = env_->ReadWholeFile(path);
    if (!data.ok()) return data.status();
    bytes = data->size();
    const std::string_view head = std::string_view(*data).substr(0, kHeaderBytes);
    SegmentHeader header;
    keep = head.size() == kHeaderBytes &&
           (head.find_first_not_of('\0') == std::string_view::npos ||
            (DecodeHeader(head, &header).empty() && header.first_index < first_index_));
  }
  if (!keep) return env_->RemoveFile(path);
  next_spare_id_ = std::max(next_spare_id_, id + 1);
  spares_.push_back(Spare{path, bytes});
  spare_count_.store(spares_.size());
  return Status::Ok();
}

bool Log::TakeSpare(Spare* out) {
  if (spare_count_.load(std::memory_order_relaxed) == 0) return false;
  std::lock_guard lock(spare_mu_);
  if (spares_.empty()) return false;
  *out = std::move(spares_.back());
  spares_.pop_back();
  spare_count_.store(spares_.size());
  return true;
}

// A compacted segment of nearly full size becomes a spare, renamed rather than deleted.
bool Log::KeepAsSpare(const Segment& seg) {
  if (options_.max_spares == 0 || seg.file_bytes < options_.segment_bytes / 2) return false;
  std::lock_guard lock(spare_mu_);
  if (spares_.size() >= options_.max_spares) return false;
  std::string path = SparePath(next_spare_id_++, /*ready=*/true);
  if (!env_->RenameFile(seg.path, path).ok()) return false;  // then it is removed instead
  spares_.push_back(Spare{std::move(path), seg.file_bytes});
  spare_count_.store(spares_.size());
  return true;
}

// Zero-fills a spare in the background once a segment is being appended to (no spare was at hand
// when it began) and holds an eighth of segment_bytes; it rolls over as soon as the spare is
// ready. Never ahead of need: while checkpoints drop segments, their files are the spares, and a
// fill is a segment's worth of writes sharing the disk with the log's fdatasyncs.
void Log::MaybeStartFill() {
  if (options_.max_spares == 0 || spare_count_.load(std::memory_order_relaxed) > 0 ||
      filling_.load(std::memory_order_relaxed)) {
    return;
  }
  const Segment& seg = segments_.back();
  if (seg.file_bytes > seg.size_bytes || seg.size_bytes < options_.segment_bytes / 8) return;
  if (filler_.joinable()) filler_.join();  // the last fill is over: filling_ is false
  filling_.store(true);
  const uint64_t id = next_spare_id_++;
  filler_ = std::thread([this, zeroing = SparePath(id, false), ready = SparePath(id, true)] {
    FillSpare(zeroing, ready);
  });
}

// The filler thread. A failure only means no spare: the next segment is appended to instead.
void Log::FillSpare(std::string zeroing, std::string ready) {
  auto fill = [&]() -> Status {
    auto file = env_->OpenWritable(zeroing, 0, /*truncate=*/true);
    if (!file.ok()) return file.status();
    const std::string zeros(kZeroChunkBytes, '\0');
    uint64_t done = 0;
    while (done < options_.segment_bytes) {
      if (stop_filling_.load(std::memory_order_relaxed)) return Status::Aborted("closing");
      const size_t n = static_cast<size_t>(std::min<uint64_t>(zeros.size(), options_.segment_bytes - done));
      CAIRN_RETURN_IF_ERROR((*file)->Append(std::string_view(zeros).substr(0, n)));
      // Synced each chunk: the blocks and the length are durable before the file is used.
      CAIRN_RETURN_IF_ERROR((*file)->Sync());
      done += n;
      if (done < options_.segment_bytes) std::this_thread::sleep_for(kZeroChunkPause);
    }
    return env_->RenameFile(zeroing, ready);
  };
  Status st = fill();
  bool kept = false;
  if (st.ok()) {
    std::lock_guard lock(spare_mu_);
    if (spares_.size() < options_.max_spares) {
      spares_.push_back(Spare{ready, options_.segment_bytes});
      spare_count_.store(spares_.size());
      kept = true;
    }
  }
  if (!kept) (void)env_->RemoveFile(st.ok() ? ready : zeroing);
  filling_.store(false);
}

}  // namespace cairn::wal
