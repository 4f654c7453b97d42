// Shared fixture for the unpacker tests: a trusted test key, a sandbox HOME that already holds
// a Rancher Desktop install (so "unchanged" means something), and helpers that run the real
// verify/install commands on bundle bytes.
#pragma once

#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "common/os/fs.h"
#include "tests/support/fault_fs.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_bundle.h"
#include "tests/support/tree_snapshot.h"
#include "unpacker/commands.h"

namespace rdbundle::unpacker {

class UnpackFixture : public ::testing::Test {
 protected:
  void SetUp() override;
  // (Re)creates the sandbox HOME's pre-existing RD install at home_.
  void PopulateHome();
  void TearDown() override {
    if (devnull_ != nullptr) std::fclose(devnull_);
  }

  std::string CacheDir() const { return home_ + "/.cache/rancher-desktop"; }
  std::string KuberlrDir() const { return home_ + "/.kuberlr"; }

  InstallCommand MakeInstallCommand(const std::string& bundle_path) const;
  // Writes `bundle` to a file and runs RunInstall / RunVerify on it through `fs`.
  Status Install(const std::string& bundle, Fs& fs = DefaultFs());
  Status Install(const std::string& bundle, const InstallCommand& cmd, Fs& fs = DefaultFs());
  Status Verify(const std::string& bundle);
  // Runs the install in a child process that kills itself at the nth call of `op` (POSIX: a
  // forked child, SIGKILL; Windows: this program started again, TerminateProcess);
  // `exchange` false: as on a filesystem without RENAME_EXCHANGE. True when it was killed.
  bool InstallAndDie(const std::string& bundle, testsupport::FsOp op, int nth,
                     bool exchange = true);
  // The message with the bundle's temporary path replaced by "B".
  std::string Msg(const Status& s) const;

  // Expects verify and install to fail with `code` and exactly `message` (after Msg), and the
  // sandbox HOME to be byte-for-byte unchanged.
  void ExpectRejected(const std::string& bundle, ErrorCode code, const std::string& message);

  testsupport::ScopedTempDir tmp_;
  std::string home_;
  std::string key_path_;
  std::string bundle_path_;
  std::FILE* devnull_ = nullptr;
};

}  // namespace rdbundle::unpacker
