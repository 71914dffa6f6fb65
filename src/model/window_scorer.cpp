// Torch-free: uses only the Model API.
#include "podclean/model/window_scorer.h"

#include <algorithm>
#include <cmath>

#include "podclean/audio/audio_reader.h"
#include "podclean/dsp/feature_extractor.h"
#include "podclean/dsp/frame_energy.h"
#include "podclean/util/error.h"

namespace podclean {

int64_t modelWindowFrames(const Model& model) { return model.meta().training.value("example_frames", int64_t(101)); }

ClipModels::ClipModels(const std::vector<std::string>& paths) : paths_(paths) {
  if (paths.empty()) throw UsageError("no clip model given");
  for (const std::string& path : paths) {
    models_.push_back(Model::load(path));
    const ModelMeta& meta = models_.back().meta();
    if (meta.spec.task != ModelTask::kClip)
      throw FileError(path, "is a frame model (for clean); classify needs a clip model (conv2d trained on clips)");
    if (models_.size() == 1) continue;
    requireSameLabelsAndFeatures(models_.front().meta(), meta, path);
    if (modelWindowFrames(models_.back()) != modelWindowFrames(models_.front()))
      throw FileError(path, "its clip length differs from the first model's");
  }
}

std::vector<std::vector<float>> ClipModels::posteriorsBatch(const std::vector<Matrix>& clips) const {
  auto mean = models_.front().clipPosteriorsBatch(clips);
  for (size_t m = 1; m < models_.size(); ++m) {
    auto more = models_[m].clipPosteriorsBatch(clips);
    for (size_t i = 0; i < mean.size(); ++i)
      for (size_t c = 0; c < mean[i].size(); ++c) mean[i][c] += more[i][c];
  }
  const float scale = 1.0f / float(models_.size());
  for (auto& probs : mean)
    for (float& p : probs) p *= scale;
  return mean;
}

std::vector<float> ClipModels::posteriors(const Matrix& features) const { return posteriorsBatch({features}).front(); }

Timeline scoreWindows(const ClipModels& models, const std::string& audio_path, double step_s) {
  const Model& model = models.first();
  const ModelMeta& meta = model.meta();
  if (!meta.features.streamable())
    throw FileError(models.paths().front(),
                    "its features need whole clips (ref=max, top_db or deltas); classify streams long files "
                    "with per-window features, so train it on streamable features");
  const FeatureOptions& fo = meta.features;
  const int64_t hop = std::max<int64_t>(1, std::llround(step_s * fo.sample_rate_hz / fo.hop_length));
  const int64_t window = std::max<int64_t>(hop, modelWindowFrames(model));
  Timeline tl;
  tl.step_s = double(hop) * fo.hop_length / fo.sample_rate_hz;
  tl.labels = meta.labels;
  tl.probs = Matrix(0, int64_t(meta.labels.size()));

  MonoSource source(audio_path, fo.sample_rate_hz);
  tl.duration_s = source.info().duration_s();
  OnlineFeatureExtractor extractor(fo);
  // Level per step; steps are centred on (k + 0.5) * step, so these frames start at k * step.
  FrameEnergy level(hop * fo.hop_length, fo.sample_rate_hz, FrameAlign::kStart);
  auto emit_level = [&](double mean_square) { tl.level_db.push_back(float(powerDb(mean_square))); };
  Matrix buffer(0, fo.numFeatures());
  int64_t buffer_start = 0, step = 0;
  // Windows wait in a batch: one model call for many is several times faster.
  constexpr size_t kBatch = 16;
  std::vector<Matrix> pending;
  auto flush = [&] {
    for (auto& probs : models.posteriorsBatch(pending)) {
      Matrix row(1, int64_t(probs.size()));
      row.data = std::move(probs);
      tl.probs.appendRows(row);
    }
    pending.clear();
  };
  // Emits every step whose window is complete; at the end, windows are clamped into the file.
  auto emit = [&](bool final) {
    const int64_t available = buffer_start + buffer.rows;
    while (true) {
      const int64_t centre = step * hop + hop / 2;
      if (final ? step * hop >= available : centre + window / 2 > available) break;
      int64_t from = std::max<int64_t>(0, centre - window / 2);
      if (final) from = std::max<int64_t>(0, std::min(from, available - window));
      from = std::max(from, buffer_start);
      const int64_t to = std::min(available, from + window);
      Matrix piece(to - from, buffer.cols);
      std::copy(buffer.row(from - buffer_start), buffer.row(to - buffer_start), piece.data.begin());
      if (!pending.empty() && piece.rows != pending.front().rows) flush();
      pending.push_back(std::move(piece));
      if (pending.size() >= kBatch) flush();
      ++step;
    }
    // Keep what the next windows still need (and one window for the clamped tail).
    const int64_t keep_from = std::max<int64_t>(0, std::min(step * hop + hop / 2 - window / 2, available - window));
    const int64_t drop = std::max<int64_t>(0, keep_from - buffer_start);
    buffer.data.erase(buffer.data.begin(), buffer.data.begin() + drop * buffer.cols);
    buffer.rows -= drop;
    buffer_start += drop;
  };
  std::vector<float> chunk;
  while (source.next(chunk)) {
    level.push(chunk.data(), chunk.size(), emit_level);
    extractor.acceptWaveform(chunk.data(), chunk.size());
    extractor.takeFrames(buffer);
    emit(false);
  }
  level.finish(emit_level);
  extractor.inputFinished();
  extractor.takeFrames(buffer);
  emit(true);
  flush();
  // One score per level step.
  const int64_t steps = int64_t(tl.level_db.size());
  while (tl.probs.rows > steps) {
    tl.probs.rows--;
    tl.probs.data.resize(size_t(tl.probs.rows * tl.probs.cols));
  }
  while (tl.probs.rows < steps && tl.probs.rows > 0) {
    Matrix last(1, tl.probs.cols);
    std::copy(tl.probs.row(tl.probs.rows - 1), tl.probs.row(tl.probs.rows), last.data.begin());
    tl.probs.appendRows(last);
  }
  return tl;
}

}  // namespace podclean
