#include "podclean/clean/cut_planner.h"

#include <algorithm>
#include <map>

#include "podclean/util/error.h"

namespace podclean {

void CutOptions::Validate() const {
  if (threshold <= 0 || threshold >= 1) throw UsageError("--threshold " + std::to_string(threshold) + " must be in (0, 1)");
  if (hysteresis < 0 || hysteresis >= threshold) throw UsageError("--hysteresis must be >= 0 and below --threshold");
  if (pad_before_s < 0 || pad_after_s < 0) throw UsageError("--pad-before/--pad-after must be >= 0");
  if (min_cut_s < 0 || min_keep_s < 0) throw UsageError("--min-cut/--min-keep must be >= 0");
  if (shorten_pauses_s < 0) throw UsageError("--shorten-pauses must be >= 0");
  if (sure < 0 || sure > 1) throw UsageError("--sure must be in [0, 1]");
}

std::vector<Segment> planCuts(const FrameScores& s, const CutOptions& o) {
  o.Validate();
  const double step = s.frame_step_s;
  // 1. Frames to keep: P(keep) with hysteresis, and loud enough when gated;
  //    then stretches of kept frames in seconds.
  const size_t n = s.keep.size();
  auto loudEnough = [&](size_t t) {
    if (o.floor_gate_db < 0 || t >= s.above_floor_db.size()) return true;
    const bool unsure = o.unsure_gate_db >= 0 && s.keep[t] < o.sure;
    return s.above_floor_db[t] >= (unsure ? std::max(o.floor_gate_db, o.unsure_gate_db) : o.floor_gate_db);
  };
  std::vector<std::pair<double, double>> speech;
  bool on = false, in_run = false;
  size_t begin = 0;
  for (size_t t = 0; t <= n; ++t) {
    bool kept = false;
    if (t < n) {
      on = s.keep[t] >= (on ? o.threshold - o.hysteresis : o.threshold);
      kept = on && loudEnough(t);
    }
    if (kept && !in_run) {
      in_run = true;
      begin = t;
    } else if (!kept && in_run) {
      in_run = false;
      // frame t is centred at t * step: a run [begin, t) covers [begin - 0.5, t - 0.5) steps
      double a = std::max(0.0, (double(begin) - 0.5) * step), b = std::min(s.duration_s, (double(t) - 0.5) * step);
      if (b - a >= o.min_keep_s) speech.emplace_back(a, b);
    }
  }
  // 2. Padding, merged where it overlaps.
  std::vector<std::pair<double, double>> kept;
  for (auto [a, b] : speech) {
    a = std::max(0.0, a - o.pad_before_s);
    b = std::min(s.duration_s, b + o.pad_after_s);
    if (!kept.empty() && a <= kept.back().second) kept.back().second = std::max(kept.back().second, b);
    else kept.emplace_back(a, b);
  }
  // 3. Gaps become cuts when long enough; a cut pause keeps shorten_pauses_s
  //    in all (padding counts towards it), half on each side.
  const double pad_total = o.pad_before_s + o.pad_after_s;
  const double extra = std::max(0.0, o.shorten_pauses_s - pad_total) / 2;
  std::vector<Segment> cuts;
  auto addCut = [&](double a, double b) {
    if (b - a < o.min_cut_s || b - a <= 1e-9) return;
    const size_t f0 = size_t(std::max(0.0, a / step + 0.5)), f1 = std::min(s.keep.size(), size_t(b / step + 0.5));
    double confidence = 0;
    std::map<int, int> votes;
    for (size_t t = f0; t < f1; ++t) {
      confidence += 1.0 - s.keep[t];
      if (!s.remove_class.empty()) votes[s.remove_class[t]]++;
    }
    int best = 0, best_votes = -1;
    for (auto [c, n] : votes)
      if (n > best_votes) best = c, best_votes = n;
    std::string label = s.class_names.empty() ? "silence" : s.class_names[size_t(best)];
    cuts.push_back({a, b, label, f1 > f0 ? confidence / double(f1 - f0) : 1.0});
  };
  double previous_end = 0;
  for (size_t i = 0; i <= kept.size(); ++i) {
    const bool first = i == 0, last = i == kept.size();
    const double next_start = last ? s.duration_s : kept[i].first;
    // Leading and trailing silence: keep only the extra on the speech side.
    const double a = previous_end + (first ? 0.0 : extra), b = next_start - (last ? 0.0 : extra);
    if (kept.empty()) addCut(0, s.duration_s);
    else addCut(a, b);
    if (!last) previous_end = kept[i].second;
    if (kept.empty()) break;
  }
  return cuts;
}

std::vector<std::pair<double, double>> keptRegions(const std::vector<Segment>& cuts, double duration_s) {
  std::vector<std::pair<double, double>> kept;
  double at = 0;
  for (const Segment& c : cuts) {
    if (c.start_s > at) kept.emplace_back(at, c.start_s);
    at = std::max(at, c.end_s);
  }
  if (at < duration_s) kept.emplace_back(at, duration_s);
  return kept;
}

}  // namespace podclean
