// conv1d frame posteriors over a stream of feature frames of any length:
// the model runs on chunks that carry contextFrames() of real context on
// each side, so every posterior equals the one a whole-file run gives, while
// memory stays bounded by the chunk size. Torch-free: uses the Model API.
#pragma once
#include <cstdint>

#include "podclean/dsp/matrix.h"
#include "podclean/model/model.h"

namespace podclean {

class FramePosteriorStream {
 public:
  // Throws Error unless model is a frame model with bounded context (conv1d).
  FramePosteriorStream(const Model& model, int64_t chunk_frames);
  // Takes raw feature frames [n, F]; appends to out ([*, C]) the posteriors
  // of every frame whose right context has now arrived.
  void push(const Matrix& frames, Matrix& out);
  // No more frames: appends the posteriors of all the rest.
  void finish(Matrix& out);

 private:
  void run(bool final, Matrix& out);
  Model model_;
  int64_t chunk_frames_;
  int context_;
  Matrix buffer_;             // frames from buffer_start_ on
  int64_t buffer_start_ = 0;  // stream index of buffer_'s first row
  int64_t emitted_ = 0;       // frames whose posteriors were given out
};

}  // namespace podclean
