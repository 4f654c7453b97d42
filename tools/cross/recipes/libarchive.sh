# libarchive: reading and writing ustar/pax only. No compression filters, no crypto, no
# iconv, no xml, no ACLs or xattrs; rdbundle does its own zstd. Autotools, because 3.6.2's
# CMakeLists.txt always builds the shared library too (an unconditional
# ADD_LIBRARY(archive SHARED ...)). Consumers must define LIBARCHIVE_STATIC (Windows).
DEB_BINARY=libarchive-dev
build() {
  autotools_build \
    --disable-bsdtar --disable-bsdcat --disable-bsdcpio --disable-acl --disable-xattr \
    --disable-posix-regex-lib \
    --without-zlib --without-bz2lib --without-libb2 --without-iconv --without-libiconv-prefix \
    --without-lz4 --without-zstd --without-lzma --without-lzo2 --without-cng --without-mbedtls \
    --without-nettle --without-openssl --without-xml2 --without-expat
}
