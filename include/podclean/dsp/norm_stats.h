// Per-feature mean and standard deviation, accumulated in double over many
// frames (the training split), applied at inference as (x - mean) / std.
#pragma once
#include <cstdint>
#include <vector>

#include <nlohmann/json.hpp>

#include "podclean/dsp/matrix.h"

namespace podclean {

class NormStatsAccumulator {
 public:
  explicit NormStatsAccumulator(int num_features) : sum_(num_features), sum_sq_(num_features) {}
  void add(const float* frame);
  void addRows(const Matrix& frames);
  int64_t count() const { return count_; }
  struct NormStats finish() const;

 private:
  std::vector<double> sum_, sum_sq_;
  int64_t count_ = 0;
};

struct NormStats {
  std::vector<float> mean, std;  // std floored at 1e-5 so silence cannot divide by 0
  bool empty() const { return mean.empty(); }
  void apply(float* frame) const;
  void apply(Matrix& frames) const;
  nlohmann::json toJson() const;
  static NormStats fromJson(const nlohmann::json& json);
};

}  // namespace podclean
