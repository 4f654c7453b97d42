#!/usr/bin/env bash
# cross-deps.sh [TARGET...]: the zig toolchain and the static dependencies of rdbundle for the
# cross targets (default: all of tools/cross/targets), built from Debian's source packages of
# the versions this machine's Linux build uses. Everything lives under $RDB_CACHE
# (default ~/.cache/rdbundle):
#
#   zig/<version>/ziglang/zig           the pinned zig (PyPI package ziglang), pip --target
#   zig/<version>/bin/zcc-<target> ...  wrappers: zcc-, zc++-, zpkg-config-<target>, zar, zranlib
#   zig/<version>/cache/                zig's own cache (its libc, libc++ per target)
#   src/<srcpkg>_<version>/             `apt-get source` of each package (never modified)
#   cross/<target>/<srcpkg>-<version>/  install prefix (include/, lib/, lib/pkgconfig/) with a
#                                       .rdb-stamp: target, versions, zig, hash of the recipe
#   cross/<target>/.logs/<srcpkg>.log   the last build's output
#
# A package is rebuilt only when its stamp changed, so a second run is a quiet no-op. The Debian
# packages this needs are installed by ./dev (CROSS_PACKAGES) before it runs.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
# shellcheck source=tools/cross/lib.sh
. "$HERE/lib.sh"

# Build order; a recipe may name earlier packages in DEPENDS.
PACKAGES=(libzstd libsodium libarchive openssl curl nlohmann-json3 googletest yaml-cpp)

main() {
  local targets=("$@")
  [ ${#targets[@]} -gt 0 ] || mapfile -t targets < <(target_names)
  local t
  for t in "${targets[@]}"; do target_row "$t" >/dev/null || die "unknown target '$t' (known: $(target_names | tr '\n' ' '))"; done
  ensure_zig
  ensure_deb_src
  for t in "${targets[@]}"; do
    local start=$SECONDS p built=0
    write_wrappers "$t"
    for p in "${PACKAGES[@]}"; do
      PKG_BUILT=0
      build_package "$t" "$p"
      [ $PKG_BUILT = 0 ] || built=1
    done
    [ $built = 0 ] || log "$t: dependencies ready in $((SECONDS - start)) s ($(du -sh "$CROSS/$t" | cut -f1))"
  done
}

main "$@"
