# libsodium: static, the full library (not --enable-minimal: the packer needs scrypt,
# crypto_pwhash_scryptsalsa208sha256). Consumers on Windows must define SODIUM_STATIC.
DEB_BINARY=libsodium-dev
build() {
  local extra=() cc
  # mingw's stack protector needs libssp, which zig does not ship
  if [ "$OS" = windows ]; then extra+=(--disable-ssp); fi
  # libsodium compiles its AES-NI, AVX2, AVX-512... files with -maes, -mavx2, -mavx512f, and
  # its AX_CHECK_COMPILE_FLAG links a program with each flag. zig's driver takes such a flag
  # as a new CPU for the whole target and builds its libc (musl, the mingw-w64 runtime) and
  # compiler-rt again for every combination: most of a cold build (tools/cross/README.md).
  # The features are wanted for these files only (the code picks them at run time by CPUID),
  # so they go to clang's -cc1 directly, where the driver does not see them.
  # arm64: 1.0.18 has no ARM crypto flags; of its x86 flags zig knows only "aes" there (an
  # ARMv8 feature: one more musl build for nothing, its AES-NI check fails on the header
  # anyway); the others fail at once ("no LLVM CPU feature named 'mmx'") and stay as they are.
  local isa='-mmmx|-msse2|-msse3|-mssse3|-msse4.1|-msse4.2|-mavx|-mavx2|-mavx512f|-maes|-mpclmul|-mrdrnd'
  local noisa='-mno-avx512f'
  if [ "$ARCH" = arm64 ]; then isa='-maes' noisa='-mno-aes'; fi
  cc="$B/cc-isa"
  cat >"$cc" <<WRAP
#!/bin/sh
# libsodium's ISA flags as clang -cc1 target features (tools/cross/recipes/libsodium.sh)
for a do
  shift
  case \$a in
    $isa) set -- "\$@" -Xclang -target-feature -Xclang "+\${a#-m}" ;;
    $noisa) set -- "\$@" -Xclang -target-feature -Xclang "-\${a#-mno-}" ;;
    *) set -- "\$@" "\$a" ;;
  esac
done
exec "$CC" "\$@"
WRAP
  chmod +x "$cc"
  CC=$cc autotools_build --disable-pie "${extra[@]}"
}
