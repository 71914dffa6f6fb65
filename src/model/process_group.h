// The ranks of one data-parallel training job and the few collectives the
// trainer needs. Wraps c10d::ProcessGroupGloo over a TCPStore so that only
// process_group.cpp includes the c10d headers (and needs -DUSE_C10D_GLOO).
// Internal to the model library.
#pragma once
#include <torch/torch.h>

#include <memory>

#include "podclean/model/distributed.h"

namespace podclean {

class ProcessGroup {
 public:
  // Meets the other ranks at master_addr:master_port (rank 0 serves the
  // store). Throws Error when they have not all come within timeout_s.
  explicit ProcessGroup(const DistributedOptions& options);
  ~ProcessGroup();
  int rank() const { return options_.rank; }
  int size() const { return options_.world_size; }

  // Every rank calls these in the same order with tensors of the same shape
  // and dtype. They throw Error when a rank died or stayed silent past
  // timeout_s, so a job never hangs on a lost rank.
  void sumInPlace(torch::Tensor& tensor);            // element-wise sum over ranks
  void broadcastInPlace(torch::Tensor& tensor);      // rank 0's values to all
  void barrier();

  // Rank 0's parameters and buffers to every rank (the starting point).
  void broadcastModule(torch::nn::Module& module);
  // Sums every parameter's gradient over the ranks (undefined = zeros) and
  // local_loss with them, in one collective; returns the summed loss.
  double sumGradients(torch::nn::Module& module, double local_loss);
  // Averages floating-point buffers (batch-norm running statistics, which
  // each rank gathers from its own shard) so all ranks hold the same model.
  void averageBuffers(torch::nn::Module& module);

 private:
  struct Impl;
  DistributedOptions options_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace podclean
