#include "podclean/io/npy.h"

#include <cstdio>
#include <cstring>
#include <fstream>
#include <cctype>
#include <cstdint>
#include <sstream>

#include "podclean/util/atomic_file.h"
#include "podclean/util/error.h"

namespace podclean {

static constexpr int kHeaderBytes = 128;  // fixed so NpyRowWriter can rewrite it in place

int64_t NpyArray::size() const {
  for (int64_t d : shape)
    if (d == 0) return 0;  // first, so (2^40, 2^40, 0) cannot overflow
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

// The header dict, e.g. {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }.
// Hand-parsed (no std::regex: its recursion overflows the stack on long input),
// and every size checked before anything is allocated.
static std::string quotedAfter(const std::string& text, const char* key) {
  const size_t at = text.find(key);
  if (at == std::string::npos) return "";
  size_t open = text.find('\'', at + std::strlen(key));
  const size_t close = open == std::string::npos ? open : text.find('\'', open + 1);
  return close == std::string::npos ? "" : text.substr(open + 1, close - open - 1);
}

NpyArray readNpy(std::istream& in, const std::string& path) {
  in.seekg(0, std::ios::end);
  const std::streamoff file_size = in.tellg();
  in.seekg(0);
  if (file_size < 0) throw FileError(path, "cannot read");
  char magic[10];
  if (!in.read(magic, 10) || std::memcmp(magic, "\x93NUMPY", 6) != 0)
    throw FileError(path, "not a .npy file");
  uint64_t header_len = uint8_t(magic[8]) | (uint64_t(uint8_t(magic[9])) << 8);
  if (magic[6] != 1) {
    char more[2];
    if (!in.read(more, 2)) throw FileError(path, "truncated .npy file");
    header_len |= (uint64_t(uint8_t(more[0])) << 16) | (uint64_t(uint8_t(more[1])) << 24);
  }
  const uint64_t data_bytes_left = uint64_t(file_size) - uint64_t(in.tellg());
  if (header_len > data_bytes_left) throw FileError(path, "truncated .npy file (header)");
  std::string text(header_len, ' ');
  in.read(&text[0], std::streamsize(header_len));
  NpyArray a;
  a.dtype = quotedAfter(text, "'descr':");
  if (a.dtype.empty()) throw FileError(path, "bad .npy header");
  if (a.dtype != "<f4" && a.dtype != "<i8")
    throw FileError(path, "unsupported .npy dtype " + a.dtype + " (podclean uses <f4 and <i8)");
  if (text.find("'fortran_order': True") != std::string::npos)
    throw FileError(path, "Fortran-order .npy is not supported");
  const size_t shape_at = text.find("'shape':");
  const size_t open = shape_at == std::string::npos ? shape_at : text.find('(', shape_at);
  const size_t close = open == std::string::npos ? open : text.find(')', open);
  if (close == std::string::npos) throw FileError(path, "bad .npy header");
  const uint64_t item = a.dtype == "<f4" ? 4 : 8;
  const uint64_t max_items = (data_bytes_left - header_len) / item;  // what the file can hold
  // The element count, saturated just above what the file holds.
  uint64_t n = 1;
  bool zero = false;
  for (size_t i = open + 1; i < close;) {
    if (text[i] == ',' || text[i] == ' ') {
      ++i;
      continue;
    }
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) throw FileError(path, "bad .npy shape");
    uint64_t d = 0;
    for (; i < close && std::isdigit(static_cast<unsigned char>(text[i])); ++i) {
      if (d > (uint64_t(INT64_MAX) - 9) / 10) throw FileError(path, "bad .npy shape (a dimension over 2^63)");
      d = d * 10 + uint64_t(text[i] - '0');
    }
    a.shape.push_back(int64_t(d));
    zero = zero || d == 0;
    n = d != 0 && n > max_items / d ? max_items + 1 : n * d;
  }
  if (zero) n = 0;
  if (n > max_items) throw FileError(path, "truncated .npy file (the shape claims more data than the file holds)");
  bool ok;
  if (a.dtype == "<f4") {
    a.f32.resize(size_t(n));
    ok = bool(in.read(reinterpret_cast<char*>(a.f32.data()), std::streamsize(n * 4)));
  } else {
    a.i64.resize(size_t(n));
    ok = bool(in.read(reinterpret_cast<char*>(a.i64.data()), std::streamsize(n * 8)));
  }
  if (!ok) throw FileError(path, "truncated .npy file");
  return a;
}

NpyArray loadNpy(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw FileError(path, "cannot open");
  return readNpy(in, path);
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
