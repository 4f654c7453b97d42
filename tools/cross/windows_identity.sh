#!/usr/bin/env bash
# windows_identity.sh NATIVE_BUILD WINDOWS_BUILD: the same bundle installed by the Windows
# binary under Wine and by the Linux binary with --target-os windows gives byte-identical trees
# (names, bytes, k3s-versions.json) (issue 17). The kit and the bundle come from the native
# build's rdbundle-sample-kit and rdbundle-pack. Exit 0 when identical, else the diff.
set -euo pipefail
native=$(cd "$1" && pwd) win=$(cd "$2" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d); [ -z "${KEEP:-}" ] || echo "work: $work"
trap '[ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT
"$native/rdbundle-sample-kit" "$work/kit" --k3s v1.30.4+k3s1 --k3s v1.31.1+k3s1 \
  --kubectl 1.30.4/windows/amd64 --kubectl 1.31.1/windows/amd64 >/dev/null
"$native/rdbundle-pack" keygen -W -p "$work/k.pub" -s "$work/k.key" >/dev/null
"$native/rdbundle-pack" build --from "$work/kit" -s "$work/k.key" -o "$work/kit.rdbundle" >/dev/null
mkdir "$work/linux-home" "$work/windows-home"  # --home names an existing home
"$native/rdbundle-unpack" install "$work/kit.rdbundle" -p "$work/k.pub" --target-os windows \
  --home "$work/linux-home" >/dev/null
"$HERE/wine.sh" "$win/rdbundle-unpack.exe" install "$work/kit.rdbundle" -p "$work/k.pub" \
  --home "$work/windows-home" --cache-dir "$work/windows-home/AppData/Local/rancher-desktop/cache" \
  >/dev/null
# Names and bytes; the install record names the home it went to, so compare it without it.
listing() {
  (cd "$1" && find . | sort)
  (cd "$1" && find . -type f ! -name '*.json' -exec sha256sum {} + | sort -k2)
  (cd "$1" && find . -name 'k3s-versions.json' -exec cat {} +)
}
if ! diff <(listing "$work/linux-home") <(listing "$work/windows-home"); then
  echo "windows_identity: the trees differ (above: < linux --target-os windows, > windows)" >&2
  exit 1
fi
echo "windows_identity: identical ($(cd "$work/linux-home" && find . -type f | wc -l) files)"
