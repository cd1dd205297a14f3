// The POSIX implementation of the log's file-system seam: thin wrappers over open/write/pread/
// fdatasync that turn errno into a Status naming the file.
#include "wal/env.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace cairn::wal {
namespace {

Status ErrnoStatus(std::string_view what, const std::string& path, int err) {
  std::string msg(what);
  msg += " ";
  msg += path;
  msg += ": ";
  msg += std::strerror(err);
  return Status::IoError(std::move(msg));
}

// Owns one file descriptor and closes it on destruction.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

class PosixWritableFile final : public WritableFile {
 public:
  PosixWritableFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}

  Status Append(std::string_view data) override {
    while (!data.empty()) {
      ssize_t n = ::write(fd_.get(), data.data(), data.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        return ErrnoStatus("write", path_, errno);
      }
      data.remove_prefix(static_cast<size_t>(n));
    }
    return Status::Ok();
  }

  Status Sync() override {
    if (::fdatasync(fd_.get()) != 0) return ErrnoStatus("fdatasync", path_, errno);
    return Status::Ok();
  }

  int fd() const { return fd_.get(); }

 private:
  const std::string path_;
  Fd fd_;
};

// Reads exactly n bytes at offset, looping over short reads; end of file first is a Corruption.
Status ReadFully(int fd, const std::string& path, uint64_t offset, size_t n, std::string* out) {
  out->resize(n);
  size_t done = 0;
  while (done < n) {
    ssize_t r = ::pread(fd, out->data() + done, n - done, static_cast<off_t>(offset + done));
    if (r < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus("pread", path, errno);
    }
    if (r == 0) return Status::Corruption("short read in " + path);
    done += static_cast<size_t>(r);
  }
  return Status::Ok();
}

class PosixRandomAccessFile final : public RandomAccessFile {
 public:
  PosixRandomAccessFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}

  Status Read(uint64_t offset, size_t n, std::string* out) const override {
    return ReadFully(fd_.get(), path_, offset, n, out);
  }

 private:
  const std::string path_;
  Fd fd_;
};

class PosixEnv final : public Env {
 public:
  Status CreateDirIfMissing(const std::string& dir) override {
    if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) return ErrnoStatus("mkdir", dir, errno);
    return Status::Ok();
  }

  Result<std::vector<std::string>> ListDir(const std::string& dir) override {
    DIR* d = ::opendir(dir.c_str());
    if (d == nullptr) return ErrnoStatus("opendir", dir, errno);
    std::vector<std::string> names;
    while (struct dirent* e = ::readdir(d)) {
      std::string_view name(e->d_name);
      if (name != "." && name != "..") names.emplace_back(name);
    }
    ::closedir(d);
    return names;
  }

  Result<std::string> ReadWholeFile(const std::string& path) override {
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) return ErrnoStatus("open", path, errno);
    struct stat st;
    if (::fstat(fd.get(), &st) != 0) return ErrnoStatus("fstat", path, errno);
    std::string data;
    CAIRN_RETURN_IF_ERROR(ReadFully(fd.get(), path, 0, static_cast<size_t>(st.st_size), &data));
    return data;
  }

  Result<std::unique_ptr<WritableFile>> OpenWritable(const std::string& path, uint64_t offset,
                                                     bool truncate) override {
    int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (truncate ? O_TRUNC : 0);
    auto file = std::make_unique<PosixWritableFile>(path, ::open(path.c_str(), flags, 0644));
    if (file->fd() < 0) return ErrnoStatus("open", path, errno);
    if (::lseek(file->fd(), static_cast<off_t>(offset), SEEK_SET) < 0) {
      return ErrnoStatus("lseek", path, errno);
    }
    return std::unique_ptr<WritableFile>(std::move(file));
  }

  Result<std::unique_ptr<RandomAccessFile>> OpenRandomAccess(const std::string& path) override {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return ErrnoStatus("open", path, errno);
    return std::unique_ptr<RandomAccessFile>(std::make_unique<PosixRandomAccessFile>(path, fd));
  }

  Status TruncateFile(const std::string& path, uint64_t size) override {
    Fd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
    if (fd.get() < 0) return ErrnoStatus("open", path, errno);
    if (::ftruncate(fd.get(), static_cast<off_t>(size)) != 0) {
      return ErrnoStatus("ftruncate", path, errno);
    }
    // fsync, not fdatasync: the new length is the point of the call.
    if (::fsync(fd.get()) != 0) return ErrnoStatus("fsync", path, errno);
    return Status::Ok();
  }

  Status RemoveFile(const std::string& path) override {
    if (::unlink(path.c_str()) != 0) return ErrnoStatus("unlink", path, errno);
    return Status::Ok();
  }

  Status RenameFile(const std::string& from, const std::string& to) override {
    if (::rename(from.c_str(), to.c_str()) != 0) return ErrnoStatus("rename", from, errno);
    return Status::Ok();
  }

  Status SyncDir(const std::string& dir) override {
    Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (fd.get() < 0) return ErrnoStatus("open", dir, errno);
    if (::fsync(fd.get()) != 0) return ErrnoStatus("fsync", dir, errno);
    return Status::Ok();
  }
};

}  // namespace

Env* Env::Posix() {
  static PosixEnv env;  // Stateless, so sharing it is not shared mutable state.
  return &env;
}

}  // namespace cairn::wal
