#include "fuzz/bundle_harness.h"

#include <map>
#include <optional>
#include <set>

#include "common/base/strings.h"
#include "common/base/utf8.h"
#include "common/format/hash.h"
#include "common/format/manifest.h"
#include "common/format/minisign.h"
#include "common/rd/k3s_versions.h"
#include "common/rd/rd_rules.h"
#include "fuzz/fixed_keys.h"
#include "fuzz/fuzz_util.h"
#include "unpacker/bundle_reader.h"
#include "unpacker/installer.h"
#include "unpacker/state.h"

namespace rdbundle::fuzz {
namespace {

using unpacker::BundleReader;
using unpacker::BundleReaderOptions;
using unpacker::FileAction;
using unpacker::InstallReport;
using unpacker::Installer;
using unpacker::PayloadHandler;
using unpacker::PayloadSink;

using Listing = std::map<std::string, std::string>;

class VerifyOnly final : public PayloadHandler {
 public:
  Result<std::unique_ptr<PayloadSink>> Begin(const ManifestFile&, std::size_t) override {
    return std::unique_ptr<PayloadSink>();
  }
};

std::unique_ptr<BundleReader> OpenReader(const std::string& bundle, const InstallSetup& s) {
  BundleReaderOptions ro;
  ro.prefetch_depth = s.prefetch_depth;
  return std::make_unique<BundleReader>(MemReadable(bundle, kFuzzBundleName, s.max_read),
                                        kFuzzBundleName, ro);
}

void CheckNotInternal(const Status& s) {
  FUZZ_CHECK(s.code() != ErrorCode::kInternal, "internal error: " + s.message());
  FUZZ_CHECK(s.ok() || !s.message().empty(), "error without a message");
}

bool Under(const std::string& path, const std::string& dir) {
  return path == dir || (path.size() > dir.size() && path.compare(0, dir.size(), dir) == 0 &&
                         (dir == "/" || path[dir.size()] == '/'));
}

struct Layout {
  std::string cache, kuberlr;  // normalized roots
  // A staging directory or temp file of some run, directly in a root (or inside one). The
  // installer stages k3s version directories in CACHE/k3s (the same filesystem as the
  // versions even when CACHE/k3s is a symlinked root).
  bool IsLeftover(const std::string& path) const {
    const std::string k3s = cache + "/k3s";
    for (const std::string* root : {&cache, &k3s, &kuberlr}) {
      if (!Under(path, *root) || path == *root) continue;
      std::string first = path.substr(root->size() + 1);
      first = first.substr(0, first.find('/'));
      if (first.starts_with(".rdbundle-staging-") || first.starts_with(".rdbundle-tmp-")) {
        return true;
      }
    }
    return false;
  }
};

Listing WithoutLeftovers(const Listing& l, const Layout& layout) {
  Listing out;
  for (const auto& [path, what] : l) {
    if (!layout.IsLeftover(path)) out.emplace(path, what);
  }
  return out;
}

std::set<std::string> Leftovers(const Listing& l, const Layout& layout) {
  std::set<std::string> out;
  for (const auto& [path, what] : l) {
    if (layout.IsLeftover(path)) out.insert(path);
  }
  return out;
}

std::string Describe(const Listing& before, const Listing& after) {
  std::string out;
  for (const auto& [path, what] : after) {
    auto it = before.find(path);
    if (it == before.end()) {
      out += " +" + path + " (" + what + ")";
    } else if (it->second != what) {
      out += " ~" + path + " (" + it->second + " -> " + what + ")";
    }
  }
  for (const auto& [path, what] : before) {
    if (!after.count(path)) out += " -" + path;
  }
  return out.substr(0, 2000);
}

std::string FileEntry(const ManifestFile& f) {
  char mode[8];
  std::snprintf(mode, sizeof mode, "%04o", f.mode);
  return std::string("file ") + mode + " " + std::to_string(f.size) + " " + f.sha256;
}

// The independent plan: what the installer must do with each manifest file.
struct Expected {
  std::string final_path;  // normalized
  FileAction action;
  std::string raw_final;   // as the installer spells it (install record keys)
};

// What may differ after a (partial or complete) install, and how.
struct Allowed {
  std::map<std::string, std::string> files;  // kWrite targets -> required listing entry
  std::set<std::string> special;             // k3s-versions.json, install record
  std::set<std::string> dirs;                // ancestors of the above and of the roots
};

void AddAncestors(const std::string& path, std::set<std::string>& dirs) {
  std::string p = path;
  while (p != "/") {
    p = MemFs::Normalize(DirName(p));
    dirs.insert(p);
  }
}

class Checker {
 public:
  Checker(MemFs& fs, const InstallSetup& s)
      : fs_(fs), s_(s), layout_{MemFs::Normalize(s.cache_dir), MemFs::Normalize(s.kuberlr_dir)} {
    before_ = fs.Listing();
    if (const auto* n = fs.Find(VersionsPath()); n != nullptr && !n->dir) {
      versions_before_ = n->file->data;
    }
  }

