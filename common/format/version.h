// k3s and kubectl version strings, their order, and the kubectl version-skew rule.
// Facts: docs/rancher-desktop.md#version-skew; the strings are k3s's and Kubernetes' tags.
//
// Every parser here is strict: the strings name directories and files on the user's machine
// (CACHE/k3s/<k3s version>/, ~/.kuberlr/<platform>/kubectl<X.Y.Z>), so there is exactly one
// accepted spelling of each version (no leading zeros, no whitespace, no alternative prefixes).
#pragma once

#include <compare>
#include <string>
#include <string_view>

#include "common/base/status.h"

namespace rdbundle {

// Largest accepted value of each numeric field (major, minor, patch, k3s build). Kubernetes is
// at 1.3x; the bound only keeps arithmetic (minor +- 1) far from overflow.
inline constexpr int kMaxVersionNumber = 999999;
// Longest accepted prerelease ("rc1" in v1.31.0-rc1+k3s1).
inline constexpr std::size_t kMaxPrereleaseBytes = 64;

// A k3s release: v<MAJOR>.<MINOR>.<PATCH>[-<prerelease>]+k3s<BUILD>.
struct K3sVersion {
  int major = 0;
  int minor = 0;
  int patch = 0;
  std::string prerelease;  // e.g. "rc1"; empty for a release
  int build = 0;           // N of "+k3sN"
  std::string text;        // as given, e.g. "v1.30.4+k3s1" (also the CACHE/k3s/ dir name)
};

// Accepts exactly v<N>.<N>.<N>[-<pre>]+k3s<N>: decimal numbers without leading zeros and at
// most kMaxVersionNumber; <pre> is dot-separated non-empty identifiers of [0-9A-Za-z-], numeric
// identifiers without leading zeros, at most kMaxPrereleaseBytes. kCorrupt otherwise, message
// "invalid k3s version \"<s>\" (<reason>)". Stricter than RD (node-semver also takes "1.30.4+k3s1"
// and "+k3s01"); no k3s release was ever tagged that way.
Result<K3sVersion> ParseK3sVersion(std::string_view s);
// True for a k3s version written without its build suffix ("v1.30.4", "v1.31.0-rc1"): one
// that parses once "+k3s1" is appended. For "did you mean v1.30.4+k3s1" messages.
bool IsK3sVersionWithoutBuild(std::string_view s);

// Order: major, minor, patch numerically; a prerelease sorts before its release; prereleases
// compare identifier by identifier (split on '.'), numeric identifiers numerically and below
// alphanumeric ones, alphanumeric identifiers by "natural" order (digit runs numerically, so
// rc2 < rc10; strict semver would compare "rc10" < "rc2" as text), fewer identifiers first;
// then the build number. Ties left by natural order (rc01 vs rc1, not produced by the parser
// for numeric identifiers) are broken by bytes, so equality means identical text.
std::strong_ordering operator<=>(const K3sVersion& a, const K3sVersion& b);
bool operator==(const K3sVersion& a, const K3sVersion& b);

// "1.30.4" or "1.31.0-rc1": no "v", no build suffix. This is the form of a channel value in
// k3s-versions.json and of RD's version key (node-semver's `version.version`).
std::string ChannelValue(const K3sVersion& v);

// A kubectl release. kuberlr names its files kubectl<X.Y.Z>: releases only, no prerelease.
struct KubectlVersion {
  int major = 0;
  int minor = 0;
  int patch = 0;

  std::string ToString() const;  // "1.30.4": the kuberlr file-name form
  std::string ToTag() const;     // "v1.30.4": the dl.k8s.io path form
  auto operator<=>(const KubectlVersion&) const = default;
};

// Accepts "v1.30.4" and "1.30.4" (same number rules as ParseK3sVersion); nothing after the
// patch. kCorrupt "invalid kubectl version \"<s>\" (<reason>)" otherwise.
Result<KubectlVersion> ParseKubectlVersion(std::string_view s);

// A Kubernetes minor release line, e.g. 1.30.
struct Minor {
  int major = 0;
  int minor = 0;

  std::string ToString() const;  // "1.30"
  auto operator<=>(const Minor&) const = default;
};

// A Rancher Desktop release, "X.Y.Z" (the version in its installer names and Info.plist).
struct RdVersion {
  int major = 0;
  int minor = 0;
  int patch = 0;

  std::string ToString() const;  // "1.19.0"
  auto operator<=>(const RdVersion&) const = default;
};

// Accepts "X.Y.Z" (same number rules as ParseK3sVersion; no "v", nothing after the patch).
// kCorrupt "invalid Rancher Desktop version \"<s>\" (<reason>)" otherwise.
Result<RdVersion> ParseRdVersion(std::string_view s);

Minor MinorOf(const K3sVersion& v);
Minor MinorOf(const KubectlVersion& v);

}  // namespace rdbundle
