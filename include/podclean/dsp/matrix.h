// A dense row-major float32 matrix. Features are frame-major: [frames, features].
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace podclean {

struct Matrix {
  int64_t rows = 0, cols = 0;
  std::vector<float> data;

  Matrix() = default;
  Matrix(int64_t r, int64_t c, float fill = 0.f) : rows(r), cols(c), data(size_t(r * c), fill) {}
  float* row(int64_t r) { return data.data() + r * cols; }
  const float* row(int64_t r) const { return data.data() + r * cols; }
  float& at(int64_t r, int64_t c) { return data[size_t(r * cols + c)]; }
  float at(int64_t r, int64_t c) const { return data[size_t(r * cols + c)]; }
  void appendRows(const Matrix& other);  // cols must match (or this is empty)
  Matrix transposed() const;
};

// Cepstral mean normalisation: subtracts from each column its mean over the rows
// where counted[row] is true (all rows when counted is empty).
void subtractColumnMeans(Matrix& m, const std::vector<bool>& counted = {});

}  // namespace podclean
