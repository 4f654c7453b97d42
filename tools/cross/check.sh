#!/usr/bin/env bash
# check.sh [TARGET...]: builds tools/cross/smoke for each target with cmake/toolchain-zig.cmake
# against the prefixes of cross-deps.sh, and checks what the release needs:
#   linux-*   statically linked (no PT_INTERP, no DT_NEEDED); runs (arm64 under qemu-aarch64)
#   windows-* imports only DLLs that ship with Windows 10 and later; runs under wine64
#   darwin-*  Mach-O of the right arch and minimum macOS, LC_CODE_SIGNATURE, dylibs only
#             /usr/lib/libSystem.B.dylib (and the OS's libc++)
# (check.sh --binaries TARGET FILE... runs only these checks, on the given files.)
# and, on linux-amd64, times SHA-256 of the static libcrypto beside the system's (dynamic) one.
# One line per target; the build's output only on failure.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
. "$HERE/lib.sh"

# DLLs of Windows 10 and later that a static mingw-w64/UCRT program may import (lower case).
WINDOWS_DLLS="kernel32.dll advapi32.dll bcrypt.dll crypt32.dll secur32.dll ws2_32.dll
  iphlpapi.dll ntdll.dll user32.dll shell32.dll ole32.dll normaliz.dll wldap32.dll userenv.dll
  shlwapi.dll version.dll"
SHA_MIB=${RDB_SHA_MIB:-1024}

failed=0
fail() { printf '%-14s FAIL %s\n' "$T" "$*"; failed=1; }

wine_run() {
  WINEPREFIX="$RDB_CACHE/wine" WINEDEBUG=-all WINEARCH=win64 /usr/lib/wine/wine64 "$@"
}

run_for() {  # run_for TARGET EXE [ARGS...]: runs EXE for TARGET here (emulated if needed)
  local t=$1; shift
  case $t in
    linux-amd64) "$@" ;;
    linux-arm64) qemu-aarch64 "$@" ;;
    windows-*) wine_run "$@" ;;
  esac
}

build_smoke() {
  local t=$1 dir=$2 logf; logf=$(mktemp)
  if ! { cmake -S "$HERE/smoke" -B "$dir" -G Ninja -DCMAKE_TOOLCHAIN_FILE="$ROOT/cmake/toolchain-zig.cmake" \
           -DRDB_TARGET="$t" -DCMAKE_BUILD_TYPE=Release &&
         cmake --build "$dir" -j "$JOBS"; } >"$logf" 2>&1; then
    grep -v '^\[' "$logf" | tail -n 60 >&2; rm -f "$logf"; return 1
  fi
  rm -f "$logf"
}

check_linux() {
  local exe
  for exe in "$@"; do
    local n; n=$(basename "$exe")
    file -b "$exe" | grep -q 'statically linked' || fail "$n is not statically linked: $(file -b "$exe")"
    ! readelf -lW "$exe" | grep -q INTERP || fail "$n has a PT_INTERP"
    ! readelf -dW "$exe" 2>/dev/null | grep -q NEEDED || fail "$n has DT_NEEDED entries"
  done
}

check_windows() {
  local exe
  for exe in "$@"; do
    local n dll; n=$(basename "$exe")
    file -b "$exe" | grep -q 'PE32+ executable.*x86-64' || fail "$n: $(file -b "$exe")"
    for dll in $(x86_64-w64-mingw32-objdump -p "$exe" | awk '/DLL Name:/ { print tolower($3) }'); do
      case $dll in api-ms-win-crt-*.dll) continue ;; esac   # the UCRT, part of Windows 10
      [[ " $(echo $WINDOWS_DLLS) " == *" $dll "* ]] || fail "$n imports $dll"
    done
  done
}

