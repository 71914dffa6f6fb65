// The no-model method (`clean --method energy`), as silence cutters such as
// auto-editor do it: a 10 ms frame (dsp/frame_energy.h) is kept when its RMS
// reaches a threshold. By default the threshold adapts to each file: a
// LevelTracker follows its noise floor and speech level (percentiles of frame
// levels, looking 10 s ahead so the first seconds are judged as well as the
// rest; the tracker is a fixed histogram), and the threshold sits between them.
#pragma once
#include <string>

#include "podclean/clean/cut_planner.h"

namespace podclean {

// The adaptive threshold for a noise floor and speech level (dBFS): 4 to
// 8 dB above the floor (a fifth of the way to the speech level).
double adaptiveSilenceDb(double floor_db, double speech_db);

// Streams the file (mono, its own rate); P(keep) is 1 or 0 per frame.
// threshold_db: fixed threshold (dBFS); 0 = adaptive per file.
FrameScores scoreByEnergy(const std::string& path, double threshold_db);

}  // namespace podclean
