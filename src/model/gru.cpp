#include "networks.h"

namespace podclean {

GruNet::GruNet(const ModelSpec& s) : spec(s) {
  front = register_module("front", torch::nn::Conv1d(torch::nn::Conv1dOptions(s.num_features, s.channels, s.kernel)));
  gru = register_module("gru", torch::nn::GRU(torch::nn::GRUOptions(s.channels, s.hidden)
                                                  .num_layers(s.layers)
                                                  .batch_first(true)
                                                  .dropout(s.layers > 1 ? s.dropout : 0.0)));
  head = register_module("head", torch::nn::Linear(s.hidden, s.num_classes));
}

torch::Tensor GruNet::sequence(torch::Tensor x) {
  // Causal: pad kernel-1 zero frames (the normalised mean) on the left only.
  auto padded = torch::constant_pad_nd(x.transpose(1, 2), {spec.kernel - 1, 0});
  auto features = torch::relu(front->forward(padded)).transpose(1, 2);  // [B, T, channels]
  auto out = std::get<0>(gru->forward(features));                        // [B, T, hidden]
  return head->forward(out);                                             // [B, T, C]
}

torch::Tensor GruNet::forward(torch::Tensor x) {
  auto logits = sequence(x);
  return spec.task == ModelTask::kFrame ? logits : logits.mean(1);
}

torch::Tensor GruNet::step(torch::Tensor frame, torch::Tensor& history, torch::Tensor& h) {
  // history: [1, F, kernel-1]; the window is history + this frame.
  auto window = torch::cat({history, frame.unsqueeze(2)}, 2);  // [1, F, kernel]
  history = window.narrow(2, 1, spec.kernel - 1);
  auto features = torch::relu(front->forward(window)).transpose(1, 2);  // [1, 1, channels]
  auto result = gru->forward(features, h);
  h = std::get<1>(result);
  return head->forward(std::get<0>(result)).squeeze(1);  // [1, C]
}

std::shared_ptr<AudioNet> makeNetwork(const ModelSpec& spec) {
  if (spec.arch == "conv1d") return makeConv1d(spec);
  if (spec.arch == "conv2d") return makeConv2d(spec);
  return std::make_shared<GruNet>(spec);
}

}  // namespace podclean