  std::string VersionsPath() const { return layout_.cache + "/k3s-versions.json"; }
  std::string StatePath() const {
    return layout_.cache + "/" + std::string(unpacker::kStateFileName);
  }

  // Nothing of the destination changed apart from removed leftovers of earlier runs.
  void Unchanged(const Outcome& o) {
    const Listing after = fs_.Listing();
    Listing b = WithoutLeftovers(before_, layout_), a = WithoutLeftovers(after, layout_);
    if (o.fault_fired) {
      // A fault inside the rollback (a failing rmdir) may keep a directory the run created:
      // the roots and their parents, CACHE/k3s, a kuberlr OS-arch directory. Any file in one
      // still shows as a difference.
      for (auto it = a.begin(); it != a.end();) {
        it = !b.count(it->first) && it->second.starts_with("dir ") ? a.erase(it) : std::next(it);
      }
    } else {
      const auto lb = Leftovers(before_, layout_), la = Leftovers(after, layout_);
      for (const auto& p : la) {
        FUZZ_CHECK(lb.count(p), "staging/temp file left behind after a failure: " + p + " (" +
                                    o.status.message() + ")");
      }
    }
    FUZZ_CHECK(a == b, "destination changed by a failed or verify-only run (" +
                           o.status.message() + "):" + Describe(b, a));
  }

  std::vector<Expected> Plan(const Manifest& m, const InstallReport& report) {
    std::vector<Expected> out;
    FUZZ_CHECK(report.plan.size() == m.files.size(), "plan does not cover every manifest file");
    for (std::size_t i = 0; i < m.files.size(); ++i) {
      const ManifestFile& f = m.files[i];
      auto where = ClassifyPayloadPath(f.path);
      FUZZ_CHECK(where.has_value(), "verified manifest has an unclassifiable path " + f.path);
      const std::string& root = where->dest == Destination::kCache ? s_.cache_dir : s_.kuberlr_dir;
      Expected e{MemFs::Normalize(JoinPath(root, where->relative)), FileAction::kWrite};
      FUZZ_CHECK(Under(e.final_path, MemFs::Normalize(root)) && e.final_path != MemFs::Normalize(root),
                 "payload path escapes its destination: " + f.path);
      const bool other = (where->arch && *where->arch != s_.arch) || (where->os && *where->os != s_.os);
      const FileAction got = report.plan[i].action;
      FUZZ_CHECK(report.plan[i].file == &f, "plan entry " + std::to_string(i) + " is not files[i]");
      if (f.role == FileRole::kK3sVersions) {
        e.action = FileAction::kMerge;
      } else if (other && !s_.all_platforms) {
        e.action = FileAction::kOtherPlatform;
      } else if (got == FileAction::kUnchanged) {
        auto it = before_.find(e.final_path);
        FUZZ_CHECK(!s_.force && it != before_.end() && it->second.starts_with("file "),
                   "kUnchanged for a file that is not there (or with --force): " + e.final_path);
        e.action = FileAction::kUnchanged;
      }
      FUZZ_CHECK(got == e.action, "planned action for " + f.path + " is wrong");
      e.raw_final = report.plan[i].final_path;
      if (e.action != FileAction::kOtherPlatform) {
        FUZZ_CHECK(MemFs::Normalize(report.plan[i].final_path) == e.final_path,
                   "final path of " + f.path + " is " + report.plan[i].final_path);
      }
      out.push_back(e);
    }
    return out;
  }

