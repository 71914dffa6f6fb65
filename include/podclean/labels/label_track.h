// Time-stamped labels (Audacity label tracks) and their per-frame form.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace podclean {

struct Segment {
  double start_s = 0, end_s = 0;
  std::string label;
  double confidence = 1.0;
};

// Audacity label track: "start<TAB>end<TAB>label" per line; point labels
// (start == end) are kept; the "\tfreq_lo\tfreq_hi" lines Audacity writes for
// spectral selections are skipped. Errors name the file and line.
std::vector<Segment> readAudacityLabels(const std::string& path);
std::vector<Segment> parseAudacityLabels(const std::string& text, const std::string& path);  // path: for errors
std::string formatAudacityLabels(const std::vector<Segment>& segments);

// One class index per feature frame: frame t (centred on t * hop) takes the
// label of the segment holding its centre time; unlabelled frames get
// default_index. label_names maps names to indices; unknown names are added
// unless fixed_names is true (then they are an error naming the file).
std::vector<int64_t> segmentsToFrames(const std::vector<Segment>& segments, int64_t num_frames,
                                      double frame_step_s, std::vector<std::string>& label_names,
                                      int64_t default_index, bool fixed_names = false,
                                      const std::string& source = "");

// Segments shorter than min_s join their longer neighbour (confidence
// weighted by length), and neighbours with the same label are joined.
std::vector<Segment> mergeShortSegments(std::vector<Segment> segments, double min_s);

// Runs of equal frame labels back to segments (negative indices skipped).
std::vector<Segment> framesToSegments(const std::vector<int64_t>& frames, double frame_step_s,
                                      const std::vector<std::string>& label_names);

}  // namespace podclean
