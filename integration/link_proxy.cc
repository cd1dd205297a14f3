// link_proxy: a TCP proxy for fault tests. It forwards one loopback port to a target host:port
// and, told so over a line protocol on a control port, cuts the link both ways, drops the bytes
// of one direction, or delays them. A test tool (integration/), never installed.
//
//   link_proxy --target HOST:PORT [--listen-port N] [--control-port N] [--host 127.0.0.1]
//
// Ports 0 (the default) are chosen by the kernel; once listening it prints one line to stdout:
// "link_proxy listen=P control=C target=HOST:PORT". Control commands, one per line, each
// answered with one line ("OK", "ERR ...", or the status line):
//   cut        drop everything: close every proxied connection, and close new ones at once
//   cut-out    drop the bytes the dialing client sends towards the target (connections stay open)
//   cut-in     drop the bytes the target sends back to the client (connections stay open)
//   heal       undo every cut (a delay stays: `delay 0` clears it)
//   delay MS   hold every byte MS milliseconds before forwarding it (order kept)
//   status     "state=... delay_ms=N connections=N accepted=N forwarded_out=N forwarded_in=N
//              dropped_out=N dropped_in=N"
// On a peer link i->j (node i dials its proxy for j), "out" is what i sends, "in" what j answers
// on that connection. Dropped bytes are gone: a stream that resumes after a one-way cut has a gap,
// as a peer's frame checks should notice. Single-threaded over poll(); no global mutable state.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace {

// Bytes held per direction before the proxy stops reading from its source: a slow or stopped
// reader backs up into its sender, as without the proxy, instead of growing memory.
constexpr size_t kMaxQueuedBytes = 4 << 20;
constexpr size_t kReadBytes = 64 << 10;
constexpr size_t kMaxControlLine = 1024;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void SetNonBlocking(int fd) { fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK); }

// A listening socket on host:port (port 0: any); -1 on failure. *bound gets the port.
int Listen(const std::string& host, int port, int* bound) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1 ||
      bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 || listen(fd, 128) != 0) {
    close(fd);
    return -1;
  }
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  *bound = ntohs(addr.sin_port);
  SetNonBlocking(fd);
  return fd;
}

// Starts a non-blocking connect to host:port, resolved now (a name may move between connects);
// -1 when it cannot even start.
int ConnectStart(const std::string& host, int port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &res) != 0) return -1;
  int fd = socket(res->ai_family, SOCK_STREAM, 0);
  SetNonBlocking(fd);
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  int rc = connect(fd, res->ai_addr, res->ai_addrlen);
  freeaddrinfo(res);
  if (rc != 0 && errno != EINPROGRESS) {
    close(fd);
    return -1;
  }
  return fd;
}

struct Chunk {
  int64_t due_ms = 0;
  std::string bytes;
  size_t sent = 0;
};

// One direction of a proxied connection: bytes read from `from`, waiting to be written to `to`.
struct Direction {
  std::deque<Chunk> queue;
  size_t queued_bytes = 0;
  bool eof = false;       // `from` closed its side
  bool shut_down = false;  // and that close was passed on (shutdown(SHUT_WR) on `to`)
  bool HasDue(int64_t now) const { return !queue.empty() && queue.front().due_ms <= now; }
};

struct Link {
  int client = -1;  // accepted from the dialer
  int target = -1;  // dialed by the proxy
  bool connecting = true;
  bool dead = false;
  Direction out;  // client -> target
  Direction in;   // target -> client
};

struct Counters {
  uint64_t accepted = 0, forwarded_out = 0, forwarded_in = 0, dropped_out = 0, dropped_in = 0;
};

struct Settings {
  std::string host = "127.0.0.1";
  int listen_port = 0;
  int control_port = 0;
  std::string target_host;
  int target_port = 0;
};

struct ControlClient {
  int fd = -1;
  std::string line;
  bool dead = false;
};

class Proxy {
 public:
  explicit Proxy(Settings s) : s_(std::move(s)) {}

