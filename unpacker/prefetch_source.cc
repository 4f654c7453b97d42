// A background thread decompresses ahead into a ring of buffers (zero-copy hand-over). A
// buffer goes back to the decompressor only when the consumer has moved kRetainedChunks chunks
// past it and no asynchronous consumer (the hashing thread) still pins it.
//
// Interrupts: the consumer's wait polls InterruptSignal(), so Ctrl-C stops an install whose
// input stalled (a pipe or FIFO whose writer stopped) even when the signal went to another
// thread. The decompressing thread may then sit in read() for good; the ring's state is shared
// with it, so the destructor can leave it behind after a short wait instead of hanging.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "common/os/platform.h"
#include "unpacker/chunk_source.h"

namespace rdbundle::unpacker {
namespace {

using namespace std::chrono_literals;

// How often a waiting consumer looks at InterruptSignal(), and how long the destructor waits
// for the decompressing thread before leaving it behind.
constexpr auto kInterruptPoll = 50ms;
constexpr auto kStopGrace = 2s;

struct Buffer {
  std::vector<std::uint8_t> data;
  std::size_t size = 0;
  bool held = false;  // returned by NextChunk and not yet released by the consumer
  int pins = 0;       // asynchronous consumers still reading it
};

// Everything the decompressing thread touches; it holds a reference of its own.
struct Ring {
  Ring(std::unique_ptr<ZstdSource> in, int depth)
      : inner(std::move(in)), buffers(static_cast<std::size_t>(depth)) {
    for (auto& b : buffers) b.data.resize(ZstdSource::kChunkBytes);
    for (std::size_t i = 0; i < buffers.size(); ++i) free.push_back(i);
  }

  void Release(std::size_t idx) {  // REQUIRES: mu held
    if (buffers[idx].pins == 0 && !buffers[idx].held) {
      free.push_back(idx);
      cv.notify_all();
    }
  }

  std::unique_ptr<ZstdSource> inner;
  std::vector<Buffer> buffers;
  std::mutex mu;
  std::condition_variable cv;
  std::deque<std::size_t> free, ready, held;
  bool stop = false;
  bool done = false;    // no more chunks: end of stream or error_
  bool exited = false;  // the decompressing thread returned
  Status error;
  std::atomic<std::uint64_t> input_bytes{0};
};

void Decompress(const std::shared_ptr<Ring>& r) {
  NameThisThread("rdb-unzstd");
  for (;;) {
    std::size_t idx;
    {
      std::unique_lock<std::mutex> lock(r->mu);
      r->cv.wait(lock, [&] { return !r->free.empty() || r->stop; });
      if (r->stop) break;
      idx = r->free.front();
      r->free.pop_front();
    }
    auto n = r->inner->ReadInto(r->buffers[idx].data.data(), r->buffers[idx].data.size());
    r->input_bytes.store(r->inner->input_bytes());
    std::lock_guard<std::mutex> lock(r->mu);
    if (!n.has_value() || *n == 0) {
      if (!n.has_value()) r->error = n.error();
      r->done = true;
      break;
    }
    r->buffers[idx].size = *n;
    r->ready.push_back(idx);
    r->cv.notify_all();
  }
  std::lock_guard<std::mutex> lock(r->mu);
  r->done = true;
  r->exited = true;
  r->cv.notify_all();
}

class PrefetchSource final : public ChunkSource {
 public:
  PrefetchSource(std::unique_ptr<ZstdSource> inner, int depth)
      : ring_(std::make_shared<Ring>(std::move(inner), depth)) {
    worker_ = std::thread([r = ring_] { Decompress(r); });
  }

  ~PrefetchSource() override {
    std::unique_lock<std::mutex> lock(ring_->mu);
    ring_->stop = true;
    ring_->cv.notify_all();
    if (ring_->cv.wait_for(lock, kStopGrace, [&] { return ring_->exited; })) {
      lock.unlock();
      worker_.join();
    } else {
      // Blocked reading a stalled input: it owns its share of the ring and ends with the
      // process (or when the read returns).
      lock.unlock();
      worker_.detach();
    }
  }

  Result<std::span<const std::uint8_t>> NextChunk() override {
    Ring& r = *ring_;
    std::unique_lock<std::mutex> lock(r.mu);
    // The chunk returned kRetainedChunks calls ago is no longer needed by the caller.
    if (r.held.size() >= static_cast<std::size_t>(kRetainedChunks)) {
      const std::size_t idx = r.held.front();
      r.held.pop_front();
      r.buffers[idx].held = false;
      r.Release(idx);
    }
    while (!r.cv.wait_for(lock, kInterruptPoll, [&] { return !r.ready.empty() || r.done; })) {
      if (int sig = InterruptSignal()) {
        return Status::Interrupted("interrupted by signal " + std::to_string(sig));
      }
    }
    if (r.ready.empty()) {
      if (!r.error.ok()) return r.error;
      return std::span<const std::uint8_t>();
    }
    const std::size_t idx = r.ready.front();
    r.ready.pop_front();
    r.held.push_back(idx);
    r.buffers[idx].held = true;
    return std::span<const std::uint8_t>(r.buffers[idx].data.data(), r.buffers[idx].size);
  }

  int Pin(const std::uint8_t* p, std::size_t n) override {
    std::lock_guard<std::mutex> lock(ring_->mu);
    const auto at = reinterpret_cast<std::uintptr_t>(p);
    for (std::size_t i = 0; i < ring_->buffers.size(); ++i) {
      Buffer& b = ring_->buffers[i];
      // Compared as integers: p may point into another buffer altogether.
      const auto begin = reinterpret_cast<std::uintptr_t>(b.data.data());
      // Only a chunk the consumer holds: its bytes are final.
      if (b.held && at >= begin && n <= b.size && at - begin <= b.size - n) {
        ++b.pins;
        return static_cast<int>(i);
      }
    }
    return -1;
  }

  void Unpin(int token) override {
    std::lock_guard<std::mutex> lock(ring_->mu);
    const auto idx = static_cast<std::size_t>(token);
    --ring_->buffers[idx].pins;
    ring_->Release(idx);
  }

  std::uint64_t input_bytes() const override { return ring_->input_bytes.load(); }

 private:
  std::shared_ptr<Ring> ring_;
  std::thread worker_;
};

}  // namespace

std::unique_ptr<ChunkSource> MakePrefetchSource(std::unique_ptr<ZstdSource> inner, int depth) {
  return std::make_unique<PrefetchSource>(std::move(inner), depth);
}

}  // namespace rdbundle::unpacker
