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

static std::vector<float> copyOf(const torch::Tensor& t) {
  auto c = t.detach().contiguous();
  return std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
}

GruWeights GruNet::weights() const {
  GruWeights w;
  w.features = spec.num_features;
  w.channels = spec.channels;
  w.kernel = spec.kernel;
  w.hidden = spec.hidden;
  w.classes = spec.num_classes;
  w.front_weight = copyOf(front->weight);
  w.front_bias = copyOf(front->bias);
  auto params = gru->named_parameters();
  for (int l = 0; l < spec.layers; ++l) {
    const std::string n = std::to_string(l);
    w.layers.push_back({copyOf(params["weight_ih_l" + n]), copyOf(params["weight_hh_l" + n]),
                        copyOf(params["bias_ih_l" + n]), copyOf(params["bias_hh_l" + n])});
  }
  w.head_weight = copyOf(head->weight);
  w.head_bias = copyOf(head->bias);
  return w;
}

std::shared_ptr<AudioNet> makeNetwork(const ModelSpec& spec) {
  if (spec.arch == "conv1d") return makeConv1d(spec);
  if (spec.arch == "conv2d") return makeConv2d(spec);
  return std::make_shared<GruNet>(spec);
}

}  // namespace podclean
