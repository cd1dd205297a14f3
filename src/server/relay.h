// Relay: a client of a follower carried to the leader over an upstream connection of its own,
// so that its writes, MULTI/EXEC and WATCH behave exactly as on the leader. From the first
// command that needs the leader on, the follower stops interpreting the client: its bytes pass
// to the leader unparsed and the leader's replies come back unchanged. The upstream connection
// first replays the session state the follower held (AUTH, HELLO's protocol, SELECT, the client
// name) with replies off, so the only prelude reply is the closing CLIENT REPLY ON's "+OK", which
// the relay checks and drops.
//
// Lifetime: owned by the client's state on the follower; either side closing closes the other
// (a dropped upstream closes the client after what it already sent, as a failover does in
// Redis). Loop thread only. Memory: the bytes in flight each way.
#pragma once

#include <uv.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"

namespace cairn::server {

// The session state a relay replays on its upstream connection before the client's bytes.
struct RelaySession {
  std::string password;  // AUTH with it when non-empty (the client authenticated here)
  int protocol = 2;
  int db = 0;
  std::string name;
};

// The commands the upstream connection starts with, and the exact reply bytes they produce.
std::string RelayPrelude(const RelaySession& s, std::string* expected_reply);

class Relay {
  struct PrivateTag {};

 public:
  struct Callbacks {
    std::function<void(std::string_view bytes)> to_client;  // the leader's reply bytes
    std::function<void(const std::string& why)> closed;     // upstream gone: close the client
  };
  // Connects to the leader's client address ("host:port", an IP literal or a DNS name).
  static Result<std::unique_ptr<Relay>> Open(uv_loop_t* loop, const std::string& address,
                                             const RelaySession& session, Callbacks callbacks);
  ~Relay();  // closes the upstream connection (asynchronously; no callback runs after)
  Relay(const Relay&) = delete;
  Relay& operator=(const Relay&) = delete;

  // The client's bytes, in order; held until the connection is up.
  void Forward(std::string_view bytes);

  struct Upstream;  // the libuv side; outlives the Relay until its handle has closed
  Relay(PrivateTag, std::unique_ptr<Upstream> up);

 private:
  Upstream* up_;  // released to libuv on close
};

}  // namespace cairn::server
