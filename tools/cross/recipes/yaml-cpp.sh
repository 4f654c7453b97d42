# yaml-cpp: static (the packer will read a YAML kit file).
DEB_BINARY=libyaml-cpp-dev
build() {
  cmake_build "$TREE" -DYAML_BUILD_SHARED_LIBS=OFF -DYAML_CPP_BUILD_TESTS=OFF \
    -DYAML_CPP_BUILD_TOOLS=OFF -DYAML_CPP_BUILD_CONTRIB=OFF -DYAML_CPP_INSTALL=ON
}
