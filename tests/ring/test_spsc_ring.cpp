// The ring buffer under two threads. Built twice: in core_tests, and alone
// with ThreadSanitizer (ring_tsan_tests) so data races would be reported.
#include <catch2/catch.hpp>

#include <thread>
#include <vector>

#include "podclean/realtime/spsc_ring.h"

using podclean::SpscRing;

TEST_CASE("ring: everything arrives in order when the consumer keeps up", "[ring]") {
  SpscRing<uint32_t> ring(4096);
  const uint32_t total = 4'000'000;
  std::thread producer([&] {
    std::vector<uint32_t> block(256);
    uint32_t next = 0;
    while (next < total) {
      const size_t n = std::min<size_t>(block.size(), total - next);
      for (size_t i = 0; i < n; ++i) block[i] = next + uint32_t(i);
      size_t sent = 0;
      while (sent < n) {  // a test producer may retry; an audio callback would not
        const size_t pushed = ring.try_push(block.data() + sent, n - sent);
        sent += pushed;
        if (sent < n) std::this_thread::yield();
      }
      next += uint32_t(n);
    }
  });
  std::vector<uint32_t> out(1000);
  uint32_t expected = 0;
  bool in_order = true;
  while (expected < total) {
    const size_t n = ring.try_pop(out.data(), out.size());
    for (size_t i = 0; i < n; ++i) in_order = in_order && out[i] == expected++;
    if (n == 0) std::this_thread::yield();
  }
  producer.join();
  CHECK(in_order);
  CHECK(expected == total);
  CHECK(ring.size() == 0);
}

TEST_CASE("ring: a full ring drops and counts, never blocks, keeps order", "[ring]") {
  SpscRing<uint32_t> ring(1000);  // rounded up to 1024
  CHECK(ring.capacity() == 1024);
  const uint32_t total = 2'000'000;
  std::atomic<bool> done{false};
  uint64_t accepted = 0;
  std::thread producer([&] {
    uint32_t block[64];
    for (uint32_t next = 0; next < total; next += 64) {
      for (uint32_t i = 0; i < 64; ++i) block[i] = next + i;
      accepted += ring.try_push(block, 64);  // no retry: what does not fit is dropped
    }
    done = true;
  });
  std::vector<uint32_t> out(64);
  uint64_t received = 0;
  int64_t last = -1;
  bool increasing = true;
  while (!done || ring.size() > 0) {
    const size_t n = ring.try_pop(out.data(), out.size());
    for (size_t i = 0; i < n; ++i) {
      increasing = increasing && int64_t(out[i]) > last;
      last = out[i];
    }
    received += n;
    if (received % 4096 < 64) std::this_thread::sleep_for(std::chrono::microseconds(50));  // a slow consumer
  }
  producer.join();
  CHECK(increasing);
  CHECK(received == accepted);
  CHECK(ring.overruns() == total - accepted);
  CHECK(ring.overruns() > 0);
}
