#include "unpacker/state.h"

#include <limits>

#include "common/base/utf8.h"
#include "common/format/json_strict.h"

namespace rdbundle::unpacker {
namespace {

Status ParseRecord(const Json& j, const std::string& what, InstallRecord& r) {
  if (!j.is_object()) return Status::Corrupt(what + ": expected an object");
  RDB_ASSIGN_OR_RETURN(r.bundle_id, GetString(j, "bundleId", what));
  RDB_ASSIGN_OR_RETURN(r.key_id, GetString(j, "keyId", what));
  RDB_ASSIGN_OR_RETURN(r.created, GetString(j, "created", what));
  RDB_ASSIGN_OR_RETURN(r.installed_at, GetString(j, "installedAt", what));
  RDB_ASSIGN_OR_RETURN(r.generator, GetString(j, "generator", what));
  RDB_ASSIGN_OR_RETURN(r.target, GetString(j, "target", what));
  RDB_ASSIGN_OR_RETURN(r.files, GetUnsigned(j, "files", what));
  RDB_ASSIGN_OR_RETURN(r.bytes, GetUnsigned(j, "bytes", what));
  return Status::Ok();
}

Status ParseFileEntry(const Json& j, const std::string& what, InstalledFile& f) {
  if (!j.is_object()) return Status::Corrupt(what + ": expected an object");
  RDB_ASSIGN_OR_RETURN(f.sha256, GetString(j, "sha256", what));
  RDB_ASSIGN_OR_RETURN(f.size, GetUnsigned(j, "size", what));
  RDB_ASSIGN_OR_RETURN(std::uint64_t mtime, GetUnsigned(j, "mtimeNs", what));
  // Stored as int64_t (FileInfo::mtime_ns): a larger value would turn negative here and be
  // written back as 0, so the record would not round-trip.
  if (mtime > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    return Status::Corrupt(what + ": mtimeNs: out of range");
  }
  f.mtime_ns = static_cast<std::int64_t>(mtime);
  RDB_ASSIGN_OR_RETURN(f.inode, GetUnsigned(j, "inode", what));
  RDB_ASSIGN_OR_RETURN(f.bundle_id, GetString(j, "bundleId", what));
  return Status::Ok();
}

}  // namespace

Result<InstallState> ParseInstallState(std::string_view text, std::string_view what_view) {
  const std::string what(what_view);
  RDB_ASSIGN_OR_RETURN(Json root, ParseJsonStrict(text, what, kMaxStateBytes));
  if (!root.is_object()) return Status::Corrupt(what + ": expected an object");
  RDB_ASSIGN_OR_RETURN(std::uint64_t version, GetUnsigned(root, "stateVersion", what));
  if (version != static_cast<std::uint64_t>(kStateVersion)) {
    return Status::Unsupported(what + ": unsupported stateVersion " + std::to_string(version));
  }
  InstallState state;
  RDB_ASSIGN_OR_RETURN(const Json* installs, GetArray(root, "installs", what));
  for (const auto& j : *installs) {
    InstallRecord r;
    RDB_RETURN_IF_ERROR(ParseRecord(j, what + ": installs", r));
    state.installs.push_back(std::move(r));
  }
  RDB_ASSIGN_OR_RETURN(const Json* files, GetObject(root, "files", what));
  for (const auto& [path, j] : files->items()) {
    InstalledFile f;
    RDB_RETURN_IF_ERROR(ParseFileEntry(j, what + ": files: " + path, f));
    state.files.emplace(path, std::move(f));
  }
  return state;
}

std::string SerializeInstallState(const InstallState& state) {
  OrderedJson root;
  root["stateVersion"] = kStateVersion;
  root["installs"] = OrderedJson::array();
  for (const auto& r : state.installs) {
    OrderedJson j;
    j["bundleId"] = r.bundle_id;
    j["keyId"] = r.key_id;
    j["created"] = r.created;
    j["installedAt"] = r.installed_at;
    j["generator"] = r.generator;
    j["target"] = r.target;
    j["files"] = r.files;
    j["bytes"] = r.bytes;
    root["installs"].push_back(std::move(j));
  }
  root["files"] = OrderedJson::object();
  for (const auto& [path, f] : state.files) {
    // Destination paths are bytes on POSIX and need not be UTF-8 (a Latin-1 home directory),
    // which JSON cannot hold: nlohmann's strict dump threw out of Installer::Commit, after the
    // files were in place, and replacing the bad bytes would let two paths collide as one key.
    // Such a file is left out of the record; the next install rewrites it instead of finding
    // it unchanged.
    if (!IsUtf8(path)) continue;
    OrderedJson j;
    j["sha256"] = f.sha256;
    j["size"] = f.size;
    j["mtimeNs"] = static_cast<std::uint64_t>(f.mtime_ns < 0 ? 0 : f.mtime_ns);
    j["inode"] = f.inode;
    j["bundleId"] = f.bundle_id;
    root["files"][path] = std::move(j);
  }
  // Never throws (paths that are not UTF-8 were left out above).
  return root.dump(2, ' ', false, OrderedJson::error_handler_t::replace) + "\n";
}

namespace {

InstallState StateFromText(const Result<std::string>& text, const std::string& path,
                           std::string* warning) {
  if (!text.has_value()) {
    if (text.error().code() != ErrorCode::kNotFound && warning != nullptr) {
      *warning = text.error().message() + " (ignored)";
    }
    return {};
  }
  auto state = ParseInstallState(*text, path);
  if (!state.has_value()) {
    if (warning != nullptr) *warning = state.error().message() + " (ignored; it will be rewritten)";
    return {};
  }
  return std::move(state).value();
}

}  // namespace

InstallState LoadInstallState(Fs& fs, const std::string& cache_dir, std::string* warning) {
  const std::string path = JoinPath(cache_dir, kStateFileName);
  return StateFromText(ReadRegularFileToString(fs, path, kMaxStateBytes), path, warning);
}

InstallState LoadInstallState(Dir& cache, std::string* warning) {
  return StateFromText(ReadFileToString(cache, kStateFileName, kMaxStateBytes),
                       JoinPath(cache.path(), kStateFileName), warning);
}

}  // namespace rdbundle::unpacker