  // After Commit (complete or not): every change is an allowed one.
  void Committed(const Manifest& m, const std::vector<Expected>& plan, const Outcome& o,
                 bool complete) {
    const Listing after = fs_.Listing();
    Allowed allowed;
    bool has_versions = false;
    for (std::size_t i = 0; i < plan.size(); ++i) {
      if (plan[i].action == FileAction::kWrite) {
        allowed.files[plan[i].final_path] = FileEntry(m.files[i]);
        AddAncestors(plan[i].final_path, allowed.dirs);
      }
      if (plan[i].action == FileAction::kMerge) has_versions = true;
    }
    if (has_versions) allowed.special.insert(VersionsPath());
    allowed.special.insert(StatePath());
    AddAncestors(layout_.cache + "/x", allowed.dirs);
    AddAncestors(layout_.kuberlr + "/x", allowed.dirs);

    const std::string why = complete ? "after a successful install" : "after a failed commit (" + o.status.message() + ")";
    for (const auto& [path, what] : before_) {
      if (layout_.IsLeftover(path)) continue;
      FUZZ_CHECK(after.count(path), "removed " + path + " " + why);
    }
    for (const auto& [path, what] : after) {
      if (layout_.IsLeftover(path)) {
        FUZZ_CHECK(o.fault_fired && !complete, "staging/temp file left behind " + why + ": " + path);
        continue;
      }
      auto b = before_.find(path);
      const bool changed = b == before_.end() || b->second != what;
      if (auto f = allowed.files.find(path); f != allowed.files.end()) {
        if (changed) FUZZ_CHECK(what == f->second, path + " is \"" + what + "\", the signed manifest says \"" + f->second + "\" " + why);
        continue;
      }
      if (!changed || allowed.special.count(path)) continue;
      FUZZ_CHECK(what.starts_with("dir ") && allowed.dirs.count(path),
                 "unexpected write to " + path + " (" + what + ") " + why);
    }
    if (!complete) return;
    for (const auto& [path, entry] : allowed.files) {
      auto a = after.find(path);
      FUZZ_CHECK(a != after.end() && a->second == entry,
                 "installed " + path + " is \"" + (a == after.end() ? "missing" : a->second) +
                     "\", the signed manifest says \"" + entry + "\"");
    }
    for (std::size_t i = 0; i < plan.size(); ++i) {
      if (plan[i].action == FileAction::kUnchanged || plan[i].action == FileAction::kOtherPlatform) {
        auto b = before_.find(plan[i].final_path);
        auto a = after.find(plan[i].final_path);
        FUZZ_CHECK((b == before_.end()) == (a == after.end()) &&
                       (b == before_.end() || b->second == a->second),
                   "a file that was not to be written changed: " + m.files[i].path);
      }
    }
    if (has_versions) CheckVersionsJson(m, plan);
    CheckState(m, plan);
  }

 private:
  static std::string JoinSet(const std::set<std::string>& s) {
    return "[" + Join(std::vector<std::string>(s.begin(), s.end()), " ") + "]";
  }

