// Connection and server commands against a real server: AUTH, SELECT, SWAPDB, FLUSH*, CLIENT,
// INFO, CONFIG, COMMAND, SLOWLOG, LATENCY, MONITOR, DEBUG, SAVE, TIME.
#include <doctest/doctest.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <thread>

#include "harness.h"

using namespace cairn::testing;

namespace {
ServerProcess& Server() { return SharedServer(); }
bool Contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }
}  // namespace

TEST_CASE("requirepass: NOAUTH before AUTH, WRONGPASS on a bad password, then access") {
  ServerProcess srv({"--requirepass", "s3cret"});
  REQUIRE(srv.Start());
  auto c = srv.Connect();
  CHECK(Run(c.get(), {"GET", "x"}) == "NOAUTH Authentication required.");
  CHECK(Run(c.get(), {"AUTH", "wrong"}) == "WRONGPASS invalid username-password pair or user is disabled.");
  CHECK(Run(c.get(), {"AUTH", "nobody", "s3cret"}) == "WRONGPASS invalid username-password pair or user is disabled.");
  CHECK(Run(c.get(), {"HELLO", "3"}).rfind("NOAUTH HELLO must be called", 0) == 0);
  CHECK(Run(c.get(), {"AUTH", "s3cret"}) == "OK");
  CHECK(Run(c.get(), {"SET", "x", "1"}) == "OK");
  auto d = srv.Connect();
  CHECK(Run(d.get(), {"HELLO", "2", "AUTH", "default", "s3cret"}).find("proto,2") != std::string::npos);
  CHECK(Run(d.get(), {"GET", "x"}) == "1");
  CHECK(Run(d.get(), {"RESET"}) == "RESET");
  CHECK(Run(d.get(), {"GET", "x"}) == "NOAUTH Authentication required.");
}

TEST_CASE("AUTH without a configured password") {
  auto c = Server().Connect();
  CHECK(Run(c.get(), {"AUTH", "x"}) ==
        "ERR AUTH <password> called without any password configured for the default user. Are "
        "you sure your configuration is correct?");
  CHECK(Run(c.get(), {"AUTH", "default", "anything"}) == "OK");
}

TEST_CASE("SELECT, DBSIZE, SWAPDB, FLUSHDB and FLUSHALL") {
  auto c = Server().Connect();
  CHECK(Run(c.get(), {"FLUSHALL"}) == "OK");
  CHECK(Run(c.get(), {"SELECT", "16"}) == "ERR DB index is out of range");
  CHECK(Run(c.get(), {"SELECT", "x"}) == "ERR value is not an integer or out of range");
  CHECK(Run(c.get(), {"SELECT", "9"}) == "OK");
  CHECK(Run(c.get(), {"SET", "a", "9"}) == "OK");
  CHECK(Run(c.get(), {"SET", "b", "9"}) == "OK");
  CHECK(Run(c.get(), {"DBSIZE"}) == "2");
  CHECK(Run(c.get(), {"SELECT", "0"}) == "OK");
  CHECK(Run(c.get(), {"DBSIZE"}) == "0");
  CHECK(Run(c.get(), {"SWAPDB", "0", "9"}) == "OK");
  CHECK(Run(c.get(), {"DBSIZE"}) == "2");
  CHECK(Run(c.get(), {"GET", "a"}) == "9");
  CHECK(Run(c.get(), {"SWAPDB", "x", "1"}) == "ERR invalid first DB index");
  CHECK(Run(c.get(), {"SWAPDB", "1", "y"}) == "ERR invalid second DB index");
  CHECK(Run(c.get(), {"SWAPDB", "1", "99"}) == "ERR DB index is out of range");
  CHECK(Run(c.get(), {"FLUSHDB", "BAD"}) == "ERR syntax error");
  CHECK(Run(c.get(), {"FLUSHDB", "ASYNC"}) == "OK");
  CHECK(Run(c.get(), {"DBSIZE"}) == "0");
  CHECK(Run(c.get(), {"SELECT", "3"}) == "OK");
  CHECK(Run(c.get(), {"SET", "z", "1"}) == "OK");
  CHECK(Run(c.get(), {"FLUSHALL", "SYNC"}) == "OK");
  CHECK(Run(c.get(), {"DBSIZE"}) == "0");
}