check_darwin() {
  local arch=$1 minos=$2; shift 2
  local exe
  for exe in "$@"; do
    local n h; n=$(basename "$exe")
    h=$(llvm-objdump --macho --private-headers "$exe")
    local cpu; cpu=$(llvm-objdump --macho --private-header "$exe" | awk '/MH_MAGIC_64/ { print $2 }')
    [ "$cpu" = "$arch" ] || fail "$n: cputype $cpu, expected $arch"
    local got; got=$(awk '/cmd LC_BUILD_VERSION/ { f = 1 } f && $1 == "platform" { p = $2 } f && $1 == "minos" { print p, $2; exit }' <<<"$h")
    [ "$got" = "macos $minos" ] || fail "$n: LC_BUILD_VERSION says '$got', expected 'macos $minos'"
    if grep -q 'cmd LC_CODE_SIGNATURE' <<<"$h"; then
      # the page hashes match the file (a strip or edit after the link breaks them)
      python3 "$HERE/macho_adhoc_sign.py" --check "$exe" >/dev/null 2>&1 ||
        fail "$n: its code signature does not match its pages"
    else
      fail "$n has no LC_CODE_SIGNATURE"
    fi
    local lib
    for lib in $(llvm-objdump --macho --dylibs-used "$exe" | awk 'NR > 1 { print $1 }'); do
      case $lib in /usr/lib/libSystem.B.dylib|/usr/lib/libc++.1.dylib) ;; *) fail "$n links $lib" ;; esac
    done
  done
}

# check.sh --binaries TARGET FILE...: only the checks above, of the given files (the project's
# binaries: tools/cross/build.sh --test and the ctest static_binaries).
if [ "${1:-}" = --binaries ]; then
  T=${2:?target}; shift 2
  row=$(target_row "$T") || die "unknown target $T"
  read -r _ triple _ <<<"$row"
  case $T in
    linux-*) check_linux "$@" ;;
    windows-*) check_windows "$@" ;;
    darwin-*) check_darwin "$(case $T in darwin-arm64) echo ARM64 ;; *) echo X86_64 ;; esac)" \
                "${triple##*-macos.}" "$@" ;;
  esac
  [ $failed = 1 ] || for f in "$@"; do printf '%-14s ok   %s: %s\n' "$T" "$(basename "$f")" "$(file -b "$f" | cut -d, -f1-2)"; done
  exit $failed
fi

targets=("$@")
[ ${#targets[@]} -gt 0 ] || mapfile -t targets < <(target_names)
for T in "${targets[@]}"; do
  row=$(target_row "$T") || die "unknown target $T"
  read -r _ triple _ <<<"$row"
  dir="$ROOT/build-cross/$T/smoke"
  if ! build_smoke "$T" "$dir"; then fail "smoke build (above)"; continue; fi
  ext=""; [[ $T == windows-* ]] && ext=.exe
  exes=("$dir/smoke_c$ext" "$dir/smoke_cxx$ext")
  before=$failed; failed=0
  case $T in
    linux-*) check_linux "${exes[@]}" ;;
    windows-*) check_windows "${exes[@]}" ;;
    darwin-*) check_darwin "$(case $T in darwin-arm64) echo ARM64 ;; *) echo X86_64 ;; esac)" \
                "${triple##*-macos.}" "${exes[@]}" ;;
  esac
  ran="not run here (checked with llvm-objdump)"
  if [[ $T != darwin-* ]]; then
    out=$(run_for "$T" "${exes[0]}" 2>&1) || fail "smoke_c: $out"
    out2=$(run_for "$T" "${exes[1]}" 2>&1) || fail "smoke_cxx: $(tail -n 20 <<<"$out2")"
    ran="ran: $(grep -E '^curl ' <<<"$out" | tr -d '\r'), gtest $(grep -Eo '\[  PASSED  \] [0-9]+ tests' <<<"$out2" | grep -Eo '[0-9]+') passed"
  fi
  [ $failed = 1 ] || printf '%-14s ok   %s; %s\n' "$T" "$(file -b "${exes[0]}" | cut -d, -f1-2)" "$ran"
  failed=$((failed | before))
  if [ "$T" = linux-amd64 ] && [ $failed = 0 ]; then
    # the same program, built natively against Debian's shared libraries
    nat="$ROOT/build-cross/native-smoke_c"
    # shellcheck disable=SC2046
    cc -O2 -o "$nat" "$HERE/smoke/smoke.c" $(pkg-config --cflags --libs libarchive libzstd libsodium libcurl libcrypto)
    printf '%-14s %s\n' "static" "$("${exes[0]}" sha256 "$SHA_MIB")"
    printf '%-14s %s\n' "system" "$("$nat" sha256 "$SHA_MIB")"
  fi
done
exit $failed
