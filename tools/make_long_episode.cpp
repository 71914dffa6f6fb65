// Makes a long test episode for the review page's browser tests, so no big
// file is committed: a short recording (data/sample-episode.mp3: speech with
// pauses) looped to a length, 16 kHz mono 16-bit WAV, with a loud 1 kHz
// marker tone over [MARKER_AT, MARKER_AT + 1) s so a test can check where
// the page draws it.
//   make_long_episode IN OUT.wav SECONDS [MARKER_AT_S]
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include <sndfile.h>

#include "podclean/audio/audio_reader.h"
#include "podclean/audio/audio_writer.h"
#include "podclean/util/error.h"

using namespace podclean;

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: make_long_episode IN OUT.wav SECONDS [MARKER_AT_S]\n");
    return 2;
  }
  try {
    constexpr int kRate = 16000;
    const std::vector<float> loop = loadMono(argv[1], kRate);
    if (loop.empty()) throw FileError(argv[1], "no audio");
    const int64_t total = int64_t(std::atof(argv[3]) * kRate);
    const int64_t marker = argc > 4 ? int64_t(std::atof(argv[4]) * kRate) : -1;
    AudioWriter out(argv[2], {kRate, 1, total, SF_FORMAT_WAV | SF_FORMAT_PCM_16});
    std::vector<float> block(1 << 16);
    for (int64_t at = 0; at < total;) {
      const int64_t n = std::min<int64_t>(int64_t(block.size()), total - at);
      for (int64_t i = 0; i < n; ++i) {
        const int64_t s = at + i;
        block[size_t(i)] = marker >= 0 && s >= marker && s < marker + kRate ? 0.9f * float(std::sin(2 * M_PI * 1000.0 * double(s) / kRate))
                                                                             : loop[size_t(s % int64_t(loop.size()))];
      }
      out.writeInterleaved(block.data(), n);
      at += n;
    }
    out.commit();
  } catch (const Error& e) {
    std::fprintf(stderr, "make_long_episode: %s\n", e.what());
    return 1;
  }
  return 0;
}
