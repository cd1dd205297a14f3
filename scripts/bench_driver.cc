// bench_driver: a small redis-benchmark companion for what redis-benchmark cannot express.
// scripts/bench.sh builds it (g++ -O2 against libhiredis) into build/bench/bench_driver.
//
//   txn   N clients pipelining MULTI / SET key:<r> <value> / INCR counter:<r> / EXEC; one
//         operation is the whole transaction. Every reply is checked (+OK, +QUEUED, +QUEUED,
//         *2 [+OK, :n]); the first reply that does not fit (say "-ERR unknown command 'multi'")
//         stops the run and prints the row with "n/a" (exit code 3), so a server without
//         MULTI/EXEC yields "n/a" rather than a fake number.
//   load  SET key:<12-digit i> <value> for every i in [start, start+keys): the same key names
//         redis-benchmark's -r uses, so a later `redis-benchmark -t get -r keys` hits every key.
//   wait  one write (--cmd set: SET key:<r> <value>; --cmd incr: INCR counter:<r>) followed by
//         WAIT <--replicas n> 0: a Redis primary's nearest to a quorum acknowledgement, for the
//         cluster comparison. One operation is the pair; replies checked (+OK or :n, then :n).
//
// Output is redis-benchmark's --csv format (header plus one row, latencies in ms), so bench.sh
// parses both the same way. Like redis-benchmark, a pipelined batch is written at once and every
// reply's latency is measured from the moment the batch was written. One thread, one epoll
// loop, hiredis only as the reply parser: the client should cost as little CPU as
// redis-benchmark's, since both share the machine with the server under test.
#include <arpa/inet.h>
#include <fcntl.h>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace {

struct Options {
  std::string host = "127.0.0.1";
  int port = 6379;
  std::string mode = "txn";
  int clients = 50;
  int pipeline = 1;
  long long requests = 100000;  // operations (txn: transactions)
  long long keyspace = 100000;  // txn: random keys in [0, keyspace)
  long long start = 0;          // load: first key index
  long long keys = 100000;      // load: number of keys
  int value_size = 100;
  std::string cmd = "set";  // wait: the write before each WAIT
  int replicas = 1;         // wait: WAIT's numreplicas
};

uint64_t NowUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void AppendBulk(std::string* out, const char* s, size_t n) {
  char head[32];
  int h = std::snprintf(head, sizeof(head), "$%zu\r\n", n);
  out->append(head, h);
  out->append(s, n);
  out->append("\r\n");
}

void AppendCommand(std::string* out, std::initializer_list<std::string_view> argv) {
  char head[32];
  int h = std::snprintf(head, sizeof(head), "*%zu\r\n", argv.size());
  out->append(head, h);
  for (auto a : argv) AppendBulk(out, a.data(), a.size());
}

std::string KeyName(const char* prefix, long long i) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%s%012lld", prefix, i);
  return buf;
}

struct Client {
  int fd = -1;
  redisReader* reader = nullptr;
  std::string out;
  size_t out_pos = 0;
  long long replies_due = 0;  // replies still expected for the current batch
  int reply_in_op = 0;        // position of the next reply inside its operation
  uint64_t batch_start_us = 0;
  bool want_write = false;
};

class Driver {
 public:
  explicit Driver(Options o) : o_(std::move(o)), rng_(12345), value_(o_.value_size, 'x') {
    replies_per_op_ = o_.mode == "txn" ? 4 : o_.mode == "wait" ? 2 : 1;
    total_ops_ = o_.mode == "load" ? o_.keys : o_.requests;
    latencies_us_.reserve(static_cast<size_t>(total_ops_));
  }

  int Run() {
    epfd_ = epoll_create1(0);
    clients_.resize(static_cast<size_t>(o_.clients));
    for (size_t i = 0; i < clients_.size(); ++i) {
      if (!Connect(&clients_[i], static_cast<int>(i))) return 2;
    }
    uint64_t t0 = NowUs();
    for (auto& c : clients_) {
      if (!StartBatch(&c)) break;
    }
    epoll_event events[256];
    while (done_ops_ < total_ops_ && failure_.empty()) {
      int n = epoll_wait(epfd_, events, 256, 10000);
      if (n < 0) {
        if (errno == EINTR) continue;
        failure_ = std::string("epoll_wait: ") + std::strerror(errno);
        break;
      }
      if (n == 0) {
        failure_ = "no reply for 10 s";
        break;
      }
      for (int i = 0; i < n && failure_.empty(); ++i) {
        Client* c = &clients_[events[i].data.u32];
        if (events[i].events & EPOLLOUT) Flush(c);
        if (events[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP)) Read(c);
      }
    }
    uint64_t elapsed_us = NowUs() - t0;
    Print(elapsed_us);
    for (auto& c : clients_) {
      if (c.fd >= 0) close(c.fd);
      if (c.reader) redisReaderFree(c.reader);
    }
    return failure_.empty() ? 0 : 3;
  }

