// Engine: the one seam between Cairn and LevelDB. Nothing else in the tree includes leveldb/.
//
// An Engine owns one open LevelDB database plus its block cache and bloom filter policy. It offers
// point reads, atomic write batches, iterators bounded to a key prefix, and approximate
// on-disk sizes, all returning cairn::Status. Engine, EngineBatch and EngineIterator are not
// thread-safe on their own: the keyspace calls them from the loop thread (LevelDB compacts on its
// own background thread). Memory: block cache + write buffer (both set in EngineOptions) plus
// LevelDB's per-table index blocks; nothing grows with the number of keys.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"

namespace cairn::keyspace {

struct EngineOptions {
  std::string dir;                      // created if missing
  size_t block_cache_bytes = 8 << 20;   // LevelDB's cache of uncompressed blocks
  size_t write_buffer_bytes = 8 << 20;  // memtable size before a flush to level 0
  int max_open_files = 500;             // table cache size (each holds an index block)
  int bloom_bits_per_key = 10;          // 0 disables the filter; negative Gets stay cheap
  bool create_if_missing = true;
  bool error_if_exists = false;
};

// A set of writes applied atomically by Engine::Write. Movable, not copyable.
class EngineBatch {
 public:
  EngineBatch();
  ~EngineBatch();
  EngineBatch(EngineBatch&&) noexcept;
  EngineBatch& operator=(EngineBatch&&) noexcept;

  void Put(std::string_view key, std::string_view value);
  void Delete(std::string_view key);
  void Clear();
  size_t ApproximateBytes() const;  // size of the serialized batch
  bool empty() const;
  size_t count() const;  // Puts and Deletes so far
  // Keeps only the first `count` operations. O(batch): for error paths (an apply rolled back
  // inside a group), not for the hot path.
  void Truncate(size_t count);

 private:
  friend class Engine;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// An iterator over the keys that start with a prefix (seen at creation time: it reads a
// consistent snapshot), forward or backward. Valid() turns false past either end of the prefix.
class EngineIterator {
 public:
  ~EngineIterator();
  EngineIterator(EngineIterator&&) noexcept;

  // Positions at the first key >= target (target should start with the prefix).
  void Seek(std::string_view target);
  void SeekToFirst();  // first key with the prefix
  // Positions at the last key <= target (target should start with the prefix).
  void SeekForPrev(std::string_view target);
  void Prev();
  bool Valid() const;
  void Next();
  std::string_view key() const;
  std::string_view value() const;
  Status status() const;

 private:
  friend class Engine;
  struct Impl;
  explicit EngineIterator(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

class Engine {
 public:
  static Result<std::unique_ptr<Engine>> Open(const EngineOptions& options);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // NotFound when the key is absent.
  Status Get(std::string_view key, std::string* value) const;
  // Get from memory only (LevelDB's caches, the OS page cache): kUnavailable where it would wait
  // for the disk, which a thread that may wait then reads with Get (StoreReader).
  Status GetIfCached(std::string_view key, std::string* value) const;
  // sync=true waits for the OS to have LevelDB's log on disk (and so every earlier write).
  Status Write(EngineBatch* batch, bool sync);
  EngineIterator NewPrefixIterator(std::string_view prefix) const;
  // Approximate bytes on disk for keys in [start, limit).
  uint64_t ApproximateSize(std::string_view start, std::string_view limit) const;
  // LevelDB's own statistics text ("leveldb.stats"), for INFO and debugging.
  std::string DebugStats() const;

 private:
  struct Impl;
  explicit Engine(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace cairn::keyspace
