// Interoperability with the real minisign (Debian package minisign 0.11, /usr/bin/minisign), in
// both directions: keys and signatures made by one tool must be accepted by the other.
//
// minisign 0.11 reads passwords with fgets() from stdin (it only turns echo off when stdin is a
// terminal), so a pipe works; the child also runs in its own session (setsid) so it can never
// reach the developer's terminal. Encrypted keys with minisign's real scrypt parameters cost
// about 1 GiB and a few seconds per derivation, so only two such keys are made here.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "common/format/minisign.h"
#include "common/signing/signing.h"
#include "packer/keygen.h"

namespace rdbundle {
namespace {

constexpr const char* kMinisign = "/usr/bin/minisign";
constexpr std::string_view kVerified = "Signature and comment signature verified\n";

struct RunResult {
  int exit_code = -1;  // -1: did not exit normally
  std::string output;  // stdout and stderr, interleaved
};

// Runs argv[0] (an absolute path) in `cwd` with `input` on stdin, in a new session, with a
// minimal environment (HOME=cwd, so that ~/.minisign is never used).
RunResult RunProcess(const std::vector<std::string>& argv, const std::string& cwd,
                     std::string_view input = "") {
  int in[2], out[2];
  if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0) return {};
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  std::string home = "HOME=" + cwd;
  char* env[] = {home.data(), const_cast<char*>("PATH=/usr/bin:/bin"),
                 const_cast<char*>("LC_ALL=C"), nullptr};
  const pid_t pid = fork();
  if (pid == 0) {
    setsid();
    if (chdir(cwd.c_str()) != 0) _exit(126);
    dup2(in[0], 0);
    dup2(out[1], 1);
    dup2(out[1], 2);
    execve(args[0], args.data(), env);
    _exit(127);
  }
  close(in[0]);
  close(out[1]);
  // Inputs are a few bytes: they fit in the pipe buffer, so writing first cannot deadlock.
  if (!input.empty()) (void)!write(in[1], input.data(), input.size());
  close(in[1]);
  RunResult r;
  char buf[4096];
  for (ssize_t n; (n = read(out[0], buf, sizeof buf)) != 0;) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    r.output.append(buf, static_cast<std::size_t>(n));
  }
  close(out[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  return r;
}

class MinisignInteropTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (access(kMinisign, X_OK) != 0) GTEST_SKIP() << kMinisign << " not installed";
    const char* base = std::getenv("TMPDIR");
    std::string tmpl = std::string(base != nullptr && *base != '\0' ? base : "/tmp") +
                       "/rdb-minisign-interop-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    // Binary content with a NUL and no final newline: the message is hashed byte for byte.
    Write("file.bin", std::string("rdbundle\0interop\xff", 17));
  }
  void TearDown() override {
    if (!dir_.empty()) (void)RemoveTree(DefaultFs(), dir_);
  }

