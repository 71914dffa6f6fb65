#include "podclean/util/atomic_file.h"

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

#include "podclean/util/error.h"

namespace podclean {

std::string temporaryPathFor(const std::string& target) {
  static std::atomic<unsigned> counter{0};
  std::filesystem::path p(target);
  std::string name = "." + p.filename().string() + "." + std::to_string(getpid()) +
                     "." + std::to_string(counter++) + ".part";
  return (p.parent_path() / name).string();
}

void renameInto(const std::string& temp, const std::string& target) {
  if (std::rename(temp.c_str(), target.c_str()) != 0) {
    std::string why = std::strerror(errno);
    std::remove(temp.c_str());
    throw FileError(target, "cannot write: " + why);
  }
}

void writeTextFile(const std::string& path, const std::string& text) {
  std::string temp = temporaryPathFor(path);
  {
    std::ofstream out(temp, std::ios::binary);
    if (!out) throw FileError(path, std::string("cannot write: ") + std::strerror(errno));
    out << text;
    if (!out.flush()) {
      std::remove(temp.c_str());
      throw FileError(path, "write failed (disk full?)");
    }
  }
  renameInto(temp, path);
}

std::string readTextFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw FileError(path, std::string("cannot open: ") + std::strerror(errno));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace podclean
