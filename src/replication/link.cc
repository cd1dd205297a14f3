// Link: connect, accept, bounded reads, batched writes and close of one peer TCP connection.
#include "replication/link.h"

#include <algorithm>

#include "common/assert.h"
#include "net/address.h"

namespace cairn::replication {
namespace {

// TCP keepalive after this much idle time, so the kernel eventually ends a half-open link.
constexpr unsigned kKeepAliveSeconds = 30;

}  // namespace

Link::Link(uv_loop_t* loop, LinkOwner* owner, uint64_t id, LinkRole role, size_t max_input_bytes)
    : owner_(owner), id_(id), role_(role), max_input_bytes_(max_input_bytes) {
  uv_tcp_init(loop, &tcp_);
  tcp_.data = this;
  connect_req_.data = this;
  write_req_.data = this;
  phase = role == LinkRole::kDialer ? LinkPhase::kConnecting : LinkPhase::kAwaitHello;
}

// The owner destroys a link only after OnLinkFreed: libuv holds no pointer into it any more.
Link::~Link() { CAIRN_ASSERT(closing_); }

void Link::Connect(const sockaddr* address) {
  const int rc = uv_tcp_connect(&connect_req_, &tcp_, address, OnConnect);
  if (rc != 0) {
    owner_->OnLinkConnected(*this, rc);
    Close();
  }
}

void Link::OnConnect(uv_connect_t* req, int status) {
  auto* link = static_cast<Link*>(req->data);
  if (link->closing_) return;  // cancelled by Close
  if (status == 0) {
    uv_tcp_nodelay(&link->tcp_, 1);
    uv_tcp_keepalive(&link->tcp_, 1, kKeepAliveSeconds);
    link->RememberRemote();
  }
  link->owner_->OnLinkConnected(*link, status);
  if (status != 0) link->Close();
}

bool Link::Accept(uv_stream_t* listener) {
  if (uv_accept(listener, reinterpret_cast<uv_stream_t*>(&tcp_)) != 0) return false;
  uv_tcp_nodelay(&tcp_, 1);
  uv_tcp_keepalive(&tcp_, 1, kKeepAliveSeconds);
  RememberRemote();
  return true;
}

void Link::RememberRemote() {
  sockaddr_storage ss{};
  int len = sizeof(ss);
  if (uv_tcp_getpeername(&tcp_, reinterpret_cast<sockaddr*>(&ss), &len) == 0) {
    remote_ = net::FormatAddress(ss);
  }
}

void Link::StartReading() {
  if (reading_ || closing_) return;
  if (uv_read_start(reinterpret_cast<uv_stream_t*>(&tcp_), OnAlloc, OnRead) == 0) {
    reading_ = true;
  } else {
    Close();
  }
}

void Link::OnAlloc(uv_handle_t* handle, size_t, uv_buf_t* buf) {
  auto* link = static_cast<Link*>(handle->data);
  const size_t room =
      link->max_input_bytes_ - std::min(link->max_input_bytes_, link->input_.size());
  if (room == 0) {
    *buf = uv_buf_init(nullptr, 0);  // libuv reports UV_ENOBUFS: the peer overran the limit
    return;
  }
  size_t available = 0;
  char* p = link->input_.PrepareWrite(std::min(kReadChunkBytes, room), &available);
  *buf = uv_buf_init(p, static_cast<unsigned>(std::min(available, room)));
}

void Link::OnRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t*) {
  auto* link = static_cast<Link*>(stream->data);
  if (link->closing_) return;
  if (nread < 0) {
    link->Close();
    return;
  }
  if (nread == 0) return;
  link->input_.CommitWrite(static_cast<size_t>(nread));
  link->owner_->OnLinkData(*link);
}

void Link::Write(std::string bytes) {
  if (closing_ || close_after_write_) return;
  if (pending_.empty()) {
    pending_ = std::move(bytes);  // a whole queue moves without a copy
  } else {
    pending_.append(bytes);
  }
  if (inflight_.empty()) StartWrite();
}

void Link::StartWrite() {
  if (pending_.empty() || closing_) return;
  inflight_.swap(pending_);
  uv_buf_t buf = uv_buf_init(inflight_.data(), static_cast<unsigned>(inflight_.size()));
  const int rc = uv_write(&write_req_, reinterpret_cast<uv_stream_t*>(&tcp_), &buf, 1, OnWrite);
  if (rc != 0) {
    owner_->OnLinkWritten(*this, false);
    Close();
  }
}

void Link::OnWrite(uv_write_t* req, int status) {
  auto* link = static_cast<Link*>(req->data);
  link->inflight_.clear();
  if (link->closing_) return;  // cancelled by Close; the owner counted the batch there
  if (status != 0) {
    link->owner_->OnLinkWritten(*link, false);
    link->Close();
    return;
  }
  link->owner_->OnLinkWritten(*link, true);
  if (link->closing_) return;
  if (!link->pending_.empty()) {
    link->StartWrite();
  } else if (link->close_after_write_) {
    link->Close();
  }
}

void Link::CloseAfterWrite() {
  if (reading_) uv_read_stop(reinterpret_cast<uv_stream_t*>(&tcp_));
  reading_ = false;
  if (write_idle()) {
    Close();
  } else {
    close_after_write_ = true;
  }
}

void Link::Close() {
  if (closing_) return;
  closing_ = true;
  if (reading_) uv_read_stop(reinterpret_cast<uv_stream_t*>(&tcp_));
  reading_ = false;
  owner_->OnLinkClosing(*this);
  uv_close(reinterpret_cast<uv_handle_t*>(&tcp_), OnClosed);
}

void Link::OnClosed(uv_handle_t* handle) {
  auto* link = static_cast<Link*>(handle->data);
  link->owner_->OnLinkFreed(*link);
}

}  // namespace cairn::replication
