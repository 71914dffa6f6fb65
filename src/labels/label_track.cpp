#include "podclean/labels/label_track.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "podclean/util/atomic_file.h"
#include "podclean/util/error.h"

namespace podclean {

static bool parseNumber(const std::string& text, double& value) {
  char* end = nullptr;
  value = std::strtod(text.c_str(), &end);
  return end && end != text.c_str() && *end == '\0' && std::isfinite(value);
}

std::vector<Segment> readAudacityLabels(const std::string& path) { return parseAudacityLabels(readTextFile(path), path); }

std::vector<Segment> parseAudacityLabels(const std::string& text, const std::string& path) {
  std::istringstream in(text);
  std::vector<Segment> segments;
  std::string line;
  int line_number = 0;
  while (std::getline(in, line)) {
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    if (line[0] == '\\' || line[0] == '\t') continue;  // spectral selection: "\tlo\thi"
    std::vector<std::string> fields;
    std::stringstream ss(line);
    std::string field;
    while (std::getline(ss, field, '\t')) fields.push_back(field);
    auto where = path + ":" + std::to_string(line_number);
    Segment s;
    if (fields.size() < 2 || !parseNumber(fields[0], s.start_s) || !parseNumber(fields[1], s.end_s))
      throw FileError(where, "expected 'start<TAB>end<TAB>label', got '" + line + "'");
    if (s.end_s < s.start_s) throw FileError(where, "label ends before it starts");
    if (s.start_s < 0) throw FileError(where, "negative time");
    s.label = fields.size() > 2 ? fields[2] : "";
    segments.push_back(s);
  }
  return segments;
}

std::string formatAudacityLabels(const std::vector<Segment>& segments) {
  std::string out;
  char line[128];
  for (const Segment& s : segments) {
    std::snprintf(line, sizeof(line), "%.6f\t%.6f\t", s.start_s, s.end_s);
    out += line + s.label + "\n";
  }
  return out;
}

std::vector<int64_t> segmentsToFrames(const std::vector<Segment>& segments, int64_t num_frames,
                                      double frame_step_s, std::vector<std::string>& label_names,
                                      int64_t default_index, bool fixed_names,
                                      const std::string& source) {
  std::vector<int64_t> frames(size_t(num_frames), default_index);
  for (const Segment& s : segments) {
    if (s.end_s <= s.start_s) continue;  // point labels mark no frames
    auto it = std::find(label_names.begin(), label_names.end(), s.label);
    if (it == label_names.end()) {
      if (fixed_names) throw FileError(source, "unknown label '" + s.label + "'");
      label_names.push_back(s.label);
      it = label_names.end() - 1;
    }
    const int64_t index = it - label_names.begin();
    // frames whose centre t * step lies in [start, end)
    const int64_t first = int64_t(std::ceil(s.start_s / frame_step_s - 1e-9));
    const int64_t last = int64_t(std::ceil(s.end_s / frame_step_s - 1e-9));
    for (int64_t t = std::max<int64_t>(0, first); t < std::min(last, num_frames); ++t)
      frames[size_t(t)] = index;
  }
  return frames;
}

static void joinEqualNeighbours(std::vector<Segment>& segments) {
  for (size_t i = 1; i < segments.size(); ++i)
    if (segments[i].label == segments[i - 1].label && segments[i].start_s <= segments[i - 1].end_s + 1e-9) {
      const double a = segments[i - 1].end_s - segments[i - 1].start_s, b = segments[i].end_s - segments[i].start_s;
      if (a + b > 0) segments[i - 1].confidence = (segments[i - 1].confidence * a + segments[i].confidence * b) / (a + b);
      segments[i - 1].end_s = segments[i].end_s;
      segments.erase(segments.begin() + long(i));
      --i;
    }
}

std::vector<Segment> mergeShortSegments(std::vector<Segment> segments, double min_s) {
  auto length = [](const Segment& s) { return s.end_s - s.start_s; };
  while (segments.size() > 1) {
    size_t shortest = 0;
    for (size_t i = 1; i < segments.size(); ++i)
      if (length(segments[i]) < length(segments[shortest])) shortest = i;
    Segment& s = segments[shortest];
    if (length(s) >= min_s) break;
    const size_t into = shortest == 0                     ? 1
                        : shortest + 1 == segments.size() ? shortest - 1
                        : length(segments[shortest - 1]) >= length(segments[shortest + 1]) ? shortest - 1
                                                                                          : shortest + 1;
    Segment& n = segments[into];
    const double len_s = length(s), len_n = length(n);
    if (len_n + len_s > 0) n.confidence = (n.confidence * len_n + s.confidence * len_s * 0.5) / (len_n + len_s);
    n.start_s = std::min(n.start_s, s.start_s);
    n.end_s = std::max(n.end_s, s.end_s);
    segments.erase(segments.begin() + long(shortest));
    joinEqualNeighbours(segments);
  }
  return segments;
}

std::vector<Segment> framesToSegments(const std::vector<int64_t>& frames, double frame_step_s,
                                      const std::vector<std::string>& label_names) {
  std::vector<Segment> out;
  size_t t = 0;
  while (t < frames.size()) {
    size_t u = t;
    while (u < frames.size() && frames[u] == frames[t]) ++u;
    if (frames[t] >= 0 && size_t(frames[t]) < label_names.size())
      out.push_back({double(t) * frame_step_s, double(u) * frame_step_s, label_names[size_t(frames[t])]});
    t = u;
  }
  return out;
}

}  // namespace podclean
