# libarchive: reading and writing ustar/pax only. No compression filters, no crypto, no
# iconv, no xml, no ACLs or xattrs; rdbundle does its own zstd. Autotools, because 3.6.2's
# CMakeLists.txt always builds the shared library too (an unconditional
# ADD_LIBRARY(archive SHARED ...)). Consumers must define LIBARCHIVE_STATIC (Windows).
DEB_BINARY=libarchive-dev
build() {
  local extra=()
  if [ "$OS" = darwin ]; then
    # On __APPLE__ libarchive always takes zip encryption and HMAC from CommonCrypto, whose
    # CommonCryptor.h and CommonHMAC.h zig does not ship (only CommonDigest.h). tar needs
    # neither: switch them off as they are off on the other targets (no crypto library).
    cp -a "$TREE" "$B/patched"; chmod -R u+w "$B/patched"
    local h
    for h in archive_cryptor_private.h archive_hmac_private.h; do
      sed -i 's|^#ifdef __APPLE__$|#if 0 /* rdbundle: no CommonCryptor.h/CommonHMAC.h in zig */|' \
        "$B/patched/libarchive/$h"
      grep -q 'rdbundle: no CommonCryptor' "$B/patched/libarchive/$h"
    done
    TREE=$B/patched
    # readpassphrase() is in libSystem but zig has no <readpassphrase.h>; libarchive_fe
    # (built even without bsdtar) then uses its own
    extra+=(ac_cv_func_readpassphrase=no)
  fi
  autotools_build "${extra[@]}" \
    --disable-bsdtar --disable-bsdcat --disable-bsdcpio --disable-acl --disable-xattr \
    --disable-posix-regex-lib \
    --without-zlib --without-bz2lib --without-libb2 --without-iconv --without-libiconv-prefix \
    --without-lz4 --without-zstd --without-lzma --without-lzo2 --without-cng --without-mbedtls \
    --without-nettle --without-openssl --without-xml2 --without-expat
}
