// `listen --udp` datagrams: the input is a sequence of datagrams, each prefixed
// by a 3-byte little-endian length, decoded and pushed through the ring as
// udpProducer does.
#include <vector>

#include "fuzz_common.h"
#include "podclean/io/pcm_datagram.h"
#include "podclean/realtime/spsc_ring.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static std::vector<float> samples(podclean::kMaxDatagramBytes / 2), out(4096);
  podclean::SpscRing<float> ring(4096);
  while (size >= 3) {
    const size_t claimed = data[0] | (size_t(data[1]) << 8) | (size_t(data[2]) << 16);
    data += 3, size -= 3;
    const size_t n = claimed < size ? claimed : size;  // what recv would hand over; claimed may exceed it
    const long got = podclean::decodePcmDatagram(data, claimed <= podclean::kMaxDatagramBytes ? n : claimed, samples.data());
    if (got > 0) {
      for (long i = 0; i < got; ++i)
        if (!(samples[size_t(i)] >= -1.f && samples[size_t(i)] < 1.f)) __builtin_trap();
      ring.try_push(samples.data(), size_t(got));
      ring.try_pop(out.data(), out.size());
    }
    data += n, size -= n;
  }
  return 0;
}
