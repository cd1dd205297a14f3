// Socket address helpers shared by the client server and the peer transport: bind and listen on
// an IP literal, and print an address as "ip:port". Loop thread for the handle; no allocation
// beyond the returned strings.
#pragma once

#include <sys/socket.h>
#include <uv.h>

#include <string>

#include "common/status.h"

namespace cairn::net {

// Binds an initialized TCP handle to host:port (an IPv4 or IPv6 literal; port 0: any free one)
// and listens; *bound_port gets the port actually bound. On error the caller closes the handle.
Status BindAndListen(uv_tcp_t* handle, const std::string& host, int port, int backlog,
                     uv_connection_cb on_connection, int* bound_port);

// "ip:port", or "?:0" for an address family other than IPv4 and IPv6.
std::string FormatAddress(const sockaddr_storage& address);

}  // namespace cairn::net
