#include "podclean/audio/resampler.h"

#include <soxr.h>

#include <cmath>

#include "podclean/util/error.h"

namespace podclean {

Resampler::Resampler(double input_rate_hz, double output_rate_hz, int channels)
    : channels_(channels), ratio_(output_rate_hz / input_rate_hz) {
  soxr_error_t error = nullptr;
  soxr_io_spec_t io = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I);
  soxr_quality_spec_t quality = soxr_quality_spec(SOXR_HQ, 0);
  soxr_ = soxr_create(input_rate_hz, output_rate_hz, unsigned(channels), &error, &io,
                      &quality, nullptr);
  if (error) throw Error(std::string("resampler: ") + error);
}

Resampler::~Resampler() { soxr_delete(soxr_); }

void Resampler::process(const float* input, size_t frames, std::vector<float>& out) {
  // Output room for this call plus the filter's own delay being released.
  size_t room = size_t(std::ceil(double(frames) * ratio_)) + 64;
  scratch_.resize(room * size_t(channels_));
  size_t done_in = 0;
  while (true) {
    size_t used = 0, produced = 0;
    soxr_error_t error = soxr_process(soxr_, input ? input + done_in * channels_ : nullptr,
                                      input ? frames - done_in : 0, &used,
                                      scratch_.data(), room, &produced);
    if (error) throw Error(std::string("resampler: ") + error);
    out.insert(out.end(), scratch_.begin(), scratch_.begin() + produced * channels_);
    done_in += used;
    if (input ? done_in >= frames && produced < room : produced == 0) break;
  }
}

void Resampler::flush(std::vector<float>& out) { process(nullptr, 0, out); }

std::vector<float> resample(const std::vector<float>& input, double input_rate_hz,
                            double output_rate_hz) {
  if (input_rate_hz == output_rate_hz) return input;
  Resampler resampler(input_rate_hz, output_rate_hz, 1);
  std::vector<float> out;
  out.reserve(size_t(input.size() * output_rate_hz / input_rate_hz) + 16);
  resampler.process(input.data(), input.size(), out);
  resampler.flush(out);
  return out;
}

}  // namespace podclean
