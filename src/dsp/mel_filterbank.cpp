#include "podclean/dsp/mel_filterbank.h"

#include <algorithm>
#include <cmath>

namespace podclean {

// Slaney's auditory-toolbox scale: linear below 1 kHz, logarithmic above.
static constexpr double kSlaneyLinearStepHz = 200.0 / 3.0;
static constexpr double kSlaneyBreakHz = 1000.0;
static const double kSlaneyBreakMel = kSlaneyBreakHz / kSlaneyLinearStepHz;  // 15
static const double kSlaneyLogStep = std::log(6.4) / 27.0;

double hzToMel(double hz, MelScale scale) {
  if (scale == MelScale::kHtk) return 2595.0 * std::log10(1.0 + hz / 700.0);
  if (hz < kSlaneyBreakHz) return hz / kSlaneyLinearStepHz;
  return kSlaneyBreakMel + std::log(hz / kSlaneyBreakHz) / kSlaneyLogStep;
}

double melToHz(double mel, MelScale scale) {
  if (scale == MelScale::kHtk) return 700.0 * (std::pow(10.0, mel / 2595.0) - 1.0);
  if (mel < kSlaneyBreakMel) return mel * kSlaneyLinearStepHz;
  return kSlaneyBreakHz * std::exp(kSlaneyLogStep * (mel - kSlaneyBreakMel));
}

MelFilterbank::MelFilterbank(const FeatureOptions& o) {
  const int n_bins = o.numBins();
  const double mel_lo = hzToMel(o.fmin_hz, o.mel_scale);
  const double mel_hi = hzToMel(o.fmaxHz(), o.mel_scale);
  std::vector<double> edges_hz(size_t(o.n_mels + 2));
  for (int i = 0; i < o.n_mels + 2; ++i)  // like numpy.linspace, endpoints exact
    edges_hz[size_t(i)] = melToHz(mel_lo + (mel_hi - mel_lo) * i / (o.n_mels + 1), o.mel_scale);
  bands_.resize(size_t(o.n_mels));
  for (int i = 0; i < o.n_mels; ++i) {
    const double lo = edges_hz[size_t(i)], mid = edges_hz[size_t(i + 1)],
                 hi = edges_hz[size_t(i + 2)];
    const double norm = o.mel_norm == MelNorm::kSlaney ? 2.0 / (hi - lo) : 1.0;
    Band& band = bands_[size_t(i)];
    band.first_bin = -1;
    for (int k = 0; k < n_bins; ++k) {
      const double f = double(k) * o.sample_rate_hz / o.n_fft;
      const double w = std::max(0.0, std::min((f - lo) / (mid - lo), (hi - f) / (hi - mid)));
      if (w > 0) {
        if (band.first_bin < 0) band.first_bin = k;
        // keep interior zeros (none expected for a triangle) so indices stay contiguous
        band.weights.resize(size_t(k - band.first_bin + 1), 0.f);
        band.weights.back() = float(w * norm);
      }
    }
    if (band.first_bin < 0) band.first_bin = 0;  // empty band (HTK, many mels): all zeros
  }
}

void MelFilterbank::apply(const float* power, float* mel) const {
  for (size_t i = 0; i < bands_.size(); ++i) {
    const Band& band = bands_[i];
    const float* p = power + band.first_bin;
    const float* w = band.weights.data();
    float sum = 0.f;
    for (size_t k = 0; k < band.weights.size(); ++k) sum += w[k] * p[k];
    mel[i] = sum;
  }
}

Matrix MelFilterbank::dense(int num_bins) const {
  Matrix m(int64_t(bands_.size()), num_bins);
  for (size_t i = 0; i < bands_.size(); ++i)
    for (size_t k = 0; k < bands_[i].weights.size(); ++k)
      m.at(int64_t(i), bands_[i].first_bin + int64_t(k)) = bands_[i].weights[k];
  return m;
}

}  // namespace podclean
