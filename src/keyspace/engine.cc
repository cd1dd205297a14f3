// Engine: LevelDB behind Cairn's Status, with the cache and filter it owns kept alive together.
#include "keyspace/engine.h"

#include <fcntl.h>
#include <leveldb/cache.h>
#include <leveldb/db.h>
#include <leveldb/env.h>
#include <leveldb/filter_policy.h>
#include <leveldb/iterator.h>
#include <leveldb/options.h>
#include <leveldb/write_batch.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace cairn::keyspace {
namespace {

leveldb::Slice ToSlice(std::string_view s) { return leveldb::Slice(s.data(), s.size()); }
std::string_view ToView(const leveldb::Slice& s) { return std::string_view(s.data(), s.size()); }

Status FromLevelDb(const leveldb::Status& s) {
  if (s.ok()) return Status::Ok();
  if (s.IsNotFound()) return Status::NotFound(s.ToString());
  if (s.IsCorruption()) return Status::Corruption(s.ToString());
  if (s.IsInvalidArgument()) return Status::InvalidArgument(s.ToString());
  return Status::IoError(s.ToString());
}

// How the calling thread's table reads go. LevelDB's Get has no per-call way to reach the file
// read, so Engine::GetIfCached sets this for the thread around its Get (the loop thread only).
struct ReadMode {
  bool nowait = false;       // fail a read that would wait for the disk
  bool would_block = false;  // set when one did
};
thread_local ReadMode tls_read_mode;

// Reads what the page cache holds (preadv2 with RWF_NOWAIT), all of [offset, offset + n) or
// nothing: a part would be a truncated block to LevelDB. A file system without RWF_NOWAIT
// counts as a disk read (the caller reads on a thread that may wait).
ssize_t PreadNoWait(int fd, char* buf, size_t n, uint64_t offset) {
  size_t done = 0;
  while (done < n) {
    iovec iov{buf + done, n - done};
    ssize_t got = ::preadv2(fd, &iov, 1, static_cast<off_t>(offset + done), RWF_NOWAIT);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0 && (errno == EAGAIN || errno == EOPNOTSUPP)) {
      tls_read_mode.would_block = true;
      errno = EAGAIN;
      return -1;
    }
    if (got < 0) return -1;
    if (got == 0) break;  // end of file
    done += static_cast<size_t>(got);
  }
  return static_cast<ssize_t>(done);
}

// Table files read with pread instead of LevelDB's default mmap. Mapped pages that a read touched
// count in the process's RSS until the table is closed, so a data set larger than RAM would show
// up as RSS far beyond maxmemory; pread goes through the page cache, which the kernel manages.
class PreadFile final : public leveldb::RandomAccessFile {
 public:
  PreadFile(int fd, std::string name) : fd_(fd), name_(std::move(name)) {}
  ~PreadFile() override { ::close(fd_); }

  leveldb::Status Read(uint64_t offset, size_t n, leveldb::Slice* result,
                       char* scratch) const override {
    ssize_t got;
    if (tls_read_mode.nowait) {
      got = PreadNoWait(fd_, scratch, n, offset);
    } else {
      do {
        got = ::pread(fd_, scratch, n, static_cast<off_t>(offset));
      } while (got < 0 && errno == EINTR);
    }
    *result = leveldb::Slice(scratch, got < 0 ? 0 : static_cast<size_t>(got));
    if (got < 0) return leveldb::Status::IOError(name_, std::strerror(errno));
    return leveldb::Status::OK();
  }

 private:
  const int fd_;
  const std::string name_;
};

class PreadEnv final : public leveldb::EnvWrapper {
 public:
  PreadEnv() : EnvWrapper(leveldb::Env::Default()) {}

  leveldb::Status NewRandomAccessFile(const std::string& name,
                                      leveldb::RandomAccessFile** result) override {
    int fd = ::open(name.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      *result = nullptr;
      return errno == ENOENT ? leveldb::Status::NotFound(name, std::strerror(errno))
                             : leveldb::Status::IOError(name, std::strerror(errno));
    }
    *result = new PreadFile(fd, name);  // LevelDB's interface: the caller takes ownership
    return leveldb::Status::OK();
  }
};

}  // namespace

// --- EngineBatch ---

struct EngineBatch::Impl {
  leveldb::WriteBatch batch;
  size_t count = 0;
};

EngineBatch::EngineBatch() : impl_(std::make_unique<Impl>()) {}
EngineBatch::~EngineBatch() = default;
EngineBatch::EngineBatch(EngineBatch&&) noexcept = default;
EngineBatch& EngineBatch::operator=(EngineBatch&&) noexcept = default;

void EngineBatch::Put(std::string_view key, std::string_view value) {
  impl_->batch.Put(ToSlice(key), ToSlice(value));
  ++impl_->count;
}
void EngineBatch::Delete(std::string_view key) {
  impl_->batch.Delete(ToSlice(key));
  ++impl_->count;
}
void EngineBatch::Clear() {
  impl_->batch.Clear();
  impl_->count = 0;
}
size_t EngineBatch::count() const { return impl_->count; }

