#include "podclean/dsp/feature_options.h"

#include <sstream>

#include "podclean/util/error.h"

namespace podclean {

const char* toString(FeatureKind kind) {
  switch (kind) {
    case FeatureKind::kMel: return "mel";
    case FeatureKind::kMfcc: return "mfcc";
    case FeatureKind::kSpectrogram: return "spectrogram";
    case FeatureKind::kWaveform: return "waveform";
  }
  return "?";
}

FeatureKind featureKindFromString(const std::string& name) {
  if (name == "mel") return FeatureKind::kMel;
  if (name == "mfcc") return FeatureKind::kMfcc;
  if (name == "spectrogram") return FeatureKind::kSpectrogram;
  if (name == "waveform") return FeatureKind::kWaveform;
  throw UsageError("features: unknown kind '" + name + "' (use mel, mfcc, spectrogram or waveform)");
}

static void require(bool ok, const std::string& message) {
  if (!ok) throw UsageError("features: " + message);
}

void FeatureOptions::Validate() const {
  require(sample_rate_hz >= 1000 && sample_rate_hz <= 384000,
          "sample rate " + std::to_string(sample_rate_hz) + " Hz is out of range (1000..384000)");
  require(!level_norm || (kind == FeatureKind::kMel && log),
          "level normalisation needs log-mel features (kind mel, log on)");
  require(!level_norm || (level_lookahead_s >= 0 && level_lookahead_s <= 600),
          "level look-ahead " + std::to_string(level_lookahead_s) + " s must be 0..600 s");
  if (kind == FeatureKind::kWaveform) return;
  require(n_fft >= 16 && n_fft <= 65536 && n_fft % 2 == 0,
          "n_fft " + std::to_string(n_fft) + " must be even, 16..65536");
  require(win_length > 0 && win_length <= n_fft,
          "window " + std::to_string(win_length) + " samples must be 1..n_fft (" +
              std::to_string(n_fft) + ")");
  require(hop_length > 0, "hop must be positive, got " + std::to_string(hop_length));
  require(delta_order >= 0 && delta_order <= 2, "delta order must be 0, 1 or 2");
  if (kind == FeatureKind::kSpectrogram) return;
  require(n_mels > 0 && n_mels <= 512, "n_mels " + std::to_string(n_mels) + " must be 1..512");
  require(fmin_hz >= 0 && fmin_hz < fmaxHz(),
          "fmin " + std::to_string(fmin_hz) + " Hz must be below fmax " +
              std::to_string(fmaxHz()) + " Hz");
  require(fmaxHz() <= sample_rate_hz / 2.0 + 1e-9,
          "fmax " + std::to_string(fmax_hz) + " Hz is above Nyquist (" +
              std::to_string(sample_rate_hz / 2) + " Hz)");
  require(amin > 0, "amin must be positive");
  if (kind == FeatureKind::kMfcc)
    require(n_mfcc > 0 && n_mfcc <= n_mels, "n_mfcc " + std::to_string(n_mfcc) +
                                                " must be 1..n_mels (" + std::to_string(n_mels) + ")");
}

bool FeatureOptions::streamable() const {
  bool uses_db = kind == FeatureKind::kMfcc || (kind == FeatureKind::kMel && log);
  return kind != FeatureKind::kWaveform && delta_order == 0 && pad_mode == PadMode::kConstant && !clip_cmn &&
         (!uses_db || (db_ref > 0 && top_db < 0));
}

int FeatureOptions::baseFeatures() const {
  switch (kind) {
    case FeatureKind::kMel: return n_mels;
    case FeatureKind::kMfcc: return n_mfcc;
    case FeatureKind::kSpectrogram: return numBins();
    case FeatureKind::kWaveform: return 1;
  }
  return 0;
}

int FeatureOptions::numFeatures() const {
  return kind == FeatureKind::kWaveform ? 1 : baseFeatures() * (1 + delta_order);
}

int64_t FeatureOptions::numFrames(int64_t num_samples) const {
  if (kind == FeatureKind::kWaveform) return num_samples;
  if (center) return 1 + num_samples / hop_length;
  return num_samples < n_fft ? 0 : 1 + (num_samples - n_fft) / hop_length;
}

std::string FeatureOptions::ToString() const {
  std::ostringstream s;
  s << toString(kind) << " @" << sample_rate_hz << " Hz, n_fft " << n_fft << ", win "
    << win_length << ", hop " << hop_length;
  if (kind == FeatureKind::kMel || kind == FeatureKind::kMfcc)
    s << ", " << n_mels << " mels " << fmin_hz << "-" << fmaxHz() << " Hz ("
      << (mel_scale == MelScale::kSlaney ? "slaney" : "htk") << ")";
  if (kind == FeatureKind::kMfcc) s << ", " << n_mfcc << " mfcc";
  if (delta_order) s << ", deltas " << delta_order;
  if (level_norm) s << ", level-normalised (look-ahead " << level_lookahead_s << " s)";
  return s.str();
}

}  // namespace podclean
