// Seeded data augmentation: waveform (gain, shift, noise at an SNR) and
// SpecAugment-style masks on features. Each call says what it did in JSON.
#pragma once
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "podclean/dsp/matrix.h"
#include "podclean/prep/prep_options.h"

namespace podclean {

class Augmenter {
 public:
  Augmenter(const AugmentOptions& options, int sample_rate_hz, uint64_t seed);
  // Returns the description of what was applied (for the manifest).
  nlohmann::json augmentWaveform(std::vector<float>& samples);
  nlohmann::json maskFeatures(Matrix& features);

 private:
  AugmentOptions options_;
  int sample_rate_hz_;
  std::mt19937_64 rng_;
  std::vector<std::string> noise_files_;
  std::vector<std::vector<float>> noise_cache_;
};

// Adds noise to signal at snr_db (noise looped from a random offset).
void mixAtSnr(std::vector<float>& signal, const std::vector<float>& noise, double snr_db,
              size_t noise_offset);

}  // namespace podclean
