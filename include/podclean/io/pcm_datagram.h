// `listen --udp`: each datagram carries whole signed 16-bit little-endian mono
// samples. Received whole (the buffer holds the largest UDP payload), and a
// datagram that is not s16le PCM is refused, never cut short in silence.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace podclean {

inline constexpr size_t kMaxDatagramBytes = 65536;  // > the largest UDP payload (65507 bytes)

// Receives one datagram from a UDP socket into buffer (resized to
// kMaxDatagramBytes). Returns its real size, which exceeds the buffer when
// it did not fit, or -1 on timeout or error.
long receiveDatagram(int fd, std::vector<uint8_t>& buffer);

// Converts a datagram of `size` bytes to samples in [-1, 1) (out needs size / 2
// floats). Returns the sample count, or -1 (nothing written) when it cannot be
// s16le PCM: an odd byte count, or more than kMaxDatagramBytes (truncated).
long decodePcmDatagram(const uint8_t* data, size_t size, float* out);

}  // namespace podclean