TEST_CASE("CLIENT ID, SETNAME, GETNAME, INFO, LIST, SETINFO, NO-EVICT, NO-TOUCH") {
  auto c = Server().Connect();
  std::string id = Run(c.get(), {"CLIENT", "ID"});
  CHECK(std::stoll(id) > 0);
  CHECK(Run(c.get(), {"CLIENT", "GETNAME"}) == "(nil)");
  CHECK(Run(c.get(), {"CLIENT", "SETNAME", "has space"}) ==
        "ERR Client names cannot contain spaces, newlines or special characters.");
  CHECK(Run(c.get(), {"CLIENT", "SETNAME", "worker-1"}) == "OK");
  CHECK(Run(c.get(), {"CLIENT", "GETNAME"}) == "worker-1");
  CHECK(Run(c.get(), {"CLIENT", "SETINFO", "LIB-NAME", "cairn-tests"}) == "OK");
  CHECK(Run(c.get(), {"CLIENT", "SETINFO", "LIB-VER", "1.0"}) == "OK");
  CHECK(Run(c.get(), {"CLIENT", "SETINFO", "COLOR", "red"}) == "ERR Unrecognized option 'COLOR'");
  std::string info = Run(c.get(), {"CLIENT", "INFO"});
  CHECK(Contains(info, "id=" + id + " "));
  CHECK(Contains(info, "name=worker-1"));
  CHECK(Contains(info, "lib-name=cairn-tests lib-ver=1.0"));
  CHECK(Contains(info, "cmd=client|info"));
  CHECK(Contains(Run(c.get(), {"CLIENT", "LIST"}), "name=worker-1"));
  CHECK(Contains(Run(c.get(), {"CLIENT", "LIST", "ID", id}), "id=" + id));
  CHECK(Run(c.get(), {"CLIENT", "LIST", "TYPE", "bogus"}) == "ERR Unknown client type 'bogus'");
  CHECK(Run(c.get(), {"CLIENT", "NO-EVICT", "on"}) == "OK");
  CHECK(Run(c.get(), {"CLIENT", "NO-TOUCH", "off"}) == "OK");
  CHECK(Run(c.get(), {"CLIENT", "NO-EVICT", "maybe"}) == "ERR syntax error");
}

TEST_CASE("CLIENT KILL by id, by address, and the old form's error") {
  auto killer = Server().Connect();
  auto victim = Server().Connect();
  std::string vid = Run(victim.get(), {"CLIENT", "ID"});
  CHECK(Run(killer.get(), {"CLIENT", "KILL", "ID", vid}) == "1");
  CHECK(Run(victim.get(), {"PING"}) != "PONG");
  CHECK(Run(killer.get(), {"CLIENT", "KILL", "1.2.3.4:5"}) == "ERR No such client");
  CHECK(Run(killer.get(), {"CLIENT", "KILL", "ID", "0"}) == "ERR client-id should be greater than 0");
  auto victim2 = Server().Connect();
  std::string info = Run(victim2.get(), {"CLIENT", "INFO"});
  size_t a = info.find("addr=") + 5;
  std::string addr = info.substr(a, info.find(' ', a) - a);
  CHECK(Run(killer.get(), {"CLIENT", "KILL", addr}) == "OK");
  CHECK(Run(killer.get(), {"CLIENT", "KILL", "ID", Run(killer.get(), {"CLIENT", "ID"})}) == "0");
}

TEST_CASE("CLIENT REPLY OFF, SKIP and ON") {
  std::string req = "*3\r\n$6\r\nCLIENT\r\n$5\r\nREPLY\r\n$3\r\nOFF\r\n*1\r\n$4\r\nPING\r\n"
                    "*3\r\n$6\r\nCLIENT\r\n$5\r\nREPLY\r\n$2\r\nON\r\n*1\r\n$4\r\nPING\r\n"
                    "*3\r\n$6\r\nCLIENT\r\n$5\r\nREPLY\r\n$4\r\nSKIP\r\n*2\r\n$4\r\nECHO\r\n$1\r\na\r\n"
                    "*2\r\n$4\r\nECHO\r\n$1\r\nb\r\n";
  CHECK(RawExchange(Server().port(), req, 1000, 800) == "+OK\r\n+PONG\r\n$1\r\nb\r\n");
}

