// An exponential moving average of a network's weights (Polyak averaging, as
// timm's ModelEmaV2 and openWakeWord's trainer keep it). Validation and the
// saved model use the average, which moves less from step to step than the
// live weights: on the classify recipe, validation accuracy of the live
// weights swung 60-90 % between neighbouring epochs, so early stopping picked
// an epoch by luck. Internal to the model library; header-only so that it adds
// no LibTorch translation unit.
#pragma once
#include <torch/torch.h>

#include <algorithm>
#include <string>
#include <vector>

#include "podclean/util/error.h"

namespace podclean {

class WeightAverage {
 public:
  // decay per optimizer step; the first steps use the smaller
  // (1 + steps) / (10 + steps), so the average forgets the random start quickly.
  WeightAverage(torch::nn::Module& net, double decay) : decay_(decay) {
    torch::NoGradGuard no_grad;
    for (const auto& t : tensorsOf(net)) average_.push_back(t.detach().clone());
  }

  double decay() const { return decay_; }
  int64_t steps() const { return steps_; }

  // After each optimizer step. Floating tensors (weights, BatchNorm's running
  // mean and variance) are averaged; counters (num_batches_tracked) copied.
  void update(torch::nn::Module& net) {
    torch::NoGradGuard no_grad;
    ++steps_;
    const double d = std::min(decay_, (1.0 + double(steps_)) / (10.0 + double(steps_)));
    const auto live = tensorsOf(net);
    for (size_t i = 0; i < live.size(); ++i) {
      if (live[i].is_floating_point())
        average_[i].mul_(d).add_(live[i].detach(), 1.0 - d);
      else
        average_[i].copy_(live[i]);
    }
  }

  // Exchanges the live and the averaged weights; a second call restores them.
  void swap(torch::nn::Module& net) {
    torch::NoGradGuard no_grad;
    const auto live = tensorsOf(net);
    for (size_t i = 0; i < live.size(); ++i) {
      auto kept = live[i].detach().clone();
      live[i].detach().copy_(average_[i]);
      average_[i].copy_(kept);
    }
  }

  // For --resume: the average and its step count beside the last checkpoint.
  void save(const std::string& path) const {
    auto state = average_;
    state.push_back(torch::tensor(steps_));
    torch::save(state, path);
  }
  // Throws when the file holds the average of another architecture.
  void load(const std::string& path) {
    std::vector<torch::Tensor> state;
    torch::load(state, path);
    if (state.size() != average_.size() + 1) throw FileError(path, "the weight average is of another model");
    for (size_t i = 0; i < average_.size(); ++i) {
      if (!state[i].sizes().equals(average_[i].sizes()))
        throw FileError(path, "the weight average is of another model");
      average_[i].copy_(state[i]);
    }
    steps_ = state.back().item<int64_t>();
  }

 private:
  static std::vector<torch::Tensor> tensorsOf(torch::nn::Module& net) {
    std::vector<torch::Tensor> all = net.parameters();
    for (const auto& b : net.buffers()) all.push_back(b);
    return all;
  }

  std::vector<torch::Tensor> average_;
  double decay_;
  int64_t steps_ = 0;
};

}  // namespace podclean
