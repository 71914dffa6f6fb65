#include "podclean/util/output_guard.h"

#include <sys/stat.h>

#include <atomic>
#include <cerrno>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>

#include "podclean/util/error.h"

namespace fs = std::filesystem;

namespace podclean {

namespace {

using FileId = std::pair<dev_t, ino_t>;

struct Protected {
  std::mutex mutex;
  std::map<FileId, std::string> files;  // -> the path it was given as
};

Protected& protectedFiles() {
  static Protected p;
  return p;
}

std::atomic<bool> g_protect_as_read{false};

// The name of the protected input with this identity, or "".
std::string protectedName(const struct stat& st) {
  Protected& p = protectedFiles();
  std::lock_guard<std::mutex> lock(p.mutex);
  auto it = p.files.find({st.st_dev, st.st_ino});
  return it == p.files.end() ? "" : it->second;
}

// One spelling per file, so "a/../x.wav" and "x.wav" compare equal.
std::string normalised(const std::string& path) {
  std::error_code ec;
  fs::path p = fs::weakly_canonical(path, ec);
  return ec ? fs::path(path).lexically_normal().string() : p.string();
}

}  // namespace

void protectInput(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return;  // a missing input fails later, with its own message
  Protected& p = protectedFiles();
  std::lock_guard<std::mutex> lock(p.mutex);
  p.files.emplace(FileId{st.st_dev, st.st_ino}, path);
}

void protectInputsAsRead(bool on) { g_protect_as_read = on; }

void noteInputRead(const std::string& path) {
  if (g_protect_as_read) protectInput(path);
}

void checkOutputPath(const std::string& path) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) return;  // nothing there yet: fine
  if (S_ISLNK(st.st_mode))
    throw FileError(path, "is a symbolic link; podclean never writes through or replaces a link (give the real path)");
  if (S_ISDIR(st.st_mode)) throw FileError(path, "is a folder; cannot write a file there");
  if (!S_ISREG(st.st_mode))
    throw FileError(path, std::string("is a ") + (S_ISFIFO(st.st_mode) ? "FIFO" : S_ISSOCK(st.st_mode) ? "socket" : "device") +
                              ", not a regular file; podclean only writes regular files (classify and listen print to stdout)");
  const std::string input = protectedName(st);
  if (!input.empty())
    throw FileError(path, input == path ? "the output would overwrite the input (choose another -o or --name)"
                                        : "the output would overwrite the input " + input + " (the same file): choose another -o or --name");
}

void checkOutputFolder(const std::string& folder) {
  struct stat st;
  if (::stat(folder.c_str(), &st) != 0) return;
  const std::string input = protectedName(st);
  if (!input.empty())
    throw FileError(folder, "is also an input folder; outputs would mix with (and could replace) the inputs: choose another -o");
}

void checkOutputs(const std::vector<std::pair<std::string, std::string>>& input_output) {
  for (const auto& io : input_output) protectInput(io.first);
  std::map<std::string, std::string> writer;  // normalised output -> input
  for (const auto& [input, output] : input_output) {
    auto [it, fresh] = writer.emplace(normalised(output), input);
    if (!fresh && it->second != input)
      throw UsageError(it->second + " and " + input + " would both be written to " + output +
                       ": clean them in separate runs, into different -o folders, or rename one");
  }
  for (const auto& io : input_output) checkOutputPath(io.second);
}

}  // namespace podclean
