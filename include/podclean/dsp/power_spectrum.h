// |FFT|^2 of one windowed frame with FFTW (float). The plan is made once per
// object and reused for every frame; objects are not shared between threads.
#pragma once
#include <vector>

#include "podclean/dsp/feature_options.h"

namespace podclean {

class PowerSpectrum {
 public:
  explicit PowerSpectrum(const FeatureOptions& options);
  ~PowerSpectrum();
  PowerSpectrum(const PowerSpectrum&) = delete;
  PowerSpectrum& operator=(const PowerSpectrum&) = delete;

  // frame: n_fft raw samples (not yet windowed); power: n_fft/2 + 1 values.
  void compute(const float* frame, float* power);

 private:
  int n_fft_;
  std::vector<float> window_;  // periodic Hann of win_length, centred in n_fft
  float* input_ = nullptr;     // fftwf_malloc'd, aligned
  void* output_ = nullptr;     // fftwf_complex[n_fft/2 + 1]
  void* plan_ = nullptr;       // fftwf_plan
};

}  // namespace podclean
