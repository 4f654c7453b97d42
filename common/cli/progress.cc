#include "common/cli/progress.h"

#include <cmath>

#include "common/cli/console.h"
#include "common/os/platform.h"

namespace rdbundle {

std::string FormatBytes(std::uint64_t bytes) {
  static const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  if (bytes < 1024) return std::to_string(bytes) + " B";
  double v = static_cast<double>(bytes);
  int unit = 0;
  while (v >= 1024 && unit < 4) {
    v /= 1024;
    ++unit;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, v < 10 ? "%.2f %s" : "%.1f %s", v, kUnits[unit]);
  return buf;
}

std::string FormatDuration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "--:--";
  long long s = std::llround(seconds);
  char buf[32];
  if (s >= 3600) {
    std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", s / 3600, s / 60 % 60, s % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%lld:%02lld", s / 60, s % 60);
  }
  return buf;
}

Progress::Progress(std::string label, std::uint64_t total_bytes, bool enabled, std::FILE* out,
                   std::optional<bool> plain)
    : label_(std::move(label)),
      total_(total_bytes),
      enabled_(enabled && GetVerbosity() != Verbosity::kQuiet),
      plain_(plain.value_or(TerminalIsDumb())),
      out_(out),
      start_(std::chrono::steady_clock::now()) {}

Progress::~Progress() { Finish(); }

double Progress::ElapsedSeconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void Progress::Add(std::uint64_t bytes) {
  done_.fetch_add(bytes, std::memory_order_relaxed);
  if (!enabled_) return;
  auto now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                 std::chrono::steady_clock::now() - start_).count();
  auto last = last_draw_ns_.load(std::memory_order_relaxed);
  if (now - last < 100'000'000) return;
  if (!last_draw_ns_.compare_exchange_strong(last, now)) return;  // another thread draws
  Draw();
}

void Progress::SetTotal(std::uint64_t total_bytes) { total_.store(total_bytes); }

void Progress::SetFileCount(std::size_t total) { files_total_.store(total); }

void Progress::FileDone() { files_done_.fetch_add(1); }

void Progress::SetLabel(std::string label) {
  std::lock_guard<std::mutex> lock(mu_);
  label_ = std::move(label);
}

std::string Progress::RenderLine() const {
  const std::uint64_t done = done_.load(std::memory_order_relaxed);
  const std::uint64_t total = total_.load(std::memory_order_relaxed);
  const double elapsed = ElapsedSeconds();
  const double rate = elapsed > 0 ? static_cast<double>(done) / elapsed : 0;
  std::string line;
  {
    std::lock_guard<std::mutex> lock(mu_);
    line = label_;
  }
  if (const std::size_t files = files_total_.load(); files > 0) {
    line += "  " + std::to_string(std::min(files_done_.load(), files)) + "/" +
            std::to_string(files) + " files";
  }
  line += "  " + FormatBytes(done);
  if (total > 0) {
    char pct[16];
    std::snprintf(pct, sizeof pct, "%3d%%",
                  static_cast<int>(std::min<std::uint64_t>(100, done * 100 / total)));
    line += " / " + FormatBytes(total) + "  " + pct;
  }
  line += "  " + FormatBytes(static_cast<std::uint64_t>(rate)) + "/s";
  if (total > 0 && rate > 0 && done <= total) {
    line += "  ETA " + FormatDuration(static_cast<double>(total - done) / rate);
  }
  return line;
}

void Progress::Draw() {
  std::string line = RenderLine();
  std::lock_guard<std::mutex> lock(mu_);
  if (finished_) return;
  std::string text, clear;
  if (plain_) {  // TERM=dumb: no escape sequences; spaces cover a longer previous line
    const std::size_t width = line.size();
    if (line.size() < drawn_width_) line.append(drawn_width_ - line.size(), ' ');
    drawn_width_ = width;
    text = "\r" + line;
    clear = "\r" + std::string(line.size(), ' ') + "\r";
  } else {
    text = "\r\033[K" + line;
    clear = "\r\033[K";
  }
  if (out_ == stderr) {
    console_internal::DrawProgressLine(text, clear);
  } else {
    std::fputs(text.c_str(), out_);
    std::fflush(out_);
    clear_ = clear;
  }
  drawn_ = true;
}

void Progress::Finish() {
  std::lock_guard<std::mutex> lock(mu_);
  if (finished_) return;
  finished_ = true;
  if (!enabled_ || !drawn_) return;
  if (out_ == stderr) {
    console_internal::ClearProgressLine();
  } else {
    std::fputs(clear_.c_str(), out_);
    std::fflush(out_);
  }
}

}  // namespace rdbundle
