// A kit file: `rdbundle-pack build -f kit.yaml` / `plan -f kit.yaml` declares what a fetching
// build takes (selection, arches, kubectls, mirrors, CA bundle, RD installers, output name), so
// a site rebuilds the same kit every month with one short command. YAML, as Hauler manifests
// and zarf.yaml are, parsed with yaml-cpp (packer only: the unpacker never reads YAML).
//
//   version: 1                      # required; other versions are rejected
//   k3s:
//     versions: [v1.30.4+k3s1]      # --k3s
//     channels: [stable]            # --channel
//     minors: 1.29-1.31             # --minors
//   arches: [amd64, arm64]          # --arch
//   kubectl:
//     platforms: [windows/amd64]    # --kubectl-platform
//     versions: [1.30.4/linux/amd64]  # --kubectl
//     none: false                   # --no-kubectl
//   rd:
//     installers: [latest]          # --rd-installer
//     platforms: [windows]          # --rd-platform
//   mirrors:                        # --channel-url, --k3s-release-url, --k3s-releases-api,
//     channel-url: https://...      # --kubectl-url, --rd-release-url, --rd-releases-api
//                                   # (the same names)
//   ca-bundle: internal-ca.pem      # --ca-bundle, relative to the kit file's directory
//   output: kit-{date}.rdbundle     # -o, relative to the current directory; {date} is the
//                                   # UTC date (of SOURCE_DATE_EPOCH when set), YYYY-MM-DD
//
// Strict: an unknown or repeated key, a wrong type, a second document, a control character or
// flow collections nested too deep is an error naming the file, the line and the key (kUsage, like a bad option). A list
// key also takes a single value. Precedence: flag > kit file > environment > default; the
// selection (k3s.*) and the kubectls (kubectl.*) each count as one setting: any of its flags
// replaces all of its keys.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/status.h"
#include "common/cli/cli.h"
#include "common/os/fs.h"
#include "common/rd/layout.h"

namespace rdbundle::packer {

inline constexpr int kKitFileVersion = 1;
inline constexpr std::size_t kMaxKitFileBytes = 64 * 1024;
// Nesting of flow collections ("[[[...") allowed before yaml-cpp sees the text: its parser
// recurses once per level.
inline constexpr int kMaxKitFileFlowDepth = 8;

// One key of a kit file, as the option it stands for.
struct KitSetting {
  std::string key;                  // as written, with its section: "k3s.channels"
  std::string option;               // "channel"
  std::vector<std::string> values;  // for a flag (kubectl.none: true): {}
  int line = 0;                     // 1-based
};

struct KitFileContents {
  std::string name;                // the path given, for messages
  std::vector<KitSetting> settings;  // in file order; a `false` flag is left out
};

// Parses the text of a kit file named `name`.
Result<KitFileContents> ParseKitFile(std::string_view text, const std::string& name);

// Reads (at most kMaxKitFileBytes) and parses `path`.
Result<KitFileContents> LoadKitFile(Fs& fs, const std::string& path);

// "kit-{date}.rdbundle" with {date} as the UTC date of `unix_seconds` ("kit-2025-06-01.rdbundle");
// kUsage for any other "{...}" or an unmatched brace.
Result<std::string> ExpandOutputName(std::string_view pattern, std::int64_t unix_seconds);

// Gives `args` the kit file's settings that the command line did not (see the precedence
// above). `options` are the program's option names: a key whose option this build does not
// have is an error naming it. `with_output`: apply
// `output` (build), else leave it (plan). Paths: ca-bundle relative to the kit file's directory;
// output expanded (ExpandOutputName with `now`). Returns the keys the command line overrode.
Result<std::vector<std::string>> ApplyKitFile(const KitFileContents& kit,
                                              const std::vector<std::string>& options,
                                              bool with_output, std::int64_t now,
                                              ParsedArgs& args);

// The mirror URLs from the environment, for the options neither the command line nor a kit
// file gave: RDBUNDLE_CHANNEL_URL (--channel-url), RDBUNDLE_K3S_RELEASE_URL
// (--k3s-release-url), RDBUNDLE_K3S_RELEASES_API (--k3s-releases-api), RDBUNDLE_KUBECTL_URL
// (--kubectl-url), RDBUNDLE_RD_RELEASE_URL (--rd-release-url), RDBUNDLE_RD_RELEASES_API
// (--rd-releases-api). An empty variable counts as unset.
void ApplyUpstreamEnvironment(const GetEnvFn& getenv, ParsedArgs& args);

}  // namespace rdbundle::packer
