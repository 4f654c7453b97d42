#include "packer/exe_check.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "tests/support/sample_kit.h"

namespace rdbundle::packer {
namespace {

using testsupport::SampleExecutableHeader;

constexpr TargetOs kOses[] = {TargetOs::kLinux, TargetOs::kDarwin, TargetOs::kWindows};
constexpr Arch kArches[] = {Arch::kAmd64, Arch::kArm64};

std::vector<std::uint8_t> Bytes(const std::string& s, std::size_t pad_to = 1024) {
  std::vector<std::uint8_t> v(s.begin(), s.end());
  if (v.size() < pad_to) v.resize(pad_to, 0x90);
  return v;
}

Status Check(const std::vector<std::uint8_t>& b, TargetOs os, Arch arch) {
  return CheckExecutable(b, b.size(), os, arch);
}

std::string Msg(const std::vector<std::uint8_t>& b, TargetOs os, Arch arch) {
  Status s = Check(b, os, arch);
  EXPECT_EQ(s.code(), ErrorCode::kCorrupt);
  return s.message();
}

void PutLe16(std::vector<std::uint8_t>& b, std::size_t off, std::uint16_t v) {
  b[off] = v & 0xff;
  b[off + 1] = v >> 8;
}
void PutBe32(std::vector<std::uint8_t>& b, std::size_t off, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) b[off + i] = (v >> (24 - 8 * i)) & 0xff;
}

// Each sample header is accepted for its own platform and no other.
TEST(ExeCheck, AcceptsEachPlatformOnlyForItself) {
  for (TargetOs os : kOses) {
    for (Arch arch : kArches) {
      const auto exe = Bytes(SampleExecutableHeader(os, arch));
      for (TargetOs os2 : kOses) {
        for (Arch arch2 : kArches) {
          const bool same = os == os2 && arch == arch2;
          EXPECT_EQ(Check(exe, os2, arch2).ok(), same)
              << OsName(os) << "/" << ArchName(arch) << " checked as " << OsName(os2) << "/"
              << ArchName(arch2);
        }
      }
    }
  }
}

TEST(ExeCheck, MessagesNameExpectedAndFound) {
  const auto elf_arm = Bytes(SampleExecutableHeader(TargetOs::kLinux, Arch::kArm64));
  EXPECT_EQ(Msg(elf_arm, TargetOs::kLinux, Arch::kAmd64),
            "not a linux/amd64 executable (found: ELF 64-bit aarch64)");
  const auto pe = Bytes(SampleExecutableHeader(TargetOs::kWindows, Arch::kAmd64));
  EXPECT_EQ(Msg(pe, TargetOs::kLinux, Arch::kAmd64),
            "not a linux/amd64 executable (found: PE x86-64)");
  const auto macho = Bytes(SampleExecutableHeader(TargetOs::kDarwin, Arch::kArm64));
  EXPECT_EQ(Msg(macho, TargetOs::kDarwin, Arch::kAmd64),
            "not a darwin/amd64 executable (found: Mach-O arm64)");
  EXPECT_EQ(Msg(Bytes("#!/bin/sh\necho hi\n", 0), TargetOs::kWindows, Arch::kArm64),
            "not a windows/arm64 executable (found: not an executable)");
  EXPECT_EQ(Msg({}, TargetOs::kLinux, Arch::kAmd64),
            "not a linux/amd64 executable (found: empty file)");
}

TEST(ExeCheck, RejectsElfVariants) {
  auto elf = Bytes(SampleExecutableHeader(TargetOs::kLinux, Arch::kAmd64));
  auto e32 = elf;
  e32[4] = 1;
  EXPECT_EQ(DescribeExecutable(e32, e32.size()), "ELF 32-bit");
  auto be = elf;
  be[5] = 2;
  EXPECT_EQ(DescribeExecutable(be, be.size()), "ELF 64-bit big-endian");
  auto rel = elf;
  PutLe16(rel, 16, 1);  // ET_REL
  EXPECT_FALSE(Check(rel, TargetOs::kLinux, Arch::kAmd64).ok());
  auto freebsd = elf;
  freebsd[7] = 9;
  EXPECT_EQ(DescribeExecutable(freebsd, freebsd.size()), "ELF 64-bit for another OS (OS ABI 9)");
  auto dyn = elf;
  PutLe16(dyn, 16, 3);  // ET_DYN: PIE executables are fine
  EXPECT_TRUE(Check(dyn, TargetOs::kLinux, Arch::kAmd64).ok());
  std::vector<std::uint8_t> truncated(elf.begin(), elf.begin() + 40);
  EXPECT_EQ(DescribeExecutable(truncated, truncated.size()), "truncated ELF header");
}

TEST(ExeCheck, MachOFileTypeAndWidth) {
  auto m = Bytes(SampleExecutableHeader(TargetOs::kDarwin, Arch::kAmd64));
  auto dylib = m;
  dylib[12] = 6;  // MH_DYLIB
  EXPECT_FALSE(Check(dylib, TargetOs::kDarwin, Arch::kAmd64).ok());
  auto m32 = m;
  m32[0] = 0xce;  // MH_MAGIC
  EXPECT_EQ(DescribeExecutable(m32, m32.size()), "Mach-O 32-bit");
}

// A universal binary with an x86-64 slice at 4096 and an arm64 slice at 8192.
std::vector<std::uint8_t> Fat(std::uint32_t n, std::uint32_t arm_offset) {
  std::vector<std::uint8_t> b(16384, 0);
  PutBe32(b, 0, 0xcafebabe);
  PutBe32(b, 4, n);
  PutBe32(b, 8, 0x01000007);
  PutBe32(b, 16, 4096);
  PutBe32(b, 20, 4096);
  PutBe32(b, 28, 0x0100000c);
  PutBe32(b, 36, arm_offset);
  PutBe32(b, 40, 4096);
  return b;
}

TEST(ExeCheck, UniversalBinaries) {
  const auto fat = Fat(2, 8192);
  const std::span<const std::uint8_t> head(fat.data(), kExeHeaderBytes);
  EXPECT_TRUE(CheckExecutable(head, fat.size(), TargetOs::kDarwin, Arch::kAmd64).ok());
  EXPECT_TRUE(CheckExecutable(head, fat.size(), TargetOs::kDarwin, Arch::kArm64).ok());
  EXPECT_FALSE(CheckExecutable(head, fat.size(), TargetOs::kLinux, Arch::kAmd64).ok());
  EXPECT_EQ(DescribeExecutable(head, fat.size()), "Mach-O universal (x86-64, arm64)");
  // A slice that points past the end of the file does not count.
  const auto out = Fat(2, 1u << 30);
  const std::span<const std::uint8_t> head2(out.data(), kExeHeaderBytes);
  EXPECT_TRUE(CheckExecutable(head2, out.size(), TargetOs::kDarwin, Arch::kAmd64).ok());
  EXPECT_EQ(Msg(std::vector<std::uint8_t>(out.begin(), out.end()), TargetOs::kDarwin, Arch::kArm64),
            "not a darwin/arm64 executable (found: Mach-O universal (x86-64, arm64 (outside the "
            "file)))");
  // A Java class file shares the magic; its version reads as a large slice count.
  auto java = Fat(0x00000034, 8192);
  EXPECT_EQ(DescribeExecutable(java, java.size()), "not an executable");
}

TEST(ExeCheck, PeVariants) {
  auto pe = Bytes(SampleExecutableHeader(TargetOs::kWindows, Arch::kArm64));
  const std::size_t coff = 0x80 + 4;
  auto dll = pe;
  PutLe16(dll, coff + 18, 0x2022);
  EXPECT_EQ(DescribeExecutable(dll, dll.size()), "PE arm64 DLL");
  auto pe32 = pe;
  PutLe16(pe32, coff + 20, 0x10b);
  EXPECT_EQ(DescribeExecutable(pe32, pe32.size()), "PE32 (32-bit) arm64");
  auto far = pe;
  far[0x3c] = 0xf0;  // e_lfanew beyond the bytes given
  far[0x3d] = 0xff;
  EXPECT_FALSE(Check(far, TargetOs::kWindows, Arch::kArm64).ok());
  auto huge = pe;
  huge[0x3c] = huge[0x3d] = huge[0x3e] = huge[0x3f] = 0xff;  // no overflow on 0xffffffff + 26
  EXPECT_FALSE(Check(huge, TargetOs::kWindows, Arch::kArm64).ok());
  auto dos = pe;
  dos[0x80] = 'X';
  EXPECT_EQ(DescribeExecutable(dos, dos.size()), "MS-DOS executable (no PE signature)");
}

// Every prefix of a valid header is handled (no reads past `head`), and only the complete one
// passes.
TEST(ExeCheck, TruncatedHeadersNeverPass) {
  for (TargetOs os : kOses) {
    const std::string h = SampleExecutableHeader(os, Arch::kAmd64);
    for (std::size_t n = 0; n < h.size(); ++n) {
      std::vector<std::uint8_t> b(h.begin(), h.begin() + n);
      // PE needs only up to the optional header's magic; ELF and Mach-O their whole header.
      const bool complete = os == TargetOs::kWindows ? n >= 0x80 + 26 : n == h.size();
      EXPECT_EQ(Check(b, os, Arch::kAmd64).ok(), complete) << OsName(os) << " cut at " << n;
    }
  }
}

}  // namespace
}  // namespace rdbundle::packer
