// Options of `podclean prep`, validated in one place.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "podclean/dsp/feature_options.h"
#include "podclean/prep/channel_chain.h"

namespace podclean {

// keyword-windows: clips cut from labelled keyword streams for a second-stage
// verifier: windows ending just after each keyword (its label) and windows
// ending elsewhere (the default label).
enum class PrepTask { kClip, kFrame, kKeywordWindows, kSplitFixed, kSplitSilence };
PrepTask prepTaskFromString(const std::string& name);  // clip|frame|keyword-windows|split-fixed|split-silence
const char* toString(PrepTask task);

struct AugmentOptions {
  int copies = 0;                 // augmented copies per training example (0: none)
  double gain_db = 6.0;           // random gain in [-gain_db, +gain_db]
  double shift_ms = 100.0;        // random circular-free time shift up to +/- this
  double speed = 0.0;             // speed perturbation: play at a random 1 +/- speed (pitch and tempo together)
  std::string noise_dir;          // folder of noise recordings to mix in ("" = none)
  double snr_db_min = 5.0, snr_db_max = 20.0;
  int time_masks = 2, time_mask_frames = 10;   // SpecAugment time masks
  int freq_masks = 2, freq_mask_bands = 8;     // SpecAugment frequency masks
  // Channel-chain copies (prep/channel_chain.h): room, mic, codec, band, noise
  // bed and level per copy; noise beds from noise_dir (or synthetic colours).
  int channel_copies = 0;
  ChannelChainOptions channel;
  void Validate() const;
};

struct PrepOptions {
  PrepTask task = PrepTask::kClip;
  std::vector<std::string> inputs;   // folders or files
  std::string output_dir;
  FeatureOptions features;
  std::string label_pattern;         // e.g. "{label}_{group}_{index}"; "" = folder name
  std::string group_pattern;         // pattern used only for the group key ("" = label_pattern)
  double clip_seconds = 0;           // clip tasks: 0 = longest clip
  double window_seconds = 5.0;       // frame tasks: examples of this many seconds; keyword-windows: window length
  double negative_stride_s = 0.75;   // keyword-windows: a keyword-free window ending every this many seconds
  std::string default_label = "background";  // frame and keyword-windows tasks: unlabelled time
  std::vector<std::string> labels;   // frame tasks: fixed label order (default label first); others refused
  bool group_split = false;          // keep every {group} in one split
  std::vector<std::string> test_groups;  // these groups are the test split; the rest train/val
  double val_fraction = 0.1, test_fraction = 0.1;
  uint64_t seed = 1;
  AugmentOptions augment;
  // split-fixed / split-silence
  double piece_seconds = 5.0;
  double silence_threshold_db = -40.0;  // dBFS RMS per 10 ms frame
  double min_silence_s = 0.3;
  double keep_silence_s = 0.1;          // kept around each piece
  double min_piece_s = 0.2;
  void Validate() const;
};

}  // namespace podclean