TEST_CASE("INFO reports Redis's sections and field names") {
  auto c = Server().Connect();
  std::string all = Run(c.get(), {"INFO"});
  for (const char* f : {"# Server", "redis_version:7.2.0", "redis_mode:standalone", "tcp_port:",
                        "# Clients", "connected_clients:", "maxclients:10000", "# Memory",
                        "used_memory:", "maxmemory:", "# Persistence", "loading:0",
                        "aof_enabled:1", "# Stats", "total_commands_processed:", "expired_keys:",
                        "keyspace_hits:", "keyspace_misses:", "# Replication", "role:master",
                        "# CPU", "used_cpu_sys:", "# Keyspace"}) {
    CHECK_MESSAGE(Contains(all, f), f);
  }
  std::string one = Run(c.get(), {"INFO", "server"});
  CHECK(Contains(one, "# Server"));
  CHECK_FALSE(Contains(one, "# Clients"));
  CHECK(Run(c.get(), {"INFO", "nosuchsection"}) == "");
}

TEST_CASE("CONFIG takes Redis's encoding thresholds, their ziplist aliases sharing one value") {
  auto c = Server().Connect();
  CHECK(Run(c.get(), {"CONFIG", "GET", "hash-max-listpack-entries"}) == "[hash-max-listpack-entries,512]");
  CHECK(Run(c.get(), {"CONFIG", "GET", "zset-max-ziplist-entries"}) == "[zset-max-ziplist-entries,128]");
  CHECK(Run(c.get(), {"CONFIG", "GET", "list-max-ziplist-size"}) == "[list-max-ziplist-size,-2]");
  CHECK(Run(c.get(), {"CONFIG", "SET", "zset-max-ziplist-entries", "7"}) == "OK");
  CHECK(Run(c.get(), {"CONFIG", "GET", "zset-max-listpack-entries"}) == "[zset-max-listpack-entries,7]");
  CHECK(Run(c.get(), {"CONFIG", "SET", "hash-max-listpack-value", "1kb", "set-max-intset-entries", "16"}) == "OK");
  CHECK(Run(c.get(), {"CONFIG", "GET", "hash-max-ziplist-value"}) == "[hash-max-ziplist-value,1024]");
  CHECK(Run(c.get(), {"CONFIG", "GET", "set-max-intset-entries"}) == "[set-max-intset-entries,16]");
  // A pattern finds both names, as Redis's CONFIG GET does.
  const std::string both = Run(c.get(), {"CONFIG", "GET", "zset-max-*-entries"});
  CHECK(Contains(both, "zset-max-listpack-entries,7"));
  CHECK(Contains(both, "zset-max-ziplist-entries,7"));
  CHECK(Run(c.get(), {"CONFIG", "SET", "set-max-intset-entries", "-1"}) ==
        "ERR CONFIG SET failed (possibly related to argument 'set-max-intset-entries') - argument must be between 0 and 9223372036854775807 inclusive");
  CHECK(Run(c.get(), {"CONFIG", "SET", "list-compress-depth", "x"}) ==
        "ERR CONFIG SET failed (possibly related to argument 'list-compress-depth') - argument couldn't be parsed into an integer");
  CHECK(Run(c.get(), {"CONFIG", "SET", "zset-max-listpack-entries", "128", "hash-max-listpack-value", "64",
                      "set-max-intset-entries", "512"}) == "OK");
}

TEST_CASE("FUNCTION FLUSH with no libraries, and its bad arguments") {
  auto c = Server().Connect();
  CHECK(Run(c.get(), {"FUNCTION", "FLUSH"}) == "OK");
  CHECK(Run(c.get(), {"FUNCTION", "FLUSH", "async"}) == "OK");
  CHECK(Run(c.get(), {"FUNCTION", "FLUSH", "SYNC"}) == "OK");
  CHECK(Run(c.get(), {"FUNCTION", "FLUSH", "later"}) == "ERR FUNCTION FLUSH only supports SYNC|ASYNC option");
  CHECK(Run(c.get(), {"FUNCTION", "FLUSH", "SYNC", "x"}) ==
        "ERR unknown subcommand or wrong number of arguments for 'FLUSH'. Try FUNCTION HELP.");
  CHECK(Run(c.get(), {"FUNCTION", "NOPE"}) == "ERR unknown subcommand 'NOPE'. Try FUNCTION HELP.");
  CHECK(Run(c.get(), {"FUNCTION"}) == "ERR wrong number of arguments for 'function' command");
  CHECK(Contains(Run(c.get(), {"FUNCTION", "HELP"}), "FLUSH [ASYNC|SYNC]"));
}

