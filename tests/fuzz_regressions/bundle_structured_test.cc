// Bugs found by fuzz/fuzz_bundle_structured.cc. Each test names the regression input in
// fuzz/regressions/bundle_structured/ that the corpus replay (ctest fuzz_bundle_structured_corpus)
// also runs.
#include <gtest/gtest.h>

#include <filesystem>

#include "tests/support/test_bundle.h"
#include "tests/unpacker/unpack_fixture.h"
#include "unpacker/state.h"

namespace rdbundle::unpacker {
namespace {

class FuzzRegressionBundleStructured : public UnpackFixture {};

// rollback-leaves-parent-dirs: installing into a home that does not exist yet, a bundle that
// fails after the destinations were prepared (here: an unexpected payload entry) left the new
// home directory behind. Installer::Rollback removed each root's created directories in turn:
// the cache root's list (home, home/.cache, home/.cache/rancher-desktop) came first, and
// removing `home` failed (ENOTEMPTY) because the kuberlr root (home/.kuberlr) was removed only
// afterwards. The destination was not "as it was" (format-spec 9.2). Fixed by removing the
// directories of both roots together, innermost first. Since issue 18 item 5 install refuses a
// --home that does not exist, so the same order is exercised with a cache dir and a kuberlr
// dir that share a new parent below the (existing) home.
TEST_F(FuzzRegressionBundleStructured, RollbackRemovesEveryDirectoryItCreated) {
  const std::string fresh = home_ + "/fresh";
  auto parts = testsupport::MakeBundleParts(testsupport::MakeKitFiles({}),
                                            testsupport::DefaultTestKey());
  parts.entries[2].pax = {{"path", "0"}};  // the first payload entry is renamed
  InstallCommand cmd = MakeInstallCommand(bundle_path_);
  cmd.dest.cache_dir = fresh + "/cache";
  cmd.dest.kuberlr_dir = fresh + "/kuberlr";
  const Status s = Install(testsupport::AssembleBundle(parts), cmd);
  EXPECT_EQ(s.code(), ErrorCode::kCorrupt) << s.message();
  EXPECT_FALSE(std::filesystem::exists(fresh)) << "left behind: " << fresh;
}

// install-record-non-utf8-path: installing into a destination whose path is not UTF-8 (a
// home directory named in Latin-1, e.g. "/home/j\xfcrgen") aborted the process: after the files
// were renamed into place, Installer::RecordState serialized the install record, whose keys
// are the destination paths, with nlohmann's strict UTF-8 handler, which threw type_error 316
// out of Commit (std::terminate; the staging directory stayed behind). Replacing the bad bytes
// is not enough: on a reinstall the record read back (with U+FFFD) and the new raw path then
// serialize to the same key, a duplicate the strict parser rejects. Fixed in
// SerializeInstallState: such paths are left out of the record (rewritten on reinstall).
TEST_F(FuzzRegressionBundleStructured, InstallIntoNonUtf8HomeSucceedsTwice) {
#if defined(_WIN32)
  GTEST_SKIP() << "Windows names are UTF-16: a name that is not UTF-8 cannot exist there";
#endif
  home_ = tmp_.Sub("j\xfcrgen");
  ASSERT_TRUE(std::filesystem::create_directory(home_));  // install refuses a missing --home
  const std::string bundle = testsupport::MakeValidBundle();
  for (int run = 0; run < 2; ++run) {
    const Status s = Install(bundle);
    ASSERT_TRUE(s.ok()) << "run " << run << ": " << s.message();
    EXPECT_TRUE(std::filesystem::exists(CacheDir() + "/k3s/v1.30.4+k3s1/k3s"));
    std::string warning;
    InstallState state = LoadInstallState(DefaultFs(), CacheDir(), &warning);
    EXPECT_EQ(warning, "");
    EXPECT_EQ(state.installs.size(), run + 1u);  // the files are rewritten: not in the record
    EXPECT_TRUE(state.files.empty());
  }
}

TEST(FuzzRegressionInstallState, LeavesOutPathsThatAreNotUtf8) {
  InstallState st;
  const InstalledFile f{std::string(64, 'a'), 1, 2, 3, "0123456789abcdef0123456789abcdef"};
  st.files["/home/j\xfcrgen/.kuberlr/linux-amd64/kubectl1.30.4"] = f;
  st.files["/home/j\xef\xbf\xbdrgen/.kuberlr/linux-amd64/kubectl1.30.4"] = f;
  std::string text;
  ASSERT_NO_THROW(text = SerializeInstallState(st));
  auto parsed = ParseInstallState(text, "state");
  ASSERT_TRUE(parsed.has_value()) << parsed.error().message();
  ASSERT_EQ(parsed->files.size(), 1u);
  EXPECT_EQ(parsed->files.begin()->first, "/home/j\xef\xbf\xbdrgen/.kuberlr/linux-amd64/kubectl1.30.4");
}

}  // namespace
}  // namespace rdbundle::unpacker
