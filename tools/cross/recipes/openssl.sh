# OpenSSL 3.0: static libcrypto and libssl WITH the assembly (SHA-256 uses the CPU's SHA
# extensions). Not for Windows: there SHA-256 comes from CNG and TLS from Schannel.
# openssldir /etc/ssl: cert.pem there is the system bundle on macOS and Alpine; certs/ the
# hashed directory on Debian/Ubuntu (curl falls back to these, see curl.sh).
DEB_BINARY=libssl-dev
applies() { [ "$OS" != windows ]; }
build() {
  mkdir -p "$B/build" && cd "$B/build"
  local extra=()
  # darwin: OpenSSL seeds from CCRandomGenerateBytes (CommonCrypto/CommonRandom.h), a header
  # zig does not ship; without it the seed comes from /dev/urandom (no-dso: no getentropy
  # lookup), which on macOS is the same kernel generator.
  [ "$OS" = darwin ] && extra+=(-DOPENSSL_NO_APPLE_CRYPTO_RANDOM)
  # Configure and its perlasm scripts ask "$CC -v" and "$CC -Wa,-v" what the assembler can do
  CC="$CC" AR="$AR" RANLIB="$RANLIB" perl "$TREE/Configure" "$OPENSSL_TARGET" \
    --prefix="$PREFIX" --libdir=lib --openssldir=/etc/ssl \
    no-shared no-module no-dso no-engine no-legacy no-tests no-comp no-zlib "${extra[@]}"
  grep -E '^(CC|CFLAGS|LIB_CFLAGS|CPPFLAGS|PERLASM_SCHEME)=' Makefile
  make -j "$JOBS" build_libs
  make install_dev
}
