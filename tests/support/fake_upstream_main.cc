// rdbundle-fake-upstream: writes the standard fake upstream (tests/support/fake_upstream.h) for
// the demo, which serves it with tests/support/fake_upstream.py. Prints nothing but errors.
#include <cstdio>
#include <string>
#include <vector>

#include "common/cli/cli.h"
#include "common/os/fs.h"
#include "tests/support/fake_upstream.h"

namespace rdbundle::testsupport {
namespace {

constexpr const char* kUsage = R"(usage: rdbundle-fake-upstream ROOT [options]
Writes a fake k3s/kubectl upstream under ROOT (channel server, GitHub release list, release
assets with sha256sum files, kubectls with .sha256, stable-X.Y.txt), served by
tests/support/fake_upstream.py --root ROOT.
  --binary-bytes N    size of each k3s binary (suffix K or M; default 64K)
  --images-bytes N    size of each images archive (default 192K)
  --kubectl-bytes N   size of each kubectl (default 48K)
)";

Result<std::uint64_t> ParseSize(const std::string& option, std::string v) {
  std::uint64_t unit = 1;
  if (!v.empty() && (v.back() == 'K' || v.back() == 'M')) {
    unit = v.back() == 'K' ? 1ull << 10 : 1ull << 20;
    v.pop_back();
  }
  RDB_ASSIGN_OR_RETURN(long long n, ParseIntOption(option, v, 0, 1ll << 30));
  return static_cast<std::uint64_t>(n) * unit;
}

Status Run(const std::vector<std::string>& args) {
  const std::vector<OptionSpec> specs = {
      {.name = "binary-bytes", .value = "N", .commands = kAllCommands},
      {.name = "images-bytes", .value = "N", .commands = kAllCommands},
      {.name = "kubectl-bytes", .value = "N", .commands = kAllCommands},
  };
  RDB_ASSIGN_OR_RETURN(ParsedArgs a, ParseArgs(args, specs));
  if (a.positional().size() != 1) return Status::Usage("give one ROOT directory (see --help)");
  FakeUpstreamSpec spec = FakeUpstreamSpec::Standard();
  if (auto v = a.Get("binary-bytes")) {
    RDB_ASSIGN_OR_RETURN(spec.binary_bytes, ParseSize("binary-bytes", *v));
  }
  if (auto v = a.Get("images-bytes")) {
    RDB_ASSIGN_OR_RETURN(spec.images_bytes, ParseSize("images-bytes", *v));
  }
  if (auto v = a.Get("kubectl-bytes")) {
    RDB_ASSIGN_OR_RETURN(spec.kubectl_bytes, ParseSize("kubectl-bytes", *v));
  }
  return WriteFakeUpstream(DefaultFs(), a.positional()[0], spec);
}

}  // namespace
}  // namespace rdbundle::testsupport

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    std::fputs(rdbundle::testsupport::kUsage, args.empty() ? stderr : stdout);
    return args.empty() ? 2 : 0;
  }
  rdbundle::Status s = rdbundle::testsupport::Run(args);
  if (s.ok()) return 0;
  std::fprintf(stderr, "rdbundle-fake-upstream: %s\n", s.message().c_str());
  return static_cast<int>(s.exit_code());
}
