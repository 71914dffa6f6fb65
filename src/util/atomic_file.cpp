#include "podclean/util/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "podclean/util/error.h"
#include "podclean/util/output_guard.h"

namespace podclean {

namespace {

// Registered temporaries: a fixed table of owned C strings, so the signal
// handler can walk it without locks or allocation (async-signal-safe).
constexpr int kSlots = 256;
std::atomic<char*> g_temporaries[kSlots];

void registerTemporary(const std::string& path) {
  char* copy = strdup(path.c_str());
  for (auto& slot : g_temporaries) {
    char* expected = nullptr;
    if (slot.compare_exchange_strong(expected, copy)) return;
  }
  std::free(copy);  // table full (thousands of parallel writes): best effort
}

void forgetTemporary(const std::string& path) {
  for (auto& slot : g_temporaries) {
    char* held = slot.load();
    if (held && path == held && slot.compare_exchange_strong(held, nullptr)) {
      std::free(held);
      return;
    }
  }
}

extern "C" void removeTemporariesAndDie(int sig) {
  for (auto& slot : g_temporaries) {
    char* held = slot.load();
    if (held) ::unlink(held);
  }
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

}  // namespace

std::string temporaryPathIn(const std::string& folder, const std::string& name) {
  static std::atomic<unsigned> counter{0};
  const std::string file = "." + std::filesystem::path(name).filename().string() + "." + std::to_string(getpid()) + "." +
                           std::to_string(counter++) + ".part";
  const std::string temp = (std::filesystem::path(folder) / file).string();
  registerTemporary(temp);
  return temp;
}

std::string temporaryPathFor(const std::string& target) {
  checkOutputPath(target);
  return temporaryPathIn(std::filesystem::path(target).parent_path().string(), target);
}

void discardTemporary(const std::string& temp) {
  std::remove(temp.c_str());
  forgetTemporary(temp);
}

void renameInto(const std::string& temp, const std::string& target) {
  try {
    checkOutputPath(target);  // again: something may have appeared there meanwhile
  } catch (...) {
    discardTemporary(temp);
    throw;
  }
  if (std::rename(temp.c_str(), target.c_str()) != 0) {
    std::string why = std::strerror(errno);
    discardTemporary(temp);
    throw FileError(target, "cannot write: " + why);
  }
  forgetTemporary(temp);
}

void installRemoveTemporariesOnSignal() {
  struct sigaction action {};
  action.sa_handler = removeTemporariesAndDie;
  sigemptyset(&action.sa_mask);
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) {
    struct sigaction old {};
    sigaction(sig, nullptr, &old);
    if (old.sa_handler != SIG_IGN) sigaction(sig, &action, nullptr);  // nohup stays nohup
  }
}

void writeTextFile(const std::string& path, const std::string& text) {
  std::string temp = temporaryPathFor(path);
  {
    std::ofstream out(temp, std::ios::binary);
    if (!out) {
      const std::string why = std::strerror(errno);
      discardTemporary(temp);
      throw FileError(path, "cannot write: " + why);
    }
    out << text;
    out.close();
    if (!out) {
      discardTemporary(temp);
      throw FileError(path, "write failed (disk full?)");
    }
  }
  renameInto(temp, path);
}

std::string readTextFile(const std::string& path) {
  noteInputRead(path);
  std::ifstream in(path, std::ios::binary);
  if (!in) throw FileError(path, std::string("cannot open: ") + std::strerror(errno));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace podclean
