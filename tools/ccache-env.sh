# Sourced by ./dev and tools/cross/build.sh (not run). The builds compile through ccache, kept
# with the cross dependencies in ~/.cache/rdbundle/ccache: a machine that keeps that directory
# (CI with warm caches) recompiles only what changed, whatever directory the clone is in
# (CCACHE_BASEDIR is the tree, so the paths ccache hashes are relative). RDB_CCACHE=0 compiles
# without it.

# ccache_env TREE: when ccache is on and installed, exports its settings for TREE and sets
# LAUNCHER to CMake's launcher arguments; otherwise LAUNCHER=().
ccache_env() {
  LAUNCHER=()
  [ "${RDB_CCACHE:-1}" != 0 ] && command -v ccache >/dev/null || return 0
  export CCACHE_DIR="${CCACHE_DIR:-${RDB_CACHE:-$HOME/.cache/rdbundle}/ccache}"
  export CCACHE_BASEDIR="$1" CCACHE_NOHASHDIR=1 CCACHE_MAXSIZE="${CCACHE_MAXSIZE:-6G}"
  LAUNCHER=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
}
