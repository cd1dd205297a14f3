// Helpers shared by the log tests: a fresh temp dir per test, a fault-injecting Env, a gate to
// hold the writer thread at a chosen point, and a waiter for durability notifications.
#pragma once

#include <stdlib.h>

#include <algorithm>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "wal/env.h"
#include "wal/format.h"

namespace cairn::wal::testing {

// A directory that exists for the life of the object.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "cairn-wal-XXXXXX").string();
    CAIRN_ASSERT(::mkdtemp(tmpl.data()) != nullptr);
    path_ = tmpl;
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Segment file paths in dir, in log order.
inline std::vector<std::string> SegmentFiles(const std::string& dir) {
  std::vector<std::string> files;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    uint64_t first = 0;
    if (ParseSegmentFileName(e.path().filename().string(), &first)) {
      files.push_back(e.path().string());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

// Blocks threads in Wait() until Open().
class Gate {
 public:
  void Open() {
    {
      std::lock_guard lock(mu_);
      open_ = true;
    }
    cv_.notify_all();
  }
  void Wait() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return open_; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
};

// Posix, except that hooks run before each file write and fdatasync; a hook's non-OK status
// fails the call without doing it. Hooks run on the log's writer thread.
class FaultEnv final : public Env {
 public:
  using Hook = std::function<Status()>;

  void SetSyncHook(Hook hook) {
    std::lock_guard lock(mu_);
    sync_hook_ = std::move(hook);
  }
  void SetAppendHook(Hook hook) {
    std::lock_guard lock(mu_);
    append_hook_ = std::move(hook);
  }

  Status CreateDirIfMissing(const std::string& dir) override {
    return base_->CreateDirIfMissing(dir);
  }
  Result<std::vector<std::string>> ListDir(const std::string& dir) override {
    return base_->ListDir(dir);
  }
  Result<std::string> ReadWholeFile(const std::string& path) override {
    return base_->ReadWholeFile(path);
  }
  Result<std::unique_ptr<WritableFile>> OpenWritable(const std::string& path, uint64_t offset,
                                                     bool truncate) override {
    auto file = base_->OpenWritable(path, offset, truncate);
    if (!file.ok()) return file.status();
    return std::unique_ptr<WritableFile>(std::make_unique<File>(this, std::move(*file)));
  }
  Result<std::unique_ptr<RandomAccessFile>> OpenRandomAccess(const std::string& path) override {
    return base_->OpenRandomAccess(path);
  }
  Status TruncateFile(const std::string& path, uint64_t size) override {
    return base_->TruncateFile(path, size);
  }
  Status RemoveFile(const std::string& path) override { return base_->RemoveFile(path); }
  Status RenameFile(const std::string& from, const std::string& to) override {
    return base_->RenameFile(from, to);
  }
  Status SyncDir(const std::string& dir) override { return base_->SyncDir(dir); }

 private:
  class File final : public WritableFile {
   public:
    File(FaultEnv* env, std::unique_ptr<WritableFile> base) : env_(env), base_(std::move(base)) {}
    Status Append(std::string_view data) override {
      CAIRN_RETURN_IF_ERROR(env_->Run(&FaultEnv::append_hook_));
      return base_->Append(data);
    }
    Status Sync() override {
      CAIRN_RETURN_IF_ERROR(env_->Run(&FaultEnv::sync_hook_));
      return base_->Sync();
    }

   private:
    FaultEnv* env_;
    std::unique_ptr<WritableFile> base_;
  };

  // Runs the hook outside mu_, so a hook may block without blocking the test's setters.
  Status Run(Hook FaultEnv::*which) {
    Hook hook;
    {
      std::lock_guard lock(mu_);
      hook = this->*which;
    }
    return hook ? hook() : Status::Ok();
  }

  Env* const base_ = Env::Posix();
  std::mutex mu_;
  Hook sync_hook_;
  Hook append_hook_;
};

// Collects on_durable notifications; WaitFor blocks until one reaches an index.
class DurableWaiter {
 public:
  std::function<void(uint64_t)> Callback() {
    return [this](uint64_t index) {
      {
        std::lock_guard lock(mu_);
        latest_ = index;
        ++calls_;
      }
      cv_.notify_all();
    };
  }
  void WaitFor(uint64_t index) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return latest_ >= index; });
  }
  uint64_t latest() {
    std::lock_guard lock(mu_);
    return latest_;
  }
  int calls() {
    std::lock_guard lock(mu_);
    return calls_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  uint64_t latest_ = 0;
  int calls_ = 0;
};

}  // namespace cairn::wal::testing
