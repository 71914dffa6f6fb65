// Torch-free: uses only the Model API.
#include "podclean/model/frame_scorer.h"

#include <algorithm>

#include "podclean/audio/audio_reader.h"
#include "podclean/dsp/feature_extractor.h"
#include "podclean/util/error.h"

namespace podclean {

FrameScores scoreWithModel(const Model& model, const std::string& model_path, const std::string& audio_path,
                           const std::vector<std::string>& keep_labels, int64_t chunk_frames) {
  const ModelMeta& meta = model.meta();
  if (meta.spec.task != ModelTask::kFrame)
    throw FileError(model_path, "is a clip classifier; clean needs a frame model (conv1d trained on a frame dataset)");
  const int context = model.contextFrames();
  if (context < 0)
    throw FileError(model_path, "is a " + meta.spec.arch + " model; clean streams conv1d frame models only");
  std::vector<bool> keeps(meta.labels.size(), false);
  FrameScores scores;
  for (size_t c = 0; c < meta.labels.size(); ++c) {
    keeps[c] = std::find(keep_labels.begin(), keep_labels.end(), meta.labels[c]) != keep_labels.end();
    if (!keeps[c]) scores.class_names.push_back(meta.labels[c]);
  }
  if (std::find(keeps.begin(), keeps.end(), true) == keeps.end())
    throw FileError(model_path, "has none of the labels to keep (its labels: " +
                                    nlohmann::json(meta.labels).dump() + "); see --keep");
  std::vector<int> remove_index(meta.labels.size(), 0);
  for (size_t c = 0, k = 0; c < meta.labels.size(); ++c)
    if (!keeps[c]) remove_index[c] = int(k++);

  MonoSource source(audio_path, meta.features.sample_rate_hz);
  OnlineFeatureExtractor extractor(meta.features);
  scores.frame_step_s = double(meta.features.hop_length) / meta.features.sample_rate_hz;
  scores.duration_s = source.info().duration_s();

  Matrix buffer(0, meta.features.numFeatures());  // frames from buffer_start on
  int64_t buffer_start = 0, emitted = 0;
  // Emits every frame whose right context is in the buffer (all of them at the end).
  auto run = [&](bool final) {
    const int64_t end = buffer_start + buffer.rows, emit_end = final ? end : end - context;
    if (emit_end <= emitted) return;
    Matrix probs = model.framePosteriors(buffer);
    for (int64_t t = emitted; t < emit_end; ++t) {
      const float* p = probs.row(t - buffer_start);
      float keep = 0, best = -1;
      int best_class = 0;
      for (size_t c = 0; c < keeps.size(); ++c) {
        if (keeps[c]) keep += p[c];
        else if (p[c] > best) best = p[c], best_class = remove_index[c];
      }
      scores.keep.push_back(keep);
      scores.remove_class.push_back(best_class);
    }
    emitted = emit_end;
    const int64_t drop = std::max<int64_t>(0, emitted - context - buffer_start);
    buffer.data.erase(buffer.data.begin(), buffer.data.begin() + drop * buffer.cols);
    buffer.rows -= drop;
    buffer_start += drop;
  };
  std::vector<float> chunk;
  while (source.next(chunk)) {
    extractor.acceptWaveform(chunk.data(), chunk.size());
    extractor.takeFrames(buffer);
    if (buffer.rows >= chunk_frames + 2 * context) run(false);
  }
  extractor.inputFinished();
  extractor.takeFrames(buffer);
  run(true);
  return scores;
}

}  // namespace podclean
