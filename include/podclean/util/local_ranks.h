// `podclean train --nproc N`: this host runs N ranks of one job, as torchrun
// --standalone does. No LibTorch here: it only starts and watches processes.
#pragma once
#include <string>

namespace podclean {

// Runs this program's own command line, less "--nproc N", as N processes with
// RANK, LOCAL_RANK, WORLD_SIZE, LOCAL_WORLD_SIZE, MASTER_ADDR and MASTER_PORT
// set (master_port 0 = a free port of this host). Waits for all of them; when
// one fails, stops the others and throws Error naming the rank. Linux only
// (/proc/self/exe, /proc/self/cmdline).
void runLocalRanks(int nproc, const std::string& master_addr, int master_port);

}  // namespace podclean
