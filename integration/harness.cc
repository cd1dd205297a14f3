// Integration-test harness: server processes on free ports, hiredis helpers, raw sockets.
#include "harness.h"

#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <thread>

namespace cairn::testing {

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  int port = ntohs(addr.sin_port);
  close(fd);
  return port;
}

std::string ServerBinary() {
  const char* env = std::getenv("CAIRN_SERVER_BIN");
  return env != nullptr ? env : CAIRN_SERVER_BIN;
}

std::string MakeTempDir(const std::string& prefix) {
  std::string tmpl = (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
  char* made = mkdtemp(tmpl.data());
  return made != nullptr ? std::string(made) : std::string();
}

namespace {
// fork + execv of args[0], stdout and stderr appended to log_path; the child's pid (-1: none).
pid_t SpawnLogged(std::vector<std::string> args, const std::string& log_path) {
  pid_t pid = fork();
  if (pid == 0) {
    int fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    dup2(fd, 1);
    dup2(fd, 2);
    std::vector<char*> cargs;
    for (auto& a : args) cargs.push_back(a.data());
    cargs.push_back(nullptr);
    execv(cargs[0], cargs.data());
    _exit(127);
  }
  return pid;
}
}  // namespace

ServerProcess::ServerProcess(std::vector<std::string> extra_args, std::string dir)
    : extra_args_(std::move(extra_args)), dir_(dir.empty() ? MakeTempDir("cairn-it") : dir) {
  log_path_ = dir_ + "/server.log";
}

ServerProcess::~ServerProcess() {
  if (pid_ > 0) Stop(5000);
  if (pid_ > 0) Kill();
}

bool ServerProcess::Start(int timeout_ms) {
  for (int attempt = 0; attempt < 5; ++attempt) {
    port_ = FreePort();
    std::vector<std::string> args = {ServerBinary(), "--port", std::to_string(port_), "--dir", dir_ + "/data"};
    args.insert(args.end(), extra_args_.begin(), extra_args_.end());
    pid_ = SpawnLogged(args, log_path_);
    auto deadline =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms * ResourceScale());
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        break;  // exited (port taken?): try another port
      }
      ContextPtr c = Connect();
      if (c) {
        ReplyPtr r = Command(c.get(), {"PING"});
        // Any reply means it is serving (an error too: NOAUTH, LOADING).
        if (r) return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (pid_ > 0) Kill();
  }
  return false;
}

int ServerProcess::Stop(int timeout_ms) {
  if (pid_ <= 0) return -1;
  kill(pid_, SIGTERM);
  // A clean stop writes everything pending to the store: slower in a sanitizer build.
  auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms * ResourceScale());
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == -1 && errno == ECHILD) {  // the test already reaped it
      pid_ = -1;
      return -1;
    }
    if (r == pid_) {
      pid_ = -1;
      return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  Kill();
  return -1;
}

