// Audio -> feature frames. Streaming first (as kaldi-native-fbank's online
// features): acceptWaveform() any number of times, inputFinished() once, and
// take frames as they become ready. Batch is streaming plus the flush, plus
// the clip-wide steps (ref = max, top_db, deltas) that need the whole clip.
#pragma once
#include <memory>
#include <vector>

#include "podclean/dsp/feature_options.h"
#include "podclean/dsp/matrix.h"

namespace podclean {

class OnlineFeatureExtractor {
 public:
  // options must be streamable() and not waveform; throws UsageError if not.
  explicit OnlineFeatureExtractor(const FeatureOptions& options);
  ~OnlineFeatureExtractor();

  void acceptWaveform(const float* samples, size_t count);
  void inputFinished();  // pads the end (centred frames) and emits the last frames
  // Moves every ready frame into out (rows appended); returns how many.
  int64_t takeFrames(Matrix& out);
  int64_t framesEmitted() const { return frames_emitted_; }
  const FeatureOptions& options() const { return options_; }

 private:
  void emitReadyFrames();
  void releaseFrames();  // level_norm: held frames whose reference level is known -> ready_
  FeatureOptions options_;
  struct Stages;
  std::unique_ptr<Stages> stages_;
  std::vector<float> buffer_;   // samples from padded index buffer_start_ onward
  int64_t buffer_start_ = 0;
  int64_t frames_emitted_ = 0;
  int64_t samples_in_ = 0;
  bool finished_ = false;
  Matrix ready_;
  struct Level;
  std::unique_ptr<Level> level_;  // level_norm only
  Matrix held_;                   // level_norm: frames waiting for their reference level
  int64_t held_start_ = 0;        // stream index of held_'s first row
};

// Whole clip at options.sample_rate_hz -> [frames, numFeatures()].
// Applies every option, including the clip-wide ones.
Matrix computeFeatures(const FeatureOptions& options, const std::vector<float>& samples);

// Clip preparation shared by prep and clip inference: trims leading and
// trailing audio quieter than the clip's loudest 10 ms minus trim_db (when
// options.trim_db > 0), then pads with silence or crops to length_samples.
std::vector<float> prepareClip(const FeatureOptions& options, std::vector<float> samples, int64_t length_samples);

// power_to_db in place; ref <= 0 means the maximum of the data.
void powerToDb(std::vector<float>& data, double ref, double amin, double top_db);

// Adds noise to a signal where both are log-power features in dB (same
// reference): powers add, the noise scaled so the total signal-to-noise ratio
// over the n cells is snr_db. This is how a noise recording sounds mixed in,
// computed from features alone.
void mixNoiseDb(float* signal_db, const float* noise_db, int64_t n, double snr_db);
// librosa.feature.delta(width=9, order, mode='interp') along frames; [T, F] -> [T, F].
Matrix deltas(const Matrix& features, int order);

}  // namespace podclean
