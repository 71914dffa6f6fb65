// The three model families (LibTorch). Internal to the model library.
// Every network maps normalised features x [B, T, F] to logits:
// [B, T, C] for frame tasks and [B, C] for clip tasks.
#pragma once
#include <torch/torch.h>

#include "gru_stepper.h"
#include "podclean/model/model.h"

namespace podclean {

struct AudioNet : torch::nn::Module {
  virtual torch::Tensor forward(torch::Tensor x) = 0;
  // Frames of context on each side an output depends on (conv1d); -1 = unbounded.
  virtual int contextFrames() const { return -1; }
};

// Dilated 1-D convolutions (dilation 1, 2, 4, ...), batch norm, ReLU; "same"
// zero padding, so a chunk processed with contextFrames() on each side gives
// exactly the whole-file result.
std::shared_ptr<AudioNet> makeConv1d(const ModelSpec& spec);
// Conv + batch norm + ReLU + 2x2 max-pool blocks over the [F, T] image, an
// adaptive pool to 4x4, dropout and a two-layer dense head. Clip tasks only.
std::shared_ptr<AudioNet> makeConv2d(const ModelSpec& spec);

// Causal conv front end + unidirectional GRU + linear head; runs whole
// sequences or one frame at a time with carried state.
struct GruNet : AudioNet {
  explicit GruNet(const ModelSpec& spec);
  torch::Tensor forward(torch::Tensor x) override;
  // Per-step logits [B, T, C] for x [B, T, F] (no pooling).
  torch::Tensor sequence(torch::Tensor x);
  // A copy of the weights for frame-by-frame inference (GruStepper).
  GruWeights weights() const;
  ModelSpec spec;
  torch::nn::Conv1d front{nullptr};
  torch::nn::GRU gru{nullptr};
  torch::nn::Linear head{nullptr};
};

std::shared_ptr<AudioNet> makeNetwork(const ModelSpec& spec);

struct Model::Impl {
  ModelMeta meta;
  std::shared_ptr<AudioNet> net;
  // Normalise raw features [T, F] with meta.norm -> tensor [1, T, F].
  torch::Tensor input(const Matrix& features) const;
};

}  // namespace podclean
