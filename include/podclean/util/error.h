// Typed errors thrown by the podclean libraries. Only main() catches them:
// it prints what() as one line and exits non-zero. Library code never exits.
#pragma once
#include <stdexcept>
#include <string>

namespace podclean {

// Base of every error a user can cause; what() is one line, ready to print.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A problem with one file: what() reads "<path>: <problem>".
class FileError : public Error {
 public:
  FileError(const std::string& path, const std::string& problem)
      : Error(path + ": " + problem), path_(path) {}
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// A bad option value or combination; main() exits with code 2 for these.
class UsageError : public Error {
 public:
  using Error::Error;
};

}  // namespace podclean
