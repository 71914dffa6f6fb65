// From per-frame scores to the list of cuts: what `clean` removes.
// Cutting a word is far worse than leaving a breath in, so the defaults
// favour keeping: a low threshold, padding around speech, short pauses kept.
#pragma once
#include <string>
#include <vector>

#include "podclean/labels/label_track.h"

namespace podclean {

struct CutOptions {
  double threshold = 0.03;        // a frame is kept when P(keep) >= threshold (set for models/clean-default.pt
                                  // on tuning episodes: the most removed with >= 99.8 % of speech kept)
  double hysteresis = 0.015;      // ...and stays kept until P(keep) < threshold - hysteresis
  double floor_gate_db = 2.0;     // ...and is at least this far above the noise floor (when the
                                  // scores carry levels; < 0: no gate). The model alone keeps
                                  // room tone next to speech; the level says where the speech ends.
  double unsure_gate_db = 3.0;    // ...or this far when P(keep) < sure (< 0: off). The frames beside a
  double sure = 0.3;              // word that the model keeps with a low P are mostly room tone a few
                                  // dB up; a quiet onset it is sure of stays at floor_gate_db. Both
                                  // set with the threshold on the tuning episodes (models/README.md).
  double pad_before_s = 0.10;     // kept before each stretch of speech
  double pad_after_s = 0.15;      // kept after it (word endings, a trailing "s")
  double min_cut_s = 0.30;        // shorter removable stretches are left alone
  double min_keep_s = 0.05;       // kept stretches shorter than this are not kept, alone or not (most
                                  // are room tone between gated frames; models/README.md)
  double shorten_pauses_s = 0.30; // a removed pause leaves this much (at least the padding)
  void Validate() const;          // throws UsageError naming the option
};

// Per-frame analysis of one file: P(keep) and, for removable frames, the
// most likely removable class.
struct FrameScores {
  double frame_step_s = 0.01;
  double duration_s = 0;
  std::vector<float> keep;        // P(keep) per frame
  std::vector<int> remove_class;  // index into class_names per frame
  std::vector<std::string> class_names;  // removable classes ("silence", "breath", ...)
  std::vector<float> above_floor_db;     // per frame: level above the file's noise floor (empty: no gate)
};

// Cuts in seconds, each with the class removed and the mean confidence
// (1 - P(keep)) over its frames, sorted and not overlapping.
std::vector<Segment> planCuts(const FrameScores& scores, const CutOptions& options);

// Kept regions = the complement of the cuts within [0, duration_s].
std::vector<std::pair<double, double>> keptRegions(const std::vector<Segment>& cuts, double duration_s);

}  // namespace podclean
