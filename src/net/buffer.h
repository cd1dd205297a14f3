// A growable byte buffer with a read cursor, for client input: bytes are appended at the end
// (libuv reads straight into the free tail) and consumed from the front without copying until a
// compaction. Single-threaded.
#pragma once

#include <cstring>
#include <memory>
#include <string_view>

namespace cairn::net {

class Buffer {
 public:
  std::string_view readable() const { return {data_.get() + begin_, end_ - begin_}; }
  size_t size() const { return end_ - begin_; }
  size_t capacity() const { return cap_; }
  void Consume(size_t n) {
    begin_ += n;
    if (begin_ == end_) begin_ = end_ = 0;
  }
  // Makes room for at least `n` more bytes at the end and returns where they go.
  char* PrepareWrite(size_t n, size_t* available) {
    if (cap_ - end_ < n) {
      if (begin_ > 0 && cap_ - size() >= n && size() < cap_ / 2) {
        std::memmove(data_.get(), data_.get() + begin_, size());
      } else {
        size_t new_cap = cap_ == 0 ? 16384 : cap_;
        while (new_cap - size() < n) new_cap *= 2;
        auto grown = std::make_unique_for_overwrite<char[]>(new_cap);
        if (size() > 0) std::memcpy(grown.get(), data_.get() + begin_, size());
        data_ = std::move(grown);
        cap_ = new_cap;
      }
      end_ -= begin_;
      begin_ = 0;
    }
    *available = cap_ - end_;
    return data_.get() + end_;
  }
  void CommitWrite(size_t n) { end_ += n; }
  // Gives memory back after a large request, so one big command does not pin it forever.
  void ShrinkIfIdle(size_t keep) {
    if (size() == 0 && cap_ > keep) {
      data_.reset();
      cap_ = begin_ = end_ = 0;
    }
  }

 private:
  std::unique_ptr<char[]> data_;
  size_t cap_ = 0;
  size_t begin_ = 0;
  size_t end_ = 0;
};

}  // namespace cairn::net