TEST_CASE("CONFIG GET, SET and RESETSTAT") {
  auto c = Server().Connect();
  CHECK(Run(c.get(), {"CONFIG", "GET", "maxclients"}) == "[maxclients,10000]");
  CHECK(Contains(Run(c.get(), {"CONFIG", "GET", "max*"}), "maxmemory"));
  CHECK(Run(c.get(), {"CONFIG", "GET", "save"}) == "[save,]");
  CHECK(Run(c.get(), {"CONFIG", "GET", "appendonly"}) == "[appendonly,yes]");
  CHECK(Run(c.get(), {"CONFIG", "SET", "slowlog-max-len", "5"}) == "OK");
  CHECK(Run(c.get(), {"CONFIG", "GET", "slowlog-max-len"}) == "[slowlog-max-len,5]");
  CHECK(Run(c.get(), {"CONFIG", "SET", "maxmemory", "64mb"}) == "OK");
  CHECK(Run(c.get(), {"CONFIG", "GET", "maxmemory"}) == "[maxmemory,67108864]");
  CHECK(Run(c.get(), {"CONFIG", "SET", "nosuch", "1"}) ==
        "ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'");
  CHECK(Run(c.get(), {"CONFIG", "SET", "maxclients", "abc"}) ==
        "ERR CONFIG SET failed (possibly related to argument 'maxclients') - argument couldn't be parsed into an integer");
  CHECK(Run(c.get(), {"CONFIG", "SET", "port", "1234"}) ==
        "ERR CONFIG SET failed (possibly related to argument 'port') - can't set immutable config");
  CHECK(Run(c.get(), {"CONFIG", "SET", "appendfsync", "sometimes"}).rfind("ERR CONFIG SET failed (possibly related to argument 'appendfsync')", 0) == 0);
  // The write-behind and checkpoint settings: defaults, read-only / live, bad values refused.
  CHECK(Run(c.get(), {"CONFIG", "GET", "write-behind-bytes"}) == "[write-behind-bytes,67108864]");
  CHECK(Run(c.get(), {"CONFIG", "SET", "write-behind-bytes", "1mb"}) ==
        "ERR CONFIG SET failed (possibly related to argument 'write-behind-bytes') - can't set immutable config");
  CHECK(Run(c.get(), {"CONFIG", "GET", "log-compact-interval-ms"}) == "[log-compact-interval-ms,5000]");
  CHECK(Run(c.get(), {"CONFIG", "SET", "log-compact-interval-ms", "-5"}).rfind(
            "ERR CONFIG SET failed (possibly related to argument 'log-compact-interval-ms')", 0) == 0);
  CHECK(Run(c.get(), {"CONFIG", "SET", "log-compact-interval-ms", "5000"}) == "OK");
  CHECK(Run(c.get(), {"CONFIG", "GET", "log-compact-bytes"}) == "[log-compact-bytes,67108864]");
  CHECK(Run(c.get(), {"CONFIG", "SET", "log-compact-bytes", "-1"}).rfind(
            "ERR CONFIG SET failed (possibly related to argument 'log-compact-bytes')", 0) == 0);
  CHECK(Run(c.get(), {"CONFIG", "SET", "log-compact-bytes", "64mb"}) == "OK");
  CHECK(Run(c.get(), {"CONFIG", "RESETSTAT"}) == "OK");
  CHECK(Contains(Run(c.get(), {"INFO", "stats"}), "keyspace_hits:0"));
}

