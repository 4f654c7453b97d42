#include "common/format/sha256sums.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "common/format/limits.h"

namespace rdbundle {
namespace {

constexpr const char* kWhat = "sha256sum-amd64.txt";
const std::string kHex = "7944f3ddc6d0863ff24c4294032d1976617d555f932820bcf7bc9ecadbef991d";
const std::string kHex2 = "02d35acab07f9994de0e89905029b544e04e00313d75817b4124c3637c24a6ee";

std::string ReadTestdata(const std::string& rel) {
  std::ifstream in(std::string(RDB_TESTDATA_DIR) + "/" + rel, std::ios::binary);
  EXPECT_TRUE(in.good()) << rel;
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// The layout of a real k3s release's sha256sum-amd64.txt: the workflow concatenates the image
// archives' sums (glob order: .tar.gz, .tar, .tar.zst) and then the binary's.
TEST(ParseSha256SumsTest, RealFormatFileImagesFirstBinaryLast) {
  auto lines = ParseSha256Sums(ReadTestdata("upstream/sha256sum-amd64.txt"), kWhat);
  ASSERT_TRUE(lines.has_value()) << lines.error().message();
  std::vector<std::string> names;
  for (const auto& l : *lines) names.push_back(l.name);
  EXPECT_EQ(names, (std::vector<std::string>{"k3s-airgap-images-amd64.tar.gz",
                                             "k3s-airgap-images-amd64.tar",
                                             "k3s-airgap-images-amd64.tar.zst", "k3s"}));
  const Sha256SumLine* k3s = FindSum(*lines, "k3s");
  ASSERT_NE(k3s, nullptr);
  EXPECT_EQ(k3s->hex, kHex);
  ASSERT_NE(FindSum(*lines, "k3s-airgap-images-amd64.tar.zst"), nullptr);
  EXPECT_EQ(FindSum(*lines, "k3s-arm64"), nullptr);
  EXPECT_EQ(FindSum(*lines, "K3S"), nullptr);
  EXPECT_EQ(FindSum(*lines, "k3s-airgap-images-amd64"), nullptr);
}

TEST(ParseSha256SumsTest, AcceptsInnerSpacesAndLeadingStarInName) {
  auto lines = ParseSha256Sums(kHex + "  my file\n" + kHex2 + "  *k3s\n", kWhat);
  ASSERT_TRUE(lines.has_value()) << lines.error().message();
  EXPECT_EQ(*lines, (std::vector<Sha256SumLine>{{kHex, "my file"}, {kHex2, "*k3s"}}));
}

TEST(ParseSha256SumsTest, RejectsMalformedInputWithExactMessages) {
  const std::string upper = "7944F3DDC6D0863FF24C4294032D1976617D555F932820BCF7BC9ECADBEF991D";
  const std::string malformed = "malformed line (expected \"<64 hex>  <name>\")";
  const std::string good = kHex2 + "  k3s-airgap-images-amd64.tar\n";
  const std::pair<std::string, std::string> cases[] = {
      {"", "sha256sum-amd64.txt: empty file"},
      {kHex + "  k3s", "sha256sum-amd64.txt:1: missing newline at end of file"},
      {good + kHex + "  k3s", "sha256sum-amd64.txt:2: missing newline at end of file"},
      {kHex + " k3s\n", "sha256sum-amd64.txt:1: " + malformed},
      {kHex + " *k3s\n", "sha256sum-amd64.txt:1: " + malformed},
      {kHex + "\tk3s\n", "sha256sum-amd64.txt:1: " + malformed},
      {kHex.substr(1) + "  k3s\n", "sha256sum-amd64.txt:1: " + malformed},
      {kHex + "0  k3s\n", "sha256sum-amd64.txt:1: " + malformed},
      {"g" + kHex.substr(1) + "  k3s\n", "sha256sum-amd64.txt:1: " + malformed},
      {"\\" + kHex + "  k\\\\3s\n", "sha256sum-amd64.txt:1: " + malformed},
      {"\n", "sha256sum-amd64.txt:1: " + malformed},
      {good + "\n", "sha256sum-amd64.txt:2: " + malformed},
      {good + kHex + "  k3s\n# comment\n", "sha256sum-amd64.txt:3: " + malformed},
      {upper + "  k3s\n",
       "sha256sum-amd64.txt:1: upper-case hex digest (upstream files are lower-case)"},
      {kHex + "  k3s\r\n",
       "sha256sum-amd64.txt:1: carriage return at end of line (CRLF line endings)"},
      {kHex + "  \n", "sha256sum-amd64.txt:1: empty file name"},
      {kHex + "  dir/k3s\n", "sha256sum-amd64.txt:1: file name contains a path separator"},
      {kHex + "  a\\b\n", "sha256sum-amd64.txt:1: file name contains a path separator"},
      {kHex + "  k\x01s\n",
       "sha256sum-amd64.txt:1: file name contains a control or non-ASCII byte"},
      {kHex + "  k3s\xc3\xa9\n",
       "sha256sum-amd64.txt:1: file name contains a control or non-ASCII byte"},
      {kHex + "  k3s \n", "sha256sum-amd64.txt:1: file name starts or ends with a space"},
      {kHex + "   k3s\n", "sha256sum-amd64.txt:1: file name starts or ends with a space"},
      {kHex + "  ..\n", "sha256sum-amd64.txt:1: file name is \".\" or \"..\""},
      {kHex + "  " + std::string(256, 'a') + "\n",
       "sha256sum-amd64.txt:1: file name longer than 255 bytes"},
      {good + kHex + "  k3s-airgap-images-amd64.tar\n",
       "sha256sum-amd64.txt:2: duplicate file name \"k3s-airgap-images-amd64.tar\""},
  };
  for (const auto& [text, message] : cases) {
    SCOPED_TRACE(text);
    auto lines = ParseSha256Sums(text, kWhat);
    ASSERT_FALSE(lines.has_value());
    EXPECT_EQ(lines.error().code(), ErrorCode::kCorrupt);
    EXPECT_EQ(lines.error().message(), message);
  }
}

TEST(ParseSha256SumsTest, EmbeddedNulIsAControlByte) {
  std::string text = kHex + "  k3s";
  text.push_back('\0');
  text += "x\n";
  auto lines = ParseSha256Sums(text, kWhat);
  ASSERT_FALSE(lines.has_value());
  EXPECT_EQ(lines.error().message(),
            "sha256sum-amd64.txt:1: file name contains a control or non-ASCII byte");
}

TEST(ParseSha256SumsTest, NameOfMaxLengthAccepted) {
  std::string name(kMaxPathBytes, 'a');
  auto lines = ParseSha256Sums(kHex + "  " + name + "\n", kWhat);
  ASSERT_TRUE(lines.has_value()) << lines.error().message();
  EXPECT_EQ(lines->front().name, name);
}

TEST(ParseSha256SumsTest, SizeCap) {
  std::string line = kHex + "  " + std::string(100, 'a');
  std::string text;
  for (int i = 0; text.size() <= kMaxSumsFileBytes; ++i) {
    text += line + std::to_string(i) + "\n";
  }
  auto lines = ParseSha256Sums(text, kWhat);
  ASSERT_FALSE(lines.has_value());
  EXPECT_EQ(lines.error().code(), ErrorCode::kLimitExceeded);
  EXPECT_EQ(lines.error().message(), "sha256sum-amd64.txt: " + std::to_string(text.size()) +
                                         " bytes exceeds the limit of " +
                                         std::to_string(kMaxSumsFileBytes));
}

TEST(FindSumTest, EmptyList) { EXPECT_EQ(FindSum({}, "k3s"), nullptr); }

}  // namespace
}  // namespace rdbundle
