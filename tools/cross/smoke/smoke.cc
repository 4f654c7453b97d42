// Cross-build smoke test for the C++ side: the C++20 library (threads, filesystem),
// nlohmann/json, yaml-cpp and GoogleTest/GoogleMock, linked the way the project will.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <span>
#include <string>
#include <thread>

TEST(Smoke, Json) {
  auto j = nlohmann::json::parse(R"({"k3s":["v1.30.4+k3s1"],"n":3})");
  EXPECT_EQ(j["n"].get<int>(), 3);
  EXPECT_EQ(j["k3s"][0].get<std::string>(), "v1.30.4+k3s1");
  EXPECT_EQ(j.dump(), R"({"k3s":["v1.30.4+k3s1"],"n":3})");
}

TEST(Smoke, Yaml) {
  YAML::Node n = YAML::Load("k3s:\n  minors: 1.29-1.31\n  arch: [amd64, arm64]\n");
  EXPECT_EQ(n["k3s"]["minors"].as<std::string>(), "1.29-1.31");
  EXPECT_THAT(n["k3s"]["arch"].as<std::vector<std::string>>(), ::testing::ElementsAre("amd64", "arm64"));
}

TEST(Smoke, ThreadsAndFilesystem) {
  int x = 0;
  std::thread t([&] { x = 42; });
  t.join();
  EXPECT_EQ(x, 42);
  auto dir = std::filesystem::temp_directory_path() / "rdb-cross-smoke";
  std::filesystem::create_directories(dir);
  EXPECT_TRUE(std::filesystem::is_directory(dir));
  std::filesystem::remove_all(dir);
  int a[] = {1, 2, 3};
  EXPECT_EQ(std::span(a).size(), 3u);
}

TEST(Smoke, Exceptions) {
  EXPECT_THROW((void)nlohmann::json::parse("{"), nlohmann::json::parse_error);
}
