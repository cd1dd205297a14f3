// Helpers for the transport tests: a libuv loop run in bounded steps, raw loopback sockets that
// play a misbehaving (or scripted) peer, and message builders. Every wait is bounded in rounds
// and in time, so a broken transport fails a test instead of hanging it.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include <cerrno>
#include <chrono>
#include <functional>
#include <string>

#include "replication/handshake.h"
#include "replication/peer_transport.h"

namespace cairn::replication::testing {

inline constexpr int kWaitMs = 5000;

// A private loop with a 2 ms ticker, so one UV_RUN_ONCE step never blocks for long.
class TestLoop {
 public:
  TestLoop() {
    uv_loop_init(&loop_);
    uv_timer_init(&loop_, &ticker_);
    uv_timer_start(
        &ticker_, [](uv_timer_t*) {}, 2, 2);
  }
  ~TestLoop() {
    uv_close(reinterpret_cast<uv_handle_t*>(&ticker_), nullptr);
    for (int i = 0; i < 1000 && uv_loop_close(&loop_) == UV_EBUSY; ++i)
      uv_run(&loop_, UV_RUN_NOWAIT);
  }
  uv_loop_t* get() { return &loop_; }

  // Runs the loop until pred() holds; false if it still does not after timeout_ms.
  bool RunUntil(const std::function<bool()>& pred, int timeout_ms = kWaitMs) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    for (int round = 0; round < 1'000'000; ++round) {
      if (pred()) return true;
      if (std::chrono::steady_clock::now() >= deadline) return false;
      uv_run(&loop_, UV_RUN_ONCE);
    }
    return pred();
  }
  // Runs the loop for about ms milliseconds.
  void RunFor(int ms) {
    RunUntil([] { return false; }, ms);
  }

 private:
  uv_loop_t loop_{};
  uv_timer_t ticker_{};
};

inline raft::Message Msg(raft::NodeId from, raft::NodeId to, uint64_t index,
                         size_t data_bytes = 8) {
  raft::Message m;
  m.type = raft::MessageType::kAppend;
  m.from = from;
  m.to = to;
  m.term = 3;
  m.index = index;
  m.entries.push_back(raft::Entry{3, index + 1, raft::EntryType::kNormal,
                                  std::string(data_bytes, static_cast<char>('a' + index % 26))});
  return m;
}

inline std::string Loopback(int port) { return "127.0.0.1:" + std::to_string(port); }

// A raw non-blocking socket, closed on destruction.
class RawSocket {
 public:
  explicit RawSocket(int fd = -1) : fd_(fd) {
    if (fd_ >= 0) fcntl(fd_, F_SETFL, fcntl(fd_, F_GETFL) | O_NONBLOCK);
  }
  ~RawSocket() {
    if (fd_ >= 0) close(fd_);
  }
  RawSocket(RawSocket&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  RawSocket& operator=(RawSocket&& o) noexcept {
    std::swap(fd_, o.fd_);
    return *this;
  }
  int fd() const { return fd_; }
  bool valid() const { return fd_ >= 0; }

  static RawSocket Connect(int port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) {
      close(fd);
      return RawSocket();
    }
    return RawSocket(fd);
  }
  // A listener on 127.0.0.1, any port; rcvbuf > 0 sets SO_RCVBUF (inherited by accepted sockets).
  static RawSocket Listen(int* port, int rcvbuf = 0) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (rcvbuf > 0) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(a);
    if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0 || listen(fd, 8) != 0 ||
        getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
      close(fd);
      return RawSocket();
    }
    *port = ntohs(a.sin_port);
    return RawSocket(fd);
  }
  RawSocket Accept(TestLoop& loop) {
    int fd = -1;
    loop.RunUntil([&] { return (fd = accept(fd_, nullptr, nullptr)) >= 0; });
    return RawSocket(fd);
  }

  bool SendAll(TestLoop& loop, std::string_view bytes) {
    return loop.RunUntil([&] {
      while (!bytes.empty()) {
        const ssize_t n = send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (n <= 0) return false;
        bytes.remove_prefix(static_cast<size_t>(n));
      }
      return true;
    });
  }
  // Reads whatever is there into received(); returns false once the peer has closed.
  bool Drain() {
    char buf[65536];
    for (;;) {
      const ssize_t n = recv(fd_, buf, sizeof(buf), MSG_DONTWAIT);
      if (n > 0) {
        received_.append(buf, static_cast<size_t>(n));
        continue;
      }
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
      return false;  // 0: orderly close; other errors: reset
    }
  }
  // Waits for one whole handshake message and consumes it.
  bool ReadHandshake(TestLoop& loop, HandshakeMessage* m) {
    return loop.RunUntil([&] {
      Drain();
      std::string_view in = received_;
      if (!DecodeHandshake(&in, m).ok()) return false;
      received_.erase(0, received_.size() - in.size());
      return true;
    });
  }
  // True once the other side has closed the connection.
  bool WaitClosed(TestLoop& loop, int timeout_ms = kWaitMs) {
    return loop.RunUntil([&] { return !Drain(); }, timeout_ms);
  }
  std::string& received() { return received_; }

 private:
  int fd_ = -1;
  std::string received_;
};

}  // namespace cairn::replication::testing