bool ServerProcess::WaitExit(int timeout_ms, int* status) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (pid_ > 0 && std::chrono::steady_clock::now() < deadline) {
    if (waitpid(pid_, status, WNOHANG) == pid_) {
      pid_ = -1;
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

void ServerProcess::Kill() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

ContextPtr ServerProcess::Connect() const { return ConnectTo(port_); }

ContextPtr ConnectTo(int port) {
  timeval tv{5 * ResourceScale(), 0};
  redisContext* c = redisConnectWithTimeout("127.0.0.1", port, tv);
  if (c == nullptr || c->err) {
    if (c) redisFree(c);
    return nullptr;
  }
  redisSetTimeout(c, tv);
  return ContextPtr(c);
}

std::string LinkProxyBinary() {
  const char* env = std::getenv("CAIRN_LINK_PROXY_BIN");
  return env != nullptr ? env : CAIRN_LINK_PROXY_BIN;
}

namespace {
// The number after `key` ("listen=") in text, or 0.
int FieldAfter(const std::string& text, const std::string& key) {
  size_t at = text.find(key);
  return at == std::string::npos ? 0 : std::atoi(text.c_str() + at + key.size());
}
}  // namespace

std::string ReadTextFile(const std::string& path) {
  std::string out;
  int fd = open(path.c_str(), O_RDONLY);
  if (fd < 0) return out;
  char buf[4096];
  for (ssize_t n; (n = read(fd, buf, sizeof(buf))) > 0;) out.append(buf, static_cast<size_t>(n));
  close(fd);
  return out;
}

LinkProxy::LinkProxy(std::string target_host, int target_port)
    : target_host_(std::move(target_host)), target_port_(target_port) {
  log_path_ = MakeTempDir("cairn-proxy") + "/proxy.log";
}

LinkProxy::~LinkProxy() { Stop(); }

bool LinkProxy::Start(int timeout_ms) {
  std::vector<std::string> args = {LinkProxyBinary(), "--target",
                                   target_host_ + ":" + std::to_string(target_port_)};
  pid_ = SpawnLogged(args, log_path_);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    std::string log = ReadTextFile(log_path_);
    if (log.find("control=") != std::string::npos) {
      port_ = FieldAfter(log, "listen=");
      control_port_ = FieldAfter(log, "control=");
      return port_ > 0 && control_port_ > 0;
    }
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  Stop();
  return false;
}

void LinkProxy::Stop() {
  if (pid_ <= 0) return;
  kill(pid_, SIGTERM);  // the proxy keeps no state: SIGTERM's default action ends it
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  int status = 0;
  while (waitpid(pid_, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() >= deadline) {
      kill(pid_, SIGKILL);
      waitpid(pid_, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  pid_ = -1;
}

std::string LinkProxy::Send(const std::string& command, int timeout_ms) {
  RawConnection conn(control_port_);
  if (!conn.connected() || !conn.Send(command + "\n")) return "(no reply)";
  std::string reply;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  bool closed = false;
  while (reply.find('\n') == std::string::npos && !closed &&
         std::chrono::steady_clock::now() < deadline) {
    reply += conn.Read(1, 20, &closed);
  }
  size_t nl = reply.find('\n');
  return nl == std::string::npos ? "(no reply)" : reply.substr(0, nl);
}

PeerMesh::PeerMesh(std::vector<int> cluster_ports) : ports_(std::move(cluster_ports)) {
  int n = static_cast<int>(ports_.size());
  for (int from = 1; from <= n; ++from) {
    for (int to = 1; to <= n; ++to) {
      if (from != to) {
        links_[{from, to}] = std::make_unique<LinkProxy>("127.0.0.1", ports_[to - 1]);
      }
    }
  }
}

bool PeerMesh::Start() {
  for (auto& [link, proxy] : links_) {
    if (!proxy->Start()) return false;
  }
  return true;
}

std::string PeerMesh::PeersFor(int node) const {
  std::string out;
  for (int j = 1; j <= static_cast<int>(ports_.size()); ++j) {
    int port = j == node ? ports_[j - 1] : links_.at({node, j})->port();
    out += (out.empty() ? "" : ",") + std::to_string(j) + "=127.0.0.1:" + std::to_string(port);
  }
  return out;
}

LinkProxy& PeerMesh::Link(int from, int to) { return *links_.at({from, to}); }

bool PeerMesh::Cut(int from, int to) { return Link(from, to).Send("cut") == "OK"; }

bool PeerMesh::Isolate(int node) {
  bool ok = true;
  for (int j = 1; j <= static_cast<int>(ports_.size()); ++j) {
    if (j != node) ok = Cut(node, j) && Cut(j, node) && ok;
  }
  return ok;
}

bool PeerMesh::HealAll() {
  bool ok = true;
  for (auto& [link, proxy] : links_) ok = proxy->Send("heal") == "OK" && ok;
  return ok;
}

ServerProcess& SharedServer() {
  static ServerProcess server;
  static bool started = server.Start();
  REQUIRE(started);
  return server;
}

namespace {
// An argv as hiredis takes it: pointers and lengths into the strings (which must outlive it).
struct HiredisArgv {
  explicit HiredisArgv(const std::vector<std::string>& argv) {
    for (const auto& a : argv) {
      ptrs.push_back(a.data());
      lens.push_back(a.size());
    }
  }
  int argc() const { return static_cast<int>(ptrs.size()); }
  std::vector<const char*> ptrs;
  std::vector<size_t> lens;
};
}  // namespace

ReplyPtr Command(redisContext* c, const std::vector<std::string>& argv) {
  HiredisArgv a(argv);
  void* r = redisCommandArgv(c, a.argc(), a.ptrs.data(), a.lens.data());
  return ReplyPtr(static_cast<redisReply*>(r));
}

std::vector<ReplyPtr> Pipelined(redisContext* c, const std::vector<std::vector<std::string>>& cmds) {
  for (const auto& argv : cmds) {
    HiredisArgv a(argv);
    redisAppendCommandArgv(c, a.argc(), a.ptrs.data(), a.lens.data());
  }
  std::vector<ReplyPtr> replies;
  for (size_t i = 0; i < cmds.size(); ++i) {
    void* r = nullptr;
    if (redisGetReply(c, &r) != REDIS_OK) r = nullptr;
    replies.emplace_back(static_cast<redisReply*>(r));
  }
  return replies;
}

std::string Multibulk(const std::vector<std::string>& argv) {
  std::string out = "*" + std::to_string(argv.size()) + "\r\n";
  for (const auto& a : argv) out += "$" + std::to_string(a.size()) + "\r\n" + a + "\r\n";
  return out;
}

std::string Render(const redisReply* r) {
  if (r == nullptr) return "(no reply)";
  switch (r->type) {
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS:
    case REDIS_REPLY_ERROR:
      return std::string(r->str, r->len);
    case REDIS_REPLY_INTEGER:
      return std::to_string(r->integer);
    case REDIS_REPLY_NIL:
      return "(nil)";
    case REDIS_REPLY_ARRAY: {
      std::string out = "[";
      for (size_t i = 0; i < r->elements; ++i) {
        if (i > 0) out += ",";
        out += Render(r->element[i]);
      }
      return out + "]";
    }
  }
  return "(unknown)";
}

std::string Run(redisContext* c, const std::vector<std::string>& argv) {
  ReplyPtr r = Command(c, argv);
  return Render(r.get());
}

bool WaitLoaded(redisContext* c, int timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    if (Run(c, {"INFO", "persistence"}).find("\nloading:0") != std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

RawConnection::RawConnection(int port) : fd_(socket(AF_INET, SOCK_STREAM, 0)) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
}

RawConnection::~RawConnection() { close(fd_); }

bool RawConnection::Send(const std::string& bytes) {
  size_t sent = 0;
  while (connected_ && sent < bytes.size()) {
    ssize_t n = send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<size_t>(n);
  }
  return connected_;
}

std::string RawConnection::Read(size_t want, int timeout_ms, bool* closed) {
  std::string out;
  if (closed) *closed = false;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (out.size() < want && std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, 10) <= 0) continue;
    char buf[65536];
    ssize_t n = recv(fd_, buf, sizeof(buf), 0);
    if (n <= 0) {
      if (closed) *closed = true;
      break;
    }
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

std::string RawExchange(int port, const std::string& bytes, size_t expect_bytes, int timeout_ms,
                        bool* closed) {
  RawConnection conn(port);
  if (!conn.connected()) return "(connect failed)";
  conn.Send(bytes);
  std::string out = conn.Read(expect_bytes, timeout_ms, closed);
  if (closed && !*closed && out.size() >= expect_bytes) {
    conn.Read(1, 200, closed);  // whether the server closed right after the reply
  }
  return out;
}

std::string RunShared(const std::vector<std::string>& argv) {
  static ContextPtr c = SharedServer().Connect();
  return Run(c.get(), argv);
}

void FillPipelined(redisContext* c, const std::string& command, const std::string& key, int n,
                   const std::function<void(int, std::vector<std::string>*)>& add) {
  std::vector<std::vector<std::string>> cmds;
  for (int i = 0; i < n; ++i) {
    if (i % 1000 == 0) cmds.push_back({command, key});
    add(i, &cmds.back());
  }
  for (const ReplyPtr& r : Pipelined(c, cmds)) REQUIRE((r && r->type == REDIS_REPLY_INTEGER));
}

int64_t CheckIncrementsAcrossKill(
    ServerProcess& srv, int clients, int run_ms,
    const std::function<std::vector<std::string>(int)>& command,
    const std::function<int64_t(redisContext*, int)>& read) {
  REQUIRE(srv.Start());
  std::vector<int64_t> acked(clients, 0);
  std::atomic<bool> stop{false};
  std::vector<std::thread> writers;
  for (int t = 0; t < clients; ++t) {
    writers.emplace_back([&, t] {
      ContextPtr c = srv.Connect();
      if (!c) return;
      while (!stop) {
        ReplyPtr r = Command(c.get(), command(t));
        if (!r) return;
        if (r->type == REDIS_REPLY_INTEGER) {
          acked[t] = r->integer;
        } else if (r->type == REDIS_REPLY_STRING) {
          acked[t] = std::stoll(r->str);
        } else {
          return;
        }
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(run_ms));
  srv.Kill();
  stop = true;
  for (auto& w : writers) w.join();
  REQUIRE(srv.Start());
  ContextPtr c = srv.Connect();
  REQUIRE(WaitLoaded(c.get()));
  int64_t total = 0;
  for (int t = 0; t < clients; ++t) {
    CAPTURE(t);
    const int64_t got = read(c.get(), t);
    CHECK(got >= acked[t]);
    CHECK(got <= acked[t] + 1);
    total += acked[t];
  }
  return total;
}

}  // namespace cairn::testing
