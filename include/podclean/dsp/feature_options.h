// One feature configuration: everything needed to turn audio into the frames
// a model sees. It is saved in datasets and model files (feature_json.h), so
// training and inference can never disagree. Defaults follow DESIGN.md.
#pragma once
#include <cstdint>
#include <string>

namespace podclean {

enum class FeatureKind { kMel, kMfcc, kSpectrogram, kWaveform };
enum class MelScale { kSlaney, kHtk };
enum class MelNorm { kSlaney, kNone };
enum class PadMode { kConstant, kReflect };

struct FeatureOptions {
  FeatureKind kind = FeatureKind::kMel;
  int sample_rate_hz = 16000;
  int n_fft = 512;         // FFT size, samples
  int win_length = 400;    // window, samples (25 ms at 16 kHz); periodic Hann
  int hop_length = 160;    // samples between frames (10 ms at 16 kHz)
  bool center = true;      // frame t is centred on sample t * hop_length
  PadMode pad_mode = PadMode::kConstant;
  int n_mels = 64;
  double fmin_hz = 0.0;
  double fmax_hz = 0.0;    // 0 means sample_rate_hz / 2
  MelScale mel_scale = MelScale::kSlaney;
  MelNorm mel_norm = MelNorm::kSlaney;
  bool log = true;         // power_to_db on mel (always on for MFCC)
  double db_ref = 1.0;     // power_to_db ref; 0 means "max of the clip" (batch only)
  double top_db = -1.0;    // floor at max - top_db; < 0 means none (batch only if set)
  double amin = 1e-10;
  int n_mfcc = 13;
  double lifter = 0.0;
  int delta_order = 0;     // 0: none; 1: append deltas; 2: append deltas and delta-deltas
  bool clip_cmn = false;   // clips only: subtract each feature's mean over the clip (CMN)
  double trim_db = 0.0;    // clips only: trim leading/trailing audio quieter than peak - trim_db (0 = off)
  // Level invariance (log-mel only): subtract from every frame a running
  // reference level of the recording (dsp/frame_energy.h LevelTracker: its
  // speech level, at least 20 dB above its noise floor), estimated over the
  // frames up to level_lookahead_s after the frame. Scaling the input by any
  // gain then leaves the features unchanged; memory stays flat.
  bool level_norm = false;
  double level_lookahead_s = 10.0;

  // Throws UsageError naming the field, its value and the fix.
  void Validate() const;
  // True when frames can be produced one hop at a time (no clip-wide maxima).
  bool streamable() const;
  double fmaxHz() const { return fmax_hz > 0 ? fmax_hz : sample_rate_hz / 2.0; }
  int numBins() const { return n_fft / 2 + 1; }
  int baseFeatures() const;   // per frame, before deltas
  int numFeatures() const;    // per frame, with deltas (waveform: 1)
  int64_t numFrames(int64_t num_samples) const;
  double frameSeconds(int64_t frame) const { return double(frame) * hop_length / sample_rate_hz; }
  std::string ToString() const;
};

const char* toString(FeatureKind kind);
FeatureKind featureKindFromString(const std::string& name);  // mel|mfcc|spectrogram|waveform

}  // namespace podclean
