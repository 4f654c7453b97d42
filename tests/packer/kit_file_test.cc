#include "packer/kit_file.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>

namespace rdbundle::packer {
namespace {

constexpr const char* kSample = R"(# a monthly kit
version: 1
k3s:
  channels: [stable]
  minors: 1.29-1.31
arches: [amd64, arm64]
kubectl:
  platforms:
    - windows/amd64
    - darwin/arm64
mirrors:
  channel-url: https://mirror.example/channels
  k3s-release-url: https://mirror.example/k3s
  k3s-releases-api: https://mirror.example/api
  kubectl-url: https://mirror.example/kubectl
ca-bundle: certs/internal-ca.pem
output: kit-{date}.rdbundle
)";

std::string Error(const std::string& text) {
  auto k = ParseKitFile(text, "kit.yaml");
  if (k.has_value()) return "parsed";
  EXPECT_EQ(k.error().code(), ErrorCode::kUsage) << k.error().message();
  return k.error().message();
}

TEST(KitFileTest, ParsesTheSample) {
  auto k = ParseKitFile(kSample, "conf/kit.yaml");
  ASSERT_TRUE(k.has_value()) << k.error().message();
  std::vector<std::string> got;
  for (const auto& s : k->settings) {
    std::string row = s.key + "@" + std::to_string(s.line) + " --" + s.option;
    for (const auto& v : s.values) row += " " + v;
    got.push_back(row);
  }
  EXPECT_EQ(got, (std::vector<std::string>{
                     "k3s.channels@4 --channel stable",
                     "k3s.minors@5 --minors 1.29-1.31",
                     "arches@6 --arch amd64 arm64",
                     "kubectl.platforms@9 --kubectl-platform windows/amd64 darwin/arm64",
                     "mirrors.channel-url@12 --channel-url https://mirror.example/channels",
                     "mirrors.k3s-release-url@13 --k3s-release-url https://mirror.example/k3s",
                     "mirrors.k3s-releases-api@14 --k3s-releases-api https://mirror.example/api",
                     "mirrors.kubectl-url@15 --kubectl-url https://mirror.example/kubectl",
                     "ca-bundle@16 --ca-bundle certs/internal-ca.pem",
                     "output@17 --output kit-{date}.rdbundle",
                 }));
}

TEST(KitFileTest, ScalarsListsAndFlags) {
  auto k = ParseKitFile("version: 1\narches: amd64\nkubectl: {none: true}\n", "k");
  ASSERT_TRUE(k.has_value()) << k.error().message();
  ASSERT_EQ(k->settings.size(), 2u);
  EXPECT_EQ(k->settings[0].values, std::vector<std::string>{"amd64"});
  EXPECT_EQ(k->settings[1].option, "no-kubectl");
  EXPECT_TRUE(k->settings[1].values.empty());
  k = ParseKitFile("version: 1\nkubectl:\n  none: false\n", "k");
  ASSERT_TRUE(k.has_value());
  EXPECT_TRUE(k->settings.empty());
}

TEST(KitFileTest, StrictErrorsNameTheKeyAndLine) {
  EXPECT_EQ(Error("version: 1\narch: [amd64]\n"),
            "kit.yaml: line 2: unknown key \"arch\" (one of: version, arches, ca-bundle, "
            "output, k3s, kubectl, rd, mirrors)");
  EXPECT_EQ(Error("version: 1\nk3s:\n  channels: [stable]\n  minor: 1.30\n"),
            "kit.yaml: line 4: unknown key \"k3s.minor\" (one of: versions, channels, minors)");
  EXPECT_EQ(Error("version: 2\n"),
            "kit.yaml: line 1: unsupported kit file version \"2\" (this rdbundle-pack reads "
            "version 1)");
  EXPECT_EQ(Error("arches: [amd64]\n"),
            "kit.yaml: line 1: no \"version\" key (this rdbundle-pack reads version 1)");
  EXPECT_EQ(Error(""), "kit.yaml: line 1: empty; expected \"version: 1\" first");
  EXPECT_EQ(Error("version: 1\narches: [amd64]\narches: [arm64]\n"),
            "kit.yaml: line 3: \"arches\" given twice");
  EXPECT_EQ(Error("version: 1\nk3s: stable\n"), "kit.yaml: line 2: k3s: expected a mapping of keys");
  EXPECT_EQ(Error("version: 1\noutput: [a, b]\n"), "kit.yaml: line 2: output: expected a value");
  EXPECT_EQ(Error("version: 1\narches: [[amd64]]\n"), "kit.yaml: line 2: arches: expected a value");
  EXPECT_EQ(Error("version: 1\narches: []\n"),
            "kit.yaml: line 2: arches: expected at least one value");
  EXPECT_EQ(Error("version: 1\nkubectl: {none: yes}\n"),
            "kit.yaml: line 2: kubectl.none: expected true or false");
  EXPECT_EQ(Error("version: 1\n---\nversion: 1\n"), "kit.yaml: line 2: more than one document");
  EXPECT_EQ(Error("- version: 1\n"),
            "kit.yaml: line 1: the kit file: expected a mapping of keys, starting with "
            "\"version: 1\"");
  // yaml-cpp 0.7 would loop forever on these (a ',' after the root of a document).
  for (const char* hang : {",i", "# c\n,x", "\"q\" ,", "{version: 1} ,", "version: 1\n---\n,x",
                           "d:\n%\n,", "version: 1\n%YAML 1.2\n,x"}) {
    EXPECT_NE(Error(hang), "parsed") << hang;
  }
  EXPECT_EQ(Error("version: 1\n%TAG ! x\n"),
            "kit.yaml: line 2: a directive (\"%\") inside the document");
  // A leading document marker, comments and blank lines are fine.
  EXPECT_EQ(Error("# kit\n\n---\nversion: 1\narches: amd64\n"), "parsed");
  EXPECT_EQ(Error("version: 1\narches: [amd64\n"),
            "kit.yaml: line 3: end of sequence flow not found");
  EXPECT_EQ(Error("version: 1\nx: " + std::string(9, '[') + "\n"),
            "kit.yaml: line 2: nested more than 8 levels deep");
  EXPECT_EQ(Error(std::string(kMaxKitFileBytes + 1, '#')), "kit.yaml: larger than 65536 bytes");
  EXPECT_EQ(Error(std::string("version: 1\n,i\0", 14)),
            "kit.yaml: line 2: control character 0x00 (a kit file is text)");
  EXPECT_EQ(Error("version: 1\x1b[31m\n"),
            "kit.yaml: line 1: control character 0x1b (a kit file is text)");
  // Quoted and commented brackets are not nesting.
  EXPECT_EQ(Error("version: 1 # [[[[[[[[[[\noutput: \"[[[[[[[[[[.rdbundle\"\n"), "parsed");
}

TEST(KitFileTest, OutputNamePattern) {
  EXPECT_EQ(ExpandOutputName("kit-{date}.rdbundle", 1748736000).value(), "kit-2025-06-01.rdbundle");
  EXPECT_EQ(ExpandOutputName("kit.rdbundle", 0).value(), "kit.rdbundle");
  EXPECT_EQ(ExpandOutputName("kit-{time}.rdbundle", 0).error().message(),
            "output \"kit-{time}.rdbundle\": unknown pattern \"{time}\" (only {date})");
  EXPECT_EQ(ExpandOutputName("kit-{date.rdbundle", 0).error().message(),
            "output \"kit-{date.rdbundle\": unknown pattern \"{date.rdbundle\" (only {date})");
  EXPECT_EQ(ExpandOutputName("kit-}.rdbundle", 0).error().message(),
            "output \"kit-}.rdbundle\": \"}\" without \"{\"");
}

const std::vector<std::string> kOptions = {
    "k3s", "channel", "minors", "arch", "kubectl-platform", "kubectl", "no-kubectl", "channel-url",
    "k3s-release-url", "k3s-releases-api", "kubectl-url", "ca-bundle", "output"};

std::vector<OptionSpec> Specs() {
  std::vector<OptionSpec> specs;
  for (const auto& o : kOptions) {
    const bool flag = o == "no-kubectl";
    specs.push_back({.name = o, .value = flag ? "" : "X", .repeatable = !flag,
                     .commands = kAllCommands, .help = "h"});
  }
  return specs;
}

// The options after the kit file is applied over `flags`.
std::map<std::string, std::vector<std::string>> Apply(const std::vector<std::string>& flags,
                                                      bool with_output,
                                                      std::vector<std::string>* overridden = nullptr) {
  auto args = ParseArgs(flags, Specs());
  EXPECT_TRUE(args.has_value());
  auto kit = ParseKitFile(kSample, "conf/kit.yaml");
  EXPECT_TRUE(kit.has_value());
  auto o = ApplyKitFile(*kit, kOptions, with_output, 1748736000, *args);
  EXPECT_TRUE(o.has_value()) << o.error().message();
  if (overridden) *overridden = *o;
  std::map<std::string, std::vector<std::string>> out;
  for (const auto& name : kOptions) {
    if (args->Has(name)) out[name] = args->GetAll(name);
  }
  return out;
}

TEST(KitFileTest, FlagsOverrideTheFile) {
  auto all = Apply({}, true);
  EXPECT_EQ(all["output"], std::vector<std::string>{"kit-2025-06-01.rdbundle"});
  EXPECT_EQ(all["ca-bundle"], std::vector<std::string>{"conf/certs/internal-ca.pem"});
  EXPECT_EQ(all["arch"], (std::vector<std::string>{"amd64", "arm64"}));
  EXPECT_EQ(all["channel"], std::vector<std::string>{"stable"});
  // Keys of one group are all applied: only the command line replaces a group.
  EXPECT_EQ(all["minors"], std::vector<std::string>{"1.29-1.31"});
  EXPECT_EQ(Apply({}, false).count("output"), 0u);  // plan: no output

  std::vector<std::string> overridden;
  auto some = Apply({"--arch", "arm64", "--k3s", "v1.30.4+k3s1", "-" "-output=x.rdbundle"}, true,
                    &overridden);
  EXPECT_EQ(some["arch"], std::vector<std::string>{"arm64"});
  // A selection flag replaces the whole selection of the file.
  EXPECT_EQ(some["k3s"], std::vector<std::string>{"v1.30.4+k3s1"});
  EXPECT_EQ(some.count("channel"), 0u);
  EXPECT_EQ(some.count("minors"), 0u);
  EXPECT_EQ(some["output"], std::vector<std::string>{"x.rdbundle"});
  EXPECT_EQ(some["kubectl-platform"], (std::vector<std::string>{"windows/amd64", "darwin/arm64"}));
  EXPECT_EQ(overridden, (std::vector<std::string>{"k3s.channels", "k3s.minors", "arches", "output"}));
  // --no-kubectl on the command line replaces the file's kubectl platforms.
  auto none = Apply({"--no-kubectl"}, true);
  EXPECT_EQ(none.count("kubectl-platform"), 0u);
}

TEST(KitFileTest, AKeyThisBuildCannotTakeIsNamed) {
  auto kit = ParseKitFile("version: 1\nrd:\n  installers: [latest]\n", "kit.yaml");
  ASSERT_TRUE(kit.has_value());
  auto args = ParseArgs({}, Specs());
  auto r = ApplyKitFile(*kit, kOptions, true, 0, *args);  // kOptions has no rd-installer
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message(),
            "kit.yaml: line 3: rd.installers: this rdbundle-pack has no --rd-installer option");
}

