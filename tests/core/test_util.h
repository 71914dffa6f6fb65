// Helpers shared by the tests: paths, temporary folders, running the binary.
#pragma once
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>

namespace testutil {

inline std::string dataPath(const std::string& rel) { return std::string(PODCLEAN_TEST_DATA) + "/" + rel; }

// ../shared/data when this checkout sits beside it (developer machines), else "".
inline std::string sharedData() {
  std::filesystem::path p = std::filesystem::path(PODCLEAN_TEST_DATA) / "../../../shared/data";
  return std::filesystem::exists(p / "README.md") ? std::filesystem::canonical(p).string() : "";
}

// A fresh empty folder under the system temp dir, removed on destruction.
struct TempDir {
  std::filesystem::path path;
  explicit TempDir(const std::string& tag) {
    static int counter = 0;
    path = std::filesystem::temp_directory_path() /
           ("podclean-test-" + tag + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::string operator/(const std::string& name) const { return (path / name).string(); }
};

struct RunResult {
  int exit_code;
  std::string output;  // stdout + stderr
};

// Runs the podclean binary with arguments (a shell string), capturing output.
inline RunResult runPodclean(const std::string& args) {
  std::string command = std::string(PODCLEAN_BINARY) + " " + args + " 2>&1";
  RunResult r{-1, ""};
  FILE* pipe = ::popen(command.c_str(), "r");
  char buffer[4096];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0) r.output.append(buffer, n);
  int status = ::pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

inline std::vector<float> sine(double freq_hz, double seconds, int rate_hz, float amplitude = 0.5f) {
  std::vector<float> s(size_t(seconds * rate_hz));
  for (size_t i = 0; i < s.size(); ++i) s[i] = amplitude * float(std::sin(2 * M_PI * freq_hz * double(i) / rate_hz));
  return s;
}

}  // namespace testutil
