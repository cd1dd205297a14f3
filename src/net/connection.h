// A client TCP connection on the libuv loop: its input buffer, its pending output and its
// lifetime. It knows nothing of commands: a ConnectionHandler interprets the bytes. Owned by the
// TcpServer; closing is asynchronous (libuv), and the handler hears OnClose exactly once.
// Loop thread only.
#pragma once

#include <uv.h>

#include <cstdint>
#include <memory>
#include <string>

#include "net/buffer.h"

namespace cairn::net {

class TcpServer;

// What the layer above keeps per connection (its session state).
class Attachment {
 public:
  virtual ~Attachment() = default;
};

class Connection {
 public:
  Connection(TcpServer* server, uint64_t id);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  uint64_t id() const { return id_; }
  int fd() const;
  const std::string& peer() const { return peer_; }
  const std::string& local() const { return local_; }

  Buffer& input() { return input_; }
  // Append replies here; they are written once per loop iteration.
  std::string& output();
  size_t pending_output_bytes() const { return output_.size() + inflight_.size(); }

  // Writes what is pending, then closes (Redis's "close after reply").
  void CloseAfterWrite();
  void Close();
  bool closing() const { return closing_ || close_after_write_; }

  // Stops and resumes delivery of new input (backpressure, or while a client waits on a write).
  // TCP keepalive probes after `seconds` idle; 0 turns them off.
  void SetKeepAlive(int seconds);
  void PauseReading();
  void ResumeReading();
  bool reading_paused() const { return paused_; }

  Attachment* attachment() const { return attachment_.get(); }
  void set_attachment(std::unique_ptr<Attachment> a) { attachment_ = std::move(a); }

 private:
  friend class TcpServer;
  void Flush();
  void StartWrite();
  static void OnWriteDone(uv_write_t* req, int status);

  TcpServer* server_;
  uint64_t id_;
  uv_tcp_t handle_{};
  uv_write_t write_req_{};
  Buffer input_;
  std::string output_;
  std::string inflight_;  // bytes handed to uv_write, kept alive until its callback
  std::string peer_;
  std::string local_;
  bool reading_ = false;
  bool paused_ = false;
  bool closing_ = false;
  bool close_after_write_ = false;
  bool flush_scheduled_ = false;
  std::unique_ptr<Attachment> attachment_;
};

}  // namespace cairn::net
