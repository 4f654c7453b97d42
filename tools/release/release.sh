#!/usr/bin/env bash
# release.sh [--out DIR] [TARGET...]: the release archives (./dev release). For each target
# (default: all of tools/cross/targets) both tools are cross-built (tools/cross/build.sh
# --tools-only, in build-<target>/), checked (tools/cross/check.sh --binaries), stripped
# (ELF, PE; Mach-O keeps its linker's ad-hoc signature) and packed with README.md, LICENSE and
# THIRD_PARTY_LICENSES.txt into
#   DIR/rdbundle-<version>-<os>-<arch>.tar.gz   (.zip for windows)
# then DIR/SHA256SUMS (sha256sum format) and DIR/SHA256SUMS.minisig, and DIR/rdbundle-release.pub.
#
# THIRD_PARTY_LICENSES.txt: debian/copyright of the Debian source package of every library
# linked into the binaries (the versions built by tools/cross/cross-deps.sh for the target),
# then the licences of zig's runtime linked statically (musl or mingw-w64, libc++, libc++abi,
# libunwind, compiler-rt).
#
# Signing key: $RDBUNDLE_RELEASE_KEY, a secret key made by `rdbundle-pack keygen` (its password,
# if any, in $RDBUNDLE_RELEASE_PASSWORD_FILE), with its public key beside it (.pub for .key),
# or in $RDBUNDLE_RELEASE_PUB. Without it: a LOCAL key, made once under
# $RDB_CACHE/release-key/ and said so; such a release is good for testing only.
#
# Reproducible: the same source (checked out in any directory), toolchain and SOURCE_DATE_EPOCH
# (default: the time of the last commit) give the same bytes; minisign's signature of SHA256SUMS
# is deterministic (Ed25519) with the fixed trusted comment used here. ./dev test checks it
# (release_check in ./dev).
set -euo pipefail
RELDIR=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$RELDIR/../.." && pwd)
CROSSDIR=$ROOT/tools/cross
# lib.sh's helpers (target_row, target_names) read $HERE/targets: HERE stays tools/cross.
HERE=$CROSSDIR
# shellcheck source=tools/cross/lib.sh
. "$CROSSDIR/lib.sh"
die() { printf 'release: %s\n' "$*" >&2; exit 1; }

OUT=$ROOT/dist
targets=()
while [ $# -gt 0 ]; do
  case $1 in
    --out) OUT=$2; shift 2 ;;
    -*) die "unknown option $1" ;;
    *) target_row "$1" >/dev/null || die "unknown target '$1'"; targets+=("$1"); shift ;;
  esac
done
[ ${#targets[@]} -gt 0 ] || mapfile -t targets < <(target_names)
mkdir -p "$OUT"; OUT=$(cd "$OUT" && pwd)

VERSION=$(sed -n 's/^project(rdbundle VERSION \([0-9][0-9.]*\).*/\1/p' "$ROOT/CMakeLists.txt")
[ -n "$VERSION" ] || die "no version in CMakeLists.txt"
SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git -C "$ROOT" log -1 --format=%ct 2>/dev/null || echo 0)}
export SOURCE_DATE_EPOCH
ZIGLIB=$ZIG_HOME/ziglang/lib

# The libraries the tools link, per target (googletest and yaml-cpp are for the tests only).
linked_packages() {
  case $1 in
    windows-*) echo libzstd libsodium libarchive curl nlohmann-json3 ;;
    *) echo libzstd libsodium libarchive openssl curl nlohmann-json3 ;;
  esac
}

# notices TARGET: THIRD_PARTY_LICENSES.txt on stdout.
notices() {
  local t=$1 p
  cat <<EOF
Third-party software in the rdbundle-pack and rdbundle-unpack binaries for $t
==========================================================================================
The binaries are statically linked with the libraries below. Each section is the
debian/copyright file of the Debian source package the library was built from (unmodified
upstream sources with Debian's patches), then the licences of the runtime that the zig
$ZIG_VERSION toolchain links in. rdbundle itself is under the Apache License 2.0 (LICENSE).

EOF
  for p in $(linked_packages "$t"); do
    local stamp; stamp=$(ls "$CROSS/$t/$p"-*/.rdb-stamp 2>/dev/null | head -1)
    [ -n "$stamp" ] || die "$t: $p is not built (./dev cross-deps $t)"
    local v; v=$(sed -n "s/^package $p \(.*\)$/\1/p" "$stamp")
    local tree="$SRC/${p}_$v"
    [ -f "$tree/.tree" ] || die "$t: the source of $p $v is gone from $SRC"
    local copyright="$tree/$(cat "$tree/.tree")/debian/copyright"
    [ -f "$copyright" ] || die "$copyright is missing"
    printf '\n%s\n%s (Debian source package %s, version %s): debian/copyright\n%s\n\n' \
      "==========================================================================================" \
      "$p" "$p" "$v" "=========================================================================================="
    cat "$copyright"
  done
  local rt=()
  case $t in
    linux-*) rt+=("musl libc:libc/musl/COPYRIGHT") ;;
    windows-*) rt+=("mingw-w64 runtime and winpthreads:libc/mingw/COPYING") ;;
  esac
  rt+=("LLVM libc++ and libc++abi:libcxx/LICENSE.TXT" "LLVM libunwind:libunwind/LICENSE.TXT"
       "zig's compiler-rt and runtime (zig $ZIG_VERSION):../LICENSE")
  local r
  for r in "${rt[@]}"; do
    local name=${r%%:*} file=$ZIGLIB/${r#*:}
    [ -f "$file" ] || die "missing licence file $file"
    printf '\n%s\n%s, from the zig %s distribution (%s)\n%s\n\n' \
      "==========================================================================================" \
      "$name" "$ZIG_VERSION" "${r#*:}" "=========================================================================================="
    cat "$file"
  done
}

