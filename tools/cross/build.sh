#!/usr/bin/env bash
# build.sh [--tools-only] [--test] TARGET...: rdbundle for cross targets with
# cmake/toolchain-zig.cmake, in build-<target>/ (the dependencies must be ready: ./dev
# cross-deps). Quiet but for one line per target; the compiler's output only on failure.
#
#   linux-amd64    both tools, the test programs and the whole ctest suite, static (musl);
#                  --test runs the suite natively, with the static checks and the empty-chroot
#                  run (ctest static_binaries, static_chroot)
#   linux-arm64    the same, built static; --test runs the unit and install tests and the
#                  static checks under qemu-aarch64 (CMAKE_CROSSCOMPILING_EMULATOR)
#   windows-amd64  both tools and the Windows suite (tests/CMakeLists.txt); --test checks the
#                  tools' imports and runs the suite under Wine (tools/cross/wine.sh)
#   darwin-*       the two tools; --test checks them (Mach-O headers)
#
# --tools-only builds only rdbundle-pack and rdbundle-unpack (what ./dev release needs), in the
# same build directory (configured the same way).
# Source paths are mapped to "." in the objects (-ffile-prefix-map), so the binaries do not
# depend on where the tree is checked out.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
# shellcheck source=tools/cross/lib.sh
. "$HERE/lib.sh"
die() { printf 'build: %s\n' "$*" >&2; exit 1; }

TOOLS_ONLY=0 TEST=0
targets=()
for a in "$@"; do
  case $a in
    --tools-only) TOOLS_ONLY=1 ;;
    --test) TEST=1 ;;
    -*) die "unknown option $a" ;;
    *) target_row "$a" >/dev/null || die "unknown target '$a'"; targets+=("$a") ;;
  esac
done
[ ${#targets[@]} -gt 0 ] || die "usage: build.sh [--tools-only] [--test] TARGET..."

# Tests: linux targets and windows-amd64 (under Wine); none for darwin (cannot run here).
with_tests() { [[ $1 == linux-* || $1 == windows-* ]]; }

# The tests run under qemu-aarch64 for linux-arm64: the subset that exercises the code the
# target changes (format, OS layer, install) without the host tools the interop tests run.
ARM64_TESTS='^(static_binaries|fuzz_.*_corpus|layering)$|^(Hex|Utf8|Quote|Strings|Status|Fs|Platform|Limits|JsonStrict|Hash|Minisign[A-Z][A-Za-z]*|Manifest|Paths|Version|Sha256Sums|Layout|K3sVersions|Skew|Cli|Progress|Signing|Install|InstallState|TarReader|BundleReader|ZstdSource|Hostile|Crash|Doctor|Unpack)[A-Za-z]*\.'

# ccache, as for the native trees (tools/ccache-env.sh). The compiler is the target's zig
# wrapper (its path names the zig version and the target; ccache checks its mtime), which is
# clang. -ffile-prefix-map names the tree but is left out of the hash: it maps that same tree to
# "." in the object, so the object does not depend on it.
# shellcheck source=tools/ccache-env.sh
. "$ROOT/tools/ccache-env.sh"
ccache_env "$ROOT"
if [ ${#LAUNCHER[@]} -gt 0 ]; then
  export CCACHE_COMPILERTYPE=clang CCACHE_IGNOREOPTIONS="-ffile-prefix-map=*"
fi

configure_target() {
  local t=$1 dir=$2 tests=OFF
  with_tests "$t" && tests=ON
  local args=(-DCMAKE_TOOLCHAIN_FILE="$ROOT/cmake/toolchain-zig.cmake" -DRDB_TARGET="$t"
              -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRDB_FUZZ=OFF -DRDB_BUILD_TESTS=$tests
              "-DCMAKE_C_FLAGS=-ffile-prefix-map=$ROOT/=" "-DCMAKE_CXX_FLAGS=-ffile-prefix-map=$ROOT/="
              "${LAUNCHER[@]}")
  case $t in
    linux-arm64) args+=(-DCMAKE_CROSSCOMPILING_EMULATOR="$(command -v qemu-aarch64)") ;;
    windows-*) args+=(-DCMAKE_CROSSCOMPILING_EMULATOR="$HERE/wine.sh") ;;
  esac
  local stamp="$dir/.rdb-configure-args"
  if [ -f "$dir/CMakeCache.txt" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "${args[*]}" ]; then
    return 0
  fi
  local logf; logf=$(mktemp)
  if ! cmake -S "$ROOT" -B "$dir" -G Ninja "${args[@]}" >"$logf" 2>&1; then
    cat "$logf" >&2; rm -f "$logf"; die "$t: cmake configure failed ($dir)"
  fi
  rm -f "$logf"
  printf '%s' "${args[*]}" >"$stamp"
}

build_target() {
  local t=$1 dir=$ROOT/build-$t start=$SECONDS
  configure_target "$t" "$dir"
  local what=()
  [ $TOOLS_ONLY = 1 ] || ! with_tests "$t" && what=(--target rdbundle-pack rdbundle-unpack)
  local logf; logf=$(mktemp)
  if ! cmake --build "$dir" -j "$JOBS" "${what[@]}" >"$logf" 2>&1; then
    awk '!/^\[/ && n++ < 150' "$logf" >&2; rm -f "$logf"; die "$t: build failed ($dir)"
  fi
  rm -f "$logf"
  local ext=""; [[ $t == windows-* ]] && ext=.exe
  printf '%-14s built in %4d s: rdbundle-pack%s %s, rdbundle-unpack%s %s\n' "$t" $((SECONDS - start)) \
    "$ext" "$(du -h "$dir/rdbundle-pack$ext" | cut -f1)" "$ext" "$(du -h "$dir/rdbundle-unpack$ext" | cut -f1)"
}

test_target() {
  local t=$1 dir=$ROOT/build-$t start=$SECONDS
  case $t in
    linux-amd64)
      JOBS=$JOBS "$ROOT/tools/run-ctest.sh" "$dir" || die "$t: tests failed"
      ;;
    linux-arm64)
      JOBS=$JOBS "$ROOT/tools/run-ctest.sh" "$dir" --timeout 900 -R "$ARM64_TESTS" || die "$t: tests failed"
      ;;
    windows-*)
      "$HERE/check.sh" --binaries "$t" "$dir/rdbundle-pack.exe" "$dir/rdbundle-unpack.exe" ||
        die "$t: binary checks failed"
      JOBS=$JOBS "$ROOT/tools/run-ctest.sh" "$dir" || die "$t: tests failed"
      # The same bundle through the Linux binary (--target-os windows) and this one: needs the
      # native build (./dev build) for the kit, the key and the bundle.
      if [ -x "$ROOT/build/rdbundle-sample-kit" ]; then
        "$HERE/windows_identity.sh" "$ROOT/build" "$dir" || die "$t: cross-OS identity failed"
      else
        echo "$t: windows_identity skipped: no native build in $ROOT/build (./dev build)"
      fi
      ;;
    *)
      "$HERE/check.sh" --binaries "$t" "$dir/rdbundle-pack" "$dir/rdbundle-unpack" ||
        die "$t: binary checks failed"
      ;;
  esac
  printf '%-14s tested in %4d s\n' "$t" $((SECONDS - start))
}

for t in "${targets[@]}"; do
  build_target "$t"
  [ $TEST = 0 ] || test_target "$t"
done
