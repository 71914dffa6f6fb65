// Neural scoring for `clean`: a frame model streams over a file (decode ->
// resample -> features -> model in overlapping chunks) in bounded memory.
#pragma once
#include <string>
#include <vector>

#include "podclean/clean/cut_planner.h"
#include "podclean/model/model.h"

namespace podclean {

// P(keep) per frame = the sum of the keep classes' probabilities. Throws
// FileError naming the model when it is not a conv1d frame model or has none
// of the keep labels.
FrameScores scoreWithModel(const Model& model, const std::string& model_path, const std::string& audio_path,
                           const std::vector<std::string>& keep_labels, int64_t chunk_frames = 4000);

}  // namespace podclean
