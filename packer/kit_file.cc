#include "packer/kit_file.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdio>
#include <set>

#include "common/format/manifest.h"

namespace rdbundle::packer {
namespace {

enum class Kind { kScalar, kList, kFlag };

// Every key of format version 1: its section ("" for the top level), its name, the option it
// stands for and the shape of its value.
struct KeySpec {
  const char* section;
  const char* name;
  const char* option;
  Kind kind;
};

constexpr KeySpec kKeys[] = {
    {"k3s", "versions", "k3s", Kind::kList},
    {"k3s", "channels", "channel", Kind::kList},
    {"k3s", "minors", "minors", Kind::kScalar},
    {"", "arches", "arch", Kind::kList},
    {"kubectl", "platforms", "kubectl-platform", Kind::kList},
    {"kubectl", "versions", "kubectl", Kind::kList},
    {"kubectl", "none", "no-kubectl", Kind::kFlag},
    {"mirrors", "channel-url", "channel-url", Kind::kScalar},
    {"mirrors", "k3s-release-url", "k3s-release-url", Kind::kScalar},
    {"mirrors", "k3s-releases-api", "k3s-releases-api", Kind::kScalar},
    {"mirrors", "kubectl-url", "kubectl-url", Kind::kScalar},
    {"mirrors", "rd-release-url", "rd-release-url", Kind::kScalar},
    {"mirrors", "rd-releases-api", "rd-releases-api", Kind::kScalar},
    {"rd", "installers", "rd-installer", Kind::kList},
    {"rd", "platforms", "rd-platform", Kind::kList},
    {"", "ca-bundle", "ca-bundle", Kind::kScalar},
    {"", "output", "output", Kind::kScalar},
};
constexpr const char* kSections[] = {"k3s", "kubectl", "rd", "mirrors"};

// Settings that count as one: a flag for any of them replaces all of the kit file's.
const std::vector<std::vector<std::string>> kGroups = {
    {"k3s", "channel", "minors"},
    {"kubectl-platform", "kubectl", "no-kubectl"},
};

class Parser {
 public:
  explicit Parser(const std::string& name) : name_(name) {}

  Status Error(int line, const std::string& what) const {
    return Status::Usage(name_ + ": line " + std::to_string(line) + ": " + what);
  }
  static int Line(const YAML::Node& n) { return n.Mark().line + 1; }

  // The keys of a mapping node, each once, as scalars.
  Result<std::vector<std::pair<std::string, YAML::Node>>> Entries(const YAML::Node& map,
                                                                   const std::string& where) {
    if (!map.IsMap()) return Error(Line(map), where + ": expected a mapping of keys");
    std::vector<std::pair<std::string, YAML::Node>> out;
    std::set<std::string> seen;
    for (auto it = map.begin(); it != map.end(); ++it) {
      if (!it->first.IsScalar()) return Error(Line(it->first), where + ": a key must be a word");
      const std::string key = it->first.Scalar();
      if (!seen.insert(key).second) {
        return Error(Line(it->first), "\"" + Qualified(where, key) + "\" given twice");
      }
      out.emplace_back(key, it->second);
    }
    return out;
  }

  Result<std::string> ScalarOf(const YAML::Node& n, const std::string& key) {
    if (!n.IsScalar() || n.Scalar().empty()) {
      return Error(Line(n), key + ": expected a value");
    }
    return n.Scalar();
  }

  Status Add(const KeySpec& spec, const YAML::Node& value, KitFileContents& kit) {
    const std::string key = Qualified(spec.section, spec.name);
    KitSetting s{key, spec.option, {}, Line(value)};
    if (spec.kind == Kind::kFlag) {
      if (!value.IsScalar() || (value.Scalar() != "true" && value.Scalar() != "false")) {
        return Error(Line(value), key + ": expected true or false");
      }
      if (value.Scalar() == "true") kit.settings.push_back(std::move(s));
      return Status::Ok();
    }
    if (spec.kind == Kind::kList && value.IsSequence()) {
      for (const auto& item : value) {
        RDB_ASSIGN_OR_RETURN(std::string v, ScalarOf(item, key));
        s.values.push_back(std::move(v));
      }
      if (s.values.empty()) return Error(Line(value), key + ": expected at least one value");
    } else {
      RDB_ASSIGN_OR_RETURN(std::string v, ScalarOf(value, key));
      s.values.push_back(std::move(v));
    }
    kit.settings.push_back(std::move(s));
    return Status::Ok();
  }

