// Node: one Cairn server process. It wires the pieces: the libuv loop and TCP server, the
// per-client sessions and parsers, the dispatcher, the write path (proposals -> Replicator, whose
// Raft log persists them -> committed entries applied -> replies in request order), active
// expiry, and the ServerApi the commands use (INFO, CONFIG, CLIENT, MONITOR, SLOWLOG, SHUTDOWN).
// Everything runs on the loop thread.
#pragma once

#include <uv.h>

#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "commands/command_table.h"
#include "commands/dispatch.h"
#include "commands/server_api.h"
#include "common/clock.h"
#include "keyspace/keyspace.h"
#include "net/tcp_server.h"
#include "resp/parser.h"
#include "replication/durable_log.h"
#include "replication/log_store.h"
#include "replication/peer_transport.h"
#include "replication/replicator.h"
#include "server/cluster_config.h"
#include "server/config.h"
#include "server/read_fence.h"
#include "server/relay.h"

namespace cairn::server {

// What the node keeps per connection.
struct Client final : net::Attachment {
  commands::Session session;
  resp::Parser parser;
  bool deferred = false;
  bool rejected = false;  // over maxclients: gets its error and is closed, never served  // parser.argv() holds a command waiting for this client's writes
  net::Connection* conn = nullptr;
  // Replies of commands that ran ahead of this client's pending writes (MULTI, QUEUED, ...),
  // each sent once the writes proposed before it have replied: (writes_proposed then, bytes).
  uint64_t writes_proposed = 0;
  uint64_t writes_answered = 0;
  std::deque<std::pair<uint64_t, std::string>> held_replies;
  // On a follower, from the first command that needs the leader on: the client's upstream
  // connection there; its bytes then pass through unparsed.
  std::unique_ptr<Relay> relay;
  // ReadIndex (read_fence.h): the read in parser.argv() may run (its batch is applied; valid for
  // the rest of this ProcessInput pass), or must get CLUSTERDOWN (no leader to ask).
  bool read_cleared = false;
  bool read_refused = false;
};

struct Stats {
  uint64_t total_connections = 0;
  uint64_t rejected_connections = 0;
  uint64_t total_commands = 0;
  uint64_t net_input_bytes = 0;
  uint64_t net_output_bytes = 0;
  uint64_t keyspace_hits = 0;
  uint64_t keyspace_misses = 0;
  uint64_t writes_applied = 0;
  uint64_t changes_since_save = 0;
};

class Node final : public net::ConnectionHandler, public commands::ServerApi {
 public:
  explicit Node(Config config);
  ~Node() override;

  // Opens the data directory and starts listening. Replay of the log happens on the loop, with
  // LOADING replies meanwhile.
  Status Start();
  // Runs the loop until SHUTDOWN or a signal.
  int Run();
  int bound_port() const { return tcp_ ? tcp_->bound_port() : 0; }

  // net::ConnectionHandler
  void OnConnect(net::Connection& conn) override;
  void OnData(net::Connection& conn) override;
  void OnClose(net::Connection& conn) override;
  void BeforePoll() override;

  // commands::ServerApi
  std::string Info(const std::vector<std::string>& sections) override;
  std::vector<std::pair<std::string, std::string>> ConfigGet(std::string_view pattern) override;
  Status ConfigSet(const std::vector<std::pair<std::string, std::string>>& pairs) override;
  void ResetStats() override;
  const std::string& RequirePass() const override { return config_.requirepass; }
  std::vector<const commands::Session*> Clients() const override;
  std::string ClientLine(const commands::Session& s) const override;
  size_t KillClients(const commands::ClientFilter& filter, const commands::Session& me) override;
  void Shutdown(bool save) override;
  Status Save() override;
  int64_t LastSaveS() const override { return last_save_s_; }
  void AddMonitor(commands::Session& s) override;
  std::vector<commands::SlowlogEntry> SlowlogGet(size_t count) const override;
  size_t SlowlogLen() const override { return slowlog_.size(); }
  void SlowlogReset() override { slowlog_.clear(); }
  bool loading() const override { return loading_; }
  void SetActiveExpire(bool on) override { active_expire_ = on; }
  void LogLine(std::string_view line) override;
  void RecordKeyspaceLookup(bool hit) override { ++(hit ? stats_.keyspace_hits : stats_.keyspace_misses); }
  Rng& ReadRng() override { return read_rng_; }
  commands::ReplicationView Replication() const override;