 private:
  bool Connect(Client* c, int index) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(o_.port));
    inet_pton(AF_INET, o_.host.c_str(), &addr.sin_addr);
    // A burst of connects can overflow a small accept backlog: retry for a while.
    for (int attempt = 0;; ++attempt) {
      c->fd = socket(AF_INET, SOCK_STREAM, 0);
      if (connect(c->fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0) break;
      int err = errno;
      close(c->fd);
      c->fd = -1;
      if (attempt == 100) {
        std::fprintf(stderr, "bench_driver: connect %s:%d: %s\n", o_.host.c_str(), o_.port,
                     std::strerror(err));
        return false;
      }
      usleep(20000);
    }
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) | O_NONBLOCK);
    c->reader = redisReaderCreate();
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u32 = static_cast<uint32_t>(index);
    epoll_ctl(epfd_, EPOLL_CTL_ADD, c->fd, &ev);
    return true;
  }

  // Queues the next pipeline of operations on c and writes it. False when nothing is left.
  bool StartBatch(Client* c) {
    long long n = std::min<long long>(o_.pipeline, total_ops_ - issued_ops_);
    if (n <= 0) return false;
    c->out.clear();
    c->out_pos = 0;
    for (long long i = 0; i < n; ++i) {
      if (o_.mode == "txn") {
        std::string k = KeyName("key:", static_cast<long long>(rng_() % o_.keyspace));
        std::string ctr = KeyName("counter:", static_cast<long long>(rng_() % o_.keyspace));
        AppendCommand(&c->out, {"MULTI"});
        AppendCommand(&c->out, {"SET", k, value_});
        AppendCommand(&c->out, {"INCR", ctr});
        AppendCommand(&c->out, {"EXEC"});
      } else if (o_.mode == "wait") {
        const long long r = static_cast<long long>(rng_() % o_.keyspace);
        if (o_.cmd == "incr") {
          AppendCommand(&c->out, {"INCR", KeyName("counter:", r)});
        } else {
          AppendCommand(&c->out, {"SET", KeyName("key:", r), value_});
        }
        AppendCommand(&c->out, {"WAIT", replicas_text_, "0"});
      } else {
        std::string k = KeyName("key:", o_.start + issued_ops_ + i);
        AppendCommand(&c->out, {"SET", k, value_});
      }
    }
    issued_ops_ += n;
    c->replies_due = n * replies_per_op_;
    c->reply_in_op = 0;
    c->batch_start_us = NowUs();
    Flush(c);
    return true;
  }

  void Flush(Client* c) {
    while (c->out_pos < c->out.size()) {
      ssize_t w = write(c->fd, c->out.data() + c->out_pos, c->out.size() - c->out_pos);
      if (w > 0) {
        c->out_pos += static_cast<size_t>(w);
        continue;
      }
      if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
      if (w < 0 && errno == EINTR) continue;
      failure_ = std::string("write: ") + std::strerror(errno);
      return;
    }
    bool want = c->out_pos < c->out.size();
    if (want != c->want_write) {
      epoll_event ev{};
      ev.events = want ? (EPOLLIN | EPOLLOUT) : EPOLLIN;
      ev.data.u32 = static_cast<uint32_t>(c - clients_.data());
      epoll_ctl(epfd_, EPOLL_CTL_MOD, c->fd, &ev);
      c->want_write = want;
    }
  }

  void Read(Client* c) {
    char buf[65536];
    for (;;) {
      ssize_t r = read(c->fd, buf, sizeof(buf));
      if (r > 0) {
        redisReaderFeed(c->reader, buf, static_cast<size_t>(r));
        if (r < static_cast<ssize_t>(sizeof(buf))) break;
        continue;
      }
      if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
      if (r < 0 && errno == EINTR) continue;
      failure_ = r == 0 ? "server closed the connection" : std::string("read: ") + std::strerror(errno);
      return;
    }
    void* reply = nullptr;
    while (failure_.empty()) {
      if (redisReaderGetReply(c->reader, &reply) != REDIS_OK) {
        failure_ = std::string("protocol error: ") + c->reader->errstr;
        return;
      }
      if (!reply) break;
      auto* r = static_cast<redisReply*>(reply);
      Check(c, r);
      freeReplyObject(r);
      if (!failure_.empty()) return;
      if (++c->reply_in_op == replies_per_op_) {
        c->reply_in_op = 0;
        latencies_us_.push_back(static_cast<uint32_t>(NowUs() - c->batch_start_us));
        ++done_ops_;
      }
      if (--c->replies_due == 0) {
        StartBatch(c);
        // Replies for the new batch cannot be buffered yet; leave the loop for epoll.
      }
    }
  }

  static bool IsStatus(const redisReply* r, const char* s) {
    return r->type == REDIS_REPLY_STATUS && std::strcmp(r->str, s) == 0;
  }

  void Check(Client* c, const redisReply* r) {
    std::string why;
    if (o_.mode == "wait") {
      const bool write_ok = o_.cmd == "incr" ? r->type == REDIS_REPLY_INTEGER : IsStatus(r, "OK");
      if (c->reply_in_op == 0 && !write_ok) why = o_.cmd == "incr" ? "INCR" : "SET";
      if (c->reply_in_op == 1 && r->type != REDIS_REPLY_INTEGER) why = "WAIT";
    } else if (o_.mode != "txn") {
      if (!IsStatus(r, "OK")) why = "SET";
    } else if (c->reply_in_op == 0) {
      if (!IsStatus(r, "OK")) why = "MULTI";
    } else if (c->reply_in_op < 3) {
      if (!IsStatus(r, "QUEUED")) why = c->reply_in_op == 1 ? "SET inside MULTI" : "INCR inside MULTI";
    } else {
      bool ok = r->type == REDIS_REPLY_ARRAY && r->elements == 2 && IsStatus(r->element[0], "OK") &&
                r->element[1]->type == REDIS_REPLY_INTEGER;
      if (!ok) why = "EXEC";
    }
    if (why.empty()) return;
    std::string got;
    if (r->type == REDIS_REPLY_ERROR || r->type == REDIS_REPLY_STATUS) {
      got = r->str;
    } else {
      got = "reply type " + std::to_string(r->type);
    }
    failure_ = "unexpected reply to " + why + ": " + got;
  }

  void Print(uint64_t elapsed_us) {
    const char* name = o_.mode == "txn"    ? "TXN (MULTI/SET/INCR/EXEC)"
                       : o_.mode == "wait" ? (o_.cmd == "incr" ? "INCR+WAIT" : "SET+WAIT")
                                           : "LOAD (SET)";
    std::printf(
        "\"test\",\"rps\",\"avg_latency_ms\",\"min_latency_ms\",\"p50_latency_ms\","
        "\"p95_latency_ms\",\"p99_latency_ms\",\"max_latency_ms\"\n");
    if (!failure_.empty() || latencies_us_.empty()) {
      std::fprintf(stderr, "bench_driver: %s\n", failure_.empty() ? "no operation completed" : failure_.c_str());
      std::printf("\"%s\",\"n/a\",\"n/a\",\"n/a\",\"n/a\",\"n/a\",\"n/a\",\"n/a\"\n", name);
      return;
    }
    auto& v = latencies_us_;
    std::sort(v.begin(), v.end());
    auto pct = [&](double p) {
      size_t i = static_cast<size_t>(p / 100.0 * static_cast<double>(v.size()));
      return v[std::min(i, v.size() - 1)] / 1000.0;
    };
    double sum = 0;
    for (auto x : v) sum += x;
    double rps = static_cast<double>(done_ops_) * 1e6 / static_cast<double>(elapsed_us);
    std::printf("\"%s\",\"%.2f\",\"%.3f\",\"%.3f\",\"%.3f\",\"%.3f\",\"%.3f\",\"%.3f\"\n", name, rps,
                sum / static_cast<double>(v.size()) / 1000.0, v.front() / 1000.0, pct(50), pct(95),
                pct(99), v.back() / 1000.0);
    std::fprintf(stderr, "bench_driver: %lld operations in %.3f s\n", done_ops_, elapsed_us / 1e6);
  }

  Options o_;
  std::mt19937_64 rng_;
  std::string value_;
  std::string replicas_text_ = std::to_string(o_.replicas);
  int replies_per_op_ = 1;
  long long total_ops_ = 0;
  long long issued_ops_ = 0;
  long long done_ops_ = 0;
  int epfd_ = -1;
  std::vector<Client> clients_;
  std::vector<uint32_t> latencies_us_;
  std::string failure_;
};

