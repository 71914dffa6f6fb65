// Data-parallel training across processes and hosts: how a rank finds the
// others. Configured the way torchrun does it (MASTER_ADDR, MASTER_PORT,
// WORLD_SIZE, RANK); the collectives themselves (LibTorch's c10d with Gloo
// over a TCPStore) live in src/model/distributed.cpp, out of this header.
#pragma once
#include <string>

namespace podclean {

struct DistributedOptions {
  std::string master_addr = "127.0.0.1";  // host of rank 0, which serves the rendezvous store
  int master_port = 29500;                // torchrun's default
  int world_size = 1;                     // ranks in the job; 1 = no communication at all
  int rank = 0;                           // this process, 0 .. world_size-1; rank 0 alone writes files
  double timeout_s = 60;                  // a rank silent this long (dead or hung) ends the job
  bool enabled() const { return world_size > 1; }
  void Validate() const;                  // throws UsageError naming the flag
  // Fields whose variable is set in the environment take its value.
  void readEnvironment();
};

}  // namespace podclean