  bool Open() {
    int lp = 0, cp = 0;
    listen_fd_ = Listen(s_.host, s_.listen_port, &lp);
    control_fd_ = Listen(s_.host, s_.control_port, &cp);
    if (listen_fd_ < 0 || control_fd_ < 0) return false;
    std::printf("link_proxy listen=%d control=%d target=%s:%d\n", lp, cp, s_.target_host.c_str(),
                s_.target_port);
    std::fflush(stdout);
    return true;
  }

  void Run() {
    for (;;) PollOnce();
  }

 private:
  void PollOnce() {
    std::vector<pollfd> fds;
    std::vector<std::pair<size_t, bool>> owners;  // (link index, is client) per link fd
    fds.push_back({listen_fd_, POLLIN, 0});
    fds.push_back({control_fd_, POLLIN, 0});
    size_t polled_controls = controls_.size();  // accepting below appends to controls_
    for (const auto& c : controls_) fds.push_back({c->fd, POLLIN, 0});
    size_t first_link = fds.size();
    int64_t now = NowMs();
    for (size_t i = 0; i < links_.size(); ++i) {
      Link& l = *links_[i];
      short cev = 0, tev = 0;
      if (!l.out.eof && l.out.queued_bytes < kMaxQueuedBytes) cev |= POLLIN;
      if (l.in.HasDue(now)) cev |= POLLOUT;
      if (l.connecting) {
        tev = POLLOUT;
      } else {
        if (!l.in.eof && l.in.queued_bytes < kMaxQueuedBytes) tev |= POLLIN;
        if (l.out.HasDue(now)) tev |= POLLOUT;
      }
      fds.push_back({l.client, cev, 0});
      owners.push_back({i, true});
      fds.push_back({l.target, tev, 0});
      owners.push_back({i, false});
    }
    poll(fds.data(), fds.size(), NextTimeoutMs(now));
    now = NowMs();
    if (fds[0].revents) AcceptLinks();
    if (fds[1].revents) AcceptControl();
    for (size_t i = 0; i < polled_controls; ++i) {
      if (fds[2 + i].revents) ReadControl(*controls_[i]);
    }
    for (size_t k = first_link; k < fds.size(); ++k) {
      if (fds[k].revents == 0) continue;
      auto [index, is_client] = owners[k - first_link];
      Serve(*links_[index], is_client, fds[k].revents);
    }
    for (auto& l : links_) Flush(*l, NowMs());
    Reap();
  }

  // Until the earliest delayed chunk is due; a second at most, so nothing waits on a lost wakeup.
  int NextTimeoutMs(int64_t now) const {
    int64_t wait = 1000;
    for (const auto& l : links_) {
      for (const Direction* d : {&l->out, &l->in}) {
        if (!d->queue.empty()) wait = std::min(wait, std::max<int64_t>(0, d->queue.front().due_ms - now));
      }
    }
    return static_cast<int>(wait);
  }

  void AcceptLinks() {
    for (;;) {
      int fd = accept(listen_fd_, nullptr, nullptr);
      if (fd < 0) return;
      ++counters_.accepted;
      if (cut_) {  // refused: the dialer sees its connection closed at once
        close(fd);
        continue;
      }
      SetNonBlocking(fd);
      int one = 1;
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
      int target = ConnectStart(s_.target_host, s_.target_port);
      if (target < 0) {
        close(fd);
        continue;
      }
      auto l = std::make_unique<Link>();
      l->client = fd;
      l->target = target;
      links_.push_back(std::move(l));
    }
  }

  void Serve(Link& l, bool is_client, short revents) {
    if (l.dead) return;
    int fd = is_client ? l.client : l.target;
    if (!is_client && l.connecting) {
      int err = 0;
      socklen_t len = sizeof(err);
      getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
      if (err != 0 || (revents & (POLLERR | POLLHUP))) {
        l.dead = true;  // the target refused: so does the proxy
        return;
      }
      l.connecting = false;
      return;
    }
    Direction& from_fd = is_client ? l.out : l.in;
    // A reset, or a hang-up after the end of its stream: nothing more can pass this socket, and
    // poll() would report it again at once.
    if ((revents & POLLERR) || ((revents & POLLHUP) && from_fd.eof)) {
      l.dead = true;
      return;
    }
    if (revents & (POLLIN | POLLHUP)) ReadInto(l, fd, from_fd, is_client);
  }