  Status Section(const std::string& section, const YAML::Node& node, KitFileContents& kit) {
    RDB_ASSIGN_OR_RETURN(auto entries, Entries(node, section));
    for (const auto& [key, value] : entries) {
      const KeySpec* spec = Find(section, key);
      if (spec == nullptr) {
        return Error(KeyLine(node, key),
                     "unknown key \"" + Qualified(section, key) + "\"" + Expected(section));
      }
      RDB_RETURN_IF_ERROR(Add(*spec, value, kit));
    }
    return Status::Ok();
  }

  Result<KitFileContents> Document(const YAML::Node& root) {
    KitFileContents kit{name_, {}};
    if (!root.IsDefined() || root.IsNull()) return Error(1, "empty; expected \"version: 1\" first");
    RDB_ASSIGN_OR_RETURN(auto entries, Entries(root, "the kit file"));
    auto version = std::find_if(entries.begin(), entries.end(),
                                [](const auto& e) { return e.first == "version"; });
    if (version == entries.end()) {
      return Error(Line(root), "no \"version\" key (this rdbundle-pack reads version " +
                                   std::to_string(kKitFileVersion) + ")");
    }
    if (!version->second.IsScalar() || version->second.Scalar() != std::to_string(kKitFileVersion)) {
      return Error(Line(version->second),
                   "unsupported kit file version \"" +
                       (version->second.IsScalar() ? version->second.Scalar() : "?") +
                       "\" (this rdbundle-pack reads version " + std::to_string(kKitFileVersion) +
                       ")");
    }
    for (const auto& [key, value] : entries) {
      if (key == "version") continue;
      if (std::find(std::begin(kSections), std::end(kSections), key) != std::end(kSections)) {
        RDB_RETURN_IF_ERROR(Section(key, value, kit));
        continue;
      }
      const KeySpec* spec = Find("", key);
      if (spec == nullptr) {
        return Error(KeyLine(root, key), "unknown key \"" + key + "\"" + Expected(""));
      }
      RDB_RETURN_IF_ERROR(Add(*spec, value, kit));
    }
    return kit;
  }

 private:
  static std::string Qualified(const std::string& section, const std::string& key) {
    return section.empty() || section == "the kit file" ? key : section + "." + key;
  }
  static const KeySpec* Find(const std::string& section, const std::string& key) {
    for (const auto& k : kKeys) {
      if (section == k.section && key == k.name) return &k;
    }
    return nullptr;
  }
  // " (one of: a, b, c)".
  static std::string Expected(const std::string& section) {
    std::vector<std::string> names;
    if (section.empty()) names.push_back("version");
    for (const auto& k : kKeys) {
      if (section == k.section) names.push_back(k.name);
    }
    if (section.empty()) names.insert(names.end(), std::begin(kSections), std::end(kSections));
    std::string out = " (one of: ";
    for (std::size_t i = 0; i < names.size(); ++i) out += (i ? ", " : "") + names[i];
    return out + ")";
  }
  static int KeyLine(const YAML::Node& map, const std::string& key) {
    for (auto it = map.begin(); it != map.end(); ++it) {
      if (it->first.IsScalar() && it->first.Scalar() == key) return Line(it->first);
    }
    return Line(map);
  }

