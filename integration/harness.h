// Integration-test harness: starts a real cairn-server on a free loopback port in a fresh temp
// dir, waits until it answers PING, and stops it by PID (SIGTERM, then SIGKILL after a bound).
// Gives hiredis helpers that turn replies into plain values for doctest checks.
#pragma once

#include <hiredis/hiredis.h>
#include <signal.h>
#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace cairn::testing {

struct ReplyDeleter {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using ReplyPtr = std::unique_ptr<redisReply, ReplyDeleter>;

struct ContextDeleter {
  void operator()(redisContext* c) const { redisFree(c); }
};
using ContextPtr = std::unique_ptr<redisContext, ContextDeleter>;

// How much slower and bigger the server under test is than a normal build: 1, or 3 in a
// sanitizer build (make sanitize). Time and memory bounds in tests are multiplied by it.
constexpr int ResourceScale() {
#ifdef CAIRN_SANITIZED_BUILD
  return 3;
#else
  return 1;
#endif
}

// A free TCP port on 127.0.0.1 (bound then released; the server binds it next).
int FreePort();
// Path of the built cairn-server (CAIRN_SERVER_BIN, set by CMake).
std::string ServerBinary();
std::string MakeTempDir(const std::string& prefix);
// The whole file (a server's log), or empty.
std::string ReadTextFile(const std::string& path);

class ServerProcess {
 public:
  // Extra `--key value` arguments are appended after the defaults (port, dir).
  explicit ServerProcess(std::vector<std::string> extra_args = {}, std::string dir = "");
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  bool Start(int timeout_ms = 10000);
  // SIGTERM and wait (bounded, times ResourceScale()); returns the exit status or -1.
  int Stop(int timeout_ms = 10000);
  // SIGKILL and reap: a crash.
  void Kill();
  // Waits (bounded) for the server to exit on its own (SHUTDOWN, a signal) and reaps it.
  // Returns whether it exited; *status gets waitpid's status.
  bool WaitExit(int timeout_ms, int* status);
  bool running() const { return pid_ > 0; }
  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  const std::string& dir() const { return dir_; }
  const std::string& log_path() const { return log_path_; }
  ContextPtr Connect() const;

 private:
  std::vector<std::string> extra_args_;
  std::string dir_;
  std::string log_path_;
  int port_ = 0;
  pid_t pid_ = -1;
};

// A plain TCP connection to a loopback port, kept open across sends: for tests that must see
// exactly which bytes arrive, and when (protocol tests, the link proxy).
class RawConnection {
 public:
  explicit RawConnection(int port);
  ~RawConnection();
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;
  bool connected() const { return connected_; }
  // Sends all of it; false if the connection failed first.
  bool Send(const std::string& bytes);
  // Reads until `want` bytes are in, the peer closes (*closed = true) or timeout_ms passes.
  std::string Read(size_t want, int timeout_ms, bool* closed = nullptr);

 private:
  int fd_;
  bool connected_ = false;
};

// Path of the built link_proxy (CAIRN_LINK_PROXY_BIN, set by CMake).
std::string LinkProxyBinary();

// A link_proxy process (integration/link_proxy.cc): forwards a kernel-chosen loopback port to a
// target and cuts, half-cuts or delays the link when told (Send). One per directed peer link in
// partition tests: point a node's cluster-peers entry for a peer at the proxy's port(). Stopped
// by PID (SIGTERM, then SIGKILL after a bound) when the object goes.
class LinkProxy {
 public:
  LinkProxy(std::string target_host, int target_port);
  ~LinkProxy();
  LinkProxy(const LinkProxy&) = delete;
  LinkProxy& operator=(const LinkProxy&) = delete;

  // Starts it and waits (bounded) for its "listen=... control=..." line.
  bool Start(int timeout_ms = 5000);
  void Stop();
  // One control command ("cut", "cut-in", "cut-out", "heal", "delay 50", "status"); returns
  // its reply line without the newline, or "(no reply)".
  std::string Send(const std::string& command, int timeout_ms = 2000);
  int port() const { return port_; }
  int control_port() const { return control_port_; }
  pid_t pid() const { return pid_; }