  void ReadInto(Link& l, int fd, Direction& d, bool outward) {
    if (d.eof) return;
    std::string buf(kReadBytes, '\0');
    ssize_t n = recv(fd, buf.data(), buf.size(), 0);
    if (n < 0) {
      if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) l.dead = true;
      return;
    }
    if (n == 0) {
      d.eof = true;
      return;
    }
    bool drop = outward ? drop_out_ : drop_in_;
    if (drop) {
      (outward ? counters_.dropped_out : counters_.dropped_in) += static_cast<uint64_t>(n);
      return;
    }
    buf.resize(static_cast<size_t>(n));
    d.queued_bytes += buf.size();
    d.queue.push_back(Chunk{NowMs() + delay_ms_, std::move(buf), 0});
  }

  void Flush(Link& l, int64_t now) {
    if (l.dead || l.connecting) return;
    FlushDirection(l, l.out, l.target, now, &counters_.forwarded_out);
    FlushDirection(l, l.in, l.client, now, &counters_.forwarded_in);
    if (l.out.shut_down && l.in.shut_down) l.dead = true;
  }

  void FlushDirection(Link& l, Direction& d, int to, int64_t now, uint64_t* forwarded) {
    while (!l.dead && d.HasDue(now)) {
      Chunk& c = d.queue.front();
      ssize_t n = send(to, c.bytes.data() + c.sent, c.bytes.size() - c.sent, MSG_NOSIGNAL);
      if (n < 0) {
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) l.dead = true;
        return;
      }
      c.sent += static_cast<size_t>(n);
      *forwarded += static_cast<uint64_t>(n);
      if (c.sent < c.bytes.size()) return;
      d.queued_bytes -= c.bytes.size();
      d.queue.pop_front();
    }
    if (d.eof && d.queue.empty() && !d.shut_down) {
      shutdown(to, SHUT_WR);  // pass the half-close on
      d.shut_down = true;
    }
  }

  void Reap() {
    std::erase_if(links_, [](const std::unique_ptr<Link>& l) {
      if (!l->dead) return false;
      close(l->client);
      close(l->target);
      return true;
    });
    std::erase_if(controls_, [](const std::unique_ptr<ControlClient>& c) {
      if (!c->dead) return false;
      close(c->fd);
      return true;
    });
  }

  void AcceptControl() {
    for (;;) {
      int fd = accept(control_fd_, nullptr, nullptr);
      if (fd < 0) return;
      SetNonBlocking(fd);
      auto c = std::make_unique<ControlClient>();
      c->fd = fd;
      controls_.push_back(std::move(c));
    }
  }

  void ReadControl(ControlClient& c) {
    char buf[512];
    ssize_t n = recv(c.fd, buf, sizeof(buf), 0);
    if (n <= 0) {
      if (n == 0 || (errno != EAGAIN && errno != EINTR)) c.dead = true;
      return;
    }
    c.line.append(buf, static_cast<size_t>(n));
    for (size_t nl; (nl = c.line.find('\n')) != std::string::npos;) {
      std::string cmd = c.line.substr(0, nl);
      c.line.erase(0, nl + 1);
      if (!cmd.empty() && cmd.back() == '\r') cmd.pop_back();
      std::string reply = Execute(cmd) + "\n";
      // Replies are a line each: a control client that does not read them is not served.
      if (send(c.fd, reply.data(), reply.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(reply.size())) {
        c.dead = true;
        return;
      }
    }
    if (c.line.size() > kMaxControlLine) c.dead = true;
  }

  std::string Execute(const std::string& cmd) {
    if (cmd == "cut") {
      cut_ = drop_out_ = drop_in_ = true;
      for (auto& l : links_) l->dead = true;
      return "OK";
    }
    if (cmd == "cut-out") {
      drop_out_ = true;
      return "OK";
    }
    if (cmd == "cut-in") {
      drop_in_ = true;
      return "OK";
    }
    if (cmd == "heal") {
      cut_ = drop_out_ = drop_in_ = false;
      return "OK";
    }
    if (cmd.rfind("delay ", 0) == 0) {
      char* end = nullptr;
      long ms = std::strtol(cmd.c_str() + 6, &end, 10);
      if (end == cmd.c_str() + 6 || *end != '\0' || ms < 0 || ms > 600000) {
        return "ERR delay takes milliseconds, 0..600000";
      }
      delay_ms_ = ms;
      return "OK";
    }
    if (cmd == "status") return Status();
    return "ERR unknown command '" + cmd + "' (cut, cut-in, cut-out, heal, delay MS, status)";
  }

  std::string Status() const {
    std::string state = cut_ ? "cut"
                        : drop_out_ && drop_in_ ? "cut-in,cut-out"
                        : drop_out_             ? "cut-out"
                        : drop_in_              ? "cut-in"
                                                : "open";
    char buf[512];
    std::snprintf(buf, sizeof(buf),
                  "state=%s delay_ms=%lld connections=%zu accepted=%llu forwarded_out=%llu "
                  "forwarded_in=%llu dropped_out=%llu dropped_in=%llu",
                  state.c_str(), static_cast<long long>(delay_ms_), links_.size(),
                  static_cast<unsigned long long>(counters_.accepted),
                  static_cast<unsigned long long>(counters_.forwarded_out),
                  static_cast<unsigned long long>(counters_.forwarded_in),
                  static_cast<unsigned long long>(counters_.dropped_out),
                  static_cast<unsigned long long>(counters_.dropped_in));
    return buf;
  }

  const Settings s_;
  int listen_fd_ = -1;
  int control_fd_ = -1;
  bool cut_ = false;
  bool drop_out_ = false;
  bool drop_in_ = false;
  int64_t delay_ms_ = 0;
  Counters counters_;
  std::vector<std::unique_ptr<Link>> links_;
  std::vector<std::unique_ptr<ControlClient>> controls_;
};

