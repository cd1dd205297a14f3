// Relay: the upstream connection to the leader (resolve, connect, write queue, read) and the
// session prelude.
#include "server/relay.h"

#include <cstring>
#include <initializer_list>

#include "replication/peer_transport.h"

namespace cairn::server {
namespace {

constexpr size_t kReadChunkBytes = 64 * 1024;

void AppendCommand(std::string* out, std::initializer_list<std::string_view> argv) {
  *out += "*" + std::to_string(argv.size()) + "\r\n";
  for (std::string_view a : argv) {
    *out += "$" + std::to_string(a.size()) + "\r\n";
    out->append(a);
    *out += "\r\n";
  }
}

}  // namespace

std::string RelayPrelude(const RelaySession& s, std::string* expected_reply) {
  std::string out;
  expected_reply->clear();
  if (!s.password.empty()) {
    AppendCommand(&out, {"AUTH", s.password});
    *expected_reply += "+OK\r\n";
  }
  AppendCommand(&out, {"CLIENT", "REPLY", "OFF"});
  if (s.protocol == 3) AppendCommand(&out, {"HELLO", "3"});
  if (s.db != 0) AppendCommand(&out, {"SELECT", std::to_string(s.db)});
  if (!s.name.empty()) AppendCommand(&out, {"CLIENT", "SETNAME", s.name});
  AppendCommand(&out, {"CLIENT", "REPLY", "ON"});
  *expected_reply += "+OK\r\n";
  return out;
}

struct Relay::Upstream {
  uv_loop_t* loop = nullptr;
  uv_tcp_t tcp{};
  uv_connect_t connect_req{};
  uv_getaddrinfo_t resolve_req{};
  uv_write_t write_req{};
  std::string address;
  int port = 0;
  Callbacks callbacks;
  std::string pending;   // bytes not yet handed to libuv
  std::string inflight;  // bytes of the write in progress
  std::string expected;  // prelude reply bytes still to see
  std::string read_buffer;
  bool connected = false;
  bool writing = false;
  bool resolving = false;
  bool failed = false;
  bool detached = false;       // the Relay is gone: no more callbacks, free once libuv is done
  bool handle_closed = false;  // uv_close's callback ran

  void Fail(const std::string& why) {
    if (failed) return;
    failed = true;
    if (!detached && callbacks.closed) callbacks.closed(why);
  }
  void MaybeFree() {
    if (detached && handle_closed && !resolving) std::unique_ptr<Upstream>(this).reset();
  }
  void Connect(const sockaddr* addr) {
    connect_req.data = this;
    int rc = uv_tcp_connect(&connect_req, &tcp, addr, OnConnect);
    if (rc < 0) Fail("relay: cannot connect to the leader at " + address + ": " + uv_strerror(rc));
  }
  void StartWrite() {
    if (!connected || writing || pending.empty() || failed) return;
    inflight.swap(pending);
    pending.clear();
    uv_buf_t buf = uv_buf_init(inflight.data(), static_cast<unsigned int>(inflight.size()));
    write_req.data = this;
    writing = true;
    int rc = uv_write(&write_req, reinterpret_cast<uv_stream_t*>(&tcp), &buf, 1, OnWrite);
    if (rc < 0) {
      writing = false;
      Fail(std::string("relay: write to the leader failed: ") + uv_strerror(rc));
    }
  }
  void OnBytes(std::string_view bytes) {
    if (!expected.empty()) {
      const size_t n = std::min(expected.size(), bytes.size());
      if (bytes.substr(0, n) != std::string_view(expected).substr(0, n)) {
        Fail("relay: the leader refused this session: " + std::string(bytes.substr(0, 200)));
        return;
      }
      expected.erase(0, n);
      bytes.remove_prefix(n);
    }
    if (!bytes.empty() && !detached) callbacks.to_client(bytes);
  }

