# zstd: static libzstd, multithreaded, without the legacy (pre-v0.8) frame decoders.
DEB_BINARY=libzstd-dev
build() {
  cmake_build "$TREE/build/cmake" \
    -DZSTD_BUILD_STATIC=ON -DZSTD_BUILD_SHARED=OFF -DZSTD_BUILD_PROGRAMS=OFF \
    -DZSTD_BUILD_TESTS=OFF -DZSTD_BUILD_CONTRIB=OFF \
    -DZSTD_MULTITHREAD_SUPPORT=ON -DZSTD_LEGACY_SUPPORT=OFF
}
