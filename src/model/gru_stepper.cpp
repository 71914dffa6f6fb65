// Torch-free: plain loops over weights copied out of a GruNet.
#include "gru_stepper.h"

#include <algorithm>
#include <cmath>

namespace podclean {

void GruStepper::Dense::apply(const float* in, float* out) const {
  std::copy(bias.begin(), bias.end(), out);
  for (int j = 0; j < inputs; ++j) {
    const float x = in[j];
    const float* column = transposed.data() + size_t(j) * size_t(outputs);
    for (int i = 0; i < outputs; ++i) out[i] += column[i] * x;
  }
}

// A [rows, cols] row-major matrix as a Dense layer.
static auto dense(const std::vector<float>& weight, const std::vector<float>& bias, int rows, int cols) {
  GruStepper::Dense d;
  d.inputs = cols;
  d.outputs = rows;
  d.bias = bias;
  d.transposed.resize(size_t(rows) * size_t(cols));
  for (int r = 0; r < rows; ++r)
    for (int c = 0; c < cols; ++c) d.transposed[size_t(c) * size_t(rows) + size_t(r)] = weight[size_t(r) * size_t(cols) + size_t(c)];
  return d;
}

GruStepper::GruStepper(const GruWeights& w) : features_(w.features), kernel_(w.kernel), hidden_(w.hidden) {
  // The conv sees the window time-major ([kernel, features]); LibTorch's
  // weight is [channels, features, kernel], so reorder it to [channels, kernel, features].
  std::vector<float> front(w.front_weight.size());
  for (int c = 0; c < w.channels; ++c)
    for (int f = 0; f < w.features; ++f)
      for (int k = 0; k < w.kernel; ++k)
        front[(size_t(c) * size_t(w.kernel) + size_t(k)) * size_t(w.features) + size_t(f)] =
            w.front_weight[(size_t(c) * size_t(w.features) + size_t(f)) * size_t(w.kernel) + size_t(k)];
  front_ = dense(front, w.front_bias, w.channels, w.kernel * w.features);
  int input = w.channels;
  for (const GruWeights::Layer& layer : w.layers) {
    input_gates_.push_back(dense(layer.weight_ih, layer.bias_ih, 3 * w.hidden, input));
    hidden_gates_.push_back(dense(layer.weight_hh, layer.bias_hh, 3 * w.hidden, w.hidden));
    input = w.hidden;
  }
  head_ = dense(w.head_weight, w.head_bias, w.classes, w.hidden);
  x_.resize(size_t(std::max(w.channels, w.hidden)));
  gi_.resize(size_t(3 * w.hidden));
  gh_.resize(size_t(3 * w.hidden));
  probs_.resize(size_t(w.classes));
  reset();
}

void GruStepper::reset() {
  window_.assign(size_t(kernel_) * size_t(features_), 0.f);
  state_.assign(input_gates_.size(), std::vector<float>(size_t(hidden_), 0.f));
}

static float sigmoid(float v) { return 1.f / (1.f + std::exp(-v)); }

const std::vector<float>& GruStepper::step(const float* frame) {
  std::copy(window_.begin() + features_, window_.end(), window_.begin());
  std::copy(frame, frame + features_, window_.end() - features_);
  front_.apply(window_.data(), x_.data());
  for (int c = 0; c < front_.outputs; ++c) x_[size_t(c)] = std::max(0.f, x_[size_t(c)]);
  const size_t H = size_t(hidden_);
  for (size_t l = 0; l < state_.size(); ++l) {
    std::vector<float>& h = state_[l];
    input_gates_[l].apply(x_.data(), gi_.data());
    hidden_gates_[l].apply(h.data(), gh_.data());
    for (size_t i = 0; i < H; ++i) {
      const float r = sigmoid(gi_[i] + gh_[i]);
      const float z = sigmoid(gi_[H + i] + gh_[H + i]);
      const float n = std::tanh(gi_[2 * H + i] + r * gh_[2 * H + i]);
      h[i] = (1.f - z) * n + z * h[i];
    }
    std::copy(h.begin(), h.end(), x_.begin());  // the next layer's input
  }
  head_.apply(x_.data(), probs_.data());  // logits, then softmax in place
  const float top = *std::max_element(probs_.begin(), probs_.end());
  float sum = 0;
  for (float& p : probs_) sum += p = std::exp(p - top);
  for (float& p : probs_) p /= sum;
  return probs_;
}

}  // namespace podclean
