#include "packer/exe_check.h"

#include <algorithm>
#include <cstdio>
#include <optional>
#include <vector>

namespace rdbundle::packer {
namespace {

using Bytes = std::span<const std::uint8_t>;

// Constants from <elf.h>, <mach-o/loader.h>, <mach-o/fat.h> and the PE/COFF specification,
// spelled out here so the check builds (and is fuzzed) on any host.
constexpr std::uint16_t kEmX86_64 = 62, kEmAarch64 = 183, kEmI386 = 3, kEmArm = 40;
constexpr std::uint16_t kEtExec = 2, kEtDyn = 3;
constexpr std::uint8_t kElfOsAbiSysv = 0, kElfOsAbiGnu = 3;
constexpr std::size_t kElf64HeaderBytes = 64;
constexpr std::uint32_t kMhMagic64 = 0xfeedfacf, kMhMagic32 = 0xfeedface;
constexpr std::uint32_t kMhCigam64 = 0xcffaedfe, kMhCigam32 = 0xcefaedfe;
constexpr std::uint32_t kCpuTypeX86_64 = 0x01000007, kCpuTypeArm64 = 0x0100000c;
constexpr std::uint32_t kMhExecute = 2;
constexpr std::size_t kMachHeader64Bytes = 32;
constexpr std::uint32_t kFatMagic = 0xcafebabe, kFatMagic64 = 0xcafebabf;
// Java class files share FAT_MAGIC; their next field (class file version, >= 45) reads as a
// large slice count. Real universal binaries have two or three slices.
constexpr std::uint32_t kMaxFatArches = 20;
constexpr std::uint16_t kPeMachineAmd64 = 0x8664, kPeMachineArm64 = 0xaa64;
constexpr std::uint16_t kPeMachineI386 = 0x14c;
constexpr std::uint16_t kPeExecutableImage = 0x0002, kPeDll = 0x2000;
constexpr std::uint16_t kPe32PlusMagic = 0x20b, kPe32Magic = 0x10b;
constexpr std::size_t kDosHeaderBytes = 64, kPeLfanewOffset = 0x3c;

std::uint16_t Le16(Bytes b, std::size_t off) {
  return static_cast<std::uint16_t>(b[off] | b[off + 1] << 8);
}
std::uint32_t Le32(Bytes b, std::size_t off) {
  return static_cast<std::uint32_t>(b[off]) | static_cast<std::uint32_t>(b[off + 1]) << 8 |
         static_cast<std::uint32_t>(b[off + 2]) << 16 | static_cast<std::uint32_t>(b[off + 3]) << 24;
}
std::uint32_t Be32(Bytes b, std::size_t off) {
  return static_cast<std::uint32_t>(b[off]) << 24 | static_cast<std::uint32_t>(b[off + 1]) << 16 |
         static_cast<std::uint32_t>(b[off + 2]) << 8 | static_cast<std::uint32_t>(b[off + 3]);
}
std::uint64_t Be64(Bytes b, std::size_t off) {
  return static_cast<std::uint64_t>(Be32(b, off)) << 32 | Be32(b, off + 4);
}

std::string Hex(std::uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%x", v);
  return buf;
}

// What a header says. `os` is set only for a complete, valid executable; `arches` lists the
// CPUs it runs on (several for a universal binary).
struct Identified {
  std::optional<TargetOs> os;
  std::vector<Arch> arches;
  std::string description;
};

Identified Unrecognized(std::string description) { return {std::nullopt, {}, std::move(description)}; }

Identified IdentifyElf(Bytes h) {
  if (h.size() < kElf64HeaderBytes) return Unrecognized("truncated ELF header");
  if (h[4] == 1) return Unrecognized("ELF 32-bit");
  if (h[4] != 2) return Unrecognized("ELF with an invalid class");
  if (h[5] != 1) return Unrecognized("ELF 64-bit big-endian");
  if (h[6] != 1 || Le32(h, 20) != 1) return Unrecognized("ELF of an unknown version");
  if (h[7] != kElfOsAbiSysv && h[7] != kElfOsAbiGnu) {
    return Unrecognized("ELF 64-bit for another OS (OS ABI " + std::to_string(h[7]) + ")");
  }
  const std::uint16_t type = Le16(h, 16);
  if (type != kEtExec && type != kEtDyn) {
    return Unrecognized("ELF 64-bit, not an executable (e_type " + std::to_string(type) + ")");
  }
  if (Le16(h, 52) != kElf64HeaderBytes) return Unrecognized("ELF 64-bit with a malformed header");
  switch (const std::uint16_t machine = Le16(h, 18)) {
    case kEmX86_64:
      return {TargetOs::kLinux, {Arch::kAmd64}, "ELF 64-bit x86-64"};
    case kEmAarch64:
      return {TargetOs::kLinux, {Arch::kArm64}, "ELF 64-bit aarch64"};
    case kEmI386:
      return Unrecognized("ELF 64-bit i386");
    case kEmArm:
      return Unrecognized("ELF 64-bit arm");
    default:
      return Unrecognized("ELF 64-bit for machine " + std::to_string(machine));
  }
}

std::optional<Arch> MachOArch(std::uint32_t cputype) {
  if (cputype == kCpuTypeX86_64) return Arch::kAmd64;
  if (cputype == kCpuTypeArm64) return Arch::kArm64;
  return std::nullopt;
}

std::string MachOCpuName(std::uint32_t cputype) {
  if (cputype == kCpuTypeX86_64) return "x86-64";
  if (cputype == kCpuTypeArm64) return "arm64";
  return "cputype " + Hex(cputype);
}

Identified IdentifyThinMachO(Bytes h) {
  const std::uint32_t magic = Le32(h, 0);
  if (magic == kMhMagic32) return Unrecognized("Mach-O 32-bit");
  if (magic == kMhCigam64 || magic == kMhCigam32) return Unrecognized("Mach-O big-endian");
  if (h.size() < kMachHeader64Bytes) return Unrecognized("truncated Mach-O header");
  const std::uint32_t cputype = Le32(h, 4);
  const std::uint32_t filetype = Le32(h, 12);
  if (filetype != kMhExecute) {
    return Unrecognized("Mach-O " + MachOCpuName(cputype) + ", not an executable (filetype " +
                        std::to_string(filetype) + ")");
  }
  auto arch = MachOArch(cputype);
  if (!arch) return Unrecognized("Mach-O " + MachOCpuName(cputype));
  return {TargetOs::kDarwin, {*arch}, "Mach-O " + MachOCpuName(cputype)};
}

// A universal binary: the fat header is big-endian, then nfat_arch entries of
// {cputype, cpusubtype, offset, size, align} (32-bit fields; FAT_MAGIC_64: 64-bit offset and
// size plus a reserved word). A slice counts only when it lies inside the file after the table.
Identified IdentifyFat(Bytes h, std::uint64_t file_size) {
  if (h.size() < 8) return Unrecognized("truncated Mach-O universal header");
  const bool wide = Be32(h, 0) == kFatMagic64;
  const std::uint32_t n = Be32(h, 4);
  if (n == 0 || n > kMaxFatArches) return Unrecognized("not an executable");
  const std::size_t entry = wide ? 32 : 20;
  const std::uint64_t table_end = 8 + std::uint64_t{n} * entry;
  if (table_end > h.size()) return Unrecognized("truncated Mach-O universal header");
  Identified id{TargetOs::kDarwin, {}, "Mach-O universal ("};
  for (std::uint32_t i = 0; i < n; ++i) {
    const std::size_t off = 8 + i * entry;
    const std::uint32_t cputype = Be32(h, off);
    const std::uint64_t start = wide ? Be64(h, off + 8) : Be32(h, off + 8);
    const std::uint64_t size = wide ? Be64(h, off + 16) : Be32(h, off + 12);
    const bool inside = start >= table_end && size > 0 && start <= file_size &&
                        size <= file_size - start;
    id.description += (i > 0 ? ", " : "") + MachOCpuName(cputype) + (inside ? "" : " (outside the file)");
    if (auto arch = MachOArch(cputype); arch && inside) id.arches.push_back(*arch);
  }
  id.description += ")";
  if (id.arches.empty()) id.os.reset();
  return id;
}

std::string PeMachineName(std::uint16_t machine) {
  if (machine == kPeMachineAmd64) return "x86-64";
  if (machine == kPeMachineArm64) return "arm64";
  if (machine == kPeMachineI386) return "i386";
  return "machine " + Hex(machine);
}

Identified IdentifyPe(Bytes h) {
  if (h.size() < kDosHeaderBytes) return Unrecognized("truncated MS-DOS header");
  const std::uint32_t lfanew = Le32(h, kPeLfanewOffset);
  // Signature (4) + COFF header (20) + the optional header's magic (2).
  if (lfanew < kDosHeaderBytes || std::uint64_t{lfanew} + 26 > h.size()) {
    return Unrecognized("MS-DOS executable without a PE header in the first " +
                        std::to_string(kExeHeaderBytes) + " bytes");
  }
  if (h[lfanew] != 'P' || h[lfanew + 1] != 'E' || h[lfanew + 2] != 0 || h[lfanew + 3] != 0) {
    return Unrecognized("MS-DOS executable (no PE signature)");
  }
  const std::size_t coff = lfanew + 4;
  const std::uint16_t machine = Le16(h, coff);
  const std::uint16_t characteristics = Le16(h, coff + 18);
  const std::uint16_t magic = Le16(h, coff + 20);
  const std::string name = "PE " + PeMachineName(machine);
  if (Le16(h, coff + 16) < 2) return Unrecognized(name + " without an optional header");
  if (magic == kPe32Magic) return Unrecognized("PE32 (32-bit) " + PeMachineName(machine));
  if (magic != kPe32PlusMagic) return Unrecognized(name + " with an unknown optional header");
  if ((characteristics & kPeDll) != 0) return Unrecognized(name + " DLL");
  if ((characteristics & kPeExecutableImage) == 0) return Unrecognized(name + ", not an executable image");
  if (machine == kPeMachineAmd64) return {TargetOs::kWindows, {Arch::kAmd64}, name};
  if (machine == kPeMachineArm64) return {TargetOs::kWindows, {Arch::kArm64}, name};
  return Unrecognized(name);
}

Identified Identify(Bytes h, std::uint64_t file_size) {
  if (h.size() > file_size) h = h.first(static_cast<std::size_t>(file_size));
  if (h.empty()) return Unrecognized("empty file");
  if (h.size() >= 4 && h[0] == 0x7f && h[1] == 'E' && h[2] == 'L' && h[3] == 'F') {
    return IdentifyElf(h);
  }
  if (h.size() >= 4) {
    const std::uint32_t le = Le32(h, 0), be = Be32(h, 0);
    if (le == kMhMagic64 || le == kMhMagic32 || le == kMhCigam64 || le == kMhCigam32) {
      return IdentifyThinMachO(h);
    }
    if (be == kFatMagic || be == kFatMagic64) return IdentifyFat(h, file_size);
  }
  if (h.size() >= 2 && h[0] == 'M' && h[1] == 'Z') return IdentifyPe(h);
  return Unrecognized("not an executable");
}

}  // namespace

Status CheckExecutable(std::span<const std::uint8_t> head, std::uint64_t file_size, TargetOs os,
                       Arch arch) {
  const Identified id = Identify(head, file_size);
  if (id.os == os && std::find(id.arches.begin(), id.arches.end(), arch) != id.arches.end()) {
    return Status::Ok();
  }
  return Status::Corrupt("not a " + std::string(OsName(os)) + "/" + std::string(ArchName(arch)) +
                         " executable (found: " + id.description + ")");
}

std::string DescribeExecutable(std::span<const std::uint8_t> head, std::uint64_t file_size) {
  return Identify(head, file_size).description;
}

}  // namespace rdbundle::packer