  static void OnResolved(uv_getaddrinfo_t* req, int status, addrinfo* res) {
    auto* up = static_cast<Upstream*>(req->data);
    up->resolving = false;
    if (up->detached) {
      if (res != nullptr) uv_freeaddrinfo(res);
      up->MaybeFree();
      return;
    }
    if (status < 0 || res == nullptr) {
      up->Fail("relay: cannot resolve the leader's address " + up->address + ": " +
               uv_strerror(status));
    } else {
      up->Connect(res->ai_addr);
    }
    if (res != nullptr) uv_freeaddrinfo(res);
  }
  static void OnConnect(uv_connect_t* req, int status) {
    auto* up = static_cast<Upstream*>(req->data);
    if (up->detached) return;
    if (status < 0) {
      up->Fail("relay: cannot connect to the leader at " + up->address + ": " + uv_strerror(status));
      return;
    }
    up->connected = true;
    uv_tcp_nodelay(&up->tcp, 1);
    uv_read_start(reinterpret_cast<uv_stream_t*>(&up->tcp), OnAlloc, OnRead);
    up->StartWrite();
  }
  static void OnAlloc(uv_handle_t* h, size_t, uv_buf_t* buf) {
    auto* up = static_cast<Upstream*>(h->data);
    up->read_buffer.resize(kReadChunkBytes);
    *buf = uv_buf_init(up->read_buffer.data(), static_cast<unsigned int>(up->read_buffer.size()));
  }
  static void OnRead(uv_stream_t* s, ssize_t n, const uv_buf_t* buf) {
    auto* up = static_cast<Upstream*>(s->data);
    if (n > 0) {
      up->OnBytes(std::string_view(buf->base, static_cast<size_t>(n)));
    } else if (n < 0) {
      uv_read_stop(s);
      up->Fail(n == UV_EOF ? "relay: the leader closed the connection"
                           : std::string("relay: read from the leader failed: ") + uv_strerror(static_cast<int>(n)));
    }
  }
  static void OnWrite(uv_write_t* req, int status) {
    auto* up = static_cast<Upstream*>(req->data);
    up->writing = false;
    up->inflight.clear();
    if (up->detached) return;
    if (status < 0) {
      up->Fail(std::string("relay: write to the leader failed: ") + uv_strerror(status));
      return;
    }
    up->StartWrite();
  }
  static void OnClosed(uv_handle_t* h) {
    auto* up = static_cast<Upstream*>(h->data);
    up->handle_closed = true;
    up->MaybeFree();
  }
};

Relay::Relay(PrivateTag, std::unique_ptr<Upstream> up) : up_(up.release()) {}

Relay::~Relay() {
  up_->detached = true;
  if (up_->resolving) uv_cancel(reinterpret_cast<uv_req_t*>(&up_->resolve_req));
  uv_close(reinterpret_cast<uv_handle_t*>(&up_->tcp), Upstream::OnClosed);
}

Result<std::unique_ptr<Relay>> Relay::Open(uv_loop_t* loop, const std::string& address,
                                           const RelaySession& session, Callbacks callbacks) {
  std::string host;
  int port = 0;
  CAIRN_RETURN_IF_ERROR(replication::ParsePeerAddress(address, &host, &port));
  auto up = std::make_unique<Upstream>();
  up->loop = loop;
  up->address = address;
  up->port = port;
  up->callbacks = std::move(callbacks);
  up->pending = RelayPrelude(session, &up->expected);
  uv_tcp_init(loop, &up->tcp);
  up->tcp.data = up.get();
  Upstream* raw = up.get();
  auto relay = std::make_unique<Relay>(PrivateTag{}, std::move(up));
  sockaddr_storage addr{};
  if (uv_ip4_addr(host.c_str(), port, reinterpret_cast<sockaddr_in*>(&addr)) == 0 ||
      uv_ip6_addr(host.c_str(), port, reinterpret_cast<sockaddr_in6*>(&addr)) == 0) {
    raw->Connect(reinterpret_cast<const sockaddr*>(&addr));
    return relay;
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  raw->resolve_req.data = raw;
  raw->resolving = true;
  const std::string service = std::to_string(port);
  int rc = uv_getaddrinfo(loop, &raw->resolve_req, Upstream::OnResolved, host.c_str(),
                          service.c_str(), &hints);
  if (rc < 0) {
    raw->resolving = false;
    return Status::IoError("relay: cannot resolve " + address + ": " + uv_strerror(rc));
  }
  return relay;
}

void Relay::Forward(std::string_view bytes) {
  up_->pending.append(bytes);
  up_->StartWrite();
}

}  // namespace cairn::server