 private:
  std::string target_host_;
  int target_port_;
  std::string log_path_;
  int port_ = 0;
  int control_port_ = 0;
  pid_t pid_ = -1;
};

// One LinkProxy per directed peer link of an n-node loopback cluster, for partition tests.
// Node i's cluster-peers (PeersFor(i)) name its own cluster port and, for every j != i, the
// proxy of link i->j, which forwards to j's cluster port. A peer connection carries frames one
// way, dialer to acceptor (src/replication/README.md), so Cut(i, j) stops what i sends to j and
// nothing else: a one-way partition. Every proxy stops with the mesh.
class PeerMesh {
 public:
  // Node i (from 1) listens for peers on cluster_ports[i - 1].
  explicit PeerMesh(std::vector<int> cluster_ports);
  bool Start();
  std::string PeersFor(int node) const;
  LinkProxy& Link(int from, int to);
  // Each sends `cut` (or `heal`) to the proxies concerned; false if one did not answer OK.
  bool Cut(int from, int to);
  bool Isolate(int node);  // every link to and from node
  bool HealAll();

 private:
  std::vector<int> ports_;
  std::map<std::pair<int, int>, std::unique_ptr<LinkProxy>> links_;
};

// A hiredis connection to 127.0.0.1:port with the harness's timeouts; null if it fails.
ContextPtr ConnectTo(int port);

// One server for the whole test program, started on first use (fails the test if it cannot).
ServerProcess& SharedServer();

// Runs argv on one connection to SharedServer(), kept for the whole program.
std::string RunShared(const std::vector<std::string>& argv);

// Fills a collection: `command key` plus the arguments add(i, &args) appends for each i in
// [0, n), 1000 members per command, pipelined; every reply must be an integer.
void FillPipelined(redisContext* c, const std::string& command, const std::string& key, int n,
                   const std::function<void(int, std::vector<std::string>*)>& add);

// The crash test of a counter family: `clients` threads each send command(t) (an increment of
// their own counter) in a loop until, after `run_ms`, the server is killed -9; then it is
// restarted and read(c, t) must give each counter every acknowledged increment and at most the
// one in flight beyond it, none twice. Returns the acknowledged increments in all.
int64_t CheckIncrementsAcrossKill(
    ServerProcess& srv, int clients, int run_ms,
    const std::function<std::vector<std::string>(int)>& command,
    const std::function<int64_t(redisContext*, int)>& read);

// Runs a command given as separate arguments (binary-safe).
ReplyPtr Command(redisContext* c, const std::vector<std::string>& argv);
// Sends the commands pipelined (one write, then every reply) and returns the replies in order;
// a missing reply (connection lost) is a null ReplyPtr.
std::vector<ReplyPtr> Pipelined(redisContext* c, const std::vector<std::vector<std::string>>& cmds);
// A command in RESP multibulk form, for RawExchange.
std::string Multibulk(const std::vector<std::string>& argv);
// Convenience: the reply as text: status/string/error as-is, integers in decimal, nil as
// "(nil)", arrays as "[a,b,...]" recursively.
std::string Render(const redisReply* r);
std::string Run(redisContext* c, const std::vector<std::string>& argv);
// Waits (bounded) until the node has finished replaying its log after a start: INFO persistence
// says loading:0. A restart after a crash replays the writes not yet checkpointed into LevelDB.
bool WaitLoaded(redisContext* c, int timeout_ms = 30000);
// Sends raw bytes and reads raw bytes until `expect_bytes` arrive or the peer closes or a time
// bound passes. For protocol-level tests (RESP3, malformed input).
std::string RawExchange(int port, const std::string& bytes, size_t expect_bytes,
                        int timeout_ms = 2000, bool* closed = nullptr);

}  // namespace cairn::testing
