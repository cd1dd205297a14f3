// Link: one TCP connection of the peer transport (dialed or accepted) on the libuv loop: its
// bounded input buffer, one write batch at a time, and its asynchronous close.
//
// Owned by PeerTransport (a std::unique_ptr in its link table); the LinkOwner hears each event on
// the loop thread. Closing is asynchronous: OnLinkClosing runs once when the close begins, and
// OnLinkFreed once libuv has let go of the handle, after which the owner may destroy the Link.
// Input never holds more than max_input_bytes (one largest frame plus one read): the owner
// consumes whole messages after every read, so a full buffer means a broken peer and closes.
// Loop thread only.
#pragma once

#include <uv.h>

#include <cstdint>
#include <string>

#include "net/buffer.h"
#include "raft/types.h"

namespace cairn::replication {

class Link;

class LinkOwner {
 public:
  virtual ~LinkOwner() = default;
  // A dial finished: status 0 or a libuv error (the link then closes by itself).
  virtual void OnLinkConnected(Link& link, int status) = 0;
  // New bytes are in link.input().
  virtual void OnLinkData(Link& link) = 0;
  // A write batch finished (ok == false: the link is closing).
  virtual void OnLinkWritten(Link& link, bool ok) = 0;
  virtual void OnLinkClosing(Link& link) = 0;
  virtual void OnLinkFreed(Link& link) = 0;
};

enum class LinkRole : uint8_t { kDialer, kAcceptor };

// Where a link is in its handshake (see handshake.h): the dialer sends a hello and awaits the
// welcome, proves itself and awaits ready; the acceptor awaits the hello, then the proof.
enum class LinkPhase : uint8_t {
  kConnecting,
  kAwaitHello,
  kAwaitWelcome,
  kAwaitProof,
  kAwaitReady,
  kOpen
};

class Link {
 public:
  // The most one read takes from the socket.
  static constexpr size_t kReadChunkBytes = 64 * 1024;

  Link(uv_loop_t* loop, LinkOwner* owner, uint64_t id, LinkRole role, size_t max_input_bytes);
  ~Link();
  Link(const Link&) = delete;
  Link& operator=(const Link&) = delete;

  // Dialer: starts connecting; OnLinkConnected reports the outcome.
  void Connect(const sockaddr* address);
  // Acceptor: takes the pending connection from the listener; false if there was none.
  bool Accept(uv_stream_t* listener);
  void StartReading();

  net::Buffer& input() { return input_; }
  // The handshake runs with a small limit; an open link that carries frames gets a larger one.
  void set_max_input_bytes(size_t n) { max_input_bytes_ = n; }
  // Queues bytes; they go out in order, one uv_write batch at a time.
  void Write(std::string bytes);
  size_t buffered_bytes() const { return pending_.size() + inflight_.size(); }
  bool write_idle() const { return pending_.empty() && inflight_.empty(); }
  // Writes what is queued, then closes (a refusal that the other side should read).
  void CloseAfterWrite();
  void Close();
  bool closing() const { return closing_; }

  uint64_t id() const { return id_; }
  LinkRole role() const { return role_; }
  const std::string& remote() const { return remote_; }

  // Handshake and accounting state, kept by the owner.
  LinkPhase phase = LinkPhase::kConnecting;
  raft::NodeId peer = raft::kNoNode;  // the dialed node, or (acceptor) the node that said hello
  std::string local_nonce;
  std::string peer_nonce;
  std::string peer_client_address;  // acceptor: what the dialer's hello announced
  uint64_t deadline_ms = 0;      // loop time by which the handshake must be done
  uint64_t batch_frames = 0;     // frames in the write batch now in flight (dialer)
  uint64_t dial_generation = 0;  // the peer's dial this link belongs to (dialer)

 private:
  static void OnConnect(uv_connect_t* req, int status);
  static void OnAlloc(uv_handle_t* handle, size_t suggested, uv_buf_t* buf);
  static void OnRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf);
  static void OnWrite(uv_write_t* req, int status);
  static void OnClosed(uv_handle_t* handle);
  void StartWrite();
  void RememberRemote();

  LinkOwner* owner_;
  uint64_t id_;
  LinkRole role_;
  size_t max_input_bytes_;
  uv_tcp_t tcp_{};
  uv_connect_t connect_req_{};
  uv_write_t write_req_{};
  net::Buffer input_;
  std::string pending_;
  std::string inflight_;  // handed to uv_write, kept alive until its callback
  std::string remote_;
  bool reading_ = false;
  bool closing_ = false;
  bool close_after_write_ = false;
};

}  // namespace cairn::replication
