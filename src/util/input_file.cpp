#include "podclean/util/input_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "podclean/util/atomic_file.h"
#include "podclean/util/output_guard.h"

namespace podclean {

ReopenableInput::ReopenableInput(const std::string& path) : original_(path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0 || S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)) return;  // readers report these
  std::error_code ec;
  spooled_ = temporaryPathIn(std::filesystem::temp_directory_path(ec).string(), path);
  const int in = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  const int out = in < 0 ? -1 : ::open(spooled_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  std::string problem;
  if (in < 0) problem = std::string("cannot open: ") + std::strerror(errno);
  else if (out < 0) problem = "cannot copy it to a temporary file " + spooled_ + ": " + std::strerror(errno);
  char buffer[1 << 16];
  while (problem.empty()) {
    const ssize_t got = ::read(in, buffer, sizeof(buffer));
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) problem = std::string("read failed: ") + std::strerror(errno);
    if (got <= 0) break;
    for (ssize_t done = 0; done < got && problem.empty();) {
      const ssize_t n = ::write(out, buffer + done, size_t(got - done));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) problem = "cannot copy it to a temporary file " + spooled_ + ": " + std::strerror(n < 0 ? errno : ENOSPC);
      else done += n;
    }
  }
  if (in >= 0) ::close(in);
  if (out >= 0 && ::close(out) != 0 && problem.empty())
    problem = "cannot copy it to a temporary file " + spooled_ + ": " + std::strerror(errno);
  if (!problem.empty()) {
    discardTemporary(spooled_);
    throw FileError(path, problem);
  }
  protectInput(spooled_);
}

ReopenableInput::~ReopenableInput() {
  if (!spooled_.empty()) discardTemporary(spooled_);
}

FileError ReopenableInput::rename(const FileError& e) const {
  if (spooled_.empty() || e.path() != spooled_) return e;
  const std::string what = e.what();
  return FileError(original_, what.substr(std::min(what.size(), spooled_.size() + 2)));
}

}  // namespace podclean
