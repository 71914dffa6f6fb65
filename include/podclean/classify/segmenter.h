// `classify` post-processing: window posteriors + an energy gate -> a clean
// list of labelled segments (Viterbi with a switching cost, as
// inaSpeechSegmenter smooths), and the output formats.
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "podclean/dsp/matrix.h"
#include "podclean/labels/label_track.h"

namespace podclean {

// Scores on a regular timeline: step t covers [t * step_s, (t + 1) * step_s).
struct Timeline {
  double step_s = 0.25;
  double duration_s = 0;
  std::vector<std::string> labels;  // the model's classes
  Matrix probs;                     // [steps, classes]
  std::vector<float> level_db;      // RMS of each step, dBFS
};

struct SegmentOptions {
  // Silence is relative to the file: steps within floor_margin_db of its noise
  // floor are silence when the file has one (its loud level is at least
  // min_range_db above it: speech or music with pauses, not one steady sound),
  // and steps below silence_db always are. So a quiet recording's speech is not
  // silence, and a noisy room's pauses are not noise.
  double silence_db = -70.0;       // steps quieter than this are always "silence"
  double floor_margin_db = 6.0;    // 0: only the silence_db gate
  double min_range_db = 15.0;
  // Music has quiet passages (intros, fades, a soft verse) that sit near a
  // song's floor: a step under the relative gate (but above silence_db) keeps
  // this label when the model gives it at least quiet_label_prob. Pauses in
  // speech or a room's noise are not affected. Empty: off.
  std::string quiet_label = "music";
  double quiet_label_prob = 0.5;
  double switch_cost = 4.0;        // Viterbi: log-probability cost of changing label
  double min_segment_s = 0.5;      // shorter segments merge into a neighbour
  void Validate() const;
};

// The level (dBFS RMS of a step) below which a step of this timeline is silence.
double silenceThresholdDb(const Timeline& timeline, const SegmentOptions& options);

// Segments covering [0, duration] with label, start, end and mean confidence.
std::vector<Segment> segmentTimeline(const Timeline& timeline, const SegmentOptions& options);

nlohmann::json segmentsToJson(const std::vector<Segment>& segments, const std::string& source, double duration_s);
std::string segmentsToCsv(const std::vector<Segment>& segments);    // start,end,label,confidence
std::string segmentsToTsv(const std::vector<Segment>& segments);
std::string segmentsToTable(const std::vector<Segment>& segments);  // for a terminal
// One row per second: second, then each label's share of that second (0..1).
std::string perSecondCsv(const std::vector<Segment>& segments, const std::vector<std::string>& labels, double duration_s);
// A standalone SVG timeline: the level envelope with coloured label bands.
std::string timelineSvg(const Timeline& timeline, const std::vector<Segment>& segments, const std::string& title);

}  // namespace podclean
