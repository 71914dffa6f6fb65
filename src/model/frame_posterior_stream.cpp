// Torch-free: uses only the Model API.
#include "podclean/model/frame_posterior_stream.h"

#include <algorithm>

#include "podclean/util/error.h"

namespace podclean {

FramePosteriorStream::FramePosteriorStream(const Model& model, int64_t chunk_frames)
    : model_(model), chunk_frames_(std::max<int64_t>(1, chunk_frames)), context_(model.contextFrames()),
      buffer_(0, model.meta().spec.num_features) {
  if (model.meta().spec.task != ModelTask::kFrame || context_ < 0)
    throw Error("only conv1d frame models run in chunks with exact context; this one is a " + model.meta().spec.arch +
                " " + toString(model.meta().spec.task) + " model");
}

void FramePosteriorStream::push(const Matrix& frames, Matrix& out) {
  buffer_.appendRows(frames);
  if (buffer_.rows >= chunk_frames_ + 2 * context_) run(false, out);
}

void FramePosteriorStream::finish(Matrix& out) { run(true, out); }

void FramePosteriorStream::run(bool final, Matrix& out) {
  const int64_t end = buffer_start_ + buffer_.rows, emit_end = final ? end : end - context_;
  if (emit_end <= emitted_) return;
  // The buffer starts context_ frames before emitted_ (or at the stream's
  // start), so each emitted frame sees the same context as in a whole run.
  Matrix probs = model_.framePosteriors(buffer_);
  Matrix ready(emit_end - emitted_, probs.cols);
  std::copy(probs.row(emitted_ - buffer_start_), probs.row(emit_end - buffer_start_), ready.data.begin());
  out.appendRows(ready);
  emitted_ = emit_end;
  const int64_t drop = std::max<int64_t>(0, emitted_ - context_ - buffer_start_);
  buffer_.data.erase(buffer_.data.begin(), buffer_.data.begin() + drop * buffer_.cols);
  buffer_.rows -= drop;
  buffer_start_ += drop;
}

}  // namespace podclean
