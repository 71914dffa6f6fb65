// Streaming keyword spotting: samples at the model's rate in, detections out.
// Features are computed hop by hop (the same code as prep), a gru frame model
// steps once per frame with carried state (a conv2d clip model instead scores
// the last clip-length window every few frames), each keyword's probability is
// smoothed over a few frames, and a detection fires when it passes the
// threshold, then that keyword rests for a refractory period. An optional
// verifier (a conv2d clip model trained on `prep --task keyword-windows`) is
// a second opinion: it looks at the last window of frames whenever a keyword
// passes its threshold, and the detection fires only if verifierAgrees() (a
// geometric mean of the keyword's score and the verifier's probability).
#pragma once
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "podclean/model/model.h"

namespace podclean {

struct SpotterOptions {
  double threshold = 0.6;
  std::map<std::string, double> keyword_thresholds;  // per keyword, overriding threshold
  double refractory_s = 2.0;
  int smooth_frames = 20;           // moving average of the per-frame probability (200 ms: a
                                    // word-long rise, not a one-frame spike, fires)
  int window_hop_frames = 10;       // conv2d clip models: score the sliding window every this many frames
  double verify_threshold = 0.8;    // verifier: see verifierAgrees()
  int verify_hop_frames = 2;        // verifier: while it disagrees, ask again after this many frames
  std::string background = "background";  // the class that is not a keyword
  void Validate() const;
};

struct Detection {
  double time_s = 0;   // stream time of the frame that fired
  std::string keyword;
  float score = 0;
  float verify_score = -1;  // the verifier's probability of the keyword (-1: no verifier)
};

// The verifier's decision: the geometric mean of the keyword's smoothed score and
// the verifier's probability, the verifier's counted twice (it has heard the
// whole word), reaches threshold: cbrt(score x probability^2) >= threshold.
bool verifierAgrees(float keyword_score, float verifier_probability, double threshold);

class KeywordSpotter {
 public:
  // Throws FileError naming model_path unless it is a gru frame model or a
  // conv2d clip model with a background class and streamable features.
  KeywordSpotter(const Model& model, const std::string& model_path, SpotterOptions options);
  // Adds a verifier. Throws FileError naming verifier_path unless it is a
  // conv2d clip model on the same features that knows every keyword. A verifier
  // trained on mean-normalised windows (prep --cmn) gets its window normalised.
  void setVerifier(const Model& verifier, const std::string& verifier_path);
  // Averages another gru frame model's probabilities with the first's, frame by
  // frame (an ensemble, e.g. of training seeds). Throws FileError naming
  // model_path unless it is a gru frame model with the same labels and features.
  void addModel(const Model& model, const std::string& model_path);
  ~KeywordSpotter();
  int sampleRate() const;
  // Appends detections to out. Allocation-free after the first calls of a given size.
  void accept(const float* samples, size_t count, std::vector<Detection>& out);
  float bestScore() const { return best_score_; }      // highest smoothed keyword score of the last call
  double streamSeconds() const;

 private:
  struct Impl;
  void slideWindow(const float* frame);
  void stepStreams(const float* frame);
  bool verified(size_t keyword, float keyword_score, float& probability);
  std::unique_ptr<Impl> impl_;
  float best_score_ = 0;
};

}  // namespace podclean
