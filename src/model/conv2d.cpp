#include "networks.h"

#include <limits>

namespace podclean {

namespace {

// 2x2 max-pool, rounding odd sizes up (ceil mode), as torch::nn::MaxPool2d
// computes it, with the same result to the bit. LibTorch 1.13's CPU max-pool
// kernel took over half of classify's model time for these small maps; two
// element-wise maxima over pairs of rows and then pairs of columns are 5-7x
// faster. Only for inference: with gradients, the library's pool is kept (its
// backward is faster than that of the maxima: one training epoch took 58 s
// with it and 104 s without).
struct PairMaxPoolImpl : torch::nn::Module {
  torch::Tensor forward(const torch::Tensor& x) {
    namespace F = torch::nn::functional;
    if (torch::GradMode::is_enabled()) return F::max_pool2d(x, F::MaxPool2dFuncOptions(2).ceil_mode(true));
    const int64_t h = x.size(2), w = x.size(3);
    const torch::Tensor even =
        h % 2 || w % 2
            ? F::pad(x, F::PadFuncOptions({0, w % 2, 0, h % 2}).value(-std::numeric_limits<float>::infinity()))
            : x;
    const int64_t batch = even.size(0), channels = even.size(1), rows = even.size(2) / 2, cols = even.size(3) / 2;
    auto row_pairs = even.reshape({batch, channels, rows, 2, 2 * cols});
    auto rows_max = torch::maximum(row_pairs.select(3, 0), row_pairs.select(3, 1));
    auto col_pairs = rows_max.reshape({batch, channels, rows, cols, 2});
    return torch::maximum(col_pairs.select(4, 0), col_pairs.select(4, 1));
  }
};
TORCH_MODULE(PairMaxPool);

struct Conv2dNet : AudioNet {
  explicit Conv2dNet(const ModelSpec& s) {
    int in = 1, out = s.channels;
    for (int i = 0; i < s.layers; ++i) {
      blocks->push_back(torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, s.kernel).padding(s.kernel / 2)));
      blocks->push_back(torch::nn::BatchNorm2d(out));
      blocks->push_back(torch::nn::ReLU());
      blocks->push_back(PairMaxPool());
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
