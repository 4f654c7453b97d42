// Progress display for long operations: on a terminal, one line redrawn at most 10 times a
// second with bytes done/total, percent, rate and ETA; nothing at all when disabled (piped).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <optional>
#include <string>

namespace rdbundle {

// "1.50 GiB", "412.3 MiB", "17 B".
std::string FormatBytes(std::uint64_t bytes);
// "0:03", "1:02:03".
std::string FormatDuration(double seconds);

class Progress {
 public:
  // enabled=false makes every call a no-op (and Summary-only users still get Elapsed()).
  // `plain`: redraw with "\r" and spaces only, no escape sequences; default: when TERM=dumb.
  // On stderr the line goes through the console (console.h), so notes never run into it.
  Progress(std::string label, std::uint64_t total_bytes, bool enabled, std::FILE* out = stderr,
           std::optional<bool> plain = std::nullopt);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  // Thread-safe. Redraws when at least 100 ms passed since the last draw.
  void Add(std::uint64_t bytes);
  void SetTotal(std::uint64_t total_bytes);
  void SetLabel(std::string label);
  // Files: "3/10 files" in the line once a count is set (the total known up front, from the
  // plan or the manifest); FileDone counts one more. Thread-safe.
  void SetFileCount(std::size_t total);
  void FileDone();
  // Clears the line (the caller prints its own summary).
  void Finish();

  std::uint64_t done() const { return done_.load(std::memory_order_relaxed); }
  double ElapsedSeconds() const;

  // The line that would be drawn now (for tests).
  std::string RenderLine() const;

 private:
  void Draw();

  std::string label_;
  std::atomic<std::uint64_t> total_;
  std::atomic<std::uint64_t> done_{0};
  std::atomic<std::size_t> files_total_{0};
  std::atomic<std::size_t> files_done_{0};
  const bool enabled_;
  const bool plain_;
  std::size_t drawn_width_ = 0;  // plain: the last line's length, overwritten with spaces
  std::FILE* out_;
  const std::chrono::steady_clock::time_point start_;
  std::atomic<std::int64_t> last_draw_ns_{0};
  mutable std::mutex mu_;
  bool drawn_ = false;
  std::string clear_;  // what removes the drawn line (out_ other than stderr)
  bool finished_ = false;
};

}  // namespace rdbundle
