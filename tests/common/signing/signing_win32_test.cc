// The secret key file on Windows (issue 17): keygen writes it readable only by its owner (a
// protected DACL with one ACE, the current user, full access: the analogue of 0600), and
// loading a key whose DACL lets Everyone, Users or Authenticated Users read it warns, as a
// group- or world-readable mode does on POSIX (signing_test.cc). Run under Wine, which keeps
// a file's security descriptor (and answers GetSecurityInfo from it) but enforces no DACL.
#include <windows.h>
// windows.h first: these need its types
#include <aclapi.h>
#include <sddl.h>

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/os/fs.h"
#include "common/os/win32_util.h"
#include "common/signing/signing.h"
#include "tests/support/temp_dir.h"

namespace rdbundle {
namespace {

using testsupport::ScopedTempDir;
using testsupport::WriteFileOrDie;

// The current user's SID as a string ("S-1-5-21-...").
std::string CurrentUserSid() {
  HANDLE token = nullptr;
  if (!::OpenProcessToken(::GetCurrentProcess(), TOKEN_QUERY, &token)) return "";
  win32::Handle held(token);
  std::vector<std::uint64_t> buf(64);
  DWORD n = 0;
  if (!::GetTokenInformation(token, TokenUser, buf.data(),
                             static_cast<DWORD>(buf.size() * sizeof(std::uint64_t)), &n)) {
    return "";
  }
  wchar_t* text = nullptr;
  if (!::ConvertSidToStringSidW(reinterpret_cast<TOKEN_USER*>(buf.data())->User.Sid, &text)) {
    return "";
  }
  std::string sid = win32::Narrow(text);
  ::LocalFree(text);
  return sid;
}

// The file's DACL in SDDL ("D:P(A;;FA;;;S-1-5-21-...)"): "P" is protected, each (...) an ACE.
std::string DaclSddl(const std::string& path) {
  PSECURITY_DESCRIPTOR sd = nullptr;
  if (::GetNamedSecurityInfoW(win32::LongPath(path).c_str(), SE_FILE_OBJECT,
                              DACL_SECURITY_INFORMATION, nullptr, nullptr, nullptr, nullptr,
                              &sd) != ERROR_SUCCESS) {
    return "(unreadable)";
  }
  wchar_t* text = nullptr;
  std::string sddl = "(no SDDL)";
  if (::ConvertSecurityDescriptorToStringSecurityDescriptorW(
          sd, SDDL_REVISION_1, DACL_SECURITY_INFORMATION, &text, nullptr)) {
    sddl = win32::Narrow(text);
    ::LocalFree(text);
  }
  ::LocalFree(sd);
  return sddl;
}

// The trustees of the DACL's ACEs in `sddl` ("(A;;FA;;;S-1-5-21-...)" -> "S-1-5-21-...").
std::vector<std::string> Trustees(const std::string& sddl) {
  std::vector<std::string> out;
  for (std::size_t open = sddl.find('('); open != std::string::npos;
       open = sddl.find('(', open + 1)) {
    const std::size_t close = sddl.find(')', open);
    const std::size_t last = sddl.rfind(';', close);
    if (close == std::string::npos || last == std::string::npos || last < open) break;
    out.push_back(sddl.substr(last + 1, close - last - 1));
  }
  return out;
}

// Wine keeps no security descriptor of its own for a file: it turns the DACL given at
// creation into Unix mode bits (the user's, and Everyone's as "others") and makes one up from
// them when asked (SYSTEM, the user, Everyone), so the protected flag and ACEs for other
// groups are lost, and a DACL set later does not show.
bool UnderWine() {
  HMODULE ntdll = ::GetModuleHandleW(L"ntdll.dll");
  return ntdll != nullptr && ::GetProcAddress(ntdll, "wine_get_version") != nullptr;
}

// Gives `path` the DACL of `sddl` (e.g. "D:P(A;;FA;;;<me>)(A;;FR;;;WD)").
bool SetDacl(const std::string& path, const std::string& sddl) {
  PSECURITY_DESCRIPTOR sd = nullptr;
  if (!::ConvertStringSecurityDescriptorToSecurityDescriptorW(win32::Widen(sddl).c_str(),
                                                              SDDL_REVISION_1, &sd, nullptr)) {
    return false;
  }
  BOOL present = FALSE, defaulted = FALSE;
  PACL dacl = nullptr;
  bool ok =
      ::GetSecurityDescriptorDacl(sd, &present, &dacl, &defaulted) &&
      ::SetNamedSecurityInfoW(const_cast<wchar_t*>(win32::LongPath(path).c_str()), SE_FILE_OBJECT,
                              DACL_SECURITY_INFORMATION | PROTECTED_DACL_SECURITY_INFORMATION,
                              nullptr, nullptr, dacl, nullptr) == ERROR_SUCCESS;
  ::LocalFree(sd);
  return ok;
}

// `minisign -G -W` (0.11) output (as in signing_test.cc).
constexpr std::string_view kUnencryptedKey =
    "untrusted comment: minisign encrypted secret key\n"
    "RWQAAEIyAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAJnsvBRmSAhJrM7SD88+"
    "FKGR"
    "jUl7TZulcPQWT7I2Q5HnxrLzY2WZl9X4nOO7YxqGIH0aAuoAw1Gjm35T2eCPuWrzNRuKz6FB0AAAAAAAAAAAAAAAAAAAAA"
    "AAAAAAAAAAAAAAAAAAAAAA=\n";

std::string Warning(const std::string& path) {
  std::string warning = "stale";
  auto key = LoadSecretKey(DefaultFs(), path, nullptr, &warning);
  EXPECT_TRUE(key.has_value()) << key.error().message();
  return warning;
}

TEST(SigningWin32Test, PrivateFileGetsAnOwnerOnlyDacl) {
  ScopedTempDir tmp;
  const std::string me = CurrentUserSid();
  ASSERT_FALSE(me.empty());
  const std::string path = tmp.Sub("k.key");
  // How keygen writes the secret key (packer/keygen.cc): 0600 makes it CreatePrivateTemp.
  ASSERT_TRUE(WriteFileAtomic(DefaultFs(), path, kUnencryptedKey, 0600).ok());
  const std::string sddl = DaclSddl(path);
  if (!UnderWine()) {
    EXPECT_EQ(sddl, "D:P(A;;FA;;;" + me + ")");
  } else {
    // Only the user and SYSTEM (which Wine always adds), never Everyone.
    for (const std::string& who : Trustees(sddl)) {
      EXPECT_TRUE(who == me || who == "SY") << sddl;
    }
  }
  EXPECT_EQ(Warning(path), "");
  // A 0644 file keeps the directory's inherited ACL (no protected DACL of its own).
  ASSERT_TRUE(WriteFileAtomic(DefaultFs(), tmp.Sub("k.pub"), "public", 0644).ok());
  EXPECT_EQ(DaclSddl(tmp.Sub("k.pub")).find("D:P("), std::string::npos)
      << DaclSddl(tmp.Sub("k.pub"));
}

TEST(SigningWin32Test, KeyReadableByOthersWarns) {
  ScopedTempDir tmp;
  const std::string me = CurrentUserSid();
  ASSERT_FALSE(me.empty());
  const std::string path = tmp.Sub("k.key");
  WriteFileOrDie(path, std::string(kUnencryptedKey));
  const std::string fix = " can read it (its access control list; fix: icacls \"" + path +
                          "\" /inheritance:r /grant:r \"%USERNAME%:F\"); anyone who reads it "
                          "can sign bundles as you (an encrypted one after guessing its "
                          "password)";
  if (UnderWine()) {
    // Wine makes a file created without a security descriptor readable by Everyone (mode
    // 0644), and applies a DACL only at creation (SetNamedSecurityInfo changes nothing it
    // reports afterwards): only this case shows there.
    EXPECT_EQ(Warning(path), path + ": secret key: Everyone" + fix) << DaclSddl(path);
    return;
  }
  const std::string owner = "D:P(A;;FA;;;" + me + ")";
  ASSERT_TRUE(SetDacl(path, owner + "(A;;FR;;;WD)")) << DaclSddl(path);
  EXPECT_EQ(Warning(path), path + ": secret key: Everyone" + fix) << DaclSddl(path);
  ASSERT_TRUE(SetDacl(path, owner + "(A;;FR;;;BU)(A;;0x1200a9;;;AU)")) << DaclSddl(path);
  EXPECT_EQ(Warning(path),
            path + ": secret key: BUILTIN\\Users, NT AUTHORITY\\Authenticated Users" + fix)
      << DaclSddl(path);
  // Write-only for Users, and read for Users only on what the file would pass on: no warning.
  ASSERT_TRUE(SetDacl(path, owner + "(A;;FW;;;BU)(A;IO;FR;;;WD)")) << DaclSddl(path);
  EXPECT_EQ(Warning(path), "") << DaclSddl(path);
  ASSERT_TRUE(SetDacl(path, owner)) << DaclSddl(path);
  EXPECT_EQ(Warning(path), "") << DaclSddl(path);
}

}  // namespace
}  // namespace rdbundle
