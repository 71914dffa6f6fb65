// Where shipped models are found: $PODCLEAN_MODELS, then models/ beside the
// build or install tree, then the source tree this binary was built from.
#pragma once
#include <unistd.h>

#include <filesystem>
#include <string>

namespace podclean::cli {

inline std::string shippedModel(const std::string& name) {
  namespace fs = std::filesystem;
  std::vector<fs::path> dirs;
  if (const char* env = std::getenv("PODCLEAN_MODELS")) dirs.emplace_back(env);
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    dirs.push_back(exe.parent_path() / "../models");
    dirs.push_back(exe.parent_path() / "../share/podclean/models");
  }
  dirs.emplace_back(PODCLEAN_SOURCE_MODELS);
  for (const auto& d : dirs)
    if (fs::exists(d / name, ec)) return (d / name).lexically_normal().string();
  return (fs::path(PODCLEAN_SOURCE_MODELS) / name).string();  // the error will name this path
}

}  // namespace podclean::cli
