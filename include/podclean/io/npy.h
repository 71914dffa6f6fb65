// NumPy .npy files (format 1.0, little-endian, C order): float32 and int64,
// the two types podclean datasets use. Writes are atomic (temp + rename).
#pragma once
#include <cstdint>
#include <istream>
#include <string>
#include <vector>

namespace podclean {

struct NpyArray {
  std::string dtype;            // "<f4" or "<i8"
  std::vector<int64_t> shape;
  std::vector<float> f32;       // filled when dtype is <f4
  std::vector<int64_t> i64;     // filled when dtype is <i8
  int64_t size() const;
};

void saveNpy(const std::string& path, const std::vector<int64_t>& shape, const float* data);
void saveNpy(const std::string& path, const std::vector<int64_t>& shape, const int64_t* data);
NpyArray loadNpy(const std::string& path);  // throws FileError
// The same from a seekable stream; path names it in errors. The header is
// checked against the bytes that follow before anything is allocated.
NpyArray readNpy(std::istream& in, const std::string& path);

// Appends rows to a .npy whose first dimension grows; the header is
// rewritten on finish(). Lets prep stream a large dataset to disk.
class NpyRowWriter {
 public:
  NpyRowWriter(const std::string& path, std::vector<int64_t> row_shape, bool is_float);
  ~NpyRowWriter();
  void appendFloat(const float* row);
  void appendInt(const int64_t* row);
  int64_t rows() const { return rows_; }
  void finish();

 private:
  std::string path_, temp_path_;
  std::vector<int64_t> row_shape_;
  bool is_float_;
  int64_t row_size_ = 1, rows_ = 0;
  struct File;
  File* file_ = nullptr;
  bool finished_ = false;
};

}  // namespace podclean
