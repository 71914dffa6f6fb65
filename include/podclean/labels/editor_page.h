// The review / labelling page: one self-contained HTML file (no server, no
// network) for a recording of any length. It carries the audio compressed
// (MP3, 16 kHz mono, in one-minute pieces the browser decodes only when it
// needs them), a waveform envelope, a coarse log-mel spectrogram, optionally
// the model's per-frame P(speech), and the regions to review (the cuts
// `clean` proposes, or labels). A person zooms, plays, draws, resizes,
// relabels and deletes regions, with undo, and saves them as an Audacity
// label track or JSON that `clean --apply-cuts` and `label-export` read.
// The page itself is src/labels/review_page.html, compiled in at build time.
#pragma once
#include <string>
#include <vector>

#include "podclean/labels/label_track.h"

namespace podclean {

struct ReviewPageOptions {
  bool cuts = false;                     // regions are cuts (clean --review): preview plays the edit
  std::vector<std::string> label_names;  // choices for new regions (region labels are added)
  std::vector<float> p_speech;           // per frame, optional
  double frame_step_s = 0.01;
  double threshold = -1;                 // drawn on the P(speech) curve when >= 0
  double crossfade_ms = 10.0;            // what clean uses at each joint
  double kbps = 40;                      // MP3 bit rate of the embedded audio
};

std::string reviewPage(const std::string& audio_path, const std::vector<Segment>& regions,
                       const ReviewPageOptions& options);

// label-export --editor: the same page with labels (no cut preview).
std::string editorPage(const std::string& audio_path, const std::vector<Segment>& segments,
                       std::vector<std::string> label_names);

}  // namespace podclean
