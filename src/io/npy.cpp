#include "podclean/io/npy.h"

#include <cstdio>
#include <cstring>
#include <fstream>
#include <regex>
#include <sstream>

#include "podclean/util/atomic_file.h"
#include "podclean/util/error.h"

namespace podclean {

static constexpr int kHeaderBytes = 128;  // fixed so NpyRowWriter can rewrite it in place

int64_t NpyArray::size() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

static std::string header(const std::string& dtype, const std::vector<int64_t>& shape) {
  std::ostringstream dict;
  dict << "{'descr': '" << dtype << "', 'fortran_order': False, 'shape': (";
  for (size_t i = 0; i < shape.size(); ++i) dict << (i ? ", " : "") << shape[i];
  dict << (shape.size() == 1 ? ",), }" : "), }");
  std::string text = dict.str();
  std::string h = "\x93NUMPY";
  h += char(1);
  h += char(0);
  const size_t len = kHeaderBytes - 10;
  std::string body = text;
  body.resize(len - 1, ' ');
  body += '\n';
  h += char(len & 0xff);
  h += char(len >> 8);
  return h + body;
}

template <typename T>
static void save(const std::string& path, const std::vector<int64_t>& shape, const T* data,
                 const char* dtype) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  std::string temp = temporaryPathFor(path);
  {
    std::ofstream out(temp, std::ios::binary);
    if (!out) throw FileError(path, "cannot write");
    std::string h = header(dtype, shape);
    out.write(h.data(), std::streamsize(h.size()));
    out.write(reinterpret_cast<const char*>(data), std::streamsize(n * sizeof(T)));
    if (!out.flush()) {
      std::remove(temp.c_str());
      throw FileError(path, "write failed (disk full?)");
    }
  }
  renameInto(temp, path);
}

void saveNpy(const std::string& path, const std::vector<int64_t>& shape, const float* data) {
  save(path, shape, data, "<f4");
}
void saveNpy(const std::string& path, const std::vector<int64_t>& shape, const int64_t* data) {
  save(path, shape, data, "<i8");
}

NpyArray loadNpy(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw FileError(path, "cannot open");
  char magic[10];
  if (!in.read(magic, 10) || std::memcmp(magic, "\x93NUMPY", 6) != 0)
    throw FileError(path, "not a .npy file");
  size_t header_len = 0;
  if (magic[6] == 1) {
    header_len = uint8_t(magic[8]) | (size_t(uint8_t(magic[9])) << 8);
  } else {
    char more[2];
    in.read(more, 2);
    header_len = uint8_t(magic[8]) | (size_t(uint8_t(magic[9])) << 8) |
                 (size_t(uint8_t(more[0])) << 16) | (size_t(uint8_t(more[1])) << 24);
  }
  std::string text(header_len, ' ');
  in.read(&text[0], std::streamsize(header_len));
  std::smatch m;
  NpyArray a;
  if (!std::regex_search(text, m, std::regex("'descr':\\s*'([^']+)'")))
    throw FileError(path, "bad .npy header");
  a.dtype = m[1];
  if (text.find("'fortran_order': True") != std::string::npos)
    throw FileError(path, "Fortran-order .npy is not supported");
  if (!std::regex_search(text, m, std::regex("'shape':\\s*\\(([^)]*)\\)")))
    throw FileError(path, "bad .npy header");
  std::string dims = m[1];
  std::regex number("\\d+");
  for (auto it = std::sregex_iterator(dims.begin(), dims.end(), number); it != std::sregex_iterator(); ++it)
    a.shape.push_back(std::stoll(it->str()));
  const int64_t n = a.size();
  bool ok;
  if (a.dtype == "<f4") {
    a.f32.resize(size_t(n));
    ok = bool(in.read(reinterpret_cast<char*>(a.f32.data()), std::streamsize(n * 4)));
  } else if (a.dtype == "<i8") {
    a.i64.resize(size_t(n));
    ok = bool(in.read(reinterpret_cast<char*>(a.i64.data()), std::streamsize(n * 8)));
  } else {
    throw FileError(path, "unsupported .npy dtype " + a.dtype + " (podclean uses <f4 and <i8)");
  }
  if (!ok) throw FileError(path, "truncated .npy file");
  return a;
}

struct NpyRowWriter::File {
  std::ofstream out;
};

NpyRowWriter::NpyRowWriter(const std::string& path, std::vector<int64_t> row_shape, bool is_float)
    : path_(path), temp_path_(temporaryPathFor(path)), row_shape_(std::move(row_shape)),
      is_float_(is_float), file_(new File) {
  for (int64_t d : row_shape_) row_size_ *= d;
  file_->out.open(temp_path_, std::ios::binary);
  if (!file_->out) throw FileError(path, "cannot write");
  file_->out.write(std::string(kHeaderBytes, ' ').data(), kHeaderBytes);
}

NpyRowWriter::~NpyRowWriter() {
  delete file_;
  if (!finished_) std::remove(temp_path_.c_str());
}

void NpyRowWriter::appendFloat(const float* row) {
  file_->out.write(reinterpret_cast<const char*>(row), std::streamsize(row_size_ * 4));
  ++rows_;
}

void NpyRowWriter::appendInt(const int64_t* row) {
  file_->out.write(reinterpret_cast<const char*>(row), std::streamsize(row_size_ * 8));
  ++rows_;
}

void NpyRowWriter::finish() {
  std::vector<int64_t> shape{rows_};
  shape.insert(shape.end(), row_shape_.begin(), row_shape_.end());
  std::string h = header(is_float_ ? "<f4" : "<i8", shape);
  file_->out.seekp(0);
  file_->out.write(h.data(), std::streamsize(h.size()));
  file_->out.close();
  if (!file_->out) throw FileError(path_, "write failed (disk full?)");
  renameInto(temp_path_, path_);
  finished_ = true;
}

}  // namespace podclean
