# libcurl: static, HTTP and HTTPS only. TLS: OpenSSL on linux and darwin, Schannel on windows.
# No zlib/brotli/zstd, nghttp2, libpsl, libidn2, libssh2, LDAP. No CA bundle path is compiled
# in; with OpenSSL the fallback is OpenSSL's default (/etc/ssl/cert.pem, /etc/ssl/certs).
# darwin: IPv4 only. curl 7.88 on macOS with IPv6 calls SCDynamicStoreCopyProxies and links
# the SystemConfiguration and CoreFoundation frameworks, which zig does not ship (and which
# would break "libSystem only"). Consumers must define CURL_STATICLIB.
DEB_BINARY=libcurl4-openssl-dev
if [ "$OS" != windows ]; then DEPENDS=(openssl); fi
build() {
  local tls=()
  if [ "$OS" = windows ]; then
    tls=(-DCURL_USE_SCHANNEL=ON -DCURL_USE_OPENSSL=OFF -DCURL_WINDOWS_SSPI=ON -DUSE_WIN32_IDN=OFF
         -DENABLE_UNICODE=ON)
  else
    local ossl; ossl=$(ls -d "$CROSS/$TARGET"/openssl-*/ | head -1)
    tls=(-DCURL_USE_OPENSSL=ON -DOPENSSL_ROOT_DIR="$ossl" -DOPENSSL_USE_STATIC_LIBS=ON
         -DCURL_CA_FALLBACK=ON)
  fi
  local ipv6=ON
  [ "$OS" = darwin ] && ipv6=OFF
  cmake_build "$TREE" "${tls[@]}" -DENABLE_IPV6=$ipv6 \
    -DBUILD_CURL_EXE=OFF -DBUILD_TESTING=OFF -DENABLE_MANUAL=OFF -DPICKY_COMPILER=OFF \
    -DCURL_ENABLE_EXPORT_TARGET=ON -DHTTP_ONLY=ON -DCURL_DISABLE_LDAP=ON -DCURL_DISABLE_LDAPS=ON \
    -DCURL_CA_BUNDLE=none -DCURL_CA_PATH=none \
    -DCURL_USE_LIBPSL=OFF -DCURL_USE_LIBSSH2=OFF -DCURL_USE_LIBSSH=OFF -DUSE_LIBIDN2=OFF \
    -DUSE_NGHTTP2=OFF -DCURL_BROTLI=OFF -DCURL_ZSTD=OFF -DCURL_USE_GSSAPI=OFF \
    -DCMAKE_DISABLE_FIND_PACKAGE_ZLIB=ON
  # curl writes the compiler's implicit link libraries into libcurl.pc; with zig those are
  # files in zig's cache (its libc.a, compiler_rt, and the UBSan runtime of the -O0 compiler
  # probe), which must never be linked explicitly.
  sed -i -E "s#[^ ]*$ZIG_HOME/cache/[^ ]*##g" "$PREFIX/lib/pkgconfig/libcurl.pc"
  ! grep -rq "$ZIG_HOME/cache" "$PREFIX/lib/pkgconfig" "$PREFIX/lib/cmake"
}
