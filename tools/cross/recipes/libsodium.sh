# libsodium: static, the full library (not --enable-minimal: the packer needs scrypt,
# crypto_pwhash_scryptsalsa208sha256). Consumers on Windows must define SODIUM_STATIC.
DEB_BINARY=libsodium-dev
build() {
  local extra=()
  # mingw's stack protector needs libssp, which zig does not ship
  [ "$OS" = windows ] && extra+=(--disable-ssp)
  autotools_build --disable-pie "${extra[@]}"
}
