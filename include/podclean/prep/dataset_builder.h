// `prep` for clip and frame tasks: recordings -> manifest.json + .npy arrays
// per split ({split}_x.npy float32 [N, T, F]; {split}_y.npy int64 [N] for
// clips, [N, T] for frames with -1 on padding), normalisation stats from the
// training split only.
#pragma once
#include <functional>
#include <string>

#include "podclean/prep/prep_options.h"

namespace podclean {

struct PrepSummary {
  int64_t files = 0, examples = 0, augmented = 0;
  int64_t per_split[3] = {0, 0, 0};  // train, val, test
  std::vector<std::string> labels;
};

using ProgressFn = std::function<void(int64_t done, int64_t total)>;

PrepSummary buildDataset(const PrepOptions& options, const ProgressFn& progress = {});

}  // namespace podclean
