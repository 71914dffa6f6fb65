// Lock-free single-producer single-consumer ring buffer (after
// rigtorp/SPSCQueue and PortAudio's pa_ringbuffer): power-of-two capacity,
// ever-growing indices masked on access, each side loads its own index
// relaxed and the other's with acquire, and publishes with release. Indices
// sit on separate cache lines. Only try_ operations: the producer (an audio
// callback) never waits, never allocates, never locks.
#pragma once
#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>

namespace podclean {

template <typename T>
class SpscRing {
 public:
  // capacity is rounded up to a power of two; allocated once, here.
  explicit SpscRing(size_t capacity) {
    if (capacity > (size_t(1) << 40)) throw std::length_error("SpscRing: capacity too large");  // would never round up
    size_t c = 1;
    while (c < capacity) c <<= 1;
    capacity_ = c;
    mask_ = c - 1;
    data_.reset(new T[c]);
  }
  size_t capacity() const { return capacity_; }

  // Producer: copies as many of count items as fit; returns how many. What
  // did not fit is counted as overrun (dropped, never blocking).
  size_t try_push(const T* items, size_t count) noexcept {
    const uint64_t head = head_.load(std::memory_order_relaxed);
    const uint64_t tail = tail_.load(std::memory_order_acquire);
    const size_t room = capacity_ - size_t(head - tail);
    const size_t n = std::min(room, count);
    for (size_t i = 0; i < n; ++i) data_[(head + i) & mask_] = items[i];
    head_.store(head + n, std::memory_order_release);
    if (n < count) overruns_.fetch_add(count - n, std::memory_order_relaxed);
    return n;
  }

  // Consumer: moves up to max_count items out; returns how many.
  size_t try_pop(T* out, size_t max_count) noexcept {
    const uint64_t tail = tail_.load(std::memory_order_relaxed);
    const uint64_t head = head_.load(std::memory_order_acquire);
    const size_t n = std::min(size_t(head - tail), max_count);
    for (size_t i = 0; i < n; ++i) out[i] = data_[(tail + i) & mask_];
    tail_.store(tail + n, std::memory_order_release);
    return n;
  }

  size_t size() const noexcept {
    return size_t(head_.load(std::memory_order_acquire) - tail_.load(std::memory_order_acquire));
  }
  // Items dropped because the ring was full.
  uint64_t overruns() const noexcept { return overruns_.load(std::memory_order_relaxed); }

 private:
  static constexpr size_t kCacheLine = 64;
  alignas(kCacheLine) std::atomic<uint64_t> head_{0};  // written by the producer
  alignas(kCacheLine) std::atomic<uint64_t> tail_{0};  // written by the consumer
  alignas(kCacheLine) std::atomic<uint64_t> overruns_{0};
  size_t capacity_ = 0, mask_ = 0;
  std::unique_ptr<T[]> data_;
};

}  // namespace podclean
