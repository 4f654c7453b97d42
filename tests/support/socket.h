// TCP on 127.0.0.1 for the servers the tests start in their own process (fake_upstream.h):
// a socket closed when destroyed, and the few calls those servers make. POSIX sockets
// (socket_posix.cc) or Winsock (socket_win32.cc).
#pragma once

#include <cstddef>
#include <cstdint>

namespace rdbundle::testsupport {

class Socket {
 public:
  Socket() = default;
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  Socket(Socket&& o) noexcept : s_(o.s_) { o.s_ = kInvalid; }
  Socket& operator=(Socket&& o) noexcept {
    if (this != &o) {
      Close();
      s_ = o.s_;
      o.s_ = kInvalid;
    }
    return *this;
  }
  ~Socket() { Close(); }

  // Listens on 127.0.0.1 at a port the system chooses (*port); invalid on failure.
  static Socket ListenLoopback(int* port);
  bool valid() const { return s_ != kInvalid; }

  // A connection accepted within `timeout_ms`, or an invalid socket.
  Socket Accept(int timeout_ms) const;
  // Waits up to `timeout_ms` for data: the bytes read (> 0), 0 at the end of the stream,
  // kTimeout, or kError.
  static constexpr long kTimeout = -2, kError = -1;
  long Receive(char* buf, std::size_t n, int timeout_ms) const;
  // Sends everything; false when the peer went away.
  bool SendAll(const void* data, std::size_t n) const;
  // Ends both directions: a thread blocked on this socket returns.
  void Shutdown() const;
  // Closes with a TCP RST (SO_LINGER 0), as a connection cut mid-transfer.
  void Reset();
  void Close();

 private:
  friend bool CanConnect(int port);
  static constexpr std::uintptr_t kInvalid = ~std::uintptr_t{0};
  explicit Socket(std::uintptr_t s) : s_(s) {}
  std::uintptr_t s_ = kInvalid;  // a file descriptor or a SOCKET
};

// A loopback TCP port that was free a moment ago (bind to port 0, read it, close).
inline int FreeLoopbackPort() {
  int port = 0;
  const Socket s = Socket::ListenLoopback(&port);
  return s.valid() ? port : 0;
}
// Something accepts connections on 127.0.0.1:`port`.
bool CanConnect(int port);

}  // namespace rdbundle::testsupport
