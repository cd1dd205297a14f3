// Connection: buffered, once-per-iteration writes with libuv, and asynchronous close.
#include "net/connection.h"

#include "net/tcp_server.h"

namespace cairn::net {

Connection::Connection(TcpServer* server, uint64_t id) : server_(server), id_(id) {
  handle_.data = this;
  write_req_.data = this;
}

int Connection::fd() const {
  uv_os_fd_t fd = -1;
  uv_fileno(reinterpret_cast<const uv_handle_t*>(&handle_), &fd);
  return fd;
}

std::string& Connection::output() {
  if (!flush_scheduled_) server_->ScheduleFlush(this);
  return output_;
}

void Connection::CloseAfterWrite() {
  close_after_write_ = true;
  server_->StopReading(this);
  if (!flush_scheduled_) server_->ScheduleFlush(this);
}

void Connection::Close() { server_->BeginClose(this); }

void Connection::SetKeepAlive(int seconds) {
  uv_tcp_keepalive(&handle_, seconds > 0 ? 1 : 0, static_cast<unsigned>(seconds));
}

void Connection::PauseReading() {
  paused_ = true;
  server_->StopReading(this);
}

void Connection::ResumeReading() {
  paused_ = false;
  if (!closing()) server_->StartReading(this);
}

void Connection::Flush() {
  flush_scheduled_ = false;
  if (closing_) return;
  if (!inflight_.empty()) return;  // OnWriteDone flushes the rest
  if (output_.empty()) {
    if (close_after_write_) server_->BeginClose(this);
    return;
  }
  uv_buf_t buf = uv_buf_init(output_.data(), static_cast<unsigned>(output_.size()));
  int n = uv_try_write(reinterpret_cast<uv_stream_t*>(&handle_), &buf, 1);
  if (n == static_cast<int>(output_.size())) {
    // Keep the buffer's capacity for the next replies unless a big reply inflated it.
    if (output_.capacity() > (1u << 20)) {
      std::string().swap(output_);
    } else {
      output_.clear();
    }
    if (close_after_write_) server_->BeginClose(this);
    return;
  }
  if (n < 0 && n != UV_EAGAIN) {
    server_->BeginClose(this);
    return;
  }
  if (n > 0) output_.erase(0, n);
  StartWrite();
}

void Connection::StartWrite() {
  inflight_.swap(output_);
  output_.clear();
  uv_buf_t buf = uv_buf_init(inflight_.data(), static_cast<unsigned>(inflight_.size()));
  int rc = uv_write(&write_req_, reinterpret_cast<uv_stream_t*>(&handle_), &buf, 1, OnWriteDone);
  if (rc != 0) {
    inflight_.clear();
    server_->BeginClose(this);
  }
}

void Connection::OnWriteDone(uv_write_t* req, int status) {
  auto* c = static_cast<Connection*>(req->data);
  c->inflight_.clear();
  if (status < 0) {
    c->server_->BeginClose(c);
    return;
  }
  // A client paused for backpressure may read again once its backlog is gone.
  c->server_->handler_->OnData(*c);
  c->Flush();
}

}  // namespace cairn::net
