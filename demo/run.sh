#!/usr/bin/env bash
# The whole product in one run, in a sandbox, against a fake upstream on 127.0.0.1 (nothing
# leaves this machine): generate a fake k3s/kubectl upstream and serve it, plan and fetch a
# kit into one signed .rdbundle, rebuild it offline from the download cache, check it with
# minisign and rdbundle-unpack, install it into a sandbox HOME, and let doctor check the result;
# then, when docker-registry is installed, push it to a local registry and install it from there.
# Run by `./dev demo` as: demo/run.sh <build-dir>
set -euo pipefail

BUILD=$(cd "${1:?usage: demo/run.sh <build-dir>}" && pwd)
cd "$(dirname "$0")/.."
OUT=demo-out
rm -rf "$OUT"
mkdir -p "$OUT"

for tool in rdbundle-pack rdbundle-unpack rdbundle-fake-upstream; do
  [ -x "$BUILD/$tool" ] || { echo "demo: $BUILD/$tool is missing (build first)" >&2; exit 1; }
done
command -v python3 >/dev/null || { echo "demo: python3 is needed for the fake upstream" >&2; exit 1; }
rdbundle-pack() { "$BUILD/rdbundle-pack" "$@"; }
rdbundle-unpack() { "$BUILD/rdbundle-unpack" "$@"; }
rdbundle-fake-upstream() { "$BUILD/rdbundle-fake-upstream" "$@"; }

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
show() { printf '$ %s\n' "$*"; "$@"; }
requests() { wc -l <"$OUT/server.log" | tr -d ' '; }

case "$(uname -m)" in aarch64 | arm64) ARCH=arm64 ;; *) ARCH=amd64 ;; esac
case "$(uname -s)" in Darwin) HOST=darwin/$ARCH ;; *) HOST=linux/$ARCH ;; esac

step "1. a fake upstream (channel server, GitHub release list, k3s releases, kubectls, Rancher Desktop releases), served on 127.0.0.1"
show rdbundle-fake-upstream "$OUT/upstream" --binary-bytes 3M --images-bytes 6M --kubectl-bytes 2M
python3 tests/support/fake_upstream.py --root "$OUT/upstream" --port-file "$OUT/server.port" \
  --log "$OUT/server.log" &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true' EXIT
for _ in $(seq 100); do [ -s "$OUT/server.port" ] && break; sleep 0.1; done
[ -s "$OUT/server.port" ] || { echo "demo: the fake upstream did not start" >&2; exit 1; }
BASE=http://127.0.0.1:$(cat "$OUT/server.port")
echo "serving $OUT/upstream at $BASE (every request is logged in $OUT/server.log)"

step "2. a signing key (unencrypted, for the demo)"
show rdbundle-pack keygen -W -p "$OUT/demo.pub" -s "$OUT/demo.key"

step "3. a kit file: what this site builds each month (the mirrors are the fake upstream); its plan: the newest k3s of 1.29, 1.30 and 1.31 ($ARCH), kubectls for $HOST, macOS and Windows, the latest Rancher Desktop installer for Windows"
cat >"$OUT/kit.yaml" <<EOF
version: 1
k3s:
  minors: 1.29-1.31
arches: [$ARCH]
kubectl:
  platforms: [$HOST, darwin/arm64, windows/amd64]
rd:
  installers: [latest]
  platforms: [windows]
mirrors:
  channel-url: $BASE/v1-release/channels
  k3s-release-url: $BASE/releases/k3s
  k3s-releases-api: $BASE/repos/k3s-io/k3s/releases
  kubectl-url: $BASE/kubectl/release
  rd-release-url: $BASE/releases/rd
  rd-releases-api: $BASE/repos/rancher-sandbox/rancher-desktop/releases
output: kit-{date}.rdbundle
EOF
show cat "$OUT/kit.yaml"
show rdbundle-pack plan -f "$OUT/kit.yaml"

step "4. fetch (every file checked against its upstream checksum) and pack into one signed bundle (-o overrides the kit file's output name)"
show rdbundle-pack build -f "$OUT/kit.yaml" --download-dir "$OUT/downloads" -o "$OUT/kit.rdbundle" \
  -s "$OUT/demo.key" --detached-sig

step "5. the same build again, --offline: only the download cache, not a single request"
before=$(requests)
show rdbundle-pack build -f "$OUT/kit.yaml" --download-dir "$OUT/downloads" --offline \
  -o "$OUT/kit-again.rdbundle" -s "$OUT/demo.key"
echo "requests to the server during the offline build: $(($(requests) - before))"

step "6. the detached signature checks with stock minisign"
if command -v minisign >/dev/null; then
  show minisign -Vm "$OUT/kit.rdbundle" -p "$OUT/demo.pub"
else
  echo "(minisign not installed; skipped)"
fi

step "7. offline side: verify every file against the signed manifest"
show rdbundle-unpack verify -p "$OUT/demo.pub" "$OUT/kit.rdbundle"

step "8. install into a sandbox HOME (this machine's layout), with the kubectl coverage; the Windows installer is for another platform"
mkdir -p "$OUT/home" "$OUT/winhome"  # homes exist; install refuses a --home that does not
show rdbundle-unpack install -p "$OUT/demo.pub" --home "$OUT/home" "$OUT/kit.rdbundle"

step "8b. the same bundle for Rancher Desktop on Windows (from WSL: --home /mnt/c/Users/<you>): the carried installer is placed into <home>/rancher-desktop-installers, with the next step"
show rdbundle-unpack install -p "$OUT/demo.pub" --target-os windows --home "$OUT/winhome" "$OUT/kit.rdbundle"

step "9. what is installed"
find "$OUT/home" -type f ! -name '*.json' -printf '%10s  %p\n' | sort -k2

step "10. doctor: is this RD setup complete for offline use?"
show rdbundle-unpack doctor --home "$OUT/home"

step "11. through an OCI registry (Debian's docker-registry on 127.0.0.1, when installed): push, ls, pull straight into install"
if command -v docker-registry >/dev/null; then
  REG_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  printf 'version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: %s\nhttp:\n  addr: 127.0.0.1:%s\n' \
    "$PWD/$OUT/registry" "$REG_PORT" >"$OUT/registry.yml"
  docker-registry serve "$OUT/registry.yml" 2>"$OUT/registry.log" &
  REGISTRY=$!
  trap 'kill "$SERVER" "$REGISTRY" 2>/dev/null || true; wait 2>/dev/null || true' EXIT
  for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$REG_PORT") 2>/dev/null && break; sleep 0.1; done
  REF=oci://127.0.0.1:$REG_PORT/rd/kit
  show rdbundle-pack push "$OUT/kit.rdbundle" "$REF:demo" -p "$OUT/demo.pub" --plain-http
  show rdbundle-pack ls "$REF" --plain-http
  printf '$ rdbundle-pack pull %s --plain-http -o - | rdbundle-unpack install - -p %s --home %s\n' \
    "$REF:demo" "$OUT/demo.pub" "$OUT/home-from-registry"
  mkdir -p "$OUT/home-from-registry"
  rdbundle-pack pull "$REF:demo" --plain-http -o - |
    rdbundle-unpack install - -p "$OUT/demo.pub" --home "$OUT/home-from-registry"
else
  echo "(docker-registry not installed; skipped)"
fi
