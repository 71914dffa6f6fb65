#include "podclean/io/pcm_datagram.h"

#include <sys/socket.h>

namespace podclean {

long receiveDatagram(int fd, std::vector<uint8_t>& buffer) {
  buffer.resize(kMaxDatagramBytes);
  // MSG_TRUNC: the return value is the datagram's real length even when it did not fit.
  return long(recv(fd, buffer.data(), buffer.size(), MSG_TRUNC));
}

long decodePcmDatagram(const uint8_t* data, size_t size, float* out) {
  if (size % 2 != 0 || size > kMaxDatagramBytes) return -1;
  for (size_t i = 0; i < size / 2; ++i)
    out[i] = float(int16_t(uint16_t(data[2 * i] | (data[2 * i + 1] << 8)))) / 32768.f;
  return long(size / 2);
}

}  // namespace podclean