TEST(KitFileTest, EnvironmentComesAfterFlagsAndFile) {
  const std::map<std::string, std::string> env = {
      {"RDBUNDLE_CHANNEL_URL", "http://env/channels"},
      {"RDBUNDLE_K3S_RELEASE_URL", "http://env/k3s"},
      {"RDBUNDLE_K3S_RELEASES_API", ""},  // empty: unset
      {"RDBUNDLE_KUBECTL_URL", "http://env/kubectl"}};
  const GetEnvFn getenv = [&env](const char* name) -> std::optional<std::string> {
    auto it = env.find(name);
    return it == env.end() ? std::nullopt : std::optional<std::string>(it->second);
  };
  auto args = ParseArgs({"--kubectl-url", "http://flag/kubectl"}, Specs());
  auto kit = ParseKitFile("version: 1\nmirrors:\n  k3s-release-url: http://file/k3s\n", "k");
  ASSERT_TRUE(ApplyKitFile(*kit, kOptions, true, 0, *args).has_value());
  ApplyUpstreamEnvironment(getenv, *args);
  EXPECT_EQ(args->Get("kubectl-url"), "http://flag/kubectl");  // flag
  EXPECT_EQ(args->Get("k3s-release-url"), "http://file/k3s");  // kit file
  EXPECT_EQ(args->Get("channel-url"), "http://env/channels");  // environment
  EXPECT_FALSE(args->Has("k3s-releases-api"));                 // default
}

// The sample in the README is a valid kit file.
TEST(KitFileTest, TheReadmeSampleParses) {
  std::ifstream in(std::string(RDB_TESTDATA_DIR) + "/../../README.md");
  std::stringstream readme;
  readme << in.rdbuf();
  const std::string text = readme.str();
  const auto start = text.find("```yaml\n");
  ASSERT_NE(start, std::string::npos);
  const auto end = text.find("```\n", start + 8);
  ASSERT_NE(end, std::string::npos);
  auto k = ParseKitFile(text.substr(start + 8, end - start - 8), "README.md");
  ASSERT_TRUE(k.has_value()) << k.error().message();
  EXPECT_EQ(k->settings.size(), 12u);
}

}  // namespace
}  // namespace rdbundle::packer