  const std::string& name_;
};

// Flow collections nested deeper than kMaxKitFileFlowDepth, outside quotes and comments.
Status CheckFlowDepth(std::string_view text, const std::string& name) {
  int depth = 0, line = 1;
  char quote = 0;
  bool comment = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char ch = text[i];
    if (ch == '\n') {
      ++line;
      comment = false;
      continue;
    }
    if (comment) continue;
    if (quote != 0) {
      if (quote == '"' && ch == '\\') {
        ++i;
      } else if (ch == quote) {
        quote = 0;
      }
      continue;
    }
    if (ch == '#' && (i == 0 || text[i - 1] == ' ' || text[i - 1] == '\t')) {
      comment = true;
    } else if (ch == '"' || ch == '\'') {
      quote = ch;
    } else if (ch == '[' || ch == '{') {
      if (++depth > kMaxKitFileFlowDepth) {
        return Status::Usage(name + ": line " + std::to_string(line) + ": nested more than " +
                             std::to_string(kMaxKitFileFlowDepth) + " levels deep");
      }
    } else if ((ch == ']' || ch == '}') && depth > 0) {
      --depth;
    }
  }
  return Status::Ok();
}

// A kit file is text: no NUL or other control characters but tab, CR and LF. (yaml-cpp 0.7
// loops forever on some inputs with a NUL, e.g. ",i\0": fuzz/regressions/kit_yaml.)
Status CheckText(std::string_view text, const std::string& name) {
  int line = 1;
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '\n') ++line;
    if ((c < 0x20 && c != '\n' && c != '\t' && c != '\r') || c == 0x7f) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "0x%02x", c);
      return Status::Usage(name + ": line " + std::to_string(line) + ": control character " + hex +
                           " (a kit file is text)");
    }
  }
  return Status::Ok();
}

// The document must be a block mapping ("version: 1" at column 0 first), and there is one
// document: no "---" or "..." after it, and no directive ("%" at column 0), which would end it.
// Checked on the text because yaml-cpp 0.7 loops forever on a document whose root is followed
// by a ',' (",x", "{a: 1} ,", and so a second document "---\n,x" or "d:\n%\n,"): inside a
// block mapping the same ',' is a parse error (fuzz/regressions/kit_yaml). The loop is in
// YAML::LoadAll (fixed upstream after 0.8, jbeder/yaml-cpp pull 1319), so ParseKitFile, which
// knows from here that there is one document, calls YAML::Load.
Status CheckShape(std::string_view text, const std::string& name) {
  bool started = false, leading_marker = false;
  int line = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view l = text.substr(pos, end - pos);
    pos = end + 1;
    ++line;
    const std::size_t first = l.find_first_not_of(" \t\r");
    if (first == std::string_view::npos || l[first] == '#') continue;
    const bool marker = l.starts_with("---") || l.starts_with("...");
    if (!started) {
      if (l.starts_with("%") || (marker && l.starts_with("---") && !leading_marker &&
                                 l.find_first_not_of(" \t\r", 3) == std::string_view::npos)) {
        leading_marker = leading_marker || marker;
        continue;
      }
      const std::size_t key = l.find_first_not_of(
          "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-");
      if (key == 0 || key == std::string_view::npos || l[key] != ':' ||
          (key + 1 < l.size() && l[key + 1] != ' ' && l[key + 1] != '\r')) {
        return Status::Usage(name + ": line " + std::to_string(line) +
                             ": the kit file: expected a mapping of keys, starting with "
                             "\"version: 1\"");
      }
      started = true;
    } else if (marker) {
      return Status::Usage(name + ": line " + std::to_string(line) + ": more than one document");
    } else if (l.starts_with('%')) {
      // yaml-cpp takes it as a directive, which ends the document: "d:\n%\n," looped forever
      return Status::Usage(name + ": line " + std::to_string(line) +
                           ": a directive (\"%\") inside the document");
    }
  }
  return Status::Ok();
}

bool IsAbsolute(const std::string& path) {
  return path.starts_with('/') || path.starts_with('\\') ||
         (path.size() >= 2 && path[1] == ':' && std::isalpha(static_cast<unsigned char>(path[0])));
}

}  // namespace