TEST_CASE("COMMAND COUNT, INFO, DOCS, LIST and GETKEYS answer from the table") {
  auto c = Server().Connect();
  int64_t count = std::stoll(Run(c.get(), {"COMMAND", "COUNT"}));
  CHECK(count >= 30);
  ReplyPtr all = Command(c.get(), {"COMMAND"});
  REQUIRE(all->type == REDIS_REPLY_ARRAY);
  CHECK(static_cast<int64_t>(all->elements) == count);
  std::string get = Run(c.get(), {"COMMAND", "INFO", "get"});
  CHECK(get.rfind("[[get,2,[readonly,fast],1,1,1,", 0) == 0);
  CHECK(Run(c.get(), {"COMMAND", "INFO", "nosuch"}) == "[(nil)]");
  std::string docs = Run(c.get(), {"COMMAND", "DOCS", "set"});
  CHECK(Contains(docs, "summary"));
  CHECK(Contains(docs, "group,string"));
  CHECK(Contains(Run(c.get(), {"COMMAND", "LIST"}), "ping"));
  CHECK(Run(c.get(), {"COMMAND", "LIST", "FILTERBY", "PATTERN", "client|set*"}) == "[client|setname,client|setinfo]");
  CHECK(Run(c.get(), {"COMMAND", "GETKEYS", "SET", "k1", "v"}) == "[k1]");
  CHECK(Run(c.get(), {"COMMAND", "GETKEYS", "PING"}) == "ERR The command has no key arguments");
  CHECK(Run(c.get(), {"COMMAND", "GETKEYS", "NOSUCH"}) == "ERR Invalid command specified");
  CHECK(Run(c.get(), {"COMMAND", "GETKEYS", "GET"}) == "ERR Invalid number of arguments specified for command");
}

TEST_CASE("TIME, LASTSAVE, SAVE and BGSAVE") {
  auto c = Server().Connect();
  ReplyPtr t = Command(c.get(), {"TIME"});
  REQUIRE(t->type == REDIS_REPLY_ARRAY);
  CHECK(t->elements == 2);
  CHECK(std::stoll(t->element[0]->str) > 1700000000);
  CHECK(Run(c.get(), {"SAVE"}) == "OK");
  CHECK(std::stoll(Run(c.get(), {"LASTSAVE"})) > 1700000000);
  CHECK(Run(c.get(), {"BGSAVE"}) == "Background saving started");
  CHECK(Run(c.get(), {"BGSAVE", "NOW"}) == "ERR syntax error");
}

TEST_CASE("SLOWLOG records slow commands; LATENCY LATEST answers") {
  auto c = Server().Connect();
  CHECK(Run(c.get(), {"CONFIG", "SET", "slowlog-log-slower-than", "0"}) == "OK");
  CHECK(Run(c.get(), {"SLOWLOG", "RESET"}) == "OK");
  CHECK(Run(c.get(), {"DEBUG", "SLEEP", "0.01"}) == "OK");
  ReplyPtr log = Command(c.get(), {"SLOWLOG", "GET", "-1"});
  REQUIRE(log->type == REDIS_REPLY_ARRAY);
  REQUIRE(log->elements >= 1);
  bool found = false;
  for (size_t i = 0; i < log->elements; ++i) {
    const redisReply* e = log->element[i];
    REQUIRE(e->elements == 6);
    if (Render(e->element[3]) == "[DEBUG,SLEEP,0.01]") {
      found = true;
      CHECK(e->element[2]->integer >= 10000);
    }
  }
  CHECK(found);
  CHECK(std::stoll(Run(c.get(), {"SLOWLOG", "LEN"})) >= 1);
  CHECK(Run(c.get(), {"SLOWLOG", "GET", "-2"}) == "ERR count should be greater than or equal to -1");
  CHECK(Run(c.get(), {"CONFIG", "SET", "slowlog-log-slower-than", "10000"}) == "OK");
  CHECK(Run(c.get(), {"LATENCY", "LATEST"}) == "[]");
}

TEST_CASE("MONITOR streams other clients' commands") {
  auto mon = Server().Connect();
  CHECK(Run(mon.get(), {"MONITOR"}) == "OK");
  auto c = Server().Connect();
  CHECK(Run(c.get(), {"SET", "monitored", "va\"l"}) == "OK");
  void* raw = nullptr;
  REQUIRE(redisGetReply(mon.get(), &raw) == REDIS_OK);
  ReplyPtr line(static_cast<redisReply*>(raw));
  std::string s = Render(line.get());
  CHECK(Contains(s, "[0 127.0.0.1:"));
  CHECK(Contains(s, "\"SET\" \"monitored\" \"va\\\"l\""));
}

