#include "podclean/dsp/norm_stats.h"

#include <algorithm>
#include <cmath>

#include "podclean/util/error.h"

namespace podclean {

void NormStatsAccumulator::add(const float* frame) {
  for (size_t i = 0; i < sum_.size(); ++i) {
    sum_[i] += frame[i];
    sum_sq_[i] += double(frame[i]) * frame[i];
  }
  ++count_;
}

void NormStatsAccumulator::addRows(const Matrix& frames) {
  for (int64_t r = 0; r < frames.rows; ++r) add(frames.row(r));
}

NormStats NormStatsAccumulator::finish() const {
  NormStats stats;
  stats.mean.resize(sum_.size(), 0.f);
  stats.std.resize(sum_.size(), 1.f);
  if (count_ == 0) return stats;
  for (size_t i = 0; i < sum_.size(); ++i) {
    const double mean = sum_[i] / double(count_);
    const double var = std::max(0.0, sum_sq_[i] / double(count_) - mean * mean);
    stats.mean[i] = float(mean);
    stats.std[i] = float(std::max(std::sqrt(var), 1e-5));
  }
  return stats;
}

void NormStats::apply(float* frame) const {
  for (size_t i = 0; i < mean.size(); ++i) frame[i] = (frame[i] - mean[i]) / std[i];
}

void NormStats::apply(Matrix& frames) const {
  if (empty()) return;
  if (int64_t(mean.size()) != frames.cols)
    throw Error("normalisation stats have " + std::to_string(mean.size()) +
                " features but the data has " + std::to_string(frames.cols));
  for (int64_t r = 0; r < frames.rows; ++r) apply(frames.row(r));
}

nlohmann::json NormStats::toJson() const { return {{"mean", mean}, {"std", std}}; }

NormStats NormStats::fromJson(const nlohmann::json& json) {
  NormStats s;
  try {
    s.mean = json.at("mean").get<std::vector<float>>();
    s.std = json.at("std").get<std::vector<float>>();
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("normalisation stats: ") + e.what());
  }
  if (s.mean.size() != s.std.size()) throw Error("normalisation stats: mean and std differ in size");
  return s;
}

}  // namespace podclean
