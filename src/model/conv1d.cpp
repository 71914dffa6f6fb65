#include "networks.h"

namespace podclean {

namespace {

struct Conv1dNet : AudioNet {
  explicit Conv1dNet(const ModelSpec& s) : task(s.task) {
    int in = s.num_features;
    for (int i = 0; i < s.layers; ++i) {
      const int dilation = 1 << i;
      auto conv = torch::nn::Conv1d(torch::nn::Conv1dOptions(in, s.channels, s.kernel)
                                        .dilation(dilation)
                                        .padding(dilation * (s.kernel / 2)));
      body->push_back(conv);
      body->push_back(torch::nn::BatchNorm1d(s.channels));
      body->push_back(torch::nn::ReLU());
      context += dilation * (s.kernel / 2);
      in = s.channels;
    }
    body->push_back(torch::nn::Dropout(s.dropout));
    body->push_back(torch::nn::Conv1d(torch::nn::Conv1dOptions(in, s.num_classes, 1)));
    register_module("body", body);
  }
  torch::Tensor forward(torch::Tensor x) override {
    auto logits = body->forward(x.transpose(1, 2)).transpose(1, 2);  // [B, T, C]
    return task == ModelTask::kFrame ? logits : logits.mean(1);
  }
  int contextFrames() const override { return context; }

  ModelTask task;
  int context = 0;
  torch::nn::Sequential body;
};

}  // namespace

std::shared_ptr<AudioNet> makeConv1d(const ModelSpec& spec) { return std::make_shared<Conv1dNet>(spec); }

}  // namespace podclean
