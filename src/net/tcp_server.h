// TcpServer: listens on one address with libuv, owns the client Connections, and writes their
// pending output once per loop iteration (a uv_prepare hook runs just before the loop polls).
// The ConnectionHandler sees connect, data and close events. Loop thread only.
#pragma once

#include <uv.h>

#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/status.h"
#include "net/connection.h"

namespace cairn::net {

class ConnectionHandler {
 public:
  virtual ~ConnectionHandler() = default;
  virtual void OnConnect(Connection& conn) = 0;
  // New bytes are in conn.input().
  virtual void OnData(Connection& conn) = 0;
  // The connection is going away; its id will not be seen again.
  virtual void OnClose(Connection& conn) = 0;
  // Called once per loop iteration before output is flushed (group work: proposals, applies).
  virtual void BeforePoll() = 0;
};

class TcpServer {
 public:
  TcpServer(uv_loop_t* loop, ConnectionHandler* handler);
  ~TcpServer();
  TcpServer(const TcpServer&) = delete;
  TcpServer& operator=(const TcpServer&) = delete;

  Status Listen(const std::string& host, int port, int backlog = 511);
  // The port actually bound (useful with port 0).
  int bound_port() const { return bound_port_; }
  uv_loop_t* loop() const { return loop_; }

  size_t connection_count() const { return connections_.size(); }
  Connection* Find(uint64_t id);
  template <typename F>
  void ForEach(F&& f) {
    for (auto& [id, c] : connections_) f(*c);
  }
  // Stops accepting and closes every connection (shutdown).
  void CloseAll();

 private:
  friend class Connection;
  static void OnNewConnection(uv_stream_t* server, int status);
  static void OnAlloc(uv_handle_t* handle, size_t suggested, uv_buf_t* buf);
  static void OnRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf);
  static void OnClosed(uv_handle_t* handle);
  static void OnPrepare(uv_prepare_t* prepare);
  void ScheduleFlush(Connection* c);
  void StartReading(Connection* c);
  void StopReading(Connection* c);
  void BeginClose(Connection* c);

  uv_loop_t* loop_;
  ConnectionHandler* handler_;
  uv_tcp_t listener_{};
  uv_prepare_t prepare_{};
  bool listening_ = false;
  int closing_handles_ = 0;  // our own handles whose close callback has not run yet
  int bound_port_ = 0;
  uint64_t next_id_ = 1;
  std::unordered_map<uint64_t, std::unique_ptr<Connection>> connections_;
  std::vector<uint64_t> flush_queue_;
};

}  // namespace cairn::net
