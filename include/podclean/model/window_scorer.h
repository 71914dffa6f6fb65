// Streams a file through a clip model on sliding windows for `classify`:
// decode -> resample -> features -> one window of the model's clip length
// centred on every step -> class probabilities, plus the level of each step.
#pragma once
#include <string>
#include <vector>

#include "podclean/classify/segmenter.h"
#include "podclean/model/model.h"

namespace podclean {

// One clip model, or several that share labels, features and window length
// (e.g. the same recipe trained with other seeds): their probabilities are
// averaged, which evens out the run-to-run spread of one model.
class ClipModels {
 public:
  // Throws FileError naming a model that is not a clip model, needs whole-clip
  // features, or differs from the first one.
  explicit ClipModels(const std::vector<std::string>& paths);
  const Model& first() const { return models_.front(); }
  const std::vector<std::string>& paths() const { return paths_; }
  std::vector<float> posteriors(const Matrix& features) const;
  std::vector<std::vector<float>> posteriorsBatch(const std::vector<Matrix>& clips) const;

 private:
  std::vector<Model> models_;
  std::vector<std::string> paths_;
};

// step_s: decision resolution.
Timeline scoreWindows(const ClipModels& models, const std::string& audio_path, double step_s);

// Frames per window the model was trained on (its dataset's clip length).
int64_t modelWindowFrames(const Model& model);

}  // namespace podclean
