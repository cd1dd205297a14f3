// Socket address helpers: see address.h.
#include "net/address.h"

#include <arpa/inet.h>

namespace cairn::net {

Status BindAndListen(uv_tcp_t* handle, const std::string& host, int port, int backlog,
                     uv_connection_cb on_connection, int* bound_port) {
  sockaddr_storage addr{};
  int rc = host.find(':') != std::string::npos
               ? uv_ip6_addr(host.c_str(), port, reinterpret_cast<sockaddr_in6*>(&addr))
               : uv_ip4_addr(host.c_str(), port, reinterpret_cast<sockaddr_in*>(&addr));
  if (rc != 0) return Status::InvalidArgument("bad bind address '" + host + "'");
  rc = uv_tcp_bind(handle, reinterpret_cast<const sockaddr*>(&addr), 0);
  if (rc == 0) rc = uv_listen(reinterpret_cast<uv_stream_t*>(handle), backlog, on_connection);
  if (rc != 0) {
    return Status::IoError("could not listen on " + host + ":" + std::to_string(port) + ": " +
                           uv_strerror(rc));
  }
  sockaddr_storage bound{};
  int len = sizeof(bound);
  uv_tcp_getsockname(handle, reinterpret_cast<sockaddr*>(&bound), &len);
  // sin_port and sin6_port sit at the same offset; read the one the family names anyway.
  *bound_port = bound.ss_family == AF_INET6
                    ? ntohs(reinterpret_cast<const sockaddr_in6*>(&bound)->sin6_port)
                    : ntohs(reinterpret_cast<const sockaddr_in*>(&bound)->sin_port);
  return Status::Ok();
}

std::string FormatAddress(const sockaddr_storage& address) {
  char ip[INET6_ADDRSTRLEN] = "?";
  int port = 0;
  if (address.ss_family == AF_INET) {
    const auto* a = reinterpret_cast<const sockaddr_in*>(&address);
    uv_ip4_name(a, ip, sizeof(ip));
    port = ntohs(a->sin_port);
  } else if (address.ss_family == AF_INET6) {
    const auto* a = reinterpret_cast<const sockaddr_in6*>(&address);
    uv_ip6_name(a, ip, sizeof(ip));
    port = ntohs(a->sin6_port);
  }
  return std::string(ip) + ":" + std::to_string(port);
}

}  // namespace cairn::net
