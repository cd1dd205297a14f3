// ServerApi: what command handlers may ask of the node that runs them (INFO text, CONFIG,
// the client list, SHUTDOWN, SAVE, MONITOR, the slow log). The server implements it; the command
// layer stays free of sockets and wiring. Loop thread only.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "commands/session.h"
#include "common/rng.h"
#include "common/status.h"

namespace cairn::commands {

struct SlowlogEntry {
  uint64_t id = 0;
  int64_t start_s = 0;
  int64_t duration_us = 0;
  std::vector<std::string> argv;
  std::string peer;
  std::string client_name;
};

// CLIENT KILL filters (new form); an unset field matches everything.
struct ClientFilter {
  std::optional<uint64_t> id;
  std::optional<std::string> addr;
  std::optional<std::string> laddr;
  std::optional<std::string> user;
  std::optional<std::string> type;  // normal, master, replica, pubsub
  bool skip_me = true;
  std::optional<int64_t> max_age_s;
};

// Replication as ROLE and INFO replication show it, in Redis's terms: the Raft leader is the
// master, the other voters its replicas; offsets are log indexes.
struct ReplicaView {
  std::string host;
  int port = 0;
  uint64_t offset = 0;  // the replica's match index
  bool online = false;  // a link to it is up
};
struct ReplicationView {
  bool master = true;
  uint64_t offset = 0;                // this node's applied index
  std::vector<ReplicaView> replicas;  // on the master
  std::string master_host;            // on a replica: the leader's client address, when known
  int master_port = 0;
  bool master_link_up = false;
};

class ServerApi {
 public:
  virtual ~ServerApi() = default;

  virtual std::string Info(const std::vector<std::string>& sections) = 0;
  // CONFIG GET: pairs of (name, value) matching a glob pattern.
  virtual std::vector<std::pair<std::string, std::string>> ConfigGet(std::string_view pattern) = 0;
  // CONFIG SET of several pairs at once; the error is Redis's full message.
  virtual Status ConfigSet(const std::vector<std::pair<std::string, std::string>>& pairs) = 0;
  virtual void ResetStats() = 0;
  virtual const std::string& RequirePass() const = 0;

  // Sessions of every connected client, in connection order.
  virtual std::vector<const Session*> Clients() const = 0;
  virtual std::string ClientLine(const Session& s) const = 0;  // one CLIENT LIST line
  // Closes matching clients (after their pending replies); returns how many.
  virtual size_t KillClients(const ClientFilter& filter, const Session& me) = 0;

  virtual void Shutdown(bool save) = 0;
  virtual Status Save() = 0;
  virtual int64_t LastSaveS() const = 0;
  virtual void AddMonitor(Session& s) = 0;

  virtual std::vector<SlowlogEntry> SlowlogGet(size_t count) const = 0;
  virtual size_t SlowlogLen() const = 0;
  virtual void SlowlogReset() = 0;

  virtual bool loading() const = 0;
  // keyspace_hits / keyspace_misses in INFO stats: reads that found, or did not find, their key.
  virtual void RecordKeyspaceLookup(bool hit) = 0;
  virtual void SetActiveExpire(bool on) = 0;
  // A line for the server's log (DEBUG LOG: Redis's test suite marks each test's start with it).
  virtual void LogLine(std::string_view line) = 0;
  // The node's random source for read-only commands that pick at random (HRANDFIELD): seeded,
  // owned by the node. Never for writes: what a write applies must not depend on it.
  virtual Rng& ReadRng() = 0;
  virtual ReplicationView Replication() const = 0;
};

}  // namespace cairn::commands