[[noreturn]] void Usage() {
  std::fprintf(stderr,
               "usage: bench_driver txn|load|wait [-h host] [-p port] [-c clients] [-P pipeline]\n"
               "         [-n transactions] [-r keyspace] [-d value_size] [--start i] [--keys n]\n"
               "         [--cmd set|incr] [--replicas n]\n");
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (argc < 2) Usage();
  o.mode = argv[1];
  if (o.mode != "txn" && o.mode != "load" && o.mode != "wait") Usage();
  for (int i = 2; i < argc; ++i) {
    std::string a = argv[i];
    if (i + 1 >= argc) Usage();
    const char* v = argv[++i];
    if (a == "-h") o.host = v;
    else if (a == "-p") o.port = std::atoi(v);
    else if (a == "-c") o.clients = std::max(1, std::atoi(v));
    else if (a == "-P") o.pipeline = std::max(1, std::atoi(v));
    else if (a == "-n") o.requests = std::atoll(v);
    else if (a == "-r") o.keyspace = std::max(1LL, std::atoll(v));
    else if (a == "-d") o.value_size = std::max(0, std::atoi(v));
    else if (a == "--start") o.start = std::atoll(v);
    else if (a == "--keys") o.keys = std::atoll(v);
    else if (a == "--cmd") o.cmd = v;
    else if (a == "--replicas") o.replicas = std::max(0, std::atoi(v));
    else Usage();
  }
  return Driver(o).Run();
}
