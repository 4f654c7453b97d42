#include "common/cli/progress.h"

#include <gtest/gtest.h>

#include <cstdlib>

namespace rdbundle {
namespace {

TEST(ProgressTest, Formats) {
  EXPECT_EQ(FormatBytes(17), "17 B");
  EXPECT_EQ(FormatBytes(1536), "1.50 KiB");
  EXPECT_EQ(FormatBytes(412ull << 20), "412.0 MiB");
  EXPECT_EQ(FormatBytes(3ull << 30), "3.00 GiB");
  EXPECT_EQ(FormatDuration(3), "0:03");
  EXPECT_EQ(FormatDuration(3723), "1:02:03");
}

TEST(ProgressTest, LineHasBytesTotalPercentRateAndEta) {
  Progress p("installing", 4ull << 20, /*enabled=*/false);
  p.Add(1ull << 20);
  const std::string line = p.RenderLine();
  EXPECT_NE(line.find("installing  1.00 MiB / 4.00 MiB   25%"), std::string::npos) << line;
  EXPECT_NE(line.find("/s"), std::string::npos) << line;
  EXPECT_NE(line.find("ETA "), std::string::npos) << line;
}

TEST(ProgressTest, DisabledWritesNothing) {
  char* buf = nullptr;
  std::size_t len = 0;
  std::FILE* out = open_memstream(&buf, &len);
  {
    Progress p("x", 100, /*enabled=*/false, out);
    p.Add(50);
    p.Finish();
  }
  std::fclose(out);
  EXPECT_EQ(len, 0u);
  std::free(buf);
}

TEST(ProgressTest, EnabledDrawsAndClears) {
  char* buf = nullptr;
  std::size_t len = 0;
  std::FILE* out = open_memstream(&buf, &len);
  {
    Progress p("x", 100, /*enabled=*/true, out);
    p.Add(1);  // the first Add after 100 ms draws; wait for it
    const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(150);
    while (std::chrono::steady_clock::now() < until) {}
    p.Add(1);
    p.Finish();
  }
  std::fclose(out);
  const std::string s(buf, len);
  std::free(buf);
  EXPECT_NE(s.find("\r\033[Kx  2 B / 100 B"), std::string::npos) << s;
  EXPECT_TRUE(s.ends_with("\r\033[K"));
}

}  // namespace
}  // namespace rdbundle