  // The merge's properties (docs/rancher-desktop.md, "k3s-versions.json"; versions_merge.h),
  // not a second copy of it: the old file counts as RD reads it (RdReadCache: merged into only
  // when RD uses it, entries semver.parse rejects skipped), every version this install
  // completed is listed, nothing else appears, and an old version or channel disappears only
  // when another build of its X.Y.Z (RD keys versions by X.Y.Z) takes its place.
  void CheckVersionsJson(const Manifest& m, const std::vector<Expected>& plan) {
    const auto* n = fs_.Find(VersionsPath());
    FUZZ_CHECK(n != nullptr && !n->dir, "k3s-versions.json missing after install");
    auto merged = ParseK3sVersionsFile(n->file->data, "k3s-versions.json",
                                       K3sVersionsParseMode::kUserCache);
    FUZZ_CHECK(merged.has_value(), "merged k3s-versions.json does not parse: " + merged.error().message());
    std::set<std::string> old;
    std::map<std::string, std::string> old_channels;
    bool old_used = false;
    if (versions_before_) {
      const RdCacheView view = RdReadCache(*versions_before_, std::nullopt);
      if (view.verdict == RdCacheVerdict::kUsed) {
        old_used = true;
        old.insert(view.parsed.begin(), view.parsed.end());
        old_channels = view.parsed_channels;
      }
    }
    std::set<std::string> bundled(m.k3s_versions.begin(), m.k3s_versions.end());
    std::set<std::string> installed;
    for (std::size_t i = 0; i < plan.size(); ++i) {
      const ManifestFile& f = m.files[i];
      if (f.role != FileRole::kK3sBinary) continue;
      if (plan[i].action != FileAction::kWrite && plan[i].action != FileAction::kUnchanged) continue;
      auto where = ClassifyPayloadPath(f.path);
      // Only versions complete for the arch RD will use are listed, also with --all-platforms
      // (issue 14 item 5; installer_commit.cc K3sVersionDirComplete with dest.arch).
      if (where->arch != s_.arch) continue;
      if (bundled.count(where->k3s_version)) installed.insert(where->k3s_version);
    }
    std::set<std::string> got(merged->versions.begin(), merged->versions.end());
    FUZZ_CHECK(got.size() == merged->versions.size(), "merged k3s-versions.json lists a version twice");
    std::set<std::string> keys;
    for (const std::string& v : got) {
      auto parsed = NodeSemverParse(v);
      FUZZ_CHECK(parsed.has_value(), "merged k3s-versions.json lists " + v + ", which RD cannot parse");
      keys.insert(parsed->key);
      const auto* dir = fs_.Find(layout_.cache + "/k3s/" + v);
      FUZZ_CHECK(old.count(v) || installed.count(v) || (!old_used && dir != nullptr && dir->dir),
                 "merged k3s-versions.json lists " + v + ", which is neither in the old file " +
                     JoinSet(old) + " nor installed " + JoinSet(installed));
    }
    for (const std::string& v : installed) {
      FUZZ_CHECK(got.count(v), "merged k3s-versions.json " + JoinSet(got) + " does not list " + v +
                                   ", which this install completed");
    }
    for (const std::string& v : old) {
      FUZZ_CHECK(got.count(v) || keys.count(NodeSemverParse(v)->key),
                 "merge dropped " + v + " of the old file: " + JoinSet(got));
    }
    for (const auto& [name, value] : old_channels) {
      if (!keys.count(value)) continue;  // RD ignores a channel that names no listed version
      auto it = merged->channels.find(name);
      FUZZ_CHECK(it != merged->channels.end() && it->second == value,
                 "merge changed the existing channel " + name);
    }
  }

  void CheckState(const Manifest& m, const std::vector<Expected>& plan) {
    const auto* n = fs_.Find(StatePath());
    auto b = before_.find(StatePath());
    if (n == nullptr) {
      FUZZ_CHECK(b == before_.end(), "install record removed");
      return;
    }
    FUZZ_CHECK(!n->dir, "install record is a directory");
    const std::string now = fs_.Listing()[StatePath()];
    if (b != before_.end() && b->second == now) return;  // not rewritten
    auto state = unpacker::ParseInstallState(n->file->data, "state");
    FUZZ_CHECK(state.has_value(), "install record does not parse: " + state.error().message());
    FUZZ_CHECK(!state->installs.empty() && state->installs.back().bundle_id == m.bundle_id,
               "install record does not end with this bundle");
    for (std::size_t i = 0; i < plan.size(); ++i) {
      if (plan[i].action != FileAction::kWrite) continue;
      // A path that is not UTF-8 is left out of the record (SerializeInstallState).
      if (!IsUtf8(plan[i].raw_final)) continue;
      auto it = state->files.find(plan[i].raw_final);
      FUZZ_CHECK(it != state->files.end() && it->second.sha256 == m.files[i].sha256 &&
                     it->second.size == m.files[i].size,
                 "install record misses " + plan[i].final_path);
    }
  }

