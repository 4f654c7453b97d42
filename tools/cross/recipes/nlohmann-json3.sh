# nlohmann/json: header-only; its headers, CMake package and .pc into the prefix.
DEB_BINARY=nlohmann-json3-dev
build() {
  cmake_build "$TREE" -DJSON_BuildTests=OFF -DJSON_Install=ON -DJSON_MultipleHeaders=ON
}
