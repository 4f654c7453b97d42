# GoogleTest and GoogleMock, static, for running the test suite under qemu and Wine.
DEB_BINARY=libgtest-dev
build() {
  cmake_build "$TREE" -DBUILD_GMOCK=ON -DINSTALL_GTEST=ON -Dgtest_force_shared_crt=OFF
}
