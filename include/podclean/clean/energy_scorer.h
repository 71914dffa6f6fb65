// The no-model method (`clean --method energy`), as silence cutters such as
// auto-editor do it: a 10 ms frame is kept when its RMS reaches threshold_db.
#pragma once
#include <string>

#include "podclean/clean/cut_planner.h"

namespace podclean {

// Streams the file (mono, its own rate); P(keep) is 1 or 0 per frame.
FrameScores scoreByEnergy(const std::string& path, double threshold_db);

}  // namespace podclean