 private:
  // Who waits for a write this node proposed, and what its apply will touch.
  struct Waiter {
    uint64_t client_id = 0;  // 0: the node itself (active expiry)
    bool suppress_reply = false;
    // The first key of the command, for the keyspace's prefetch hints (Keyspace::PrefetchIndex):
    // its database and StableHash64. has_key false: none (EXEC, active expiry).
    bool has_key = false;
    int db = 0;
    uint64_t key_hash = 0;
    bool done = false;  // applied, lost or of unknown fate
  };
  struct Proposal {
    Waiter waiter;
    std::string payload;
  };
  // The Replicator's messages to the other voters, over the peer transport (none for a cluster
  // of one voter). A message the transport refuses (a full queue) is dropped: Raft resends.
  class PeerSender final : public replication::Transport {
   public:
    void Send(const raft::Message& m) override {
      if (peers != nullptr) (void)peers->Send(m.to, m);
    }
    replication::PeerTransport* peers = nullptr;
  };
  // Applies look this many proposals ahead: keyspace index lines for the one 2 * kPrefetchAhead
  // ahead, entries for the one kPrefetchAhead ahead.
  static constexpr size_t kPrefetchAhead = 8;

  // The clock of one ProcessInput call's commands: one monotonic reading per command (its end is
  // the next one's start, so a SLOWLOG duration also counts parsing its request, microseconds)
  // and the wall clock derived from it; three clock reads per command were 4-5% of the server's
  // CPU under pipelined writes.
  struct CommandClock {
    int64_t base_wall_ms = 0;
    int64_t base_us = 0;
    int64_t cursor_us = 0;  // the start of the next command
    int64_t WallMs() const { return base_wall_ms + (cursor_us - base_us) / 1000; }
  };
  void ProcessInput(Client& c);
  // Returns false when the command must wait for the client's earlier writes.
  bool RunCommand(Client& c, const std::vector<std::string>& argv);
  // The command in c.parser.argv() has store reads queued (Outcome::kWaitForStore): queues those
  // of the complete commands pipelined after it too, and submits them as the client's job.
  void SubmitStoreReads(Client& c);
  void FeedMonitors(const Client& c, const std::vector<std::string>& argv);
  void RecordSlowlog(const Client& c, const std::vector<std::string>& argv, int64_t duration_us);
  void AppendProposals();
  void RefuseProposals(const std::string& error);
  // Runs the Replicator's Readys inside one keyspace group: persist, send, apply (one Ready while
  // LOADING). A failure of the log or of an apply stops the node.
  void DriveReplication();
  Status ApplyEntry(const raft::Entry& e, uint64_t cookie);
  void ApplyOne(uint64_t index, std::string_view payload, const Waiter& w);
  void LoadDelay();
  Waiter* FindWaiter(uint64_t cookie);
  void PopDoneWaiters();
  void AbandonWaiters(const std::vector<uint64_t>& cookies);
  void PrefetchAhead(uint64_t cookie) const;
  Status OpenReplication(uint64_t applied);
  Status StartPeers();
  // Relaying (see relay.h): the leader's client address when this node is a follower that can
  // relay to it, else empty.
  std::string RelayTarget() const;
  std::string ClientAddress() const;
  bool NeedsLeader(const Client& c, const std::vector<std::string>& argv) const;
  // A read of the keyspace in a cluster of several voters: it waits for a ReadIndex round.
  bool NeedsReadIndex(const Client& c, const std::vector<std::string>& argv) const;
  void SendReadIndex();
  void ReleaseReads();
  // Moves the client onto a relay to the leader, starting with argv; false if none could open
  // (the command then runs here and gets the follower's reply).
  bool StartRelay(Client& c, const std::vector<std::string>& argv, const std::string& target);
  void ForwardInput(Client& c);
  // A leader change closes every relayed client, as a Redis failover drops its clients.
  void CloseRelaysOnLeaderChange();
  // The index below which the log may be dropped: the keyspace's checkpoint, and in a cluster
  // (until snapshots are sent) no further than every voter holds, as the leader knows it.
  uint64_t CompactionPoint() const;
  bool SoleVoter() const;
  void ResumeWaitingClients();
  void WriteAnswered(Client& c);
  void ActiveExpireCycle();
  void CloseIdleClients();
  void ReplayStep();
  Status OpenStorage();
  void StartReplay();
  void MaybeCompactLog(bool force);
  bool CheckpointDue(int64_t now_ms) const;
  Client* FindClient(uint64_t id);
  std::string InfoSection(std::string_view name);
  void StopLoop();

