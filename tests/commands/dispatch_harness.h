// A node without sockets for command tests: a MemoryKeyspace, a Dispatcher over the real command
// table, a ServerApi that does nothing, and a log that commits at once.
#pragma once

#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

#include "commands/dispatch.h"
#include "keyspace/memory_keyspace.h"

namespace cairn::commands::testing {

constexpr int64_t kNow = 1'700'000'000'000;
constexpr const char* kWrongType =
    "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";

class FakeServer final : public ServerApi {
 public:
  std::string Info(const std::vector<std::string>&) override { return ""; }
  std::vector<std::pair<std::string, std::string>> ConfigGet(std::string_view) override {
    return {};
  }
  Status ConfigSet(const std::vector<std::pair<std::string, std::string>>&) override {
    ++config_sets;
    return Status::Ok();
  }
  void ResetStats() override {}
  const std::string& RequirePass() const override { return pass_; }
  std::vector<const Session*> Clients() const override { return {}; }
  std::string ClientLine(const Session&) const override { return ""; }
  size_t KillClients(const ClientFilter&, const Session&) override { return 0; }
  void Shutdown(bool) override {}
  Status Save() override { return Status::Ok(); }
  int64_t LastSaveS() const override { return 0; }
  void AddMonitor(Session&) override {}
  std::vector<SlowlogEntry> SlowlogGet(size_t) const override { return {}; }
  size_t SlowlogLen() const override { return 0; }
  void SlowlogReset() override {}
  bool loading() const override { return false; }
  void RecordKeyspaceLookup(bool) override {}
  void SetActiveExpire(bool) override {}
  void LogLine(std::string_view line) override { logged.emplace_back(line); }
  std::vector<std::string> logged;
  Rng& ReadRng() override { return rng_; }
  ReplicationView Replication() const override { return replication; }
  ReplicationView replication;  // what ROLE and INFO see

  int config_sets = 0;

 private:
  std::string pass_;
  Rng rng_{42};
};

// The bulk strings of a reply, in order, whatever arrays hold them (for *SCAN pages and such).
inline std::vector<std::string> BulkStrings(const std::string& reply) {
  std::vector<std::string> out;
  for (size_t at = reply.find('$'); at != std::string::npos;) {
    size_t nl = reply.find("\r\n", at);
    size_t len = std::stoul(reply.substr(at + 1, nl - at - 1));
    out.push_back(reply.substr(nl + 2, len));
    at = reply.find('$', nl + 2 + len);
  }
  return out;
}

// One node: a keyspace, a dispatcher and a log (the records EXEC and single writes propose).
struct Node {
  CommandTable table;
  keyspace::MemoryKeyspace ks;
  FakeServer server;
  Dispatcher d{table, ks, server};
  uint64_t index = 0;

  // Runs a command as the client would; proposed records are applied at once (one node, commit
  // is immediate) and their reply appended, unless `log` is given to collect them instead.
  std::string Run(Session& s, const std::vector<std::string>& argv,
                  std::vector<std::string>* log = nullptr, Outcome* outcome = nullptr) {
    std::string out;
    resp::ReplyBuilder reply(&out, s.protocol);
    std::string effect;
    const CommandSpec* spec = nullptr;
    Outcome o = d.Execute(s, argv, reply, kNow, &effect, &spec);
    if (outcome != nullptr) *outcome = o;
    if (o == Outcome::kProposed) {
      if (log != nullptr) {
        log->push_back(effect);
      } else {
        REQUIRE(d.Apply(effect, ++index, s, reply).ok());
      }
    }
    return out;
  }
  std::string Apply(const std::string& record, Session& s) {
    std::string out;
    resp::ReplyBuilder reply(&out, s.protocol);
    REQUIRE(d.Apply(record, ++index, s, reply).ok());
    return out;
  }
};


}  // namespace cairn::commands::testing
