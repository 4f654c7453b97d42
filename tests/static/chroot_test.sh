#!/usr/bin/env bash
# chroot_test.sh BUILD_DIR SOURCE_DIR: the static rdbundle-pack and rdbundle-unpack run in an
# empty root that holds nothing but them and their data: no /lib, no loader, no /etc (no
# passwd, hosts, resolv.conf, CA certificates), no /proc, no /dev. In there they make a key,
# pack a kit from a directory, fetch and pack one over HTTP from a fake upstream on 127.0.0.1
# (served from outside the root), verify, install into a home and run doctor; and
# rdbundle-unpack without $HOME says so (a static binary has no NSS to ask for the home).
# ctest `static_chroot` (static linux builds only). Exit 77 (skipped) when this user can
# neither chroot nor chroot in a user namespace.
set -euo pipefail
BUILD=$(cd "$1" && pwd)
SRC=$(cd "$2" && pwd)

W=$(mktemp -d "${TMPDIR:-/tmp}/rdb-chroot.XXXXXX")
SERVER=
cleanup() {
  [ -z "$SERVER" ] || { kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; }
  rm -rf "$W"
}
trap cleanup EXIT
fail() { printf 'static_chroot: %s\n' "$*" >&2; exit 1; }

ROOT=$W/root
mkdir -p "$ROOT/bin" "$ROOT/data" "$ROOT/home" "$ROOT/tmp"
cp "$BUILD/rdbundle-pack" "$BUILD/rdbundle-unpack" "$ROOT/bin/"

# how to enter the root: chroot as root, else in a user namespace where we are root
CHROOT=$(command -v chroot || echo /usr/sbin/chroot)
if [ "$(id -u)" = 0 ]; then
  ENTER=("$CHROOT" "$ROOT")
elif unshare -r true 2>/dev/null; then
  ENTER=("$(command -v unshare)" -r "$CHROOT" "$ROOT")
else
  echo "static_chroot: skipped: needs root or unprivileged user namespaces"; exit 77
fi
"${ENTER[@]}" /bin/rdbundle-unpack --version >/dev/null 2>&1 ||
  fail "rdbundle-unpack does not start in an empty root: $("${ENTER[@]}" /bin/rdbundle-unpack --version 2>&1 | head -3)"

# in ROOT, with an empty environment but for what is given
# in_root [NAME=VALUE...] PROGRAM ARGS...: runs PROGRAM in ROOT with only PATH, TMPDIR and these
in_root() {
  local vars=(PATH=/bin TMPDIR=/tmp)
  while [[ $1 == *=* ]]; do vars+=("$1"); shift; done
  env -i "${vars[@]}" "${ENTER[@]}" "$@"
}

# the data, written from outside: a kit on disk and a fake upstream
"$BUILD/rdbundle-sample-kit" "$ROOT/data/kit" >/dev/null
"$BUILD/rdbundle-fake-upstream" "$W/upstream" --binary-bytes 512K --images-bytes 1M \
  --kubectl-bytes 256K >/dev/null
python3 "$SRC/tests/support/fake_upstream.py" --root "$W/upstream" --port-file "$W/port" \
  --log "$W/server.log" &
SERVER=$!
for _ in $(seq 200); do [ -s "$W/port" ] && break; sleep 0.05; done
[ -s "$W/port" ] || fail "the fake upstream did not start"
BASE=http://127.0.0.1:$(cat "$W/port")

step() { printf '%s\n' "--- $*"; }
step "keygen"
in_root HOME=/home /bin/rdbundle-pack keygen -W -p /data/k.pub -s /data/k.key

step "pack a kit from a directory"
in_root HOME=/home /bin/rdbundle-pack build --from /data/kit --k3s v1.30.4+k3s1 --arch amd64 \
  -s /data/k.key -o /data/kit.rdbundle

step "fetch over HTTP (libcurl, no /etc) and pack"
in_root HOME=/home /bin/rdbundle-pack build --k3s v1.30.4+k3s1 --arch amd64 \
  --kubectl-platform linux/amd64 --channel-url "$BASE/v1-release/channels" \
  --k3s-release-url "$BASE/releases/k3s" --k3s-releases-api "$BASE/repos/k3s-io/k3s/releases" \
  --kubectl-url "$BASE/kubectl/release" --download-dir /data/downloads \
  -s /data/k.key -o /data/fetched.rdbundle
[ -s "$W/server.log" ] || fail "the fetch made no request to the fake upstream"

step "verify both"
in_root HOME=/home /bin/rdbundle-unpack verify -p /data/k.pub /data/kit.rdbundle
in_root HOME=/home /bin/rdbundle-unpack verify -p /data/k.pub /data/fetched.rdbundle

step "install (HOME=/home) and doctor"
in_root HOME=/home /bin/rdbundle-unpack install -p /data/k.pub /data/fetched.rdbundle
k3s=$ROOT/home/.cache/rancher-desktop/k3s/v1.30.4+k3s1/k3s
[ -f "$k3s" ] || fail "install did not write $k3s: $(cd "$ROOT/home" && find . | head -20)"
cmp -s "$k3s" "$W/upstream/releases/k3s/v1.30.4+k3s1/k3s" ||
  cmp -s "$k3s" "$(find "$W/upstream" -path '*v1.30.4*' -name k3s | head -1)" ||
  fail "the installed k3s differs from the upstream's"
in_root HOME=/home /bin/rdbundle-unpack doctor

step "no HOME: a clear error, not a crash"
set +e
out=$(in_root /bin/rdbundle-unpack install -p /data/k.pub /data/kit.rdbundle 2>&1)
rc=$?
set -e
[ $rc -ne 0 ] && [ $rc -lt 128 ] || fail "install without HOME: exit $rc, expected an error exit"
grep -q 'HOME is not set' <<<"$out" || fail "install without HOME said: $out"

# nothing but what we put there (plus what the tools wrote under /data and /home)
extra=$(cd "$ROOT" && ls -A | grep -vxE 'bin|data|home|tmp' || true)
[ -z "$extra" ] || fail "unexpected entries in the root: $extra"
echo "static_chroot: ok"
