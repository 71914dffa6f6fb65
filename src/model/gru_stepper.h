// A trained GruNet run one frame at a time without LibTorch. Internal to the
// model library.
//
// Why: listen steps 100 frames a second. Through LibTorch each step was about a
// dozen operator calls (cat, conv1d, gru, linear, softmax), whose dispatch and
// allocations cost far more than the ~0.2 M multiply-adds they do; as plain
// loops over weights copied out once, a step is a few tens of microseconds.
// The test "streaming gru step by step equals the full-sequence run" holds it
// to LibTorch's whole-sequence output.
#pragma once
#include <vector>

namespace podclean {

// Weights in LibTorch's layouts (row-major, as .contiguous() gives them).
struct GruWeights {
  int features = 0, channels = 0, kernel = 1, hidden = 0, classes = 0;
  std::vector<float> front_weight, front_bias;  // Conv1d: [channels, features, kernel], [channels]
  struct Layer {
    std::vector<float> weight_ih, weight_hh;  // [3 * hidden, input], [3 * hidden, hidden]; gates r, z, n
    std::vector<float> bias_ih, bias_hh;      // [3 * hidden]
  };
  std::vector<Layer> layers;
  std::vector<float> head_weight, head_bias;  // Linear: [classes, hidden], [classes]
};

class GruStepper {
 public:
  explicit GruStepper(const GruWeights& weights);
  // Zero history and state, as at the start of a sequence.
  void reset();
  // One normalised frame [features] -> class probabilities [classes], valid
  // until the next call (no allocation per frame).
  const std::vector<float>& step(const float* frame);

  // A weight matrix stored transposed ([input][output]), so each product is a
  // run of contiguous multiply-adds the compiler vectorises.
  struct Dense {
    int inputs = 0, outputs = 0;
    std::vector<float> transposed, bias;
    void apply(const float* in, float* out) const;  // out = W in + b
  };

 private:
  Dense front_, head_;
  std::vector<Dense> input_gates_, hidden_gates_;  // per layer
  int features_, kernel_, hidden_;
  std::vector<float> window_;                 // the last kernel frames, oldest first: [kernel, features]
  std::vector<std::vector<float>> state_;     // per layer [hidden]
  std::vector<float> x_, gi_, gh_, probs_;  // scratch
};

}  // namespace podclean
