#include "common/format/json_strict.h"

#include <algorithm>
#include <set>
#include <vector>

#include "common/format/limits.h"

namespace rdbundle {
namespace {

// Thrown from the parser callback to abort parsing with our own message.
struct StrictJsonError {
  std::string message;
};

Result<Json> ParseJsonImpl(std::string_view text, std::string_view what, std::size_t max_bytes,
                           bool strict);

}  // namespace

Result<Json> ParseJsonStrict(std::string_view text, std::string_view what, std::size_t max_bytes) {
  return ParseJsonImpl(text, what, max_bytes, /*strict=*/true);
}

Result<Json> ParseJsonLikeJavaScript(std::string_view text, std::string_view what,
                                     std::size_t max_bytes) {
  return ParseJsonImpl(text, what, max_bytes, /*strict=*/false);
}

namespace {

Result<Json> ParseJsonImpl(std::string_view text, std::string_view what, std::size_t max_bytes,
                           bool strict) {
  if (text.size() > max_bytes) {
    return Status::Limit(std::string(what) + ": " + std::to_string(text.size()) +
                         " bytes exceeds the limit of " + std::to_string(max_bytes));
  }
  // One set of seen keys per open object; nlohmann keeps the last duplicate silently.
  std::vector<std::set<std::string>> seen;
  auto callback = [&](int depth, Json::parse_event_t event, Json& parsed) -> bool {
    if (depth > kMaxJsonDepth) {
      throw StrictJsonError{"nesting deeper than " + std::to_string(kMaxJsonDepth)};
    }
    switch (event) {
      case Json::parse_event_t::object_start:
        seen.emplace_back();
        break;
      case Json::parse_event_t::object_end:
        if (!seen.empty()) seen.pop_back();
        break;
      case Json::parse_event_t::key: {
        const auto& key = parsed.get_ref<const std::string&>();
        if (strict && (seen.empty() || !seen.back().insert(key).second)) {
          throw StrictJsonError{"duplicate key \"" + key + "\""};
        }
        break;
      }
      default:
        break;
    }
    return true;
  };
  try {
    return Json::parse(text.begin(), text.end(), callback, /*allow_exceptions=*/true,
                       /*ignore_comments=*/false);
  } catch (const StrictJsonError& e) {
    return Status::Corrupt(std::string(what) + ": " + e.message);
  } catch (const Json::exception& e) {
    // e.what() is "[json.exception.parse_error.101] parse error at line 1, column 5: ...";
    // drop the bracketed id, keep the position and reason.
    std::string msg = e.what();
    if (auto close = msg.find("] "); msg.starts_with("[json.exception") && close != msg.npos) {
      msg.erase(0, close + 2);
    }
    return Status::Corrupt(std::string(what) + ": invalid JSON: " + msg);
  }
}

}  // namespace

Result<std::string> GetString(const Json& obj, std::string_view key, std::string_view what) {
  auto it = obj.find(key);
  if (it == obj.end()) return Status::Corrupt(std::string(what) + ": missing field " + std::string(key));
  if (!it->is_string()) {
    return Status::Corrupt(std::string(what) + ": " + std::string(key) + ": expected a string");
  }
  return it->get<std::string>();
}

Result<std::uint64_t> GetUnsigned(const Json& obj, std::string_view key, std::string_view what) {
  auto it = obj.find(key);
  if (it == obj.end()) return Status::Corrupt(std::string(what) + ": missing field " + std::string(key));
  if (!it->is_number_unsigned()) {
    return Status::Corrupt(std::string(what) + ": " + std::string(key) +
                           ": expected a non-negative integer");
  }
  return it->get<std::uint64_t>();
}

Result<const Json*> GetArray(const Json& obj, std::string_view key, std::string_view what) {
  auto it = obj.find(key);
  if (it == obj.end()) return Status::Corrupt(std::string(what) + ": missing field " + std::string(key));
  if (!it->is_array()) {
    return Status::Corrupt(std::string(what) + ": " + std::string(key) + ": expected an array");
  }
  return &*it;
}

Result<const Json*> GetObject(const Json& obj, std::string_view key, std::string_view what) {
  auto it = obj.find(key);
  if (it == obj.end()) return Status::Corrupt(std::string(what) + ": missing field " + std::string(key));
  if (!it->is_object()) {
    return Status::Corrupt(std::string(what) + ": " + std::string(key) + ": expected an object");
  }
  return &*it;
}

Status CheckOnlyKeys(const Json& obj, std::initializer_list<std::string_view> allowed,
                     std::string_view what) {
  for (const auto& [key, value] : obj.items()) {
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      return Status::Corrupt(std::string(what) + ": unknown field " + key);
    }
  }
  return Status::Ok();
}

}  // namespace rdbundle
