// rdbundle-sample-kit: writes a sample kit (tests/support/sample_kit.h) for the demo and the
// benchmarks. Prints nothing but errors.
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
    RDB_ASSIGN_OR_RETURN(spec.binary_bytes, ParseSizeOption("binary-bytes", *v));
  }
  if (auto v = a.Get("images-bytes")) {
    RDB_ASSIGN_OR_RETURN(spec.images_bytes, ParseSizeOption("images-bytes", *v));
  }
  if (auto v = a.Get("kubectl-bytes")) {
    RDB_ASSIGN_OR_RETURN(spec.kubectl_bytes, ParseSizeOption("kubectl-bytes", *v));
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

// Two forms: DIR, or --cache-dir D --kuberlr-dir K.
enum : CommandSet { kToDir = 1, kToDirs = 2 };
constexpr CommandSet kBoth = kToDir | kToDirs;

std::vector<OptionSpec> Options() {
  return {
      {.name = "help", .short_name = 'h', .commands = kAllCommands, .help = "show this help"},
      {.name = "k3s", .value = "VERSION", .repeatable = true, .commands = kBoth,
       .help = "k3s version (default v1.30.4+k3s1)"},
      {.name = "no-k3s", .commands = kBoth, .help = "no k3s at all (a kuberlr-only kit)"},
      {.name = "arch", .value = "ARCH", .repeatable = true, .commands = kBoth,
       .help = "amd64 | arm64 (default amd64)"},
      {.name = "kubectl", .value = "X.Y.Z/OS/ARCH", .repeatable = true, .commands = kBoth,
       .help = "kubectl (default 1.30.4/linux/amd64)"},
      {.name = "no-kubectl", .commands = kBoth, .help = "no kubectl (a k3s-only kit)"},
      {.name = "binary-bytes", .value = "N", .commands = kBoth,
       .help = "size of each k3s binary (suffix K, M or G; default 256K)"},
      {.name = "images-bytes", .value = "N", .commands = kBoth,
       .help = "size of each images archive (default 1M)"},
      {.name = "kubectl-bytes", .value = "N", .commands = kBoth,
       .help = "size of each kubectl (default 128K)"},
      {.name = "images", .value = "tar.zst|tar", .commands = kBoth,
       .help = "images format (default tar.zst)"},
      {.name = "no-versions-json", .commands = kBoth, .help = "no cache/k3s-versions.json"},
      {.name = "extra-listed", .value = "VERSION", .repeatable = true, .commands = kBoth,
       .help = "also list VERSION in k3s-versions.json"},
      {.name = "seed", .value = "N", .commands = kBoth, .help = "content seed (default 1)"},
      {.name = "cache-dir", .value = "D", .commands = kToDirs,
       .help = "write the cache part here (with --kuberlr-dir)"},
      {.name = "kuberlr-dir", .value = "K", .commands = kToDirs,
       .help = "write the kubectls here"},
  };
}

Result<SampleKitSpec> Spec(const ParsedArgs& a) {
  SampleKitSpec spec;
  RDB_RETURN_IF_ERROR(ApplyLists(a, spec));
  RDB_RETURN_IF_ERROR(ApplySizes(a, spec));
  return spec;
}

Status ToDir(const ParsedArgs& a) {
  RDB_ASSIGN_OR_RETURN(SampleKitSpec spec, Spec(a));
  return WriteSampleKit(DefaultFs(), a.positional()[0], spec);
}

Status ToDirs(const ParsedArgs& a) {
  if (!a.Has("kuberlr-dir")) return Status::Usage("--cache-dir needs --kuberlr-dir");
  RDB_ASSIGN_OR_RETURN(SampleKitSpec spec, Spec(a));
  return WriteSampleKitTo(DefaultFs(), *a.Get("cache-dir"), *a.Get("kuberlr-dir"), spec);
}

}  // namespace
}  // namespace rdbundle::testsupport

int main(int argc, char** argv) {
  namespace ts = rdbundle::testsupport;
  return rdbundle::RunCommandProgram(
      {"rdbundle-sample-kit", ts::kUsage,
       {{.id = ts::kToDir, .operands = {"DIR"}, .summary = "write DIR/cache and DIR/kuberlr",
         .run = ts::ToDir},
        {.id = ts::kToDirs, .when = "cache-dir", .summary = "write into two directories",
         .run = ts::ToDirs}},
       ts::Options()},
      argc, argv);
}
