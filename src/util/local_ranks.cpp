#include "podclean/util/local_ranks.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <map>
#include <thread>
#include <vector>

#include "podclean/util/error.h"

namespace podclean {

namespace {

// This process's argv as the kernel has it: reading it here keeps main()
// unaware of --nproc.
std::vector<std::string> ownArguments() {
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  const std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::string> args;
  for (size_t start = 0; start < all.size();) {
    const size_t end = all.find('\0', start);
    args.push_back(all.substr(start, end - start));
    start = end == std::string::npos ? all.size() : end + 1;
  }
  if (args.empty()) throw Error("--nproc: cannot read this process's command line (/proc/self/cmdline)");
  return args;
}

std::vector<std::string> withoutNproc(const std::vector<std::string>& args) {
  std::vector<std::string> out;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--nproc") { ++i; continue; }
    if (args[i].rfind("--nproc=", 0) == 0) continue;
    out.push_back(args[i]);
  }
  return out;
}

// A port the kernel says is free now (rank 0 binds it a moment later; a
// clash in between fails the rendezvous with a clear error, not silently).
int freePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    if (fd >= 0) ::close(fd);
    throw Error("--nproc: cannot find a free TCP port; give --master-port");
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

std::string describe(int status) {
  if (WIFSIGNALED(status)) return "was killed by signal " + std::to_string(WTERMSIG(status));
  return "exited with status " + std::to_string(WEXITSTATUS(status));
}

}  // namespace

void runLocalRanks(int nproc, const std::string& master_addr, int master_port) {
  if (nproc < 1) throw UsageError("--nproc must be >= 1");
  if (master_port == 0) master_port = freePort();
  const std::vector<std::string> args = withoutNproc(ownArguments());
  std::map<pid_t, int> ranks;  // running children -> rank
  const pid_t launcher = ::getpid();
  for (int rank = 0; rank < nproc; ++rank) {
    const pid_t pid = ::fork();
    if (pid < 0) throw Error("--nproc: fork failed");
    if (pid == 0) {
      // A rank outlives no launcher (killed by a scheduler, say): it gets SIGTERM.
      ::prctl(PR_SET_PDEATHSIG, SIGTERM);
      if (::getppid() != launcher) _exit(1);  // it died before prctl
      ::setenv("RANK", std::to_string(rank).c_str(), 1);
      ::setenv("LOCAL_RANK", std::to_string(rank).c_str(), 1);
      ::setenv("WORLD_SIZE", std::to_string(nproc).c_str(), 1);
      ::setenv("LOCAL_WORLD_SIZE", std::to_string(nproc).c_str(), 1);
      ::setenv("MASTER_ADDR", master_addr.c_str(), 1);
      ::setenv("MASTER_PORT", std::to_string(master_port).c_str(), 1);
      std::vector<char*> argv;
      for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      ::execv("/proc/self/exe", argv.data());
      _exit(127);  // exec failed; the parent reports the status
    }
    ranks[pid] = rank;
  }
  std::string failure;
  auto stopped_at = std::chrono::steady_clock::time_point::max();
  while (!ranks.empty()) {
    int status = 0;
    // After a failure, poll: ranks still alive 10 s after SIGTERM get SIGKILL
    // (a pid not yet waited for cannot have been reused).
    const pid_t pid = ::waitpid(-1, &status, failure.empty() ? 0 : WNOHANG);
    if (pid < 0) break;
    if (pid == 0) {
      if (std::chrono::steady_clock::now() - stopped_at > std::chrono::seconds(10))
        for (const auto& [other, r] : ranks) ::kill(other, SIGKILL);
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      continue;
    }
    auto it = ranks.find(pid);
    if (it == ranks.end()) continue;
    const int rank = it->second;
    ranks.erase(it);
    if ((WIFEXITED(status) && WEXITSTATUS(status) == 0) || !failure.empty()) continue;
    // The first failure ends the job: the others would only wait for the
    // dead rank until their timeout.
    failure = "rank " + std::to_string(rank) + " of " + std::to_string(nproc) + " " + describe(status) +
              "; stopped the other ranks";
    for (const auto& [other, r] : ranks) ::kill(other, SIGTERM);
    stopped_at = std::chrono::steady_clock::now();
  }
  if (!failure.empty()) throw Error(failure);
}

}  // namespace podclean
