// A dataset made by `podclean prep`, read back: manifest plus one split's arrays.
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "podclean/dsp/feature_options.h"
#include "podclean/dsp/norm_stats.h"

namespace podclean {

struct DatasetSplit {
  int64_t count = 0, frames = 0, features = 0;
  std::vector<float> x;    // [count, frames, features]
  std::vector<int64_t> y;  // [count] (clip) or [count, frames] (frame; -1 = ignore)
};

struct Dataset {
  std::string dir;
  nlohmann::json manifest;
  bool frame_task = false;
  std::vector<std::string> labels;
  FeatureOptions features;
  NormStats norm;
  // Throws FileError naming the folder when it is not a podclean dataset.
  static Dataset open(const std::string& dir);
  // The same from manifest.json's text (errors name dir/manifest.json).
  static Dataset fromManifest(const std::string& text, const std::string& dir);
  DatasetSplit load(const std::string& split) const;  // "train" | "val" | "test"
  // The noise bank (prep --noise-dir with log-power features), un-normalised
  // features [count, frames, features]; count 0 when the dataset has none.
  DatasetSplit loadNoise() const;
};

}  // namespace podclean
