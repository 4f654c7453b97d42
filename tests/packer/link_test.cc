// The offline side must never contain packer code: no libcurl (or anything network-shaped), no
// signing or secret-key code, no upstream JSON parsing. The unpacker runs on the air-gapped
// machine, and its attack surface is the bundle parser only.
//
// The checks read the binary's symbol table (nm), so they hold for a static binary too, where
// ldd shows nothing; RDB_LINK_TEST_OFFLINE_BINARIES (colon-separated) adds more offline binaries
// to check, e.g. a static or cross-built rdbundle-unpack. Each check is also run on
// rdbundle-pack, where it must find what it forbids, so it cannot pass by looking at nothing.
#include <cxxabi.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/subprocess.h"

namespace rdbundle {
namespace {

using testsupport::RunProcess;

struct Symbol {
  std::string name;  // mangled
  char type = 0;     // nm's: T text, U undefined, W weak, t local text ...
};

// Every symbol nm lists for `file` (a binary or an archive), defined or undefined.
std::vector<Symbol> Symbols(const std::string& file) {
  auto nm = RunProcess({"nm", "-P", file});
  EXPECT_EQ(nm.exit_code, 0) << nm.Describe();
  std::vector<Symbol> out;
  std::istringstream lines(nm.out);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream fields(line);
    Symbol s;
    std::string type;
    if (!(fields >> s.name >> type) || s.name.back() == ':' || type.size() != 1) continue;
    s.type = type[0];
    out.push_back(std::move(s));
  }
  return out;
}

// Names in the packer's code that the offline side must not have, as parts of symbol names:
// the upstream JSON (packer/upstream_json.h), secret keys and signing (common/signing), and
// the libraries' entry points for signing, key generation, scrypt key derivation and HTTP.
// Not crypto_sign_ed25519_detached: in a static link libsodium's verify object (open.o) needs
// an internal helper of sign.o, which brings it in; our code cannot reach it.
const char* const kForbiddenParts[] = {
    "ParseChannelsJson",    "ParseReleasesJson",   "BuildK3sVersionsFile",
    "LoadSecretKey",        "DecryptSecretKey",    "SignPrehashed",
    "crypto_pwhash_scryptsalsa208sha256",           "curl_",
    "ParseKitFile",  // kit files (YAML): the packer's input, never the offline side's
};
const char* const kForbiddenExact[] = {
    "crypto_sign_detached",        "crypto_sign_keypair",
    "crypto_sign_ed25519_keypair", "crypto_sign_ed25519_seed_keypair",
};

// The symbols of `binary` that name forbidden code.
std::set<std::string> ForbiddenByName(const std::vector<Symbol>& binary) {
  std::set<std::string> found;
  for (const Symbol& s : binary) {
    for (const char* part : kForbiddenParts) {
      if (s.name.find(part) != std::string::npos) found.insert(s.name);
    }
    for (const char* exact : kForbiddenExact) {
      if (s.name == exact) found.insert(s.name);
    }
  }
  return found;
}

// The functions and data the packer's own libraries define (strong, global: not inline or
// template code that common headers give both sides) that appear in `binary`.
std::set<std::string> PackerDefinitionsIn(const std::vector<Symbol>& binary) {
  std::set<std::string> packer;
  for (const char* lib : {RDB_PACKER_LIB, RDB_SIGNING_LIB}) {
    for (const Symbol& s : Symbols(lib)) {
      if (s.type == 'T' || s.type == 'D' || s.type == 'B' || s.type == 'R') packer.insert(s.name);
    }
  }
  std::set<std::string> found;
  for (const Symbol& s : binary) {
    if (packer.count(s.name) > 0) found.insert(s.name);
  }
  return found;
}

// One name a line, demangled.
std::string Describe(const std::set<std::string>& names) {
  std::string out;
  for (const auto& n : names) {
    int status = 0;
    char* demangled = abi::__cxa_demangle(n.c_str(), nullptr, nullptr, &status);
    out += "  " + (status == 0 ? std::string(demangled) : n) + "\n";
    std::free(demangled);
  }
  return out;
}

std::vector<std::string> OfflineBinaries() {
  std::vector<std::string> out = {RDB_UNPACK_BIN};
  const char* env = std::getenv("RDB_LINK_TEST_OFFLINE_BINARIES");
  const std::string extra = env != nullptr ? env : "";
  for (std::size_t start = 0; start < extra.size();) {
    std::size_t end = extra.find(':', start);
    if (end == std::string::npos) end = extra.size();
    if (end > start) out.push_back(extra.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

TEST(LinkTest, OfflineBinariesHaveNoPackerCode) {
  for (const std::string& bin : OfflineBinaries()) {
    SCOPED_TRACE(bin);
    const std::vector<Symbol> symbols = Symbols(bin);
    // A stripped binary would pass everything below: require the symbol table.
    bool has_table = false;
    for (const Symbol& s : symbols) has_table |= s.name.find("RunVerify") != std::string::npos;
    ASSERT_TRUE(has_table) << bin << ": no symbol table (stripped?)";
    EXPECT_EQ(Describe(ForbiddenByName(symbols)), "");
    EXPECT_EQ(Describe(PackerDefinitionsIn(symbols)), "");
  }
}

// True for a statically linked binary (the zig builds, tools/cross), where ldd has nothing to
// say and the symbol checks above are the whole test.
bool IsStatic(const std::string& bin) {
  auto readelf = RunProcess({"readelf", "-lW", bin});
  EXPECT_EQ(readelf.exit_code, 0) << readelf.Describe();
  return readelf.out.find("INTERP") == std::string::npos &&
         readelf.out.find("DYNAMIC") == std::string::npos;
}

TEST(LinkTest, UnpackerDoesNotLinkLibcurl) {
  if (IsStatic(RDB_UNPACK_BIN)) GTEST_SKIP() << "static binary: no shared libraries to list";
  auto ldd = RunProcess({"ldd", RDB_UNPACK_BIN});
  ASSERT_EQ(ldd.exit_code, 0) << ldd.Describe();
  EXPECT_EQ(ldd.out.find("libcurl"), std::string::npos) << ldd.out;
  EXPECT_EQ(ldd.out.find("libyaml-cpp"), std::string::npos) << ldd.out;
}

// The checks above would notice: on rdbundle-pack they find each kind of code they forbid.
TEST(LinkTest, TheChecksFindPackerCodeInThePacker) {
  const std::vector<Symbol> symbols = Symbols(RDB_PACK_BIN);
  const std::string forbidden = Describe(ForbiddenByName(symbols));
  for (const char* expected : {"ParseChannelsJson", "BuildK3sVersionsFile", "LoadSecretKey",
                               "crypto_sign_detached", "crypto_pwhash_scryptsalsa208sha256",
                               "curl_easy_perform", "ParseKitFile"}) {
    EXPECT_NE(forbidden.find(expected), std::string::npos) << expected << " in:\n" << forbidden;
  }
  EXPECT_GT(PackerDefinitionsIn(symbols).size(), 100u);
  if (IsStatic(RDB_PACK_BIN)) return;  // libcurl is inside: found by its symbols above
  auto ldd = RunProcess({"ldd", RDB_PACK_BIN});
  ASSERT_EQ(ldd.exit_code, 0) << ldd.Describe();
  EXPECT_NE(ldd.out.find("libcurl"), std::string::npos) << ldd.out;
  EXPECT_NE(ldd.out.find("libyaml-cpp"), std::string::npos) << ldd.out;
}

}  // namespace
}  // namespace rdbundle