  MemFs& fs_;
  const InstallSetup& s_;
  const Layout layout_;
  Listing before_;
  std::optional<std::string> versions_before_;
};

}  // namespace

Status VerifyBundle(const std::string& bundle, const InstallSetup& setup) {
  auto reader = OpenReader(bundle, setup);
  auto pre = reader->ReadPreamble(FuzzTrustedKeys());
  if (!pre.has_value()) {
    CheckNotInternal(pre.error());
    return pre.error();
  }
  VerifyOnly handler;
  Status s = reader->ReadPayloads(handler);
  CheckNotInternal(s);
  return s;
}

Outcome InstallAndCheck(const std::string& bundle, MemFs& fs, const InstallSetup& setup) {
  Checker check(fs, setup);
  fs.set_free_bytes(setup.free_bytes);
  fs.FailAt(setup.fail_at);
  Outcome o;
  auto reader = OpenReader(bundle, setup);
  auto pre = reader->ReadPreamble(FuzzTrustedKeys());
  if (!pre.has_value()) {
    o.status = pre.error();
    CheckNotInternal(o.status);
    o.fault_fired = fs.fault_fired();
    check.Unchanged(o);
    return o;
  }
  const Manifest& m = (*pre)->manifest;
  FUZZ_CHECK(ValidateManifest(m).ok(), "reader returned a manifest that does not validate");
  InstallReport report;
  {
    Destinations dest{setup.os, setup.arch, setup.home, setup.cache_dir, setup.kuberlr_dir};
    Installer installer(fs, unpacker::InstallOptions{dest, setup.dry_run, setup.all_platforms,
                                                     setup.force});
    o.stage = Stage::kPrepare;
    o.status = installer.Prepare(**pre);
    if (o.status.ok()) {
      o.stage = Stage::kPayload;
      o.status = reader->ReadPayloads(installer.handler());
    }
    if (o.status.ok()) {
      o.stage = Stage::kCommit;
      auto r = installer.Commit(reader->small_files());
      o.status = r.status();
      if (r.has_value()) o.stage = Stage::kDone;
    }
    report = installer.report();
  }  // a failed install rolls back here
  CheckNotInternal(o.status);
  o.fault_fired = fs.fault_fired();
  if (o.stage == Stage::kPrepare && report.plan.empty()) {
    check.Unchanged(o);
    return o;
  }
  const std::vector<Expected> plan = check.Plan(m, report);
  if (setup.dry_run || (o.stage != Stage::kCommit && o.stage != Stage::kDone)) {
    check.Unchanged(o);
  } else {
    check.Committed(m, plan, o, o.stage == Stage::kDone);
  }
  return o;
}

void CheckAgreement(const Status& verify, const Outcome& install, bool dry_run) {
  (void)dry_run;
  FUZZ_CHECK(verify.ok() == install.status.ok(),
             "verify says \"" + (verify.ok() ? std::string("OK") : verify.message()) +
                 "\", install says \"" +
                 (install.status.ok() ? std::string("OK") : install.status.message()) + "\"");
  if (!verify.ok() && (install.stage == Stage::kPreamble || install.stage == Stage::kPayload)) {
    FUZZ_CHECK(verify.code() == install.status.code(),
               "verify and install fail differently: \"" + verify.message() + "\" vs \"" +
                   install.status.message() + "\"");
  }
}

}  // namespace rdbundle::fuzz