TEST_CASE("DEBUG SLEEP and the DEBUG error") {
  auto c = Server().Connect();
  CHECK(Run(c.get(), {"DEBUG", "SLEEP", "0"}) == "OK");
  CHECK(Run(c.get(), {"DEBUG", "NOSUCH"}) ==
        "ERR unknown subcommand or wrong number of arguments for 'NOSUCH'. Try DEBUG HELP.");
}

TEST_CASE("DEBUG LOG writes its message to the server's log") {
  auto c = Server().Connect();
  CHECK(Run(c.get(), {"DEBUG", "LOG", "### Starting test marker-7f3a"}) == "OK");
  CHECK(Run(c.get(), {"DEBUG", "LOG"}) ==
        "ERR unknown subcommand or wrong number of arguments for 'LOG'. Try DEBUG HELP.");
  std::ifstream log(Server().log_path());
  std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
  CHECK(Contains(text, "DEBUG LOG: ### Starting test marker-7f3a"));
}

TEST_CASE("QUIT replies OK and closes") {
  bool closed = false;
  CHECK(RawExchange(Server().port(), "QUIT\r\n", 5, 2000, &closed) == "+OK\r\n");
  CHECK(closed);
}

namespace {
// A few hundred keys of every type Cairn digests, in db 0 and db 9, some with a TTL.
std::vector<std::vector<std::string>> DigestDataset() {
  std::vector<std::vector<std::string>> cmds;
  for (int i = 0; i < 300; ++i) {
    std::string n = std::to_string(i);
    cmds.push_back({"SET", "d:s:" + n, "v" + n});
    cmds.push_back({"HSET", "d:h:" + std::to_string(i % 7), "f" + n, n});
    cmds.push_back({"SADD", "d:set:" + std::to_string(i % 5), "m" + n});
  }
  cmds.push_back({"SET", "d:ttl", "v", "PXAT", "4000000000000"});
  return cmds;
}
std::string Digest(redisContext* c) { return Run(c, {"DEBUG", "DIGEST"}); }
}  // namespace

TEST_CASE("DEBUG DIGEST: 40 zeros when empty, the same for the same data in any order, and "
          "across a restart and a crash") {
  ServerProcess a, b;
  REQUIRE(a.Start());
  REQUIRE(b.Start());
  auto ca = a.Connect();
  auto cb = b.Connect();
  CHECK(Digest(ca.get()) == std::string(40, '0'));
  auto cmds = DigestDataset();
  Pipelined(ca.get(), cmds);
  std::reverse(cmds.begin(), cmds.end());  // the same contents, inserted the other way round
  Run(cb.get(), {"SELECT", "9"});
  Pipelined(cb.get(), {{"SET", "db9", "x"}});
  Run(cb.get(), {"SELECT", "0"});
  Pipelined(cb.get(), cmds);
  std::string with_db9 = Digest(cb.get());
  Run(cb.get(), {"SELECT", "9"});
  CHECK(Run(cb.get(), {"DEL", "db9"}) == "1");
  Run(cb.get(), {"SELECT", "0"});
  std::string da = Digest(ca.get());
  CHECK(da.size() == 40);
  CHECK(da.find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK(da != std::string(40, '0'));
  CHECK(Digest(cb.get()) == da);
  CHECK(with_db9 != da);
  CHECK(Run(ca.get(), {"DEBUG", "DIGEST-VALUE", "d:s:1", "nokey"}) ==
        "[" + Run(cb.get(), {"DEBUG", "DIGEST-VALUE", "d:s:1"}).substr(1, 40) + "," +
            std::string(40, '0') + "]");

  // The same digest read back from LevelDB after a clean stop, and replayed from the log after
  // a crash.
  ca.reset();
  CHECK(a.Stop() == 0);
  REQUIRE(a.Start());
  ca = a.Connect();
  REQUIRE(WaitLoaded(ca.get()));
  CHECK(Digest(ca.get()) == da);
  CHECK(Run(ca.get(), {"HSET", "d:h:0", "f0", "changed"}) == "0");
  std::string changed = Digest(ca.get());
  CHECK(changed != da);
  ca.reset();
  a.Kill();
  REQUIRE(a.Start());
  ca = a.Connect();
  REQUIRE(WaitLoaded(ca.get()));
  CHECK(Digest(ca.get()) == changed);
}
