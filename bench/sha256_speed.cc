// rdbundle-sha256-speed [MIB]: SHA-256 throughput of rdbundle's own Sha256 (common/format/hash.h:
// OpenSSL's EVP with its assembly, CNG on Windows), one thread, over MIB MiB (default 1024) fed
// in 1 MiB updates, as install and verify feed it. Prints one line for bench/bench.py:
//   sha256 <GB/s per CPU second> GB/s <MiB> MiB <CPU s> cpu-s <wall s> wall-s
// CPU time, not wall time: on a shared machine the figure is what one core does.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <vector>

#include "common/format/hash.h"

int main(int argc, char** argv) {
  const long mib = argc > 1 ? std::strtol(argv[1], nullptr, 10) : 1024;
  if (mib <= 0) {
    std::fprintf(stderr, "usage: rdbundle-sha256-speed [MIB]\n");
    return 2;
  }
  std::vector<unsigned char> buf(1 << 20);
  for (std::size_t i = 0; i < buf.size(); ++i) buf[i] = static_cast<unsigned char>(i * 131 + 7);
  rdbundle::Sha256 h;
  h.Update(buf.data(), buf.size());  // warm-up: page faults, CPU feature detection
  (void)h.Finish();
  const std::clock_t c0 = std::clock();
  const auto w0 = std::chrono::steady_clock::now();
  for (long i = 0; i < mib; ++i) h.Update(buf.data(), buf.size());
  const std::string hex = h.FinishHex();
  const double cpu = static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC;
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - w0).count();
  const double bytes = static_cast<double>(mib) * (1 << 20);
  std::printf("sha256 %.3f GB/s %ld MiB %.3f cpu-s %.3f wall-s %s\n",
              bytes / (cpu > 0 ? cpu : wall) / 1e9, mib, cpu, wall, hex.substr(0, 16).c_str());
  return 0;
}
