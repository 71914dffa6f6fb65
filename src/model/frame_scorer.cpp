// Torch-free: uses only the Model API.
#include "podclean/model/frame_scorer.h"

#include <algorithm>

#include "podclean/audio/audio_reader.h"
#include "podclean/dsp/feature_extractor.h"
#include "podclean/dsp/frame_energy.h"
#include "podclean/model/frame_posterior_stream.h"
#include "podclean/util/error.h"

namespace podclean {

FrameScores scoreWithModel(const Model& model, const std::string& model_path, const std::string& audio_path,
                           const std::vector<std::string>& keep_labels, int64_t chunk_frames) {
  const ModelMeta& meta = model.meta();
  if (meta.spec.task != ModelTask::kFrame)
    throw FileError(model_path, "is a clip classifier; clean needs a frame model (conv1d trained on a frame dataset)");
  if (model.contextFrames() < 0)
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

  // Frame levels, centred like the feature frames, for the cut planner's floor gate.
  FrameEnergy energy(meta.features.hop_length, meta.features.sample_rate_hz, FrameAlign::kCentred);
  std::vector<float> levels_db;
  auto addLevel = [&](double mean_square) { levels_db.push_back(float(powerDb(mean_square))); };

  FramePosteriorStream posteriors(model, chunk_frames);
  Matrix fresh(0, meta.features.numFeatures()), probs(0, int64_t(meta.labels.size()));
  // P(keep) and the most likely removable class of every frame given out.
  auto score = [&] {
    for (int64_t t = 0; t < probs.rows; ++t) {
      const float* p = probs.row(t);
      float keep = 0, best = -1;
      int best_class = 0;
      for (size_t c = 0; c < keeps.size(); ++c) {
        if (keeps[c]) keep += p[c];
        else if (p[c] > best) best = p[c], best_class = remove_index[c];
      }
      scores.keep.push_back(keep);
      scores.remove_class.push_back(best_class);
    }
    probs = Matrix(0, probs.cols);
  };
  std::vector<float> chunk;
  while (source.next(chunk)) {
    extractor.acceptWaveform(chunk.data(), chunk.size());
    energy.push(chunk.data(), chunk.size(), addLevel);
    fresh = Matrix(0, fresh.cols);
    extractor.takeFrames(fresh);
    posteriors.push(fresh, probs);
    score();
  }
  extractor.inputFinished();
  fresh = Matrix(0, fresh.cols);
  extractor.takeFrames(fresh);
  posteriors.push(fresh, probs);
  posteriors.finish(probs);
  score();
  energy.finish(addLevel);
  LevelTracker::Options floor;
  floor.frame_s = scores.frame_step_s;
  scores.above_floor_db = levelsAboveFloorDb(levels_db, std::llround(kLevelLookaheadS / scores.frame_step_s), floor);
  return scores;
}

}  // namespace podclean
