#include "podclean/prep/prep_options.h"

#include "podclean/util/error.h"

namespace podclean {

PrepTask prepTaskFromString(const std::string& name) {
  if (name == "clip") return PrepTask::kClip;
  if (name == "frame") return PrepTask::kFrame;
  if (name == "keyword-windows") return PrepTask::kKeywordWindows;
  if (name == "split-fixed") return PrepTask::kSplitFixed;
  if (name == "split-silence") return PrepTask::kSplitSilence;
  throw UsageError("--task '" + name + "' is unknown (use clip, frame, keyword-windows, split-fixed or split-silence)");
}

const char* toString(PrepTask task) {
  switch (task) {
    case PrepTask::kClip: return "clip";
    case PrepTask::kFrame: return "frame";
    case PrepTask::kKeywordWindows: return "keyword-windows";
    case PrepTask::kSplitFixed: return "split-fixed";
    case PrepTask::kSplitSilence: return "split-silence";
  }
  return "?";
}

void AugmentOptions::Validate() const {
  if (copies < 0 || copies > 100) throw UsageError("--augment " + std::to_string(copies) + " must be 0..100");
  if (gain_db < 0) throw UsageError("--aug-gain-db must be >= 0");
  if (shift_ms < 0) throw UsageError("--aug-shift-ms must be >= 0");
  if (speed < 0 || speed >= 0.5) throw UsageError("--aug-speed must be in [0, 0.5)");
  if (snr_db_min > snr_db_max) throw UsageError("--aug-snr: minimum above maximum");
  if (channel_copies < 0 || channel_copies > 100) throw UsageError("--channel-aug must be 0..100");
  channel.Validate();
  if (time_masks < 0 || freq_masks < 0 || time_mask_frames < 0 || freq_mask_bands < 0)
    throw UsageError("mask counts and widths must be >= 0");
}

void PrepOptions::Validate() const {
  if (inputs.empty()) throw UsageError("prep: give at least one input folder or file");
  if (output_dir.empty()) throw UsageError("prep: -o/--output is required");
  features.Validate();
  augment.Validate();
  if (clip_seconds < 0) throw UsageError("--clip-seconds must be >= 0 (0 = longest clip)");
  if (window_seconds <= 0) throw UsageError("--window-seconds must be > 0");
  if (val_fraction < 0 || test_fraction < 0 || val_fraction + test_fraction > 1)
    throw UsageError("--val and --test must be >= 0 and add up to at most 1");
  if (piece_seconds <= 0) throw UsageError("--piece-seconds must be > 0");
  if (min_silence_s <= 0) throw UsageError("--min-silence must be > 0");
  if (silence_threshold_db >= 0) throw UsageError("--silence-db must be below 0 dBFS");
  if (negative_stride_s <= 0) throw UsageError("--negative-stride must be > 0");
  if ((task == PrepTask::kFrame || task == PrepTask::kKeywordWindows) && features.kind == FeatureKind::kWaveform)
    throw UsageError(std::string("--task ") + toString(task) + " needs frame features (mel, mfcc or spectrogram)");
}

}  // namespace podclean
