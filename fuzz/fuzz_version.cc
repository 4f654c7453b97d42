// Version strings and payload paths: ParseK3sVersion, ParseKubectlVersion, their order, and
// ClassifyPayloadPath (every path of a signed manifest goes through it; its answer decides
// where a file is written). The input is up to three '\n'-separated strings a, b, c.
// Checks for accepted versions: a == a and !(a < a); <=> is antisymmetric and transitive;
// equality means identical text; ChannelValue/ToString/ToTag parse back to the same version.
// Checks for accepted paths: the relative destination path is the bundle path minus its
// "cache/" or "kuberlr/" prefix, it rebuilds from its parts, and the mode/role agree.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/quote.h"
#include "common/format/paths.h"
#include "common/format/version.h"
#include "common/rd/skew.h"
#include "fuzz/fuzz_util.h"

namespace {

constexpr std::size_t kMaxInputBytes = 1024;

using rdbundle::K3sVersion;

void CheckK3s(const K3sVersion& v) {
  using namespace rdbundle;
  FUZZ_CHECK(v == v && !(v < v) && (v <=> v) == 0, "not reflexive: " + v.text);
  auto again = ParseK3sVersion("v" + ChannelValue(v) + "+k3s" + std::to_string(v.build));
  FUZZ_CHECK(again.has_value() && *again == v && again->text == v.text,
             "does not rebuild from its parts: " + v.text);
  FUZZ_CHECK(v.major <= kMaxVersionNumber && v.minor <= kMaxVersionNumber &&
                 v.patch <= kMaxVersionNumber && v.build <= kMaxVersionNumber,
             "number over the limit");
}

void CheckPair(const K3sVersion& a, const K3sVersion& b) {
  const auto ab = a <=> b, ba = b <=> a;
  FUZZ_CHECK((ab < 0) == (ba > 0) && (ab == 0) == (ba == 0), "not antisymmetric: " + a.text + " vs " + b.text);
  FUZZ_CHECK((a == b) == (a.text == b.text), "equal but different text: " + a.text + " vs " + b.text);
}

void CheckPath(std::string_view path) {
  using namespace rdbundle;
  auto p = ClassifyPayloadPath(path);
  const Status syntax = ValidatePathSyntax(path);
  if (!p.has_value()) {
    FUZZ_CHECK(p.error().code() == ErrorCode::kCorrupt || p.error().code() == ErrorCode::kLimitExceeded,
               p.error().message());
    return;
  }
  FUZZ_CHECK(syntax.ok(), "classified a path that fails the syntax check");
  const std::string_view prefix = p->dest == Destination::kCache ? "cache/" : "kuberlr/";
  FUZZ_CHECK(path.starts_with(prefix) && path.substr(prefix.size()) == p->relative,
             "relative path is not the bundle path below its root");
  switch (p->role) {
    case FileRole::kK3sVersions:
      FUZZ_CHECK(path == kK3sVersionsBundlePath, "k3s-versions path");
      break;
    case FileRole::kKubectl:
      FUZZ_CHECK(p->os && p->arch && KubectlBundlePath(*p->os, *p->arch, p->kubectl_version) == path,
                 "kubectl path does not rebuild");
      FUZZ_CHECK(ParseKubectlVersion(p->kubectl_version).has_value(), "kubectl version");
      break;
    default: {
      FUZZ_CHECK(p->arch.has_value() && ParseK3sVersion(p->k3s_version).has_value(), "k3s parts");
      const std::string name = std::string(path.substr(path.rfind('/') + 1));
      FUZZ_CHECK(K3sBundlePath(p->k3s_version, name) == path, "k3s path does not rebuild");
    }
  }
  FUZZ_CHECK(ModeForRole(p->role) == 0755 || ModeForRole(p->role) == 0644, "mode");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace rdbundle;
  if (size > kMaxInputBytes) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (parts.size() < 2) {
    const std::size_t nl = text.find('\n', start);
    if (nl == std::string_view::npos) break;
    parts.push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  parts.push_back(text.substr(start));

  std::vector<K3sVersion> k3s;
  for (std::string_view s : parts) {
    (void)QuoteForMessage(s);
    CheckPath(s);
    if (auto v = ParseK3sVersion(s); v.has_value()) {
      FUZZ_CHECK(v->text == s, "text is not the input");
      CheckK3s(*v);
      k3s.push_back(*v);
    } else {
      FUZZ_CHECK(v.error().message().starts_with("invalid k3s version \""), v.error().message());
    }
    if (auto k = ParseKubectlVersion(s); k.has_value()) {
      FUZZ_CHECK(*k == *k && !(*k < *k), "kubectl order not reflexive");
      auto a = ParseKubectlVersion(k->ToString());
      auto b = ParseKubectlVersion(k->ToTag());
      FUZZ_CHECK(a.has_value() && b.has_value() && *a == *k && *b == *k, "kubectl round trip");
      FUZZ_CHECK(KubectlServes(*k, MinorOf(*k)), "kubectl does not serve its own minor");
    }
  }
  for (const auto& a : k3s) {
    for (const auto& b : k3s) {
      CheckPair(a, b);
      for (const auto& c : k3s) {
        if (a < b && b < c) FUZZ_CHECK(a < c, "not transitive: " + a.text + " " + b.text + " " + c.text);
        if (a == b && b == c) FUZZ_CHECK(a == c, "equality not transitive");
      }
    }
  }
  CheckPath(text);
  return 0;
}
