#include "podclean/dsp/frame_energy.h"

#include <algorithm>

namespace podclean {

double rmsDb(const float* x, size_t n) {
  double e = 0;
  for (size_t i = 0; i < n; ++i) e += double(x[i]) * x[i];
  return powerDb(e / double(std::max<size_t>(n, 1)));
}

void scaleToDb(std::vector<float>& x, double target_db) {
  const double now = rmsDb(x);
  if (now <= -119) return;
  const float g = float(std::pow(10.0, (target_db - now) / 20.0));
  for (float& v : x) v *= g;
}

std::vector<float> frameLevelsDb(const float* x, size_t n, int rate_hz) {
  std::vector<float> db;
  FrameEnergy frames(rate_hz);
  auto emit = [&](double ms) { db.push_back(float(powerDb(ms))); };
  frames.push(x, n, emit);
  frames.finish(emit);
  return db;
}

double activeLevelDb(const float* x, size_t n, int rate_hz) {
  const auto db = frameLevelsDb(x, n, rate_hz);
  if (db.empty()) return -120;
  const float top = *std::max_element(db.begin(), db.end());
  double power = 0;
  int count = 0;
  for (float d : db)
    if (d >= top - 40) power += std::pow(10.0, d / 10.0), ++count;
  return powerDb(power / count);
}

LevelTracker::LevelTracker() : LevelTracker(Options()) {}

LevelTracker::LevelTracker(const Options& options)
    : options_(options), weight_(kBins, 0.0),
      growth_(options.half_life_s > 0 ? std::pow(2.0, options.frame_s / options.half_life_s) : 1.0) {}

void LevelTracker::push(double frame_db) {
  // Forgetting without touching old bins: each new frame weighs a little more
  // than the last; rescale everything now and then to stay in range.
  const int bin = std::clamp(int(std::floor((frame_db - kMinDb) / kBinDb)), 0, kBins - 1);
  weight_[size_t(bin)] += next_weight_;
  total_ += next_weight_;
  next_weight_ *= growth_;
  if (next_weight_ > 1e100) {
    for (double& w : weight_) w /= next_weight_;
    total_ /= next_weight_;
    next_weight_ = 1;
  }
  ++frames_;
}

double LevelTracker::percentile(double p) const {
  if (total_ <= 0) return kMinDb;
  const double want = total_ * std::clamp(p, 0.0, 100.0) / 100.0;
  double seen = 0;
  for (int b = 0; b < kBins; ++b) {
    if (weight_[size_t(b)] <= 0) continue;
    if (seen + weight_[size_t(b)] >= want) return kMinDb + (b + 0.5) * kBinDb;
    seen += weight_[size_t(b)];
  }
  return kMinDb + (kBins - 0.5) * kBinDb;
}

std::vector<float> levelsAboveFloorDb(const std::vector<float>& levels_db, int64_t lookahead_frames,
                                      const LevelTracker::Options& options) {
  LevelTracker tracker(options);
  std::vector<float> above(levels_db.size());
  judgeWithLookahead(levels_db, lookahead_frames, tracker,
                     [&](size_t t, const LevelTracker& levels) { above[t] = float(levels_db[t] - levels.floorDb()); });
  return above;
}

}  // namespace podclean
