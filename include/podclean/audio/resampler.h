// Streaming sample-rate conversion with libsoxr (high quality).
#pragma once
#include <cstddef>
#include <vector>

struct soxr;

namespace podclean {

class Resampler {
 public:
  Resampler(double input_rate_hz, double output_rate_hz, int channels = 1);
  ~Resampler();
  Resampler(const Resampler&) = delete;
  Resampler& operator=(const Resampler&) = delete;

  // Appends the resampled version of `frames` interleaved input frames to out.
  void process(const float* input, size_t frames, std::vector<float>& out);
  // Appends what is still held inside the filter; call once at the end.
  void flush(std::vector<float>& out);

 private:
  struct soxr* soxr_ = nullptr;
  int channels_;
  double ratio_;
  std::vector<float> scratch_;
};

// One-shot convenience for whole buffers (mono).
std::vector<float> resample(const std::vector<float>& input, double input_rate_hz,
                            double output_rate_hz);

}  // namespace podclean