Result<KitFileContents> ParseKitFile(std::string_view text, const std::string& name) {
  if (text.size() > kMaxKitFileBytes) {
    return Status::Usage(name + ": larger than " + std::to_string(kMaxKitFileBytes) + " bytes");
  }
  RDB_RETURN_IF_ERROR(CheckText(text, name));
  RDB_RETURN_IF_ERROR(CheckShape(text, name));
  RDB_RETURN_IF_ERROR(CheckFlowDepth(text, name));
  Parser parser(name);
  // yaml-cpp reports errors by exceptions; none leaves this function.
  try {
    return parser.Document(YAML::Load(std::string(text)));  // one document: CheckShape
  } catch (const YAML::Exception& e) {
    return parser.Error(e.mark.is_null() ? 1 : e.mark.line + 1, e.msg);
  }
}

Result<KitFileContents> LoadKitFile(Fs& fs, const std::string& path) {
  auto text = ReadFileToString(fs, path, kMaxKitFileBytes);
  if (!text.has_value()) {
    if (text.error().code() == ErrorCode::kLimitExceeded) {
      return Status::Usage(path + ": larger than " + std::to_string(kMaxKitFileBytes) + " bytes");
    }
    return text.error();
  }
  return ParseKitFile(*text, path);
}

Result<std::string> ExpandOutputName(std::string_view pattern, std::int64_t unix_seconds) {
  std::string out;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == '}') {
      return Status::Usage("output \"" + std::string(pattern) + "\": \"}\" without \"{\"");
    }
    if (pattern[i] != '{') {
      out += pattern[i];
      continue;
    }
    const std::size_t end = pattern.find('}', i);
    const std::string_view field =
        end == std::string_view::npos ? pattern.substr(i) : pattern.substr(i, end - i + 1);
    if (field != "{date}") {
      return Status::Usage("output \"" + std::string(pattern) + "\": unknown pattern \"" +
                           std::string(field) + "\" (only {date})");
    }
    out += FormatRfc3339Utc(unix_seconds).substr(0, 10);
    i = end;
  }
  return out;
}

Result<std::vector<std::string>> ApplyKitFile(const KitFileContents& kit,
                                              const std::vector<std::string>& options,
                                              bool with_output, std::int64_t now,
                                              ParsedArgs& args) {
  std::vector<std::string> overridden;
  const ParsedArgs given = args;  // the command line, before any of the file's settings
  for (const KitSetting& s : kit.settings) {
    if (std::find(options.begin(), options.end(), s.option) == options.end()) {
      return Status::Usage(kit.name + ": line " + std::to_string(s.line) + ": " + s.key +
                           ": this rdbundle-pack has no --" + s.option + " option");
    }
    if (s.option == "output" && !with_output) continue;
    // The command line wins, for the setting's whole group.
    std::vector<std::string> group{s.option};
    for (const auto& g : kGroups) {
      if (std::find(g.begin(), g.end(), s.option) != g.end()) group = g;
    }
    if (std::any_of(group.begin(), group.end(), [&](const auto& o) { return given.Has(o); })) {
      overridden.push_back(s.key);
      continue;
    }
    std::vector<std::string> values = s.values;
    if (s.option == "ca-bundle" && !IsAbsolute(values[0])) {
      values[0] = JoinPath(DirName(kit.name), values[0]);
    }
    if (s.option == "output") {
      RDB_ASSIGN_OR_RETURN(values[0], ExpandOutputName(values[0], now));
    }
    args.Set(s.option, std::move(values));
  }
  return overridden;
}

void ApplyUpstreamEnvironment(const GetEnvFn& getenv, ParsedArgs& args) {
  static const std::pair<const char*, const char*> kVariables[] = {
      {"RDBUNDLE_CHANNEL_URL", "channel-url"},
      {"RDBUNDLE_K3S_RELEASE_URL", "k3s-release-url"},
      {"RDBUNDLE_K3S_RELEASES_API", "k3s-releases-api"},
      {"RDBUNDLE_KUBECTL_URL", "kubectl-url"},
      {"RDBUNDLE_RD_RELEASE_URL", "rd-release-url"},
      {"RDBUNDLE_RD_RELEASES_API", "rd-releases-api"},
  };
  for (const auto& [variable, option] : kVariables) {
    if (args.Has(option)) continue;
    if (auto v = getenv(variable); v && !v->empty()) args.Set(option, {*v});
  }
}

}  // namespace rdbundle::packer