  static void OnTimer(uv_timer_t* t);
  static void OnSignal(uv_signal_t* s, int signum);
  static void OnLogDurable(uv_async_t* a);
  static void OnRaftTick(uv_timer_t* t);
  static void OnStoreRead(uv_async_t* a);
  static void OnReplayIdle(uv_idle_t* idle);

  Config config_;
  ClusterConfig cluster_;  // validated at Start; the Replicator will take it from here
  SystemClock clock_;
  CommandClock command_clock_;  // ProcessInput and RunCommand only
  uv_loop_t loop_{};
  uv_timer_t timer_{};
  uv_timer_t raft_timer_{};
  uv_signal_t sigterm_{};
  uv_signal_t sigint_{};
  uv_async_t log_async_{};
  uv_async_t store_async_{};  // a store read job finished (Keyspace::TakeStoreReads)
  uv_idle_t replay_idle_{};
  uv_idle_t more_work_idle_{};  // active while BeforePoll left work for the next iteration
  std::unique_ptr<keyspace::Keyspace> keyspace_;
  commands::CommandTable table_;
  std::unique_ptr<commands::Dispatcher> dispatcher_;
  std::unique_ptr<replication::DurableLog> log_;  // the Raft log (LogStore, or MemoryLog)
  replication::LogStore* store_ = nullptr;        // log_ when it is on disk
  PeerSender peer_sender_;
  std::unique_ptr<replication::PeerTransport> peers_;
  raft::NodeId relayed_leader_ = raft::kNoNode;  // the leader relayed clients were opened to
  uint64_t relays_opened_ = 0;                   // for INFO raft
  ReadFence read_fence_;
  int64_t raft_ticks_ = 0;
  uint64_t read_index_rounds_ = 0;  // for INFO raft
  std::unique_ptr<replication::Replicator> replicator_;
  std::unique_ptr<net::TcpServer> tcp_;

  std::map<uint64_t, Client*> clients_;  // by id, so CLIENT LIST is in connection order
  std::vector<uint64_t> monitors_;
  std::vector<uint64_t> resume_;  // clients whose writes are applied, or keys read, that may go on
  // Clients in a blocking command (Outcome::kBlock), in the order they blocked (WakeBlocked).
  std::vector<uint64_t> blocked_;
  void WakeBlocked(bool timed_out_only, int64_t now_ms);
  std::vector<uint64_t> store_read_done_;  // OnStoreRead's scratch: clients whose reads are done
  std::vector<Proposal> unlogged_;        // proposed in this iteration, not yet in the log
  uint64_t paced_commands_ = 0;  // stats_.total_commands at the last Keyspace::Pace
  // AppendProposals' scratch: the payloads and cookies of unlogged_.
  std::vector<std::string> batch_payloads_;
  std::vector<uint64_t> batch_cookies_;
  // This node's proposals not yet applied, by cookie: waiters_[i] has cookie first_cookie_ + i.
  std::deque<Waiter> waiters_;
  uint64_t first_cookie_ = 1;
  std::deque<commands::SlowlogEntry> slowlog_;
  uint64_t slowlog_next_id_ = 0;

  Stats stats_;
  bool loading_ = false;
  bool active_expire_ = true;
  bool shutting_down_ = false;
  bool applying_ = false;          // inside DriveReplication's keyspace group
  bool save_after_apply_ = false;  // a BGSAVE ran inside the group
  int64_t start_ms_ = 0;
  int64_t last_save_s_ = 0;
  std::string run_id_;
  // HRANDFIELD and other read-only random picks; seeded at start-up like run_id_.
  Rng read_rng_{0};
  uint64_t load_target_ = 0;  // LOADING until this index is applied (the log's end at start-up)
  int64_t replay_started_us_ = 0;
  uint64_t load_delay_count_ = 0;
  uint64_t compacted_up_to_ = 0;
  int64_t last_compact_ms_ = 0;
  uint64_t logged_bytes_since_checkpoint_ = 0;  // payload bytes appended since the last checkpoint
  uint64_t checkpoints_ = 0;                    // started by MaybeCompactLog, for INFO
};

}  // namespace cairn::server
