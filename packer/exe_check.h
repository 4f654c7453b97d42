// Is this file an executable for that platform? A pure check over a file's first bytes, so the
// packer never carries (and kuberlr never runs) a kubectl of the wrong OS or CPU, and never
// puts a k3s binary of the wrong arch where Rancher Desktop will start it. It is fuzzed
// (fuzz/fuzz_exe_check.cc), so it reads only within `head` and never trusts an offset in it.
//
// What counts as an executable (64-bit, little-endian, the executable file type):
//   linux:   ELF: "\x7fELF", ELFCLASS64, ELFDATA2LSB, EV_CURRENT, OS ABI System V (0) or
//            GNU/Linux (3), e_type ET_EXEC or ET_DYN (static-pie and PIE binaries), e_machine
//            EM_X86_64 (62) for amd64 or EM_AARCH64 (183) for arm64.
//   darwin:  Mach-O: MH_MAGIC_64 (0xfeedfacf, little-endian), cputype CPU_TYPE_X86_64
//            (0x01000007) or CPU_TYPE_ARM64 (0x0100000c), filetype MH_EXECUTE; or a universal
//            ("fat") binary (FAT_MAGIC / FAT_MAGIC_64, big-endian) with a slice of that
//            cputype that lies within the file.
//   windows: PE: "MZ", e_lfanew -> "PE\0\0", COFF Machine IMAGE_FILE_MACHINE_AMD64 (0x8664) or
//            ARM64 (0xaa64), IMAGE_FILE_EXECUTABLE_IMAGE set, not a DLL, optional header PE32+.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "common/base/status.h"
#include "common/format/paths.h"

namespace rdbundle::packer {

// How many leading bytes of a file the check needs: every header it reads (the PE header via
// e_lfanew, the fat architecture table) must lie within them. Real binaries keep all of it in
// the first few hundred bytes.
inline constexpr std::size_t kExeHeaderBytes = 4096;

// OK when `head` (the first min(file size, kExeHeaderBytes) bytes of a file of `file_size`
// bytes) starts an executable for `os`/`arch` as defined above. Otherwise kCorrupt with a reason
// that names what was expected and what was found, without a file name (callers add it), e.g.
//   "not a linux/amd64 executable (found: ELF 64-bit aarch64)"
//   "not a windows/arm64 executable (found: not an executable)"
// REQUIRES: head.size() == min(file_size, kExeHeaderBytes) (a shorter `head` is treated as
// the whole file).
Status CheckExecutable(std::span<const std::uint8_t> head, std::uint64_t file_size, TargetOs os,
                       Arch arch);

// What `head` looks like, for messages: "ELF 64-bit x86-64", "ELF 32-bit", "Mach-O arm64",
// "Mach-O universal (x86-64, arm64)", "PE x86-64", "empty file", "not an executable", ...
std::string DescribeExecutable(std::span<const std::uint8_t> head, std::uint64_t file_size);

}  // namespace rdbundle::packer
