// rdbundle-sample-kit: writes a sample kit (tests/support/sample_kit.h) for the demo and the
// benchmarks. Prints nothing but errors.
#include <cstdio>
#include <string>
#include <vector>

#include "common/cli/cli.h"
#include "common/format/version.h"
#include "common/os/fs.h"
#include "tests/support/sample_kit.h"

namespace rdbundle::testsupport {
namespace {

constexpr const char* kUsage = R"(usage: rdbundle-sample-kit DIR [options]
       rdbundle-sample-kit --cache-dir D --kuberlr-dir K [options]
Writes a fake but consistent Rancher Desktop offline kit (DIR/cache, DIR/kuberlr), the input of
`rdbundle-pack build --from DIR`.
  --k3s VERSION            k3s version (repeatable; default v1.30.4+k3s1)
  --no-k3s                 no k3s at all (a kuberlr-only kit)
  --arch ARCH              amd64 | arm64 (repeatable; default amd64)
  --kubectl X.Y.Z/OS/ARCH  kubectl (repeatable; default 1.30.4/linux/amd64)
  --no-kubectl             no kubectl (a k3s-only kit)
  --binary-bytes N         size of each k3s binary (suffix K, M or G; default 256K)
  --images-bytes N         size of each images archive (default 1M)
  --kubectl-bytes N        size of each kubectl (default 128K)
  --images tar.zst|tar     images format (default tar.zst)
  --no-versions-json       no cache/k3s-versions.json
  --extra-listed VERSION   also list VERSION in k3s-versions.json (repeatable)
  --seed N                 content seed (default 1)
)";

Result<std::uint64_t> ParseSize(const std::string& option, const std::string& v) {
  std::string digits = v;
  std::uint64_t unit = 1;
  if (!v.empty() && (v.back() == 'K' || v.back() == 'M' || v.back() == 'G')) {
    unit = v.back() == 'K' ? 1ull << 10 : v.back() == 'M' ? 1ull << 20 : 1ull << 30;
    digits.pop_back();
  }
  RDB_ASSIGN_OR_RETURN(long long n, ParseIntOption(option, digits, 0, 1ll << 40));
  return static_cast<std::uint64_t>(n) * unit;
}

Result<SampleKubectl> ParseKubectl(const std::string& s) {
  const auto a = s.find('/'), b = a == std::string::npos ? a : s.find('/', a + 1);
  if (b == std::string::npos) return Status::Usage("--kubectl " + s + ": expected X.Y.Z/OS/ARCH");
  RDB_ASSIGN_OR_RETURN(KubectlVersion v, ParseKubectlVersion(s.substr(0, a)));
  RDB_ASSIGN_OR_RETURN(TargetOs os, ParseOs(s.substr(a + 1, b - a - 1)));
  RDB_ASSIGN_OR_RETURN(Arch arch, ParseArch(s.substr(b + 1)));
  return SampleKubectl{v.ToString(), os, arch};
}

Status ApplyLists(const ParsedArgs& a, SampleKitSpec& spec) {
  if (a.Has("k3s") || a.Has("no-k3s")) spec.k3s_versions = a.GetAll("k3s");
  if (a.Has("arch")) spec.arches.clear();
  for (const std::string& s : a.GetAll("arch")) {
    RDB_ASSIGN_OR_RETURN(Arch arch, ParseArch(s));
    spec.arches.push_back(arch);
  }
  if (a.Has("kubectl") || a.Has("no-kubectl")) spec.kubectls.clear();
  for (const std::string& s : a.GetAll("kubectl")) {
    RDB_ASSIGN_OR_RETURN(SampleKubectl k, ParseKubectl(s));
    spec.kubectls.push_back(std::move(k));
  }
  spec.extra_listed_versions = a.GetAll("extra-listed");
  return Status::Ok();
}

Status ApplySizes(const ParsedArgs& a, SampleKitSpec& spec) {
  if (auto v = a.Get("binary-bytes")) {
    RDB_ASSIGN_OR_RETURN(spec.binary_bytes, ParseSize("binary-bytes", *v));
  }
  if (auto v = a.Get("images-bytes")) {
    RDB_ASSIGN_OR_RETURN(spec.images_bytes, ParseSize("images-bytes", *v));
  }
  if (auto v = a.Get("kubectl-bytes")) {
    RDB_ASSIGN_OR_RETURN(spec.kubectl_bytes, ParseSize("kubectl-bytes", *v));
  }
  if (auto v = a.Get("images")) {
    if (*v != "tar.zst" && *v != "tar") return Status::Usage("--images must be tar.zst or tar");
    spec.images_zst = *v == "tar.zst";
  }
  if (auto v = a.Get("seed")) {
    RDB_ASSIGN_OR_RETURN(long long n, ParseIntOption("seed", *v, 0, 1ll << 62));
    spec.seed = static_cast<std::uint64_t>(n);
  }
  spec.versions_json = !a.Has("no-versions-json");
  return Status::Ok();
}

Status Run(const std::vector<std::string>& args) {
  const std::vector<OptionSpec> specs = {
      {.name = "k3s", .value = "VERSION", .repeatable = true, .commands = kAllCommands},
      {.name = "no-k3s", .commands = kAllCommands},
      {.name = "arch", .value = "ARCH", .repeatable = true, .commands = kAllCommands},
      {.name = "kubectl", .value = "X.Y.Z/OS/ARCH", .repeatable = true, .commands = kAllCommands},
      {.name = "no-kubectl", .commands = kAllCommands},
      {.name = "binary-bytes", .value = "N", .commands = kAllCommands},
      {.name = "images-bytes", .value = "N", .commands = kAllCommands},
      {.name = "kubectl-bytes", .value = "N", .commands = kAllCommands},
      {.name = "images", .value = "tar.zst|tar", .commands = kAllCommands},
      {.name = "no-versions-json", .commands = kAllCommands},
      {.name = "extra-listed", .value = "VERSION", .repeatable = true, .commands = kAllCommands},
      {.name = "seed", .value = "N", .commands = kAllCommands},
      {.name = "cache-dir", .value = "D", .commands = kAllCommands},
      {.name = "kuberlr-dir", .value = "K", .commands = kAllCommands},
  };
  RDB_ASSIGN_OR_RETURN(ParsedArgs a, ParseArgs(args, specs));
  SampleKitSpec spec;
  RDB_RETURN_IF_ERROR(ApplyLists(a, spec));
  RDB_RETURN_IF_ERROR(ApplySizes(a, spec));
  if (a.positional().size() == 1 && !a.Has("cache-dir") && !a.Has("kuberlr-dir")) {
    return WriteSampleKit(DefaultFs(), a.positional()[0], spec);
  }
  if (a.positional().empty() && a.Has("cache-dir") && a.Has("kuberlr-dir")) {
    return WriteSampleKitTo(DefaultFs(), *a.Get("cache-dir"), *a.Get("kuberlr-dir"), spec);
  }
  return Status::Usage("give DIR, or --cache-dir and --kuberlr-dir (see --help)");
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
  std::fprintf(stderr, "rdbundle-sample-kit: %s\n", s.message().c_str());
  return static_cast<int>(s.exit_code());
}