  std::string Path(const std::string& name) const { return dir_ + "/" + name; }
  void Write(const std::string& name, std::string_view content) const {
    std::ofstream(Path(name), std::ios::binary) << content;
  }
  std::string Read(const std::string& name) const {
    std::ifstream in(Path(name), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  RunResult Minisign(std::vector<std::string> args, std::string_view input = "") const {
    args.insert(args.begin(), kMinisign);
    return RunProcess(args, dir_, input);
  }

  // Verifies `sig_name` over file.bin with our code and the public key file `pub_name`.
  Status OurVerify(const std::string& pub_name, const std::string& sig_name) const {
    TrustedKeys keys;
    RDB_RETURN_IF_ERROR(keys.LoadFile(DefaultFs(), Path(pub_name)));
    RDB_ASSIGN_OR_RETURN(Signature sig, ParseSignatureFile(Read(sig_name), sig_name));
    return keys.Verify(sig, Read("file.bin")).status();
  }

  // Signs file.bin with our code into `sig_name`.
  void OurSign(const SecretKey& key, const std::string& sig_name, std::string trusted,
               std::string untrusted = "signature from rdbundle") const {
    auto sig = Sign(key, Read("file.bin"), std::move(trusted), std::move(untrusted));
    ASSERT_TRUE(sig.has_value()) << sig.error().message();
    Write(sig_name, SerializeSignatureFile(*sig));
  }

  // `minisign -V` of file.bin must accept `sig_name` and show `trusted`.
  void ExpectMinisignVerifies(const std::string& pub_name, const std::string& sig_name,
                              const std::string& trusted) const {
    RunResult r = Minisign({"-V", "-m", "file.bin", "-x", sig_name, "-p", pub_name});
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(r.output, std::string(kVerified) + "Trusted comment: " + trusted + "\n");
  }

  Result<SecretKey> OurLoad(const std::string& key_name, std::string password = "") const {
    return LoadSecretKey(DefaultFs(), Path(key_name),
                         [password] { return Result<std::string>(password); });
  }

  packer::KeygenOptions KeygenOptions(const std::string& stem) const {
    packer::KeygenOptions o;
    o.public_key_path = Path(stem + ".pub");
    o.secret_key_path = Path(stem + ".key");
    o.tty_path = Path("no-tty");
    return o;
  }

  std::string dir_;
};

// (a) minisign makes an unencrypted key and signs (prehashed and legacy); we verify.
TEST_F(MinisignInteropTest, MinisignSignsWeVerify) {
  RunResult r = Minisign({"-G", "-W", "-p", "m.pub", "-s", "m.key"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = Minisign({"-S", "-s", "m.key", "-m", "file.bin", "-t", "trusted \xe2\x9c\x93 comment"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = Minisign({"-S", "-l", "-s", "m.key", "-m", "file.bin", "-x", "legacy.minisig"});
  ASSERT_EQ(r.exit_code, 0) << r.output;

  Status s = OurVerify("m.pub", "file.bin.minisig");
  EXPECT_TRUE(s.ok()) << s.message();
  auto sig = ParseSignatureFile(Read("file.bin.minisig"), "file.bin.minisig");
  ASSERT_TRUE(sig.has_value());
  EXPECT_TRUE(sig->prehashed());
  EXPECT_EQ(sig->trusted_comment, "trusted \xe2\x9c\x93 comment");
  EXPECT_EQ(SerializeSignatureFile(*sig), Read("file.bin.minisig"));
  auto pub = ParsePublicKeyFile(Read("m.pub"), "m.pub");
  ASSERT_TRUE(pub.has_value());
  EXPECT_EQ(SerializePublicKeyFile(*pub), Read("m.pub"));
  EXPECT_TRUE(VerifyPrehashed(*pub, *sig, Blake2b512::Of(Read("file.bin"))).ok());

  s = OurVerify("m.pub", "legacy.minisig");
  EXPECT_TRUE(s.ok()) << s.message();

  Write("file.bin", "tampered");
  EXPECT_EQ(OurVerify("m.pub", "file.bin.minisig").code(), ErrorCode::kBadSignature);
  EXPECT_EQ(OurVerify("m.pub", "legacy.minisig").code(), ErrorCode::kBadSignature);
}

// (b) minisign makes a password-protected key (real scrypt parameters) and signs; we verify,
// decrypt its secret key with the password, sign, and minisign verifies ours.
TEST_F(MinisignInteropTest, MinisignEncryptedKeyBothWays) {
  RunResult r = Minisign({"-G", "-p", "e.pub", "-s", "e.key"}, "pass word\npass word\n");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = Minisign({"-S", "-s", "e.key", "-m", "file.bin"}, "pass word\n");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  Status s = OurVerify("e.pub", "file.bin.minisig");
  EXPECT_TRUE(s.ok()) << s.message();

  auto parsed = ParseSecretKeyFile(Read("e.key"), "e.key");
  ASSERT_TRUE(parsed.has_value()) << parsed.error().message();
  EXPECT_TRUE(parsed->encrypted);
  EXPECT_EQ(parsed->kdf.opslimit, KdfParams().opslimit);
  EXPECT_EQ(parsed->kdf.memlimit, KdfParams().memlimit);
  auto key = OurLoad("e.key", "pass word");
  ASSERT_TRUE(key.has_value()) << key.error().message();
  auto pub = ParsePublicKeyFile(Read("e.pub"), "e.pub");
  ASSERT_TRUE(pub.has_value());
  EXPECT_EQ(key->public_key(), *pub);

  OurSign(*key, "ours.minisig", "signed by rdbundle with a minisign key");
  ExpectMinisignVerifies("e.pub", "ours.minisig", "signed by rdbundle with a minisign key");
}

// (c) our keygen, unencrypted: we sign with the longest comments the format allows, and
// minisign verifies; a tampered file is rejected by minisign too.
TEST_F(MinisignInteropTest, OurUnencryptedKeygenMinisignVerifies) {
  packer::KeygenOptions o = KeygenOptions("ours");
  o.unencrypted = true;
  std::FILE* devnull = std::fopen("/dev/null", "w");
  Status s = packer::RunKeygen(DefaultFs(), o, devnull);
  std::fclose(devnull);
  ASSERT_TRUE(s.ok()) << s.message();
  auto key = OurLoad("ours.key");
  ASSERT_TRUE(key.has_value()) << key.error().message();

  const std::string trusted(kMaxTrustedCommentBytes, 't');
  OurSign(*key, "long.minisig", trusted, std::string(kMaxUntrustedCommentBytes, 'u'));
  ExpectMinisignVerifies("ours.pub", "long.minisig", trusted);
  OurSign(*key, "utf8.minisig", "tab\tand \xc3\xa9\xe2\x9c\x93");
  ExpectMinisignVerifies("ours.pub", "utf8.minisig", "tab\tand \xc3\xa9\xe2\x9c\x93");

  Write("file.bin", "tampered");
  RunResult r = Minisign({"-V", "-m", "file.bin", "-x", "utf8.minisig", "-p", "ours.pub"});
  EXPECT_EQ(r.exit_code, 1) << r.output;
}

// (c) our keygen, encrypted with minisign's real scrypt parameters: we decrypt and sign,
// minisign verifies; minisign decrypts our key file with the password and signs, we verify.
TEST_F(MinisignInteropTest, OurEncryptedKeygenWorksInMinisign) {
  packer::KeygenOptions o = KeygenOptions("enc");
  Write("pw.txt", "our pass\n");
  o.password_file = Path("pw.txt");
  std::FILE* devnull = std::fopen("/dev/null", "w");
  Status s = packer::RunKeygen(DefaultFs(), o, devnull);
  std::fclose(devnull);
  ASSERT_TRUE(s.ok()) << s.message();
  auto parsed = ParseSecretKeyFile(Read("enc.key"), "enc.key");
  ASSERT_TRUE(parsed.has_value());
  EXPECT_TRUE(parsed->encrypted);
  EXPECT_EQ(parsed->kdf.opslimit, 33554432u);
  EXPECT_EQ(parsed->kdf.memlimit, 1073741824u);

  auto key = OurLoad("enc.key", "our pass");
  ASSERT_TRUE(key.has_value()) << key.error().message();
  OurSign(*key, "ours.minisig", "rdbundle-format:1 bundle-id:5d3c0e3c2b3a45e1a3f0f6e6f2d9c1aa");
  ExpectMinisignVerifies("enc.pub", "ours.minisig",
                         "rdbundle-format:1 bundle-id:5d3c0e3c2b3a45e1a3f0f6e6f2d9c1aa");

  RunResult r = Minisign({"-S", "-s", "enc.key", "-m", "file.bin", "-x", "theirs.minisig", "-t",
                          "minisign with our key"},
                         "our pass\n");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  s = OurVerify("enc.pub", "theirs.minisig");
  EXPECT_TRUE(s.ok()) << s.message();
}

// (d) minisign signs with our unencrypted key file (no password asked), and with our encrypted
// one made with cheap scrypt parameters (minisign takes them from the file); `minisign -R`
// recreates our public key file byte for byte.
TEST_F(MinisignInteropTest, MinisignUsesOurSecretKeyFiles) {
  auto key = GenerateKey();
  ASSERT_TRUE(key.has_value());
  Write("plain.key", SerializeSecretKeyFile(*key, std::nullopt).value());
  Write(
      "cheap.key",
      SerializeSecretKeyFile(*key, std::string_view("cheap"), KdfParams{32768, 16u << 20}).value());
  Write("k.pub", SerializePublicKeyFile(key->public_key()));

  RunResult r = Minisign({"-S", "-s", "plain.key", "-m", "file.bin", "-x", "plain.minisig"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  Status s = OurVerify("k.pub", "plain.minisig");
  EXPECT_TRUE(s.ok()) << s.message();

  r = Minisign({"-S", "-s", "cheap.key", "-m", "file.bin", "-x", "cheap.minisig"}, "cheap\n");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  s = OurVerify("k.pub", "cheap.minisig");
  EXPECT_TRUE(s.ok()) << s.message();
  r = Minisign({"-S", "-s", "cheap.key", "-m", "file.bin", "-x", "wrong.minisig"}, "wrong\n");
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("Wrong password for that key"), std::string::npos) << r.output;

  r = Minisign({"-R", "-s", "plain.key", "-p", "recreated.pub"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(Read("recreated.pub"), Read("k.pub"));
}

}  // namespace
}  // namespace rdbundle
