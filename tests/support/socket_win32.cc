// Winsock implementation of socket.h (the POSIX one is socket_posix.cc).
#include <winsock2.h>
#include <ws2tcpip.h>

#include <mutex>

#include "tests/support/socket.h"

namespace rdbundle::testsupport {
namespace {

SOCKET Sock(std::uintptr_t s) { return static_cast<SOCKET>(s); }

void StartWinsock() {
  static std::once_flag once;
  std::call_once(once, [] {
    WSADATA data;
    ::WSAStartup(MAKEWORD(2, 2), &data);
  });
}

sockaddr_in Loopback(int port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<u_short>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

bool Readable(SOCKET s, int timeout_ms) {
  WSAPOLLFD p{};
  p.fd = s;
  p.events = POLLRDNORM;
  return ::WSAPoll(&p, 1, timeout_ms) > 0;
}

}  // namespace

Socket Socket::ListenLoopback(int* port) {
  StartWinsock();
  const SOCKET fd = ::socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
  if (fd == INVALID_SOCKET) return Socket();
  Socket s(static_cast<std::uintptr_t>(fd));
  // Another process must not take the port over (SO_REUSEADDR is not what it is on POSIX).
  BOOL on = TRUE;
  ::setsockopt(fd, SOL_SOCKET, SO_EXCLUSIVEADDRUSE, reinterpret_cast<const char*>(&on), sizeof on);
  sockaddr_in a = Loopback(0);
  int len = sizeof a;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd, 64) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    return Socket();
  }
  *port = ntohs(a.sin_port);
  return s;
}

Socket Socket::Accept(int timeout_ms) const {
  if (!Readable(Sock(s_), timeout_ms)) return Socket();
  const SOCKET fd = ::accept(Sock(s_), nullptr, nullptr);
  return fd == INVALID_SOCKET ? Socket() : Socket(static_cast<std::uintptr_t>(fd));
}

long Socket::Receive(char* buf, std::size_t n, int timeout_ms) const {
  if (!Readable(Sock(s_), timeout_ms)) return kTimeout;
  const int got = ::recv(Sock(s_), buf, static_cast<int>(n), 0);
  return got == SOCKET_ERROR ? kError : got;
}

bool Socket::SendAll(const void* data, std::size_t n) const {
  const char* p = static_cast<const char*>(data);
  while (n > 0) {
    const int chunk = static_cast<int>(n < (1u << 20) ? n : (1u << 20));
    const int sent = ::send(Sock(s_), p, chunk, 0);
    if (sent == SOCKET_ERROR || sent == 0) return false;
    p += sent;
    n -= static_cast<std::size_t>(sent);
  }
  return true;
}

void Socket::Shutdown() const {
  if (valid()) ::shutdown(Sock(s_), SD_BOTH);
}

void Socket::Reset() {
  if (!valid()) return;
  linger l{1, 0};
  ::setsockopt(Sock(s_), SOL_SOCKET, SO_LINGER, reinterpret_cast<const char*>(&l), sizeof l);
  Close();
}

void Socket::Close() {
  if (valid()) ::closesocket(Sock(s_));
  s_ = kInvalid;
}

bool CanConnect(int port) {
  StartWinsock();
  const SOCKET fd = ::socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
  if (fd == INVALID_SOCKET) return false;
  Socket s(static_cast<std::uintptr_t>(fd));
  sockaddr_in a = Loopback(port);
  return ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
}

}  // namespace rdbundle::testsupport