bool ParsePort(const char* text, int* port) {
  char* end = nullptr;
  long v = std::strtol(text, &end, 10);
  if (end == text || *end != '\0' || v < 0 || v > 65535) return false;
  *port = static_cast<int>(v);
  return true;
}

std::optional<Settings> ParseArgs(int argc, char** argv) {
  Settings s;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string key = argv[i];
    const char* value = argv[i + 1];
    if (key == "--target") {
      std::string t = value;
      size_t colon = t.rfind(':');
      if (colon == std::string::npos || !ParsePort(t.c_str() + colon + 1, &s.target_port)) {
        return std::nullopt;
      }
      s.target_host = t.substr(0, colon);
    } else if (key == "--listen-port") {
      if (!ParsePort(value, &s.listen_port)) return std::nullopt;
    } else if (key == "--control-port") {
      if (!ParsePort(value, &s.control_port)) return std::nullopt;
    } else if (key == "--host") {
      s.host = value;
    } else {
      return std::nullopt;
    }
  }
  if (argc % 2 == 0 || s.target_host.empty() || s.target_port == 0) return std::nullopt;
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  std::optional<Settings> settings = ParseArgs(argc, argv);
  if (!settings) {
    std::fprintf(stderr,
                 "usage: link_proxy --target HOST:PORT [--listen-port N] [--control-port N] "
                 "[--host 127.0.0.1]\n");
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);
  Proxy proxy(*settings);
  if (!proxy.Open()) {
    std::fprintf(stderr, "link_proxy: cannot listen: %s\n", std::strerror(errno));
    return 1;
  }
  proxy.Run();
}
