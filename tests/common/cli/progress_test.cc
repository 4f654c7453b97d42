#include "common/cli/progress.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "common/os/platform.h"

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

// What a Progress("x", 100 bytes) on a memory stream writes: 1 byte, then 1 byte after each
// of two pauses longer than the 100 ms between redraws (so it draws "2 B" and "3 B"), Finish.
std::string DrawnOutput(std::optional<bool> plain) {
  char* buf = nullptr;
  std::size_t len = 0;
  std::FILE* out = open_memstream(&buf, &len);
  {
    Progress p("x", 100, /*enabled=*/true, out, plain);
    p.Add(1);
    for (int i = 0; i < 2; ++i) {
      const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(150);
      while (std::chrono::steady_clock::now() < until) {}
      p.Add(1);
    }
    p.Finish();
  }
  std::fclose(out);
  std::string s(buf, len);
  std::free(buf);
  return s;
}

TEST(ProgressTest, EnabledDrawsAndClears) {
  const std::string s = DrawnOutput(/*plain=*/false);
  EXPECT_NE(s.find("\r\033[Kx  2 B / 100 B"), std::string::npos) << s;
  EXPECT_TRUE(s.ends_with("\r\033[K"));
}

// Issue 18 item 3: the file count known up front is in the line ("2/5 files").
TEST(ProgressTest, LineHasTheFileCount) {
  Progress p("downloading", 4ull << 20, /*enabled=*/false);
  p.SetFileCount(5);
  p.FileDone();
  p.FileDone();
  p.Add(1ull << 20);
  EXPECT_NE(p.RenderLine().find("downloading  2/5 files  1.00 MiB / 4.00 MiB   25%"),
            std::string::npos)
      << p.RenderLine();
}

// Issue 18 item 3: TERM=dumb (plain) gets no escape sequences: "\r", the line, spaces over a
// longer previous line, and spaces to clear it.
TEST(ProgressTest, PlainTerminalGetsNoEscapeSequences) {
  const std::string s = DrawnOutput(/*plain=*/true);
  EXPECT_EQ(s.find('\033'), std::string::npos) << s;
  EXPECT_NE(s.find("\rx  2 B / 100 B"), std::string::npos) << s;
  EXPECT_NE(s.find("\rx  3 B / 100 B"), std::string::npos) << s;
  EXPECT_TRUE(s.ends_with(" \r")) << s;
}

TEST(ProgressTest, TermDumbMeansPlain) {
  const char* old = std::getenv("TERM");
  const std::string saved = old ? old : "";
  ::setenv("TERM", "dumb", 1);
  EXPECT_TRUE(TerminalIsDumb());
  ::setenv("TERM", "xterm-256color", 1);
  EXPECT_FALSE(TerminalIsDumb());
  if (old) {
    ::setenv("TERM", saved.c_str(), 1);
  } else {
    ::unsetenv("TERM");
  }
}

}  // namespace
}  // namespace rdbundle
