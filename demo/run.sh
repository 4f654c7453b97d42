#!/usr/bin/env bash
# The main job end to end, in a sandbox: make a key, generate a small Rancher Desktop kit, pack
# it into one signed .rdbundle, check it with minisign and rdbundle-unpack, and install it into
# a sandbox HOME. Run by `./dev demo` as: demo/run.sh <build-dir>
set -euo pipefail

BUILD=$(cd "${1:?usage: demo/run.sh <build-dir>}" && pwd)
cd "$(dirname "$0")/.."
OUT=demo-out
rm -rf "$OUT"
mkdir -p "$OUT"

for tool in rdbundle-pack rdbundle-unpack rdbundle-sample-kit; do
  [ -x "$BUILD/$tool" ] || { echo "demo: $BUILD/$tool is missing (build first)" >&2; exit 1; }
done
rdbundle-pack() { "$BUILD/rdbundle-pack" "$@"; }
rdbundle-unpack() { "$BUILD/rdbundle-unpack" "$@"; }
rdbundle-sample-kit() { "$BUILD/rdbundle-sample-kit" "$@"; }

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
show() { printf '$ %s\n' "$*"; "$@"; }

step "1. a signing key (unencrypted, for the demo)"
show rdbundle-pack keygen -W -p "$OUT/demo.pub" -s "$OUT/demo.key"

step "2. a sample offline kit: k3s v1.29.8 and v1.30.4 (amd64, arm64), kubectl for 3 platforms"
show rdbundle-sample-kit "$OUT/kit" --k3s v1.29.8+k3s1 --k3s v1.30.4+k3s1 --arch amd64 \
  --arch arm64 --kubectl 1.30.4/linux/amd64 --kubectl 1.30.4/linux/arm64 \
  --kubectl 1.29.8/darwin/arm64 --kubectl 1.30.4/windows/amd64 \
  --binary-bytes 3M --images-bytes 4M --kubectl-bytes 2M
echo "$(find "$OUT/kit" -type f | wc -l) files, $(du -sh "$OUT/kit" | cut -f1) in $OUT/kit"

step "3. pack it into one signed bundle"
show rdbundle-pack build --from "$OUT/kit" -o "$OUT/kit.rdbundle" -s "$OUT/demo.key" --detached-sig

step "4. the detached signature checks with stock minisign"
if command -v minisign >/dev/null; then
  show minisign -Vm "$OUT/kit.rdbundle" -p "$OUT/demo.pub"
else
  echo "(minisign not installed; skipped)"
fi

step "5. offline side: verify every file against the signed manifest"
show rdbundle-unpack verify -p "$OUT/demo.pub" "$OUT/kit.rdbundle"

step "6. install into a sandbox HOME (this machine's layout)"
show rdbundle-unpack install -p "$OUT/demo.pub" --home "$OUT/home" "$OUT/kit.rdbundle"

step "7. what is installed"
show rdbundle-unpack list --installed --home "$OUT/home"
echo
find "$OUT/home" -type f -printf '%10s  %p\n' | sort -k2
