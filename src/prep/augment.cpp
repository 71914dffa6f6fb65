#include "podclean/prep/augment.h"

#include <algorithm>
#include <cmath>

#include "podclean/audio/audio_reader.h"
#include "podclean/audio/resampler.h"
#include "podclean/prep/file_labels.h"

namespace podclean {

Augmenter::Augmenter(const AugmentOptions& options, int sample_rate_hz, uint64_t seed)
    : options_(options), sample_rate_hz_(sample_rate_hz), rng_(seed) {
  if (!options_.noise_dir.empty()) {
    noise_files_ = findAudioFiles({options_.noise_dir});
    noise_cache_.resize(noise_files_.size());
  }
}

void mixAtSnr(std::vector<float>& signal, const std::vector<float>& noise, double snr_db,
              size_t noise_offset) {
  if (noise.empty() || signal.empty()) return;
  double signal_power = 0, noise_power = 0;
  for (size_t i = 0; i < signal.size(); ++i) {
    const float n = noise[(noise_offset + i) % noise.size()];
    signal_power += double(signal[i]) * signal[i];
    noise_power += double(n) * n;
  }
  if (noise_power <= 0) return;
  if (signal_power <= 0) signal_power = noise_power * 1e-4;  // silent clip: quiet noise
  const double scale = std::sqrt(signal_power / (noise_power * std::pow(10.0, snr_db / 10.0)));
  for (size_t i = 0; i < signal.size(); ++i)
    signal[i] += float(scale * noise[(noise_offset + i) % noise.size()]);
}

nlohmann::json Augmenter::augmentWaveform(std::vector<float>& samples) {
  nlohmann::json done = nlohmann::json::object();
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  if (options_.speed > 0 && !samples.empty()) {
    // Kaldi-style speed perturbation: read the clip as if recorded at rate
    // x factor, so tempo, pitch and formants all move by the factor - the
    // nearest cheap stand-in for a speaker with a longer or shorter vocal tract.
    const double factor = 1.0 + (unit(rng_) * 2 - 1) * options_.speed;
    samples = resample(samples, sample_rate_hz_ * factor, sample_rate_hz_);
    done["speed"] = std::round(factor * 1000) / 1000;
  }
  if (options_.gain_db > 0) {
    const double gain_db = (unit(rng_) * 2 - 1) * options_.gain_db;
    const float gain = float(std::pow(10.0, gain_db / 20.0));
    for (float& s : samples) s *= gain;
    done["gain_db"] = std::round(gain_db * 100) / 100;
  }
  if (options_.shift_ms > 0 && !samples.empty()) {
    const int64_t max_shift = int64_t(options_.shift_ms * sample_rate_hz_ / 1000.0);
    const int64_t shift = int64_t(std::llround((unit(rng_) * 2 - 1) * double(max_shift)));
    std::vector<float> shifted(samples.size(), 0.f);  // zero-filled, not wrapped
    for (int64_t i = 0; i < int64_t(samples.size()); ++i) {
      const int64_t j = i - shift;
      if (j >= 0 && j < int64_t(samples.size())) shifted[size_t(i)] = samples[size_t(j)];
    }
    samples.swap(shifted);
    done["shift_ms"] = double(shift) * 1000.0 / sample_rate_hz_;
  }
  if (!noise_files_.empty()) {
    const size_t pick = size_t(unit(rng_) * double(noise_files_.size())) % noise_files_.size();
    if (noise_cache_[pick].empty()) noise_cache_[pick] = loadMono(noise_files_[pick], sample_rate_hz_);
    const auto& noise = noise_cache_[pick];
    const double snr = options_.snr_db_min + unit(rng_) * (options_.snr_db_max - options_.snr_db_min);
    const size_t offset = noise.empty() ? 0 : size_t(unit(rng_) * double(noise.size()));
    mixAtSnr(samples, noise, snr, offset);
    done["noise"] = noise_files_[pick];
    done["snr_db"] = std::round(snr * 100) / 100;
  }
  return done;
}

nlohmann::json Augmenter::maskFeatures(Matrix& features) {
  nlohmann::json masks = nlohmann::json::array();
  if (features.rows == 0 || features.cols <= 1) return masks;
  // Masked cells take the clip's minimum, which is what silence looks like in log features.
  const float fill = *std::min_element(features.data.begin(), features.data.end());
  std::uniform_int_distribution<int> pick;
  auto draw = [&](int lo, int hi) { return pick(rng_, std::uniform_int_distribution<int>::param_type(lo, hi)); };
  for (int m = 0; m < options_.time_masks && options_.time_mask_frames > 0; ++m) {
    const int width = draw(0, std::min<int>(options_.time_mask_frames, int(features.rows)));
    const int start = draw(0, int(features.rows) - width);
    for (int t = start; t < start + width; ++t)
      std::fill(features.row(t), features.row(t) + features.cols, fill);
    masks.push_back({{"axis", "time"}, {"start", start}, {"width", width}});
  }
  for (int m = 0; m < options_.freq_masks && options_.freq_mask_bands > 0; ++m) {
    const int width = draw(0, std::min<int>(options_.freq_mask_bands, int(features.cols)));
    const int start = draw(0, int(features.cols) - width);
    for (int64_t t = 0; t < features.rows; ++t)
      std::fill(features.row(t) + start, features.row(t) + start + width, fill);
    masks.push_back({{"axis", "feature"}, {"start", start}, {"width", width}});
  }
  return masks;
}

}  // namespace podclean
