// Inputs that must be read more than once (clean decodes its input three
// times: length, scores, edit). A regular file is used as it is; a FIFO, a
// pipe or a character device (/dev/stdin) is copied once into a registered
// temporary file, removed when this object goes or on SIGINT/SIGTERM.
#pragma once
#include <string>

#include "podclean/util/error.h"

namespace podclean {

class ReopenableInput {
 public:
  explicit ReopenableInput(const std::string& path);  // throws FileError naming path
  ~ReopenableInput();
  ReopenableInput(const ReopenableInput&) = delete;
  ReopenableInput& operator=(const ReopenableInput&) = delete;

  const std::string& path() const { return spooled_.empty() ? original_ : spooled_; }
  // e with the spooled copy's name replaced by the input's (errors name what the user gave).
  FileError rename(const FileError& e) const;

 private:
  std::string original_, spooled_;
};

}  // namespace podclean
