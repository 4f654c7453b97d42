// A background thread decompresses ahead into a ring of buffers (zero-copy hand-over).
#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "unpacker/chunk_source.h"

namespace rdbundle::unpacker {
namespace {

class PrefetchSource final : public ChunkSource {
 public:
  PrefetchSource(std::unique_ptr<ZstdSource> inner, int depth)
      : inner_(std::move(inner)), buffers_(static_cast<std::size_t>(depth)) {
    for (auto& b : buffers_) b.data.resize(ZstdSource::kChunkBytes);
    for (std::size_t i = 0; i < buffers_.size(); ++i) free_.push_back(i);
    worker_ = std::thread([this] { Run(); });
  }

  ~PrefetchSource() override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    worker_.join();
  }

  Result<std::span<const std::uint8_t>> NextChunk() override {
    std::unique_lock<std::mutex> lock(mu_);
    // The chunk returned kRetainedChunks calls ago is no longer needed by the caller.
    if (held_.size() >= static_cast<std::size_t>(kRetainedChunks)) {
      free_.push_back(held_.front());
      held_.pop_front();
      cv_.notify_all();
    }
    cv_.wait(lock, [&] { return !ready_.empty() || done_; });
    if (ready_.empty()) {
      if (!error_.ok()) return error_;
      return std::span<const std::uint8_t>();
    }
    std::size_t idx = ready_.front();
    ready_.pop_front();
    held_.push_back(idx);
    return std::span<const std::uint8_t>(buffers_[idx].data.data(), buffers_[idx].size);
  }

  std::uint64_t input_bytes() const override { return input_bytes_.load(); }

 private:
  struct Buffer {
    std::vector<std::uint8_t> data;
    std::size_t size = 0;
  };

  void Run() {
    for (;;) {
      std::size_t idx;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [&] { return !free_.empty() || stop_; });
        if (stop_) return;
        idx = free_.front();
        free_.pop_front();
      }
      auto n = inner_->ReadInto(buffers_[idx].data.data(), buffers_[idx].data.size());
      input_bytes_.store(inner_->input_bytes());
      std::lock_guard<std::mutex> lock(mu_);
      if (!n.has_value() || *n == 0) {
        if (!n.has_value()) error_ = n.error();
        done_ = true;
        cv_.notify_all();
        return;
      }
      buffers_[idx].size = *n;
      ready_.push_back(idx);
      cv_.notify_all();
    }
  }

  std::unique_ptr<ZstdSource> inner_;
  std::vector<Buffer> buffers_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::size_t> free_, ready_, held_;
  bool stop_ = false;
  bool done_ = false;
  Status error_;
  std::atomic<std::uint64_t> input_bytes_{0};
  std::thread worker_;  // last: starts after every other member is constructed
};

}  // namespace

std::unique_ptr<ChunkSource> MakePrefetchSource(std::unique_ptr<ZstdSource> inner, int depth) {
  return std::make_unique<PrefetchSource>(std::move(inner), depth);
}

}  // namespace rdbundle::unpacker
