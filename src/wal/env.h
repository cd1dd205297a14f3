// The file-system seam of the write-ahead log: every OS call the log makes goes through Env, so
// tests can inject a failing or blocking write/fsync without touching the log's code.
//
// Env is an interface; Env::Posix() returns the stateless POSIX implementation (shared, never
// destroyed, safe from any thread). A WritableFile or RandomAccessFile is owned by whoever opened
// it and used by one thread at a time. Every method reports failure as a Status, never by throwing.
// Cost: each call is one or a few system calls; nothing is buffered in user space.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace cairn::wal {

// A file opened for sequential writing from some offset. Append() writes all of `data` (looping
// over short writes) where the last write ended, whatever the file held there.
class WritableFile {
 public:
  virtual ~WritableFile() = default;
  virtual Status Append(std::string_view data) = 0;
  // Makes everything appended so far durable (fdatasync).
  virtual Status Sync() = 0;
};

// A file read at explicit offsets (pread), so readers share no cursor.
class RandomAccessFile {
 public:
  virtual ~RandomAccessFile() = default;
  // Reads exactly n bytes at offset into *out; a short file is a Corruption.
  virtual Status Read(uint64_t offset, size_t n, std::string* out) const = 0;
};

class Env {
 public:
  virtual ~Env() = default;

  // The process-wide POSIX implementation. It holds no state.
  static Env* Posix();

  virtual Status CreateDirIfMissing(const std::string& dir) = 0;
  // Names (not paths) of the entries in dir, in no particular order.
  virtual Result<std::vector<std::string>> ListDir(const std::string& dir) = 0;
  virtual Result<std::string> ReadWholeFile(const std::string& path) = 0;
  // Opens path for writing from `offset`, creating it; `truncate` empties an existing file first
  // (then offset must be 0). Bytes already past the offset are overwritten, not moved: the log
  // writes into files it reuses, whose blocks are already allocated, so that an fdatasync need not
  // commit a new file length to the journal.
  virtual Result<std::unique_ptr<WritableFile>> OpenWritable(const std::string& path,
                                                             uint64_t offset, bool truncate) = 0;
  virtual Result<std::unique_ptr<RandomAccessFile>> OpenRandomAccess(const std::string& path) = 0;
  // Cuts path to `size` bytes and makes the new length durable.
  virtual Status TruncateFile(const std::string& path, uint64_t size) = 0;
  virtual Status RemoveFile(const std::string& path) = 0;
  // Renames a file within a directory, replacing `to`; SyncDir makes it durable.
  virtual Status RenameFile(const std::string& from, const std::string& to) = 0;
  // Makes creations and removals of entries in dir durable.
  virtual Status SyncDir(const std::string& dir) = 0;
};

}  // namespace cairn::wal
