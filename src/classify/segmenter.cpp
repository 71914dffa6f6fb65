#include "podclean/classify/segmenter.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

#include "podclean/dsp/frame_energy.h"
#include "podclean/util/error.h"

namespace podclean {

void SegmentOptions::Validate() const {
  if (switch_cost < 0) throw UsageError("--switch-cost must be >= 0");
  if (min_segment_s < 0) throw UsageError("--min-segment must be >= 0");
  if (silence_db >= 0) throw UsageError("--silence-db must be below 0 dBFS");
  if (floor_margin_db < 0) throw UsageError("--silence-margin must be >= 0 dB");
  if (!(quiet_label_prob >= 0 && quiet_label_prob <= 1)) throw UsageError("--quiet-label-prob must be in [0, 1]");
}

double silenceThresholdDb(const Timeline& tl, const SegmentOptions& o) {
  if (o.floor_margin_db <= 0 || tl.level_db.empty()) return o.silence_db;
  // The whole file's floor (10th percentile of step levels) and loud level (95th).
  LevelTracker::Options lo;
  lo.frame_s = tl.step_s;
  lo.half_life_s = 1e9;  // one estimate for the whole file, every step weighing the same
  LevelTracker levels(lo);
  for (float db : tl.level_db) levels.push(db);
  const double floor = levels.floorDb(), range = levels.speechDb() - floor;
  if (range < o.min_range_db) return o.silence_db;  // one steady sound (noise, music): not silence
  return std::max(o.silence_db, floor + std::min(o.floor_margin_db, range / 3));
}

std::vector<Segment> segmentTimeline(const Timeline& tl, const SegmentOptions& o) {
  o.Validate();
  const int64_t steps = tl.probs.rows;
  const int classes = int(tl.labels.size());
  const int states = classes + 1;  // last state: silence (from the energy gate)
  std::vector<std::string> names = tl.labels;
  names.push_back("silence");
  // Emission log-probabilities: quiet steps are silence, loud ones are the model's.
  const double silence_db = silenceThresholdDb(tl, o);
  const int quiet_class = int(std::find(names.begin(), names.end() - 1, o.quiet_label) - names.begin());
  auto emission = [&](int64_t t, int s) {
    const float level = tl.level_db[size_t(t)];
    const bool quiet_but_kept = quiet_class < classes && level >= o.silence_db && tl.probs.at(t, quiet_class) >= o.quiet_label_prob;
    const bool quiet = level < silence_db && !quiet_but_kept;
    if (s == classes) return quiet ? 0.0 : -1e3;
    return quiet ? -1e3 : std::log(std::max(1e-6, double(tl.probs.at(t, s))));
  };
  std::vector<double> score(static_cast<size_t>(states)), next(static_cast<size_t>(states));
  std::vector<std::vector<int>> back(size_t(steps), std::vector<int>(size_t(states), 0));
  for (int s = 0; s < states; ++s) score[size_t(s)] = steps ? emission(0, s) : 0;
  for (int64_t t = 1; t < steps; ++t) {
    const int best_prev = int(std::max_element(score.begin(), score.end()) - score.begin());
    for (int s = 0; s < states; ++s) {
      double stay = score[size_t(s)], change = score[size_t(best_prev)] - o.switch_cost;
      const bool keep = stay >= change || best_prev == s;
      next[size_t(s)] = (keep ? stay : change) + emission(t, s);
      back[size_t(t)][size_t(s)] = keep ? s : best_prev;
    }
    score.swap(next);
  }
  std::vector<int> path(static_cast<size_t>(steps));
  if (steps) path.back() = int(std::max_element(score.begin(), score.end()) - score.begin());
  for (int64_t t = steps - 1; t > 0; --t) path[size_t(t - 1)] = back[size_t(t)][size_t(path[size_t(t)])];

  // Runs -> segments with mean confidence; then merge the too-short ones.
  std::vector<Segment> segments;
  for (int64_t t = 0; t < steps;) {
    int64_t u = t;
    double confidence = 0;
    while (u < steps && path[size_t(u)] == path[size_t(t)]) {
      confidence += path[size_t(t)] == classes ? 1.0 : tl.probs.at(u, path[size_t(t)]);
      ++u;
    }
    segments.push_back({double(t) * tl.step_s, std::min(tl.duration_s, double(u) * tl.step_s), names[size_t(path[size_t(t)])],
                        confidence / double(u - t)});
    t = u;
  }
  return mergeShortSegments(std::move(segments), o.min_segment_s);
}

static double round3(double v) { return std::round(v * 1000) / 1000; }

nlohmann::json segmentsToJson(const std::vector<Segment>& segments, const std::string& source, double duration_s) {
  nlohmann::json list = nlohmann::json::array();
  for (const Segment& s : segments)
    list.push_back({{"start", round3(s.start_s)}, {"end", round3(s.end_s)}, {"label", s.label}, {"confidence", round3(s.confidence)}});
  return {{"file", source}, {"duration_s", round3(duration_s)}, {"segments", list}};
}

static std::string rows(const std::vector<Segment>& segments, const char* format) {
  std::string out;
  char line[256];
  for (const Segment& s : segments) {
    std::snprintf(line, sizeof(line), format, s.start_s, s.end_s, s.label.c_str(), s.confidence);
    out += line;
  }
  return out;
}

std::string segmentsToCsv(const std::vector<Segment>& s) { return "start,end,label,confidence\n" + rows(s, "%.3f,%.3f,%s,%.3f\n"); }
std::string segmentsToTsv(const std::vector<Segment>& s) { return "start\tend\tlabel\tconfidence\n" + rows(s, "%.3f\t%.3f\t%s\t%.3f\n"); }
std::string segmentsToTable(const std::vector<Segment>& s) {
  return "    start       end  label         confidence\n" + rows(s, "%9.3f %9.3f  %-13s %5.2f\n");
}

std::string perSecondCsv(const std::vector<Segment>& segments, const std::vector<std::string>& labels, double duration_s) {
  std::vector<std::string> names = labels;
  if (std::find(names.begin(), names.end(), "silence") == names.end()) names.push_back("silence");
  std::string out = "second";
  for (const auto& n : names) out += "," + n;
  out += "\n";
  char cell[64];
  for (int64_t sec = 0; double(sec) < duration_s; ++sec) {
    std::snprintf(cell, sizeof(cell), "%lld", (long long)sec);
    out += cell;
    const double a = double(sec), b = std::min(duration_s, a + 1.0);
    for (const auto& n : names) {
      double share = 0;
      for (const Segment& s : segments)
        if (s.label == n) share += std::max(0.0, std::min(b, s.end_s) - std::max(a, s.start_s));
      std::snprintf(cell, sizeof(cell), ",%.2f", b > a ? share / (b - a) : 0.0);
      out += cell;
    }
    out += "\n";
  }
  return out;
}

std::string timelineSvg(const Timeline& tl, const std::vector<Segment>& segments, const std::string& title) {
  static const std::map<std::string, std::string> known = {
      {"speech", "#4e79a7"}, {"music", "#f28e2b"}, {"noise", "#76b7b2"}, {"silence", "#d3d3d3"}};
  static const char* spare[] = {"#e15759", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f"};
  std::map<std::string, std::string> colour;
  int next_spare = 0;
  for (const Segment& s : segments)
    if (!colour.count(s.label)) colour[s.label] = known.count(s.label) ? known.at(s.label) : spare[next_spare++ % 6];
  const double width = 1000, band_y = 40, band_h = 120, scale = width / std::max(1e-9, tl.duration_s);
  std::string svg;
  char buf[512];
  std::snprintf(buf, sizeof(buf),
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"230\" viewBox=\"0 0 %.0f 230\" "
                "font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n",
                width + 20, width + 20);
  svg += buf;
  std::string escaped;
  for (char c : title) escaped += c == '<' ? "&lt;" : c == '&' ? "&amp;" : c == '>' ? "&gt;" : std::string(1, c);
  svg += "<text x=\"10\" y=\"20\">" + escaped + "</text>\n<g transform=\"translate(10,0)\">\n";
  for (const Segment& s : segments) {
    std::snprintf(buf, sizeof(buf),
                  "<rect class=\"band\" data-label=\"%s\" data-start=\"%.3f\" data-end=\"%.3f\" x=\"%.2f\" y=\"%.0f\" "
                  "width=\"%.2f\" height=\"%.0f\" fill=\"%s\"><title>%s %.2f-%.2f s</title></rect>\n",
                  s.label.c_str(), s.start_s, s.end_s, s.start_s * scale, band_y, (s.end_s - s.start_s) * scale, band_h,
                  colour[s.label].c_str(), s.label.c_str(), s.start_s, s.end_s);
    svg += buf;
  }
  // Level envelope: -80..0 dBFS mapped onto the band, drawn over it.
  std::string points;
  for (size_t t = 0; t < tl.level_db.size(); ++t) {
    const double level = std::clamp(double(tl.level_db[t]), -80.0, 0.0);
    std::snprintf(buf, sizeof(buf), "%.2f,%.2f ", (double(t) + 0.5) * tl.step_s * scale, band_y + band_h * (-level / 80.0));
    points += buf;
  }
  svg += "<polyline class=\"envelope\" fill=\"none\" stroke=\"black\" stroke-width=\"1\" points=\"" + points + "\"/>\n";
  for (double t = 0; t <= tl.duration_s + 1e-9; t += std::max(1.0, std::ceil(tl.duration_s / 10))) {
    std::snprintf(buf, sizeof(buf), "<text x=\"%.1f\" y=\"180\" text-anchor=\"middle\">%.0f s</text>\n", t * scale, t);
    svg += buf;
  }
  double x = 0;
  for (const auto& [label, fill] : colour) {
    std::snprintf(buf, sizeof(buf), "<rect x=\"%.0f\" y=\"200\" width=\"12\" height=\"12\" fill=\"%s\"/><text x=\"%.0f\" y=\"211\">%s</text>\n",
                  x, fill.c_str(), x + 16, label.c_str());
    svg += buf;
    x += 110;
  }
  return svg + "</g>\n</svg>\n";
}

}  // namespace podclean
