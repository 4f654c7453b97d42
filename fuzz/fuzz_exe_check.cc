// packer/exe_check.h: is a file an executable for a platform? It reads headers of files from a
// mirror or a local kit, so offsets inside them (e_lfanew, fat slice offsets) are hostile.
// Input: the file's first bytes (at most kExeHeaderBytes); bytes after that, up to 8, give how
// much longer the file is (little-endian), so fat slices can point beyond the header.
// Checks: the description is a non-empty line of printable ASCII; an accepted file is accepted
// for one OS only, and only for arches its description names.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "fuzz/fuzz_util.h"
#include "packer/exe_check.h"

namespace {
constexpr std::size_t kMaxInputBytes = rdbundle::packer::kExeHeaderBytes + 8;
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace rdbundle;
  using packer::kExeHeaderBytes;
  if (size > kMaxInputBytes) return 0;
  const std::size_t head_size = std::min(size, kExeHeaderBytes);
  std::uint64_t extra = 0;  // little-endian
  for (std::size_t i = size; i > head_size; --i) extra = extra << 8 | data[i - 1];
  const std::uint64_t file_size = head_size + std::min<std::uint64_t>(extra, UINT64_MAX - head_size);
  const std::span<const std::uint8_t> head(data, head_size);

  const std::string what = packer::DescribeExecutable(head, file_size);
  FUZZ_CHECK(!what.empty() && std::all_of(what.begin(), what.end(),
                                          [](char c) { return c >= 0x20 && c < 0x7f; }),
             "description is not one printable line: " + what);
  int accepted_os = -1;
  for (TargetOs os : {TargetOs::kLinux, TargetOs::kDarwin, TargetOs::kWindows}) {
    for (Arch arch : {Arch::kAmd64, Arch::kArm64}) {
      const Status s = packer::CheckExecutable(head, file_size, os, arch);
      if (!s.ok()) {
        FUZZ_CHECK(s.code() == ErrorCode::kCorrupt, s.message());
        FUZZ_CHECK(s.message().find(what) != std::string::npos, "message does not describe the file");
        continue;
      }
      FUZZ_CHECK(accepted_os == -1 || accepted_os == static_cast<int>(os), "accepted for two OSes");
      accepted_os = static_cast<int>(os);
      const std::string cpu = arch == Arch::kAmd64 ? "x86-64" : (os == TargetOs::kLinux ? "aarch64" : "arm64");
      FUZZ_CHECK(what.find(cpu) != std::string::npos, "accepted for " + cpu + ", described as " + what);
    }
  }
  return 0;
}
