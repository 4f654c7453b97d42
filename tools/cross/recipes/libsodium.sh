# libsodium: static, the full library (not --enable-minimal: the packer needs scrypt,
# crypto_pwhash_scryptsalsa208sha256). Consumers on Windows must define SODIUM_STATIC.
DEB_BINARY=libsodium-dev
build() {
  local extra=() cc=$CC
  if [ "$OS" = windows ]; then
    # mingw's stack protector needs libssp, which zig does not ship
    extra+=(--disable-ssp)
    # libsodium compiles its AES-NI, AVX2, AVX-512... files with -maes, -mavx2, -mavx512f and
    # tests each flag with a linked program. zig's driver takes such a flag as a new CPU for
    # the whole target and builds the mingw-w64 runtime again for every combination (over 90
    # minutes of configure, tools/cross/README.md). The features are wanted for these files
    # only (the code picks them at run time by CPUID), so they go to clang's -cc1 directly,
    # where the driver does not see them.
    cc="$B/cc-isa"
    cat >"$cc" <<WRAP
#!/bin/sh
# libsodium's ISA flags as clang -cc1 target features (tools/cross/recipes/libsodium.sh)
for a do
  shift
  case \$a in
    -mmmx|-msse2|-msse3|-mssse3|-msse4.1|-msse4.2|-mavx|-mavx2|-mavx512f|-maes|-mpclmul|-mrdrnd)
      set -- "\$@" -Xclang -target-feature -Xclang "+\${a#-m}" ;;
    *) set -- "\$@" "\$a" ;;
  esac
done
exec "$CC" "\$@"
WRAP
    chmod +x "$cc"
  fi
  CC=$cc autotools_build --disable-pie "${extra[@]}"
}
