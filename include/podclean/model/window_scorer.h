// Streams a file through a clip model on sliding windows for `classify`:
// decode -> resample -> features -> one window of the model's clip length
// centred on every step -> class probabilities, plus the level of each step.
#pragma once
#include <string>

#include "podclean/classify/segmenter.h"
#include "podclean/model/model.h"

namespace podclean {

// step_s: decision resolution. Throws FileError naming the model when it is
// a frame model (e.g. one trained for clean) or needs whole-clip features.
Timeline scoreWindows(const Model& model, const std::string& model_path, const std::string& audio_path, double step_s);

// Frames per window the model was trained on (its dataset's clip length).
int64_t modelWindowFrames(const Model& model);

}  // namespace podclean
