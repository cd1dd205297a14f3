// Test helper: drop a directory's files from the OS page cache, as memory pressure (or a DAMON
// pageout scheme) would, so that the next read of them waits for the disk.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <string>

namespace cairn::testing {

// Recursively; dirty pages are written first (DONTNEED leaves them). Best effort per file.
inline void EvictFromPageCache(const std::string& dir) {
  std::error_code ec;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir, ec)) {
    if (!e.is_regular_file(ec)) continue;
    int fd = ::open(e.path().c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;
    ::fdatasync(fd);
    ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
    ::close(fd);
  }
}

}  // namespace cairn::testing