# strip_copy TARGET SRC DST: the shipped binary.
strip_copy() {
  case $1 in
    darwin-*) cp "$2" "$3" ;;   # linked with -s (CMakeLists.txt); stripping would void the signature
    *) llvm-objcopy --strip-all "$2" "$3" ;;
  esac
}

STAGE=$(mktemp -d "${TMPDIR:-/tmp}/rdb-release.XXXXXX")
trap 'rm -rf "$STAGE"' EXIT
archives=()
for t in "${targets[@]}"; do
  "$CROSSDIR/build.sh" --tools-only "$t" >&2
  dir=$ROOT/build-$t ext=""
  [[ $t == windows-* ]] && ext=.exe
  "$CROSSDIR/check.sh" --binaries "$t" "$dir/rdbundle-pack$ext" "$dir/rdbundle-unpack$ext" >/dev/null ||
    die "$t: the binaries fail the checks (tools/cross/check.sh --binaries)"
  s=$STAGE/$t; mkdir -p "$s"
  for b in rdbundle-pack rdbundle-unpack; do strip_copy "$t" "$dir/$b$ext" "$s/$b$ext"; done
  [[ $t == darwin-* ]] && { "$CROSSDIR/check.sh" --binaries "$t" "$s"/rdbundle-* >/dev/null || die "$t: stripped binaries fail the checks"; }
  notices "$t" >"$s/THIRD_PARTY_LICENSES.txt"
  name=rdbundle-$VERSION-$t
  archive=$name.tar.gz; [[ $t == windows-* ]] && archive=$name.zip
  python3 "$RELDIR/archive.py" "$OUT/$archive" "$name" "$SOURCE_DATE_EPOCH" \
    "$s/rdbundle-pack$ext=rdbundle-pack$ext:x" "$s/rdbundle-unpack$ext=rdbundle-unpack$ext:x" \
    "$ROOT/README.md=README.md" "$ROOT/LICENSE=LICENSE" \
    "$s/THIRD_PARTY_LICENSES.txt=THIRD_PARTY_LICENSES.txt"
  archives+=("$archive")
  printf '%-14s %s %s\n' "$t" "$archive" "$(du -h "$OUT/$archive" | cut -f1)"
done

# SHA256SUMS over every archive in OUT (also those of earlier runs for other targets)
(cd "$OUT" && find . -maxdepth 1 -name "rdbundle-$VERSION-*" \( -name '*.tar.gz' -o -name '*.zip' \) \
   -printf '%f\n' | LC_ALL=C sort | xargs sha256sum) >"$OUT/SHA256SUMS"

# the key
key=${RDBUNDLE_RELEASE_KEY:-}
pub=${RDBUNDLE_RELEASE_PUB:-}
local_key=0
if [ -z "$key" ]; then
  local_key=1
  key=$RDB_CACHE/release-key/rdbundle-release.key pub=$RDB_CACHE/release-key/rdbundle-release.pub
  if [ ! -f "$key" ]; then
    pack=$ROOT/build-linux-amd64/rdbundle-pack
    [ "$(uname -m)" = x86_64 ] && [ -x "$pack" ] || pack=$ROOT/build/rdbundle-pack
    [ -x "$pack" ] || die "no rdbundle-pack to make the local release key with (./dev build)"
    mkdir -p "$(dirname "$key")"
    "$pack" keygen -W -p "$pub" -s "$key" >/dev/null
  fi
fi
[ -n "$pub" ] || pub=${key%.key}.pub
[ -f "$key" ] && [ -f "$pub" ] || die "release key $key or its public key $pub is missing"
cp "$pub" "$OUT/rdbundle-release.pub"
rm -f "$OUT/SHA256SUMS.minisig"
pw=/dev/null
[ -z "${RDBUNDLE_RELEASE_PASSWORD_FILE:-}" ] || pw=$RDBUNDLE_RELEASE_PASSWORD_FILE
minisign -S -s "$key" -m "$OUT/SHA256SUMS" -x "$OUT/SHA256SUMS.minisig" \
  -c "rdbundle $VERSION release checksums" -t "rdbundle $VERSION SHA256SUMS" <"$pw" >/dev/null ||
  die "minisign could not sign SHA256SUMS with $key"

# what a user does with a download
minisign -Vm "$OUT/SHA256SUMS" -p "$OUT/rdbundle-release.pub" -q >/dev/null || die "the signature does not verify"
(cd "$OUT" && sha256sum --quiet -c SHA256SUMS) || die "SHA256SUMS does not match"
if [ $local_key = 1 ]; then
  echo "release: signed with a LOCAL key ($key), not the project's release key (set RDBUNDLE_RELEASE_KEY)" >&2
fi
echo "release: $OUT (SOURCE_DATE_EPOCH=$SOURCE_DATE_EPOCH)"
