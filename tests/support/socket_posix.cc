// POSIX implementation of socket.h (the Winsock one is socket_win32.cc).
#include "tests/support/socket.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

namespace rdbundle::testsupport {
namespace {

int Fd(std::uintptr_t s) { return static_cast<int>(s); }

sockaddr_in Loopback(int port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

// Waits until `fd` is readable (or a connection is pending) for up to `timeout_ms`.
bool Readable(int fd, int timeout_ms) {
  pollfd p = {fd, POLLIN, 0};
  int n;
  while ((n = ::poll(&p, 1, timeout_ms)) < 0 && errno == EINTR) {
  }
  return n > 0;
}

}  // namespace

Socket Socket::ListenLoopback(int* port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Socket();
  Socket s(static_cast<std::uintptr_t>(fd));
  sockaddr_in a = Loopback(0);
  socklen_t len = sizeof a;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd, 64) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    return Socket();
  }
  *port = ntohs(a.sin_port);
  return s;
}

Socket Socket::Accept(int timeout_ms) const {
  if (!Readable(Fd(s_), timeout_ms)) return Socket();
  const int fd = ::accept4(Fd(s_), nullptr, nullptr, SOCK_CLOEXEC);
  return fd < 0 ? Socket() : Socket(static_cast<std::uintptr_t>(fd));
}

long Socket::Receive(char* buf, std::size_t n, int timeout_ms) const {
  if (!Readable(Fd(s_), timeout_ms)) return kTimeout;
  ssize_t got;
  while ((got = ::recv(Fd(s_), buf, n, 0)) < 0 && errno == EINTR) {
  }
  return got < 0 ? kError : static_cast<long>(got);
}

bool Socket::SendAll(const void* data, std::size_t n) const {
  const char* p = static_cast<const char*>(data);
  while (n > 0) {
    const ssize_t sent = ::send(Fd(s_), p, n, MSG_NOSIGNAL);
    if (sent < 0 && errno == EINTR) continue;
    if (sent <= 0) return false;
    p += sent;
    n -= static_cast<std::size_t>(sent);
  }
  return true;
}

void Socket::Shutdown() const {
  if (valid()) ::shutdown(Fd(s_), SHUT_RDWR);
}

void Socket::Reset() {
  if (!valid()) return;
  linger l{1, 0};
  ::setsockopt(Fd(s_), SOL_SOCKET, SO_LINGER, &l, sizeof l);
  Close();
}

void Socket::Close() {
  if (valid()) ::close(Fd(s_));
  s_ = kInvalid;
}

bool CanConnect(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  Socket s(static_cast<std::uintptr_t>(fd));
  sockaddr_in a = Loopback(port);
  return ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
}

}  // namespace rdbundle::testsupport
