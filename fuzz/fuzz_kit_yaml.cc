// ParseKitFile: a kit file (`rdbundle-pack build -f kit.yaml`), YAML read by yaml-cpp. Whatever
// the text, the parser returns a result or a usage error naming the file (no exception, crash
// or unbounded recursion gets out), and every accepted setting can be applied.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz/fuzz_util.h"
#include "packer/kit_file.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace rdbundle;
  using namespace rdbundle::packer;
  if (size > kMaxKitFileBytes + 1) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto kit = ParseKitFile(text, "kit.yaml");
  if (!kit.has_value()) {
    fuzz::CheckRejection(kit.error(), {ErrorCode::kUsage}, "kit.yaml: ");
    return 0;
  }
  FUZZ_CHECK(size <= kMaxKitFileBytes, "a file over the limit was accepted");
  std::vector<std::string> options;
  std::vector<OptionSpec> specs;
  for (const auto& s : kit->settings) {
    FUZZ_CHECK(s.line >= 1, "no line for " + s.key);
    FUZZ_CHECK(!s.option.empty() && !s.key.empty(), "a setting without an option");
    FUZZ_CHECK(s.option == "no-kubectl" ? s.values.empty() : !s.values.empty(),
               "values of " + s.key);
    for (const auto& v : s.values) FUZZ_CHECK(!v.empty(), "an empty value of " + s.key);
    options.push_back(s.option);
    specs.push_back({.name = s.option, .value = s.values.empty() ? "" : "X", .repeatable = true,
                     .commands = kAllCommands, .help = "h"});
  }
  auto args = ParseArgs({}, specs);
  FUZZ_CHECK(args.has_value(), "empty command line");
  auto applied = ApplyKitFile(*kit, options, true, 1748736000, *args);
  if (!applied.has_value()) {
    // Only the output name pattern can be refused at this point.
    fuzz::CheckRejection(applied.error(), {ErrorCode::kUsage}, "output \"");
    return 0;
  }
  for (const auto& s : kit->settings) FUZZ_CHECK(args->Has(s.option), "not applied: " + s.key);
  return 0;
}
