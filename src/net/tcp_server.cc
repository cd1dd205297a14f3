// TcpServer: accept, read, close, and the per-iteration flush of client output.
#include "net/tcp_server.h"

#include "net/address.h"

namespace cairn::net {
namespace {

constexpr size_t kReadChunk = 64 * 1024;

}  // namespace

TcpServer::TcpServer(uv_loop_t* loop, ConnectionHandler* handler) : loop_(loop), handler_(handler) {
  uv_prepare_init(loop_, &prepare_);
  prepare_.data = this;
  uv_prepare_start(&prepare_, OnPrepare);
}

TcpServer::~TcpServer() {
  CloseAll();
  if (!uv_is_closing(reinterpret_cast<uv_handle_t*>(&prepare_))) {
    ++closing_handles_;
    uv_close(reinterpret_cast<uv_handle_t*>(&prepare_), [](uv_handle_t* h) {
      --static_cast<TcpServer*>(h->data)->closing_handles_;
    });
  }
  // Let libuv finish the close callbacks that still point into this object (bounded: each
  // round only runs callbacks that are already due).
  for (int round = 0; round < 10000 && (!connections_.empty() || closing_handles_ > 0); ++round) {
    uv_run(loop_, UV_RUN_NOWAIT);
  }
}

Status TcpServer::Listen(const std::string& host, int port, int backlog) {
  uv_tcp_init(loop_, &listener_);
  listener_.data = this;
  Status st = BindAndListen(&listener_, host, port, backlog, OnNewConnection, &bound_port_);
  if (!st.ok()) {
    uv_close(reinterpret_cast<uv_handle_t*>(&listener_), nullptr);
    return st;
  }
  listening_ = true;
  return Status::Ok();
}

Connection* TcpServer::Find(uint64_t id) {
  auto it = connections_.find(id);
  return it == connections_.end() ? nullptr : it->second.get();
}

void TcpServer::CloseAll() {
  if (listening_) {
    listening_ = false;
    ++closing_handles_;
    uv_close(reinterpret_cast<uv_handle_t*>(&listener_), [](uv_handle_t* h) {
      --static_cast<TcpServer*>(h->data)->closing_handles_;
    });
  }
  std::vector<Connection*> all;
  for (auto& [id, c] : connections_) all.push_back(c.get());
  for (Connection* c : all) {
    c->Flush();
    BeginClose(c);
  }
}

void TcpServer::OnNewConnection(uv_stream_t* listener, int status) {
  auto* self = static_cast<TcpServer*>(listener->data);
  if (status < 0) return;
  uint64_t id = self->next_id_++;
  auto conn = std::make_unique<Connection>(self, id);
  Connection* c = conn.get();
  uv_tcp_init(self->loop_, &c->handle_);
  if (uv_accept(listener, reinterpret_cast<uv_stream_t*>(&c->handle_)) != 0) {
    c->closing_ = true;
    self->connections_.emplace(id, std::move(conn));
    uv_close(reinterpret_cast<uv_handle_t*>(&c->handle_), OnClosed);
    return;
  }
  uv_tcp_nodelay(&c->handle_, 1);
  sockaddr_storage ss{};
  int len = sizeof(ss);
  if (uv_tcp_getpeername(&c->handle_, reinterpret_cast<sockaddr*>(&ss), &len) == 0) {
    c->peer_ = FormatAddress(ss);
  }
  len = sizeof(ss);
  if (uv_tcp_getsockname(&c->handle_, reinterpret_cast<sockaddr*>(&ss), &len) == 0) {
    c->local_ = FormatAddress(ss);
  }
  self->connections_.emplace(id, std::move(conn));
  self->handler_->OnConnect(*c);
  if (!c->closing()) self->StartReading(c);
}

void TcpServer::StartReading(Connection* c) {
  if (c->reading_ || c->closing_) return;
  if (uv_read_start(reinterpret_cast<uv_stream_t*>(&c->handle_), OnAlloc, OnRead) == 0) {
    c->reading_ = true;
  }
}

void TcpServer::StopReading(Connection* c) {
  if (!c->reading_) return;
  uv_read_stop(reinterpret_cast<uv_stream_t*>(&c->handle_));
  c->reading_ = false;
}

void TcpServer::OnAlloc(uv_handle_t* handle, size_t suggested, uv_buf_t* buf) {
  auto* c = static_cast<Connection*>(handle->data);
  size_t available = 0;
  char* p = c->input_.PrepareWrite(kReadChunk, &available);
  *buf = uv_buf_init(p, static_cast<unsigned>(available));
}

void TcpServer::OnRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) {
  auto* c = static_cast<Connection*>(stream->data);
  TcpServer* self = c->server_;
  if (nread < 0) {
    self->BeginClose(c);
    return;
  }
  if (nread == 0) return;
  c->input_.CommitWrite(static_cast<size_t>(nread));
  self->handler_->OnData(*c);
}

void TcpServer::BeginClose(Connection* c) {
  if (c->closing_) return;
  c->closing_ = true;
  StopReading(c);
  handler_->OnClose(*c);
  uv_close(reinterpret_cast<uv_handle_t*>(&c->handle_), OnClosed);
}

void TcpServer::OnClosed(uv_handle_t* handle) {
  auto* c = static_cast<Connection*>(handle->data);
  c->server_->connections_.erase(c->id_);
}

void TcpServer::ScheduleFlush(Connection* c) {
  c->flush_scheduled_ = true;
  flush_queue_.push_back(c->id_);
}

void TcpServer::OnPrepare(uv_prepare_t* prepare) {
  auto* self = static_cast<TcpServer*>(prepare->data);
  self->handler_->BeforePoll();
  // Handlers may schedule more flushes while we flush (close-after-write): loop until quiet.
  std::vector<uint64_t> queue;
  queue.swap(self->flush_queue_);
  for (uint64_t id : queue) {
    if (Connection* c = self->Find(id)) c->Flush();
  }
}

}  // namespace cairn::net
