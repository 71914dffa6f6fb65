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

}  // namespace podclean
