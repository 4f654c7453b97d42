// The one place that parses JSON and catches nlohmann::json exceptions.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "common/base/status.h"

namespace rdbundle {

using Json = nlohmann::json;
// Keeps insertion order: used by serializers whose byte output must be stable.
using OrderedJson = nlohmann::ordered_json;

// Parses `text` as one JSON value. Rejects (kCorrupt, "<what>: ..."): invalid JSON or UTF-8,
// trailing content, duplicate object keys, nesting deeper than kMaxJsonDepth, and texts larger
// than max_bytes (kLimitExceeded). `what` names the input in messages, e.g. "manifest.json".
Result<Json> ParseJsonStrict(std::string_view text, std::string_view what, std::size_t max_bytes);
// As JavaScript's JSON.parse reads files other programs wrote (RD's k3s-versions.json):
// duplicate keys allowed, the last one wins. Still capped (max_bytes, kMaxJsonDepth).
Result<Json> ParseJsonLikeJavaScript(std::string_view text, std::string_view what,
                                     std::size_t max_bytes);

// Small typed accessors for strict schema checks. Each fails with
// "<what>: <key>: expected <type>" or "<what>: missing field <key>".
Result<std::string> GetString(const Json& obj, std::string_view key, std::string_view what);
Result<std::uint64_t> GetUnsigned(const Json& obj, std::string_view key, std::string_view what);
Result<const Json*> GetArray(const Json& obj, std::string_view key, std::string_view what);
Result<const Json*> GetObject(const Json& obj, std::string_view key, std::string_view what);
// Fails with "<what>: unknown field <key>" for a key not in `allowed`.
Status CheckOnlyKeys(const Json& obj, std::initializer_list<std::string_view> allowed,
                     std::string_view what);

}  // namespace rdbundle
