// librosa.filters.mel, stored sparsely: each band only touches a few
// consecutive FFT bins, so applying it costs ~2 multiply-adds per bin.
#pragma once
#include <vector>

#include "podclean/dsp/feature_options.h"
#include "podclean/dsp/matrix.h"

namespace podclean {

double hzToMel(double hz, MelScale scale);
double melToHz(double mel, MelScale scale);

class MelFilterbank {
 public:
  explicit MelFilterbank(const FeatureOptions& options);
  int numBands() const { return int(bands_.size()); }
  // power: numBins values; mel: numBands values.
  void apply(const float* power, float* mel) const;
  Matrix dense(int num_bins) const;  // [n_mels, n_bins], for tests

 private:
  struct Band {
    int first_bin = 0;
    std::vector<float> weights;  // for bins first_bin ...
  };
  std::vector<Band> bands_;
};

}  // namespace podclean
