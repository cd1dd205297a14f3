// Session: what the command layer keeps per client connection (selected db, protocol, auth,
// name, reply mode, transaction state). Owned by the server's per-connection attachment; commands
// read and change it. Loop thread only.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "commands/effect.h"

namespace cairn::commands {

// MULTI/EXEC and WATCH state of one client (txn_cmds.cc, dispatch.cc).
struct TxnState {
  bool in_multi = false;
  bool dirty = false;      // a command failed while queuing: EXEC answers EXECABORT
  bool has_write = false;  // a write is queued: EXEC goes through the log
  // A queued command may change the session itself (SELECT, HELLO, AUTH, CLIENT ...): if EXEC
  // goes through the log, the commands after it must wait for its apply, writes too.
  bool changes_session = false;
  int db = 0;              // the database the next queued command will run in (queued SELECT)
  std::vector<std::vector<std::string>> queued;
  size_t queued_bytes = 0;
  std::vector<WatchedKey> watched;  // kept from WATCH until EXEC, DISCARD, UNWATCH or RESET
};

enum class ReplyMode : uint8_t { kOn, kOff, kSkipNext, kSkipThis };

struct Session {
  // The client's connection id, from 1. 0: the node's stand-in session, used when a log record
  // is applied without its proposer (replay, a follower, a client gone).
  uint64_t id = 0;
  std::string peer;   // "ip:port"
  std::string local;  // "ip:port"
  int fd = -1;
  int db = 0;
  int protocol = 2;
  bool authenticated = false;
  std::string user = "default";
  std::string name;
  std::string lib_name;
  std::string lib_ver;
  ReplyMode reply_mode = ReplyMode::kOn;
  bool no_evict = false;
  bool no_touch = false;
  bool monitor = false;
  bool close_after_reply = false;  // QUIT, CLIENT KILL of itself
  int64_t created_ms = 0;
  int64_t last_interaction_ms = 0;
  std::string_view last_command = "NULL";  // a command table name: static storage
  // Writes proposed and not yet applied: commands after them wait, to keep replies in order.
  uint64_t pending_writes = 0;
  // A logged EXEC that may change this session (TxnState::changes_session) is not yet applied.
  bool exec_changes_session = false;
  // The next command waited for its keys to be read off the loop (Outcome::kWaitForStore): run
  // again, it reads whatever is still missing itself, so it waits at most once.
  bool store_read_done = false;
  // More of the client's input follows the command being run (the node sets it): its store
  // reads, and those of the commands pipelined behind it, are one batch for the reader threads.
  bool input_follows = false;
  TxnState txn;
  // A blocking command (kBlocking) waiting for its keys: since when it waits (its deadline stays
  // across the reruns), until when (0: for ever), and whether that time has come.
  bool blocked = false;
  int64_t block_deadline_ms = 0;
  bool block_timed_out = false;
};

}  // namespace cairn::commands
