#include "networks.h"

namespace podclean {

namespace {

struct Conv2dNet : AudioNet {
  explicit Conv2dNet(const ModelSpec& s) {
    int in = 1, out = s.channels;
    for (int i = 0; i < s.layers; ++i) {
      blocks->push_back(torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, s.kernel).padding(s.kernel / 2)));
      blocks->push_back(torch::nn::BatchNorm2d(out));
      blocks->push_back(torch::nn::ReLU());
      blocks->push_back(torch::nn::MaxPool2d(torch::nn::MaxPool2dOptions(2).ceil_mode(true)));
      in = out;
      out = std::min(out * 2, s.channels * 4);
    }
    // Frequency keeps 4 coarse bands; time is max-pooled over the whole clip, so where in
    // the (padded) clip a word sits, and how fast it is said, matter less.
    blocks->push_back(torch::nn::AdaptiveMaxPool2d(torch::nn::AdaptiveMaxPool2dOptions({4, 1})));
    head->push_back(torch::nn::Flatten());
    head->push_back(torch::nn::Dropout(s.dropout));
    head->push_back(torch::nn::Linear(in * 4, s.hidden));
    head->push_back(torch::nn::ReLU());
    head->push_back(torch::nn::Dropout(s.dropout));
    head->push_back(torch::nn::Linear(s.hidden, s.num_classes));
    register_module("blocks", blocks);
    register_module("head", head);
  }
  torch::Tensor forward(torch::Tensor x) override {
    // [B, T, F] -> image [B, 1, F, T]
    return head->forward(blocks->forward(x.transpose(1, 2).unsqueeze(1)));
  }
  torch::nn::Sequential blocks, head;
};

}  // namespace

std::shared_ptr<AudioNet> makeConv2d(const ModelSpec& spec) { return std::make_shared<Conv2dNet>(spec); }

}  // namespace podclean
