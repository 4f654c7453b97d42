// rdbundle-fake-upstream: writes the standard fake upstream (tests/support/fake_upstream.h) for
// the demo, which serves it with tests/support/fake_upstream.py. Prints nothing but errors.
#include <string>
#include <vector>

#include "common/cli/cli.h"
#include "common/os/fs.h"
#include "tests/support/fake_upstream.h"
#include "tests/support/sample_kit.h"

namespace rdbundle::testsupport {
namespace {

constexpr const char* kUsage = R"(usage: rdbundle-fake-upstream ROOT [options]
Writes a fake k3s/kubectl upstream under ROOT (channel server, GitHub release list, release
assets with sha256sum files, kubectls with .sha256, stable-X.Y.txt), served by
tests/support/fake_upstream.py --root ROOT.
  --binary-bytes N    size of each k3s binary (suffix K, M or G; default 64K)
  --images-bytes N    size of each images archive (default 192K)
  --kubectl-bytes N   size of each kubectl (default 48K)
)";

enum : CommandSet { kWrite = 1 };

std::vector<OptionSpec> Options() {
  return {
      {.name = "help", .short_name = 'h', .commands = kAllCommands, .help = "show this help"},
      {.name = "binary-bytes", .value = "N", .commands = kWrite, .help = "size of each k3s binary (default 64K)"},
      {.name = "images-bytes", .value = "N", .commands = kWrite, .help = "size of each images archive (default 192K)"},
      {.name = "kubectl-bytes", .value = "N", .commands = kWrite, .help = "size of each kubectl (default 48K)"},
  };
}

Status Write(const ParsedArgs& a) {
  FakeUpstreamSpec spec = FakeUpstreamSpec::Standard();
  if (auto v = a.Get("binary-bytes")) {
    RDB_ASSIGN_OR_RETURN(spec.binary_bytes, ParseSizeOption("binary-bytes", *v));
  }
  if (auto v = a.Get("images-bytes")) {
    RDB_ASSIGN_OR_RETURN(spec.images_bytes, ParseSizeOption("images-bytes", *v));
  }
  if (auto v = a.Get("kubectl-bytes")) {
    RDB_ASSIGN_OR_RETURN(spec.kubectl_bytes, ParseSizeOption("kubectl-bytes", *v));
  }
  return WriteFakeUpstream(DefaultFs(), a.positional()[0], spec);
}

}  // namespace
}  // namespace rdbundle::testsupport

int main(int argc, char** argv) {
  namespace ts = rdbundle::testsupport;
  return rdbundle::RunCommandProgram(
      {"rdbundle-fake-upstream", ts::kUsage,
       {{.id = ts::kWrite, .operands = {"ROOT"}, .summary = "write the upstream",
         .run = ts::Write}},
       ts::Options()},
      argc, argv);
}
