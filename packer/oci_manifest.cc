#include "packer/oci_manifest.h"

#include "common/base/quote.h"
#include "common/base/strings.h"
#include "common/format/hash.h"
#include "common/format/json_strict.h"
#include "common/format/limits.h"
#include "packer/oci_ref.h"

namespace rdbundle::packer {
namespace {

constexpr std::string_view kDockerManifestMediaType =
    "application/vnd.docker.distribution.manifest.v2+json";

// A key or value from the registry, for a message.
std::string QuoteKey(std::string_view k) { return QuoteForMessage(k.substr(0, 100)); }

OrderedJson DescriptorJson(const OciDescriptor& d) {
  OrderedJson j;
  j["mediaType"] = d.media_type;
  if (!d.artifact_type.empty()) j["artifactType"] = d.artifact_type;
  j["digest"] = d.digest;
  j["size"] = d.size;
  // The empty config's content inline (image-spec descriptor.md "Embedded content").
  if (d.digest == kEmptyDigest && d.size == 2) j["data"] = "e30=";
  if (!d.annotations.empty()) {
    OrderedJson a = OrderedJson::object();
    for (const auto& [k, v] : d.annotations) a[k] = v;
    j["annotations"] = a;
  }
  return j;
}

Result<std::map<std::string, std::string>> ParseAnnotations(const Json& obj, std::string_view what) {
  std::map<std::string, std::string> out;
  auto it = obj.find("annotations");
  if (it == obj.end() || it->is_null()) return out;
  if (!it->is_object()) return Status::Corrupt(std::string(what) + ": annotations: expected an object");
  if (it->size() > kMaxOciAnnotations) {
    return Status::Limit(std::string(what) + ": more than " + std::to_string(kMaxOciAnnotations) +
                         " annotations");
  }
  for (const auto& [k, v] : it->items()) {
    if (!v.is_string()) {
      return Status::Corrupt(std::string(what) + ": annotation " + QuoteKey(k) + ": expected a string");
    }
    const std::string& s = v.get_ref<const std::string&>();
    if (k.size() > kMaxOciAnnotationBytes || s.size() > kMaxOciAnnotationBytes) {
      return Status::Limit(std::string(what) + ": an annotation longer than " +
                           std::to_string(kMaxOciAnnotationBytes) + " bytes");
    }
    out[k] = s;
  }
  return out;
}

Result<OciDescriptor> ParseDescriptor(const Json& j, std::string_view what) {
  if (!j.is_object()) return Status::Corrupt(std::string(what) + ": expected an object");
  OciDescriptor d;
  RDB_ASSIGN_OR_RETURN(d.media_type, GetString(j, "mediaType", what));
  RDB_ASSIGN_OR_RETURN(d.digest, GetString(j, "digest", what));
  RDB_ASSIGN_OR_RETURN(d.size, GetUnsigned(j, "size", what));
  if (d.media_type.empty() || d.media_type.size() > 255) {
    return Status::Corrupt(std::string(what) + ": mediaType: empty or longer than 255 bytes");
  }
  if (!IsValidSha256Digest(d.digest)) {
    return Status::Corrupt(std::string(what) + ": digest: not sha256:<64 lowercase hex>");
  }
  if (auto at = j.find("artifactType"); at != j.end()) {
    if (!at->is_string()) return Status::Corrupt(std::string(what) + ": artifactType: expected a string");
    d.artifact_type = at->get<std::string>();
  }
  RDB_ASSIGN_OR_RETURN(d.annotations, ParseAnnotations(j, what));
  return d;
}

}  // namespace

std::string SerializeOciManifest(const OciManifest& m) {
  OrderedJson j;
  j["schemaVersion"] = 2;
  j["mediaType"] = m.media_type.empty() ? std::string(kOciManifestMediaType) : m.media_type;
  if (!m.artifact_type.empty()) j["artifactType"] = m.artifact_type;
  j["config"] = DescriptorJson(m.config);
  OrderedJson layers = OrderedJson::array();
  for (const auto& l : m.layers) layers.push_back(DescriptorJson(l));
  j["layers"] = layers;
  if (m.subject) j["subject"] = DescriptorJson(*m.subject);
  if (!m.annotations.empty()) {
    OrderedJson a = OrderedJson::object();
    for (const auto& [k, v] : m.annotations) a[k] = v;
    j["annotations"] = a;
  }
  return j.dump();
}

Result<OciManifest> ParseOciManifest(std::string_view bytes, std::string_view what) {
  const std::string w(what);
  RDB_ASSIGN_OR_RETURN(Json j, ParseJsonStrict(bytes, what, kMaxOciManifestBytes));
  if (!j.is_object()) return Status::Corrupt(w + ": expected a JSON object");
  RDB_ASSIGN_OR_RETURN(std::uint64_t schema, GetUnsigned(j, "schemaVersion", what));
  if (schema != 2) return Status::Corrupt(w + ": schemaVersion " + std::to_string(schema) + ", expected 2");
  OciManifest m;
  if (auto mt = j.find("mediaType"); mt != j.end()) {
    if (!mt->is_string()) return Status::Corrupt(w + ": mediaType: expected a string");
    m.media_type = mt->get<std::string>();
    if (m.media_type == kOciIndexMediaType) {
      return Status::Corrupt(w + ": an image index, not an image manifest");
    }
    if (m.media_type != kOciManifestMediaType && m.media_type != kDockerManifestMediaType) {
      return Status::Corrupt(w + ": mediaType " + QuoteKey(m.media_type) + " is not an image manifest");
    }
  }
  if (auto at = j.find("artifactType"); at != j.end()) {
    if (!at->is_string()) return Status::Corrupt(w + ": artifactType: expected a string");
    m.artifact_type = at->get<std::string>();
  }
  RDB_ASSIGN_OR_RETURN(const Json* config, GetObject(j, "config", what));
  RDB_ASSIGN_OR_RETURN(m.config, ParseDescriptor(*config, w + ": config"));
  RDB_ASSIGN_OR_RETURN(const Json* layers, GetArray(j, "layers", what));
  if (layers->size() > kMaxOciLayers) {
    return Status::Limit(w + ": more than " + std::to_string(kMaxOciLayers) + " layers");
  }
  for (std::size_t i = 0; i < layers->size(); ++i) {
    RDB_ASSIGN_OR_RETURN(OciDescriptor d,
                         ParseDescriptor((*layers)[i], w + ": layers[" + std::to_string(i) + "]"));
    m.layers.push_back(std::move(d));
  }
  if (auto s = j.find("subject"); s != j.end() && !s->is_null()) {
    RDB_ASSIGN_OR_RETURN(OciDescriptor d, ParseDescriptor(*s, w + ": subject"));
    m.subject = std::move(d);
  }
  RDB_ASSIGN_OR_RETURN(m.annotations, ParseAnnotations(j, what));
  return m;
}

OciManifest BundleArtifact(const Manifest& sm, const std::string& file_name,
                           const OciDescriptor& bundle, const std::optional<OciDescriptor>& sig) {
  OciManifest m;
  m.media_type = std::string(kOciManifestMediaType);
  m.artifact_type = std::string(kBundleArtifactType);
  m.config = {std::string(kEmptyMediaType), std::string(kEmptyDigest), 2, "", {}};
  OciDescriptor b = bundle;
  b.media_type = std::string(kBundleLayerMediaType);
  b.annotations[std::string(kTitleAnnotation)] = file_name;
  m.layers.push_back(std::move(b));
  if (sig) {
    OciDescriptor s = *sig;
    s.media_type = std::string(kSignatureLayerMediaType);
    s.annotations[std::string(kTitleAnnotation)] = file_name + ".minisig";
    m.layers.push_back(std::move(s));
  }
  std::vector<std::string> arches, kubectls;
  for (Arch a : sm.k3s_arches) arches.emplace_back(ArchName(a));
  for (const auto& k : sm.kubectl) {
    kubectls.push_back(k.version + "/" + std::string(OsName(k.os)) + "/" + std::string(ArchName(k.arch)));
  }
  auto& a = m.annotations;
  a[std::string(kCreatedAnnotation)] = sm.created;
  a[std::string(kBundleIdAnnotation)] = sm.bundle_id;
  a[std::string(kFormatAnnotation)] = std::to_string(sm.format_version);
  a[std::string(kK3sVersionsAnnotation)] = Join(sm.k3s_versions, ",");
  a[std::string(kK3sArchesAnnotation)] = Join(arches, ",");
  a[std::string(kKubectlAnnotation)] = Join(kubectls, ",");
  a[std::string(kKeyIdAnnotation)] = sm.key_id;
  return m;
}

bool IsSafeFileName(std::string_view name) {
  if (name.empty() || name.size() > 255 || name == "." || name == ".." || name.front() == '.') {
    return false;
  }
  for (char c : name) {
    if (c < 0x21 || c > 0x7e || c == '/' || c == '\\' || c == ':') return false;
  }
  return true;
}

Result<BundleLayers> FindBundleLayers(const OciManifest& m, std::string_view what) {
  const std::string w(what);
  const std::string& type = !m.artifact_type.empty() ? m.artifact_type : m.config.media_type;
  if (type != kBundleArtifactType && !(m.artifact_type.empty() && type == kEmptyMediaType)) {
    return Status::Corrupt(w + ": not an rdbundle artifact (artifactType " + QuoteKey(type) + ")");
  }
  BundleLayers out;
  for (const OciDescriptor& l : m.layers) {
    const OciDescriptor** slot = l.media_type == kBundleLayerMediaType      ? &out.bundle
                                 : l.media_type == kSignatureLayerMediaType ? &out.signature
                                                                            : nullptr;
    if (slot == nullptr) continue;  // a layer some other tool added: ignored
    if (*slot != nullptr) return Status::Corrupt(w + ": two layers of type " + l.media_type);
    *slot = &l;
  }
  if (out.bundle == nullptr) return Status::Corrupt(w + ": no layer of type " + std::string(kBundleLayerMediaType));
  if (out.bundle->size > kMaxOciBlobBytes) {
    return Status::Limit(w + ": the bundle layer is larger than " + std::to_string(kMaxOciBlobBytes) + " bytes");
  }
  if (out.signature != nullptr && out.signature->size > kMaxSignatureBlobBytes) {
    return Status::Limit(w + ": the signature layer is larger than " +
                         std::to_string(kMaxSignatureBlobBytes) + " bytes");
  }
  auto title = out.bundle->annotations.find(std::string(kTitleAnnotation));
  if (title != out.bundle->annotations.end() && IsSafeFileName(title->second)) {
    out.file_name = title->second;
  }
  return out;
}

Result<std::vector<std::string>> ParseOciTags(std::string_view bytes, std::string_view what) {
  const std::string w(what);
  RDB_ASSIGN_OR_RETURN(Json j, ParseJsonStrict(bytes, what, kMaxOciTagsBytes));
  if (!j.is_object()) return Status::Corrupt(w + ": expected a JSON object");
  std::vector<std::string> tags;
  auto it = j.find("tags");
  if (it == j.end() || it->is_null()) return tags;
  if (!it->is_array()) return Status::Corrupt(w + ": tags: expected an array");
  if (it->size() > kMaxOciTags) return Status::Limit(w + ": more than " + std::to_string(kMaxOciTags) + " tags");
  for (const Json& t : *it) {
    if (!t.is_string() || !IsValidTag(t.get_ref<const std::string&>())) {
      return Status::Corrupt(w + ": tags: an entry that is not a valid tag");
    }
    tags.push_back(t.get<std::string>());
  }
  return tags;
}

std::string OciDigestOf(std::string_view bytes) { return "sha256:" + Sha256::HexOf(bytes); }

}  // namespace rdbundle::packer
