// Node: wiring, connection handling and the write path (proposals, Raft, apply, replies in
// request order). CONFIG, CLIENT, MONITOR, SLOWLOG are node_admin.cc; peers, the relay and
// ReadIndex reads node_cluster.cc; INFO info.cc.
#include "server/node.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <filesystem>

#include "commands/errors.h"
#include "common/coding.h"
#include "common/rng.h"
#include "keyspace/durable_keyspace.h"
#include "keyspace/memory_keyspace.h"
#include "replication/memory_log.h"
#include "server/cluster_identity.h"
#include "server/raft_log_setup.h"

namespace cairn::server {
namespace {

// A client that stops reading its replies is not read from either once this much is queued:
// its own backlog, not the server's memory, is what grows.
constexpr size_t kMaxPendingOutput = 64 * 1024 * 1024;

constexpr size_t kGcRecordsPerTick = 1000;
// Committed entries handed to apply per Ready: a replay at start-up applies about this much per
// loop iteration (a few ms), so LOADING replies stay prompt. A loop iteration's own writes are
// far less.
constexpr uint64_t kMaxApplyBytes = 256 << 10;

void Fatal(const char* what, const Status& st) {
  std::fprintf(stderr, "FATAL: %s: %s. Aborting; every acknowledged write is in the Raft log and "
               "is applied again on restart.\n", what, st.ToString().c_str());
  std::abort();
}

std::string MakeRunId(uint64_t seed) {
  Rng rng(seed);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id;
  for (int i = 0; i < 40; ++i) id.push_back(kHex[rng.Uniform(16)]);
  return id;
}

}  // namespace

Node::Node(Config config) : config_(std::move(config)) {
  uv_loop_init(&loop_);
  start_ms_ = clock_.NowMs();
  last_save_s_ = start_ms_ / 1000;
  run_id_ = MakeRunId(static_cast<uint64_t>(clock_.MonotonicUs()) ^ static_cast<uint64_t>(getpid()));
  read_rng_ = Rng(static_cast<uint64_t>(clock_.MonotonicUs()) * 31 + static_cast<uint64_t>(getpid()));
}

Node::~Node() {
  // The reader threads signal store_async_, which closes below.
  if (keyspace_) keyspace_->StopStoreReads();
  tcp_.reset();
  peer_sender_.peers = nullptr;
  peers_.reset();  // closes its own handles: before the walk below closes whatever is left
  uv_walk(
      &loop_,
      [](uv_handle_t* h, void*) {
        if (!uv_is_closing(h)) uv_close(h, nullptr);
      },
      nullptr);
  uv_run(&loop_, UV_RUN_DEFAULT);
  uv_loop_close(&loop_);
}

Status Node::Start() {
  std::error_code ec;
  std::filesystem::create_directories(config_.dir, ec);
  if (ec) return Status::IoError("cannot create dir '" + config_.dir + "': " + ec.message());
  auto cluster = StartCluster(config_, wal::Env::Posix());
  if (!cluster.ok()) return cluster.status();
  cluster_ = std::move(*cluster);
  CAIRN_RETURN_IF_ERROR(OpenStorage());
  dispatcher_ = std::make_unique<commands::Dispatcher>(table_, *keyspace_, *this);

  CAIRN_RETURN_IF_ERROR(StartPeers());
  tcp_ = std::make_unique<net::TcpServer>(&loop_, this);
  CAIRN_RETURN_IF_ERROR(tcp_->Listen(config_.bind, static_cast<int>(config_.port),
                                     static_cast<int>(config_.tcp_backlog)));

  uv_timer_init(&loop_, &timer_);
  timer_.data = this;
  uint64_t period_ms = std::max<int64_t>(1, 1000 / config_.hz);
  uv_timer_start(&timer_, OnTimer, period_ms, period_ms);
  uv_timer_init(&loop_, &raft_timer_);
  raft_timer_.data = this;
  const auto tick_ms = static_cast<uint64_t>(config_.raft_tick_ms);
  uv_timer_start(&raft_timer_, OnRaftTick, tick_ms, tick_ms);
  uv_signal_init(&loop_, &sigterm_);
  sigterm_.data = this;
  uv_signal_start(&sigterm_, OnSignal, SIGTERM);
  uv_signal_init(&loop_, &sigint_);
  sigint_.data = this;
  uv_signal_start(&sigint_, OnSignal, SIGINT);
  signal(SIGPIPE, SIG_IGN);
  StartReplay();
  return Status::Ok();
}

Status Node::OpenStorage() {
  // The async handle must exist before the log's writer thread can signal it.
  uv_async_init(&loop_, &log_async_, OnLogDurable);
  log_async_.data = this;
  uv_async_init(&loop_, &store_async_, OnStoreRead);
  store_async_.data = this;
  uv_idle_init(&loop_, &more_work_idle_);
  more_work_idle_.data = this;
  if (config_.dir == ":memory:") {  // a node without durability, for experiments
    keyspace_ = std::make_unique<keyspace::MemoryKeyspace>();
    auto log = std::make_unique<replication::MemoryLog>();
    CAIRN_RETURN_IF_ERROR(log->Bootstrap(cluster_.bootstrap_voters));
    log_ = std::move(log);
    return OpenReplication(0);
  }
  keyspace::DurableKeyspaceOptions ko;
  ko.dir = config_.dir + "/keyspace";
  ko.maxmemory_bytes = static_cast<uint64_t>(config_.maxmemory);
  ko.write_behind_bytes = static_cast<uint64_t>(config_.write_behind_bytes);
  ko.store_read_threads = static_cast<int>(config_.store_read_threads);
  uv_async_t* store_async = &store_async_;
  ko.on_store_read = [store_async] { uv_async_send(store_async); };
  auto ks = keyspace::DurableKeyspace::Open(ko);
  if (!ks.ok()) return ks.status();
  keyspace_ = std::move(*ks);
  RaftLogSetup setup;
  setup.dir = config_.dir;
  setup.node_id = cluster_.node_id;
  setup.voters = cluster_.bootstrap_voters;
  setup.keyspace_applied = keyspace_->applied_index();
  setup.store.fsync = WalPolicy(config_.appendfsync);
  setup.store.segment_bytes = static_cast<uint64_t>(config_.wal_segment_bytes);
  // Written and, under appendfsync always, fdatasynced by the loop itself: Redis's model, one
  // write and sync per loop iteration with no hand-off to another thread.
  setup.store.inline_writes = true;
  // Segments written into spare files: an fdatasync of a write inside a file is cheaper than one
  // that grows it (wal/log.h).
  setup.store.max_spares = 2;
  uv_async_t* async = &log_async_;
  setup.store.on_durable = [async](uint64_t) { uv_async_send(async); };
  setup.store.logger = [](std::string_view msg) {
    std::fprintf(stderr, "raft log recovery: %.*s\n", static_cast<int>(msg.size()), msg.data());
  };
  setup.log = [](std::string_view msg) {
    std::fprintf(stderr, "%.*s\n", static_cast<int>(msg.size()), msg.data());
  };
  auto opened = OpenRaftLog(setup);
  if (!opened.ok()) return opened.status();
  store_ = opened->store.get();
  log_ = std::move(opened->store);
  compacted_up_to_ = keyspace_->applied_index();
  return OpenReplication(keyspace_->applied_index());
}

Status Node::OpenReplication(uint64_t applied) {
  raft::Config rc;
  rc.id = cluster_.node_id;
  rc.election_ticks = static_cast<int>(config_.raft_election_ticks);
  rc.heartbeat_ticks = 1;
  rc.max_apply_bytes = kMaxApplyBytes;
  rc.applied = applied;
  replication::ReplicatorCallbacks cb;
  cb.apply = [this](const raft::Entry& e, uint64_t cookie) { return ApplyEntry(e, cookie); };
  cb.lost = [this](uint64_t cookie) { AbandonWaiters({cookie}); };
  cb.unknown = [this](const std::vector<uint64_t>& cookies) { AbandonWaiters(cookies); };
  cb.read_index = [this](const raft::ReadState& rs) { read_fence_.OnReadState(rs); };
  const uint64_t seed = static_cast<uint64_t>(clock_.MonotonicUs()) * 131 + cluster_.node_id;
  replicator_ = std::make_unique<replication::Replicator>(rc, log_.get(), &peer_sender_, Rng(seed),
                                                          std::move(cb));
  return replicator_->Start();
}

void Node::StartReplay() {
  // A cluster of one voter elects itself at once; its new term's first entry commits everything
  // its log holds. The node answers LOADING until what the log held at start is applied.
  if (SoleVoter()) replicator_->Campaign();
  load_target_ = SoleVoter() ? replicator_->core().last_index()
                                              : replicator_->commit_index();
  if (replicator_->applied_index() >= load_target_) return;
  loading_ = true;
  replay_started_us_ = clock_.MonotonicUs();
  std::fprintf(stderr, "applying the Raft log from %" PRIu64 " to %" PRIu64 "\n",
               replicator_->applied_index() + 1, load_target_);
  uv_idle_init(&loop_, &replay_idle_);
  replay_idle_.data = this;
  uv_idle_start(&replay_idle_, OnReplayIdle);
}

int Node::Run() {
  uv_run(&loop_, UV_RUN_DEFAULT);
  return 0;
}

// --- connections ---

void Node::OnConnect(net::Connection& conn) {
  auto client = std::make_unique<Client>();
  Client* c = client.get();
  c->conn = &conn;
  c->session.id = conn.id();
  c->session.peer = conn.peer();
  c->session.local = conn.local();
  c->session.fd = conn.fd();
  c->session.created_ms = clock_.NowMs();
  c->session.last_interaction_ms = c->session.created_ms;
  c->session.authenticated = config_.requirepass.empty();
  c->parser.limits().max_bulk_len = config_.proto_max_bulk_len;
  c->parser.limits().unauthenticated = !c->session.authenticated;
  conn.set_attachment(std::move(client));
  conn.SetKeepAlive(static_cast<int>(config_.tcp_keepalive));
  ++stats_.total_connections;
  if (clients_.size() >= static_cast<size_t>(config_.maxclients)) {
    ++stats_.rejected_connections;
    c->rejected = true;
    resp::ReplyBuilder(&conn.output()).Error(commands::err::kMaxClients);
    conn.CloseAfterWrite();
    return;
  }
  clients_.emplace(conn.id(), c);
}

void Node::OnClose(net::Connection& conn) {
  clients_.erase(conn.id());
  std::erase(monitors_, conn.id());
}

Client* Node::FindClient(uint64_t id) {
  auto it = clients_.find(id);
  return it == clients_.end() ? nullptr : it->second;
}

void Node::OnData(net::Connection& conn) {
  auto* c = static_cast<Client*>(conn.attachment());
  if (c == nullptr || conn.closing() || c->rejected) return;
  ProcessInput(*c);
}

void Node::ProcessInput(Client& c) {
  net::Connection& conn = *c.conn;
  // A ReadIndex clearance covers what this client had sent before the round: this pass only.
  struct ClearRead {
    Client& c;
    ~ClearRead() { c.read_cleared = false; }
  } clear_read{c};
  command_clock_.base_wall_ms = clock_.NowMs();
  command_clock_.base_us = command_clock_.cursor_us = clock_.MonotonicUs();
  while (!conn.closing()) {
    if (c.relay) {
      ForwardInput(c);
      return;
    }
    if (c.deferred) {
      if (!RunCommand(c, c.parser.argv())) return;
      c.deferred = false;
      continue;
    }
    if (conn.pending_output_bytes() > kMaxPendingOutput) {
      conn.PauseReading();
      return;
    }
    std::string_view in = conn.input().readable();
    if (in.empty()) break;
    size_t consumed = 0;
    resp::ParseStatus st = c.parser.Next(in, &consumed);
    conn.input().Consume(consumed);
    stats_.net_input_bytes += consumed;
    if (st == resp::ParseStatus::kNeedMore) {
      size_t held = conn.input().size() + c.parser.pending_arg_bytes();
      if (held > static_cast<size_t>(config_.client_query_buffer_limit)) {
        std::fprintf(stderr, "closing client %" PRIu64 " that reached max query buffer length\n",
                     c.session.id);
        conn.Close();
      }
      break;
    }
    if (st == resp::ParseStatus::kError) {
      resp::ReplyBuilder(&conn.output(), c.session.protocol).Error("ERR " + c.parser.error());
      conn.input().Consume(conn.input().size());
      conn.CloseAfterWrite();
      return;
    }
    if (c.parser.argv().empty()) continue;
    c.session.input_follows = !conn.input().readable().empty();
    if (!RunCommand(c, c.parser.argv())) {
      // Keep the command; stop reading until this client's writes are applied.
      c.deferred = true;
      conn.PauseReading();
      return;
    }
  }
  if (!conn.closing() && conn.reading_paused() && !c.deferred &&
      conn.pending_output_bytes() <= kMaxPendingOutput) {
    conn.ResumeReading();
  }
  conn.input().ShrinkIfIdle(1 << 20);
}

bool Node::RunCommand(Client& c, const std::vector<std::string>& argv) {
  if (peers_ != nullptr && NeedsLeader(c, argv)) {
    if (c.session.pending_writes > 0) return false;  // its earlier replies go first
    if (std::string target = RelayTarget(); !target.empty() && StartRelay(c, argv, target)) {
      return true;
    }
  }
  if (peers_ != nullptr && !c.read_cleared && NeedsReadIndex(c, argv)) {
    if (c.session.pending_writes > 0) return false;  // after this client's own writes
    if (c.read_refused) {
      c.read_refused = false;
      resp::ReplyBuilder(&c.conn->output(), c.session.protocol).Error(commands::err::kClusterDown);
      ++stats_.total_commands;
      return true;
    }
    read_fence_.Wait(c.session.id);
    return false;
  }
  commands::Session& s = c.session;
  net::Connection& conn = *c.conn;
  const int64_t now_ms = command_clock_.WallMs();
  const int64_t start_us = command_clock_.cursor_us;
  commands::ReplyMode mode_before = s.reply_mode;
  // A reply given while writes are pending ran ahead of them: it is held back (see Client).
  const bool ahead = s.pending_writes > 0;
  bool direct = mode_before == commands::ReplyMode::kOn && !ahead;
  std::string scratch;
  std::string& out = direct ? conn.output() : scratch;
  size_t out_before = out.size();
  resp::ReplyBuilder reply(&out, s.protocol);

  std::string effect;
  const commands::CommandSpec* spec = nullptr;
  const bool was_blocked = s.blocked;
  commands::Outcome outcome = dispatcher_->Execute(s, argv, reply, now_ms, &effect, &spec);
  command_clock_.cursor_us = clock_.MonotonicUs();
  const int64_t duration_us = command_clock_.cursor_us - start_us;
  if (outcome == commands::Outcome::kWaitForWrites) return false;
  if (outcome == commands::Outcome::kBlock) {
    if (!was_blocked) blocked_.push_back(s.id);
    return false;
  }
  if (was_blocked) std::erase(blocked_, s.id);
  if (outcome == commands::Outcome::kWaitForStore) {
    SubmitStoreReads(c);
    return false;
  }

  // A skipped command's reply is dropped unless the command was CLIENT REPLY ON, which cancels
  // the skip for itself as Redis's does.
  bool suppress = (mode_before == commands::ReplyMode::kSkipNext &&
                   s.reply_mode != commands::ReplyMode::kOn) ||
                  (mode_before == commands::ReplyMode::kOff && s.reply_mode == commands::ReplyMode::kOff);
  if (mode_before == commands::ReplyMode::kSkipNext && s.reply_mode == commands::ReplyMode::kSkipNext) {
    s.reply_mode = commands::ReplyMode::kOn;
  }
  if (!direct && !suppress) {
    if (ahead && !scratch.empty()) {
      c.held_replies.emplace_back(c.writes_proposed, std::move(scratch));
    } else {
      conn.output().append(scratch);
    }
  }
  stats_.net_output_bytes += out.size() - out_before;

  s.last_interaction_ms = now_ms;
  if (spec != nullptr) {
    if (!(spec->flags & commands::kSkipMonitor)) FeedMonitors(c, argv);
    if (!(spec->flags & commands::kSkipSlowlog)) RecordSlowlog(c, argv, duration_us);
  }
  ++stats_.total_commands;
  c.parser.limits().unauthenticated = !s.authenticated;

  if (outcome == commands::Outcome::kProposed) {
    ++s.pending_writes;
    ++c.writes_proposed;
    Proposal p{Waiter{s.id, suppress}, std::move(effect)};
    if (spec != nullptr && spec->first_key > 0 && static_cast<size_t>(spec->first_key) < argv.size()) {
      p.waiter.has_key = true;
      p.waiter.db = s.db;
      p.waiter.key_hash = StableHash64(argv[spec->first_key]);
    }
    unlogged_.push_back(std::move(p));
  }
  if (s.close_after_reply) conn.CloseAfterWrite();
  return true;
}

void Node::SubmitStoreReads(Client& c) {
  // The pipelined commands after it, parsed without consuming them: with -P 16 of cold GETs,
  // one wait instead of sixteen. Bounded, and only what has arrived whole.
  constexpr int kPeekCommands = 64;
  resp::Parser peek(c.parser.limits());
  std::string_view in = c.conn->input().readable();
  for (int n = 0; n < kPeekCommands && !in.empty(); ++n) {
    size_t consumed = 0;
    if (peek.Next(in, &consumed) != resp::ParseStatus::kCommand) break;
    in.remove_prefix(consumed);
    dispatcher_->QueueStoreReads(c.session, peek.argv());
  }
  keyspace_->SubmitStoreReads(c.session.id);
}

void Node::OnStoreRead(uv_async_t* a) {
  auto* self = static_cast<Node*>(a->data);
  self->store_read_done_.clear();
  self->keyspace_->TakeStoreReads(&self->store_read_done_);
  for (uint64_t id : self->store_read_done_) {
    Client* c = self->FindClient(id);
    if (c == nullptr) continue;  // gone while its keys were read
    c->session.store_read_done = true;
    self->resume_.push_back(id);
  }
  // BeforePoll runs them, in the prepare phase before the next poll.
}

// --- the write path ---

void Node::BeforePoll() {
  keyspace_->Pace(stats_.total_commands - paced_commands_);
  paced_commands_ = stats_.total_commands;
  // Applying writes lets waiting clients go on, which may propose more: repeat while that
  // happens, a bounded number of times per iteration.
  bool more = false;
  for (int round = 0; round < 16; ++round) {
    AppendProposals();
    SendReadIndex();
    const uint64_t applied_before = stats_.writes_applied;
    if (!loading_) DriveReplication();
    ReleaseReads();
    if (stats_.writes_applied != applied_before) WakeBlocked(false, 0);  // may propose
    if (resume_.empty() && unlogged_.empty()) break;
    ResumeWaitingClients();
    if (unlogged_.empty()) break;
    more = round == 15;
  }
  // Work left over (a pipeline of writes each followed by a read of it takes a round per pair):
  // the next iteration must not sleep in poll, since no event may come to wake it. An active
  // idle handle makes libuv poll without waiting; other clients are served in between.
  if (more != (uv_is_active(reinterpret_cast<uv_handle_t*>(&more_work_idle_)) != 0)) {
    if (more) {
      uv_idle_start(&more_work_idle_, [](uv_idle_t*) {});
    } else {
      uv_idle_stop(&more_work_idle_);
    }
  }
}

void Node::AppendProposals() {
  if (unlogged_.empty()) return;
  batch_payloads_.clear();
  batch_cookies_.clear();
  const uint64_t first = first_cookie_ + waiters_.size();
  for (auto& p : unlogged_) {
    logged_bytes_since_checkpoint_ += p.payload.size();
    batch_cookies_.push_back(first + batch_payloads_.size());
    batch_payloads_.push_back(std::move(p.payload));
  }
  Result<uint64_t> index = replicator_->ProposeBatch(std::move(batch_payloads_), batch_cookies_);
  if (!index.ok()) {
    // Nothing was appended: no proposal of the batch can ever apply.
    RefuseProposals(index.status().code() == ErrorCode::kUnavailable
                        ? std::string(replicator_->leader() == raft::kNoNode
                                          ? commands::err::kClusterDown
                                          : commands::err::kReadOnlyReplica)
                        : "ERR write log: " + index.status().ToString());
    return;
  }
  for (auto& p : unlogged_) waiters_.push_back(p.waiter);
  unlogged_.clear();
}

void Node::RefuseProposals(const std::string& error) {
  for (auto& p : unlogged_) {
    Client* c = FindClient(p.waiter.client_id);
    if (c == nullptr) continue;
    --c->session.pending_writes;
    resp::ReplyBuilder(&c->conn->output(), c->session.protocol).Error(error);
    WriteAnswered(*c);
    resume_.push_back(c->session.id);
  }
  unlogged_.clear();
}

// Runs the Replicator inside one keyspace group (see Keyspace::BeginGroup). If EndGroup reports a
// failed LevelDB write, the store can no longer keep up with the log: the node stops before any
// reply leaves; the entries are in the Raft log, and the restart applies them again.
void Node::DriveReplication() {
  if (!replicator_->HasReady()) return;
  // While LOADING, one Ready per call: ReplayStep's idle handle calls once per loop iteration.
  const size_t max_rounds = loading_ ? 1 : SIZE_MAX;
  keyspace_->BeginGroup();
  applying_ = true;
  Status st = replicator_->Process(max_rounds);
  applying_ = false;
  if (!st.ok()) Fatal("replication failed (log write or apply)", st);
  Status ended = keyspace_->EndGroup();
  if (!ended.ok()) Fatal("writing applied entries to the keyspace failed", ended);
  PopDoneWaiters();
  CloseRelaysOnLeaderChange();
  if (save_after_apply_) {
    save_after_apply_ = false;
    Status saved = Save();
    if (!saved.ok()) std::fprintf(stderr, "background save failed: %s\n", saved.ToString().c_str());
  }
}

Node::Waiter* Node::FindWaiter(uint64_t cookie) {
  if (cookie < first_cookie_ || cookie - first_cookie_ >= waiters_.size()) return nullptr;
  Waiter* w = &waiters_[cookie - first_cookie_];
  return w->done ? nullptr : w;
}

void Node::PopDoneWaiters() {
  while (!waiters_.empty() && waiters_.front().done) {
    waiters_.pop_front();
    ++first_cookie_;
  }
}

// Proposals that may or may not apply (leadership lost before they committed) or that never will
// (another leader's entry took their index): their clients' connections close, as Redis's do
// when a primary dies mid-request; a reply claiming failure could be a lie.
void Node::AbandonWaiters(const std::vector<uint64_t>& cookies) {
  for (uint64_t cookie : cookies) {
    Waiter* w = FindWaiter(cookie);
    if (w == nullptr) continue;
    w->done = true;
    if (Client* c = FindClient(w->client_id)) c->conn->Close();
  }
}

// A committed entry, on every node, in log order. The keyspace learns the keys of the proposals
// applied next (this node's, in cookie order), so their cache misses overlap.
Status Node::ApplyEntry(const raft::Entry& e, uint64_t cookie) {
  Waiter none;
  Waiter* w = cookie != 0 ? FindWaiter(cookie) : nullptr;
  if (w != nullptr) {
    w->done = true;
    PrefetchAhead(cookie);
  }
  ApplyOne(e.index, e.data, w != nullptr ? *w : none);
  return Status::Ok();
}

void Node::PrefetchAhead(uint64_t cookie) const {
  const size_t at = cookie - first_cookie_;
  if (at + 2 * kPrefetchAhead < waiters_.size()) {
    const Waiter& w = waiters_[at + 2 * kPrefetchAhead];
    if (w.has_key) keyspace_->PrefetchIndex(w.db, w.key_hash);
  }
  if (at + kPrefetchAhead < waiters_.size()) {
    const Waiter& w = waiters_[at + kPrefetchAhead];
    if (w.has_key) keyspace_->PrefetchEntry(w.db, w.key_hash);
  }
}

void Node::ApplyOne(uint64_t index, std::string_view payload, const Waiter& w) {
  Client* c = w.client_id != 0 ? FindClient(w.client_id) : nullptr;
  commands::Session stand_in;
  std::string sink;
  commands::Session& session = c != nullptr ? c->session : stand_in;
  std::string& out = (c != nullptr && !w.suppress_reply) ? c->conn->output() : sink;
  size_t before = out.size();
  resp::ReplyBuilder reply(&out, session.protocol);
  Status st = dispatcher_->Apply(payload, index, session, reply);
  if (loading_ && config_.key_load_delay != 0) LoadDelay();
  if (!st.ok()) {
    std::fprintf(stderr, "apply of log entry %" PRIu64 " failed: %s\n", index, st.ToString().c_str());
    if (out.size() == before) reply.Error("ERR " + st.ToString());
  }
  stats_.net_output_bytes += out.size() - before;
  if (c != nullptr) WriteAnswered(*c);
  ++stats_.writes_applied;
  ++stats_.changes_since_save;
  if (c != nullptr && --c->session.pending_writes == 0 && c->deferred) resume_.push_back(c->session.id);
}

// key-load-delay: Redis's debugDelay, so tests can watch LOADING.
void Node::LoadDelay() {
  const int64_t d = config_.key_load_delay;
  if (d > 0) {
    usleep(static_cast<useconds_t>(d));
  } else if (++load_delay_count_ % static_cast<uint64_t>(-d) == 0) {
    usleep(1);
  }
}

// One more of the client's writes has its reply in the output: the replies held behind it go too.
void Node::WriteAnswered(Client& c) {
  ++c.writes_answered;
  while (!c.held_replies.empty() && c.held_replies.front().first <= c.writes_answered) {
    c.conn->output().append(c.held_replies.front().second);
    c.held_replies.pop_front();
  }
}

// Blocked clients run their command again, in the order they blocked: after writes, until the
// first whose keys now hold something goes on (its pop is logged; once it is applied the next
// round wakes the others, so a later client never finds the members an earlier one is taking);
// on the timer, those past their deadline, which answer the timeout.
void Node::WakeBlocked(bool timed_out_only, int64_t now_ms) {
  const std::vector<uint64_t> ids = blocked_;
  for (uint64_t id : ids) {
    Client* c = FindClient(id);
    if (c == nullptr || c->conn->closing()) {  // gone while blocked
      std::erase(blocked_, id);
      continue;
    }
    commands::Session& s = c->session;
    if (timed_out_only && (s.block_deadline_ms == 0 || s.block_deadline_ms > now_ms)) continue;
    s.block_timed_out = timed_out_only;
    ProcessInput(*c);  // the deferred command again; RunCommand keeps blocked_ in step
    if (!s.blocked && !timed_out_only) break;
  }
}

void Node::ResumeWaitingClients() {
  std::vector<uint64_t> ids;
  ids.swap(resume_);
  for (uint64_t id : ids) {
    Client* c = FindClient(id);
    if (c != nullptr && !c->conn->closing()) ProcessInput(*c);
  }
}

void Node::OnLogDurable(uv_async_t* a) {
  auto* self = static_cast<Node*>(a->data);
  self->BeforePoll();
}

// --- timers, signals, expiry ---

void Node::OnRaftTick(uv_timer_t* t) {
  auto* self = static_cast<Node*>(t->data);
  self->replicator_->Tick();
  // A ReadIndex request that a leader change lost is asked again after an election's worth.
  self->read_fence_.Retry(++self->raft_ticks_, 2 * self->config_.raft_election_ticks);
  if (!self->loading_) self->DriveReplication();
}

void Node::OnTimer(uv_timer_t* t) {
  auto* self = static_cast<Node*>(t->data);
  self->CloseIdleClients();
  self->WakeBlocked(/*timed_out_only=*/true, self->clock_.NowMs());
  if (self->loading_) return;
  if (self->active_expire_) self->ActiveExpireCycle();
  self->MaybeCompactLog(false);
  auto gc = self->keyspace_->CollectGarbage(kGcRecordsPerTick);
  if (!gc.ok()) std::fprintf(stderr, "keyspace gc: %s\n", gc.status().ToString().c_str());
}

// The `timeout` setting: a normal client idle for longer is closed (MONITOR clients are not).
void Node::CloseIdleClients() {
  if (config_.timeout <= 0) return;
  int64_t now = clock_.NowMs();
  std::vector<net::Connection*> idle;  // closing erases from clients_: collect first
  for (auto& [id, c] : clients_) {
    const commands::Session& s = c->session;
    if (s.monitor || s.pending_writes > 0) continue;
    if ((now - s.last_interaction_ms) / 1000 > config_.timeout) idle.push_back(c->conn);
  }
  for (net::Connection* conn : idle) conn->Close();
}

// Like Redis's adaptive cycle: keep taking due keys while a full batch comes back, within a
// slice of the tick, so a burst of expiries is cleared in seconds without stalling clients.
void Node::ActiveExpireCycle() {
  // Only the leader proposes deletions; a follower's wheel keeps its keys for when it leads.
  if (!replicator_->is_leader()) return;
  constexpr int64_t kBudgetUs = 25000;
  int64_t start_us = clock_.MonotonicUs();
  size_t batch = static_cast<size_t>(config_.active_expire_keys_per_cycle);
  while (true) {
    int64_t now = clock_.NowMs();
    auto due = keyspace_->TakeDueExpiries(now, batch);
    for (const auto& d : due) {
      Proposal p;
      p.waiter.suppress_reply = true;
      commands::Dispatcher::EncodeExpire(d.db, d.key, d.expire_at_ms, now, &p.payload);
      unlogged_.push_back(std::move(p));
    }
    if (due.size() < batch || clock_.MonotonicUs() - start_us > kBudgetUs) break;
  }
}

void Node::OnSignal(uv_signal_t* s, int signum) {
  auto* self = static_cast<Node*>(s->data);
  std::fprintf(stderr, "Received %s, shutting down.\n", signum == SIGINT ? "SIGINT" : "SIGTERM");
  self->Shutdown(true);
}

void Node::Shutdown(bool save) {
  if (shutting_down_) return;
  shutting_down_ = true;
  // Finish what is already proposed, so every acknowledged write is in the log and applied. The
  // log is always synced: it is what makes the data durable, whatever NOSAVE says.
  BeforePoll();
  Status st = log_->Sync();
  if (!st.ok()) std::fprintf(stderr, "log sync at shutdown failed: %s\n", st.ToString().c_str());
  DriveReplication();
  // SAVE (the default) also syncs the keyspace and drops the log prefix it holds, so the next
  // start replays nothing; NOSAVE skips that and the next start replays the log instead.
  if (save) {
    if (!loading_) MaybeCompactLog(true);
    st = keyspace_->Flush();
    if (!st.ok()) std::fprintf(stderr, "keyspace flush at shutdown failed: %s\n", st.ToString().c_str());
  }
  StopLoop();
}

void Node::StopLoop() {
  if (tcp_) tcp_->CloseAll();
  uv_timer_stop(&timer_);
  uv_stop(&loop_);
}

Status Node::Save() {
  if (applying_) {
    // BGSAVE inside a logged EXEC: the save cannot run in the middle of applying a group; it
    // runs right after the group is written.
    save_after_apply_ = true;
    return Status::Ok();
  }
  CAIRN_RETURN_IF_ERROR(log_->Sync());
  DriveReplication();
  CAIRN_RETURN_IF_ERROR(keyspace_->Flush());
  last_save_s_ = clock_.NowMs() / 1000;
  stats_.changes_since_save = 0;
  return Status::Ok();
}

void Node::OnReplayIdle(uv_idle_t* idle) { static_cast<Node*>(idle->data)->ReplayStep(); }

// Applies the log found at start-up one Ready (kMaxApplyBytes of entries) per loop iteration, so
// clients keep getting their LOADING replies promptly while a large log is applied.
void Node::ReplayStep() {
  DriveReplication();
  if (replicator_->applied_index() < load_target_ && replicator_->HasReady()) return;
  uv_idle_stop(&replay_idle_);
  loading_ = false;
  std::fprintf(stderr, "log applied up to %" PRIu64 " in %.3f s\n", replicator_->applied_index(),
               static_cast<double>(clock_.MonotonicUs() - replay_started_us_) / 1e6);
}

// See Config::log_compact_interval_ms: both the time and the size floor must be reached.
bool Node::CheckpointDue(int64_t now_ms) const {
  return config_.log_compact_interval_ms != 0 &&
         now_ms - last_compact_ms_ >= config_.log_compact_interval_ms &&
         logged_bytes_since_checkpoint_ >= static_cast<uint64_t>(config_.log_compact_bytes);
}

// Makes the keyspace's applied state durable on its own (at once when forced, else in the
// background for a write-behind keyspace), and lets the log drop the prefix that is.
void Node::MaybeCompactLog(bool force) {
  if (loading_) return;
  int64_t now = clock_.NowMs();
  Status st;
  if (keyspace_->applied_index() > keyspace_->synced_index()) {
    if (force) {
      logged_bytes_since_checkpoint_ = 0;
      st = keyspace_->Flush();
    } else if (CheckpointDue(now)) {
      last_compact_ms_ = now;
      logged_bytes_since_checkpoint_ = 0;
      ++checkpoints_;
      st = keyspace_->Checkpoint();
    }
  }
  uint64_t synced = CompactionPoint();
  if (st.ok() && synced > compacted_up_to_) {
    st = log_->Compact(synced, replicator_->core().ConfStateAt(synced));
  }
  if (!st.ok()) {
    std::fprintf(stderr, "log compaction failed: %s\n", st.ToString().c_str());
    return;
  }
  compacted_up_to_ = std::max(compacted_up_to_, synced);
}

}  // namespace cairn::server
