#include "podclean/dsp/power_spectrum.h"

#include <fftw3.h>

#include <cmath>
#include <mutex>

namespace podclean {

// FFTW's planner is not thread-safe; executing plans is.
static std::mutex& plannerMutex() {
  static std::mutex mutex;
  return mutex;
}

PowerSpectrum::PowerSpectrum(const FeatureOptions& o) : n_fft_(o.n_fft), window_(size_t(o.n_fft), 0.f) {
  const int offset = (o.n_fft - o.win_length) / 2;
  for (int n = 0; n < o.win_length; ++n)  // periodic Hann: divide by N, not N - 1
    window_[size_t(offset + n)] = float(0.5 - 0.5 * std::cos(2.0 * M_PI * n / o.win_length));
  std::lock_guard<std::mutex> lock(plannerMutex());
  input_ = fftwf_alloc_real(size_t(n_fft_));
  output_ = fftwf_alloc_complex(size_t(n_fft_ / 2 + 1));
  plan_ = fftwf_plan_dft_r2c_1d(n_fft_, input_, static_cast<fftwf_complex*>(output_),
                                FFTW_MEASURE);
}

PowerSpectrum::~PowerSpectrum() {
  std::lock_guard<std::mutex> lock(plannerMutex());
  fftwf_destroy_plan(static_cast<fftwf_plan>(plan_));
  fftwf_free(input_);
  fftwf_free(output_);
}

void PowerSpectrum::compute(const float* frame, float* power) {
  for (int n = 0; n < n_fft_; ++n) input_[n] = frame[n] * window_[size_t(n)];
  fftwf_execute(static_cast<fftwf_plan>(plan_));
  const fftwf_complex* spectrum = static_cast<const fftwf_complex*>(output_);
  for (int k = 0; k <= n_fft_ / 2; ++k)
    power[k] = spectrum[k][0] * spectrum[k][0] + spectrum[k][1] * spectrum[k][1];
}

}  // namespace podclean