void EngineBatch::Truncate(size_t count) {
  if (count >= impl_->count) return;
  // leveldb::WriteBatch cannot drop operations: copy the ones kept into a fresh batch.
  struct Copier final : leveldb::WriteBatch::Handler {
    leveldb::WriteBatch* out = nullptr;
    size_t left = 0;
    void Put(const leveldb::Slice& key, const leveldb::Slice& value) override {
      if (left > 0) {
        out->Put(key, value);
        --left;
      }
    }
    void Delete(const leveldb::Slice& key) override {
      if (left > 0) {
        out->Delete(key);
        --left;
      }
    }
  };
  leveldb::WriteBatch kept;
  Copier copier;
  copier.out = &kept;
  copier.left = count;
  impl_->batch.Iterate(&copier);  // our own well-formed batch: it cannot fail
  impl_->batch = std::move(kept);
  impl_->count = count;
}
size_t EngineBatch::ApproximateBytes() const { return impl_->batch.ApproximateSize(); }
// An empty leveldb::WriteBatch serializes to its 12-byte header.
bool EngineBatch::empty() const { return impl_->batch.ApproximateSize() <= 12; }

// --- EngineIterator ---

struct EngineIterator::Impl {
  std::unique_ptr<leveldb::Iterator> it;
  std::string prefix;
};

EngineIterator::EngineIterator(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
EngineIterator::~EngineIterator() = default;
EngineIterator::EngineIterator(EngineIterator&&) noexcept = default;

void EngineIterator::Seek(std::string_view target) { impl_->it->Seek(ToSlice(target)); }
void EngineIterator::SeekToFirst() { impl_->it->Seek(impl_->prefix); }
bool EngineIterator::Valid() const {
  return impl_->it->Valid() && impl_->it->key().starts_with(impl_->prefix);
}
void EngineIterator::Next() { impl_->it->Next(); }
void EngineIterator::SeekForPrev(std::string_view target) {
  leveldb::Iterator& it = *impl_->it;
  it.Seek(ToSlice(target));
  if (!it.Valid()) {
    if (it.status().ok()) it.SeekToLast();
  } else if (it.key().compare(ToSlice(target)) > 0) {
    it.Prev();
  }
}
void EngineIterator::Prev() { impl_->it->Prev(); }
std::string_view EngineIterator::key() const { return ToView(impl_->it->key()); }
std::string_view EngineIterator::value() const { return ToView(impl_->it->value()); }
Status EngineIterator::status() const { return FromLevelDb(impl_->it->status()); }

// --- Engine ---

struct Engine::Impl {
  // Declared before db so that they outlive it (members are destroyed in reverse order).
  PreadEnv env;
  std::unique_ptr<leveldb::Cache> block_cache;
  std::unique_ptr<const leveldb::FilterPolicy> filter;
  std::unique_ptr<leveldb::DB> db;
};

Engine::Engine(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Engine::~Engine() = default;

Result<std::unique_ptr<Engine>> Engine::Open(const EngineOptions& options) {
  std::error_code ec;
  std::filesystem::create_directories(options.dir, ec);
  if (ec) return Status::IoError("create " + options.dir + ": " + ec.message());

  auto impl = std::make_unique<Impl>();
  impl->block_cache.reset(leveldb::NewLRUCache(options.block_cache_bytes));
  if (options.bloom_bits_per_key > 0) {
    impl->filter.reset(leveldb::NewBloomFilterPolicy(options.bloom_bits_per_key));
  }
  leveldb::Options lo;
  lo.create_if_missing = options.create_if_missing;
  lo.error_if_exists = options.error_if_exists;
  lo.env = &impl->env;
  lo.block_cache = impl->block_cache.get();
  lo.filter_policy = impl->filter.get();
  lo.write_buffer_size = options.write_buffer_bytes;
  lo.max_open_files = options.max_open_files;
  leveldb::DB* raw = nullptr;
  leveldb::Status s = leveldb::DB::Open(lo, options.dir, &raw);
  if (!s.ok()) return FromLevelDb(s);
  impl->db.reset(raw);
  return std::unique_ptr<Engine>(new Engine(std::move(impl)));  // private constructor
}

Status Engine::Get(std::string_view key, std::string* value) const {
  return FromLevelDb(impl_->db->Get(leveldb::ReadOptions(), ToSlice(key), value));
}

Status Engine::GetIfCached(std::string_view key, std::string* value) const {
  tls_read_mode = ReadMode{.nowait = true};
  leveldb::Status s = impl_->db->Get(leveldb::ReadOptions(), ToSlice(key), value);
  const bool would_block = tls_read_mode.would_block;
  tls_read_mode = ReadMode{};
  if (would_block) return Status::Unavailable("the read would wait for the disk");
  return FromLevelDb(s);
}

Status Engine::Write(EngineBatch* batch, bool sync) {
  leveldb::WriteOptions wo;
  wo.sync = sync;
  return FromLevelDb(impl_->db->Write(wo, &batch->impl_->batch));
}

EngineIterator Engine::NewPrefixIterator(std::string_view prefix) const {
  leveldb::ReadOptions ro;
  // Scans (SCAN, GC, paging in the expiry index) must not push hot point-read blocks out.
  ro.fill_cache = false;
  auto impl = std::make_unique<EngineIterator::Impl>();
  impl->it.reset(impl_->db->NewIterator(ro));
  impl->prefix = std::string(prefix);
  return EngineIterator(std::move(impl));
}

uint64_t Engine::ApproximateSize(std::string_view start, std::string_view limit) const {
  leveldb::Range range(ToSlice(start), ToSlice(limit));
  uint64_t size = 0;
  impl_->db->GetApproximateSizes(&range, 1, &size);
  return size;
}

std::string Engine::DebugStats() const {
  std::string out;
  impl_->db->GetProperty("leveldb.stats", &out);
  return out;
}

}  // namespace cairn::keyspace
