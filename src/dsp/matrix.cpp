#include "podclean/dsp/matrix.h"

#include "podclean/util/error.h"

namespace podclean {

void Matrix::appendRows(const Matrix& other) {
  if (rows == 0 && data.empty()) cols = other.cols;
  if (other.cols != cols) throw Error("internal: appending rows of a different width");
  data.insert(data.end(), other.data.begin(), other.data.end());
  rows += other.rows;
}

Matrix Matrix::transposed() const {
  Matrix t(cols, rows);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c) t.at(c, r) = at(r, c);
  return t;
}

void subtractColumnMeans(Matrix& m, const std::vector<bool>& counted) {
  if (m.rows == 0) return;
  int64_t n = 0;
  std::vector<double> mean(size_t(m.cols), 0.0);
  for (int64_t t = 0; t < m.rows; ++t) {
    if (!counted.empty() && !counted[size_t(t)]) continue;
    ++n;
    for (int64_t f = 0; f < m.cols; ++f) mean[size_t(f)] += m.at(t, f);
  }
  if (n == 0) return;
  for (int64_t t = 0; t < m.rows; ++t)
    for (int64_t f = 0; f < m.cols; ++f) m.at(t, f) -= float(mean[size_t(f)] / double(n));
}

}  // namespace podclean
