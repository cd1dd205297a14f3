// Session: what the command layer keeps per client connection (selected db, protocol, auth,
// name, reply mode, transaction state). Owned by the server's per-connection attachment; commands
// read and change it. Loop thread only.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace cairn::commands {

enum class ReplyMode : uint8_t { kOn, kOff, kSkipNext, kSkipThis };

struct Session {
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
  std::string last_command = "NULL";
  // Writes proposed and not yet applied: commands after them wait, to keep replies in order.
  uint64_t pending_writes = 0;
};

}  // namespace cairn::commands
