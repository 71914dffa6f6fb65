// A one-line progress display on stderr, only when it is a terminal and not --quiet.
#pragma once
#include <chrono>
#include <cstdio>
#include <string>

#include "commands.h"

namespace podclean::cli {

class Progress {
 public:
  explicit Progress(std::string what) : what_(std::move(what)), enabled_(globalFlags().showProgress()) {}
  ~Progress() { done(); }
  void update(int64_t done, int64_t total, const std::string& note = "") {
    if (!enabled_) return;
    auto now = std::chrono::steady_clock::now();
    if (done < total && now - last_ < std::chrono::milliseconds(100)) return;
    last_ = now;
    const int width = 30, filled = total > 0 ? int(width * done / total) : 0;
    std::fprintf(stderr, "\r%s [%s%s] %lld/%lld %s\033[K", what_.c_str(), std::string(size_t(filled), '#').c_str(),
                 std::string(size_t(width - filled), '.').c_str(), (long long)done, (long long)total, note.c_str());
    shown_ = true;
  }
  void done() {
    if (shown_) std::fprintf(stderr, "\n");
    shown_ = false;
  }

 private:
  std::string what_;
  bool enabled_, shown_ = false;
  std::chrono::steady_clock::time_point last_{};
};

}  // namespace podclean::cli
