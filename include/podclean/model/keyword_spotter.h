// Streaming keyword spotting: samples at the model's rate in, detections out.
// Features are computed hop by hop (the same code as prep), a gru frame model
// steps once per frame with carried state (a conv2d clip model instead scores
// the last clip-length window every few frames), each keyword's probability is
// smoothed over a few frames, and a detection fires when it passes the
// threshold, then that keyword rests for a refractory period. An optional
// verifier (a conv2d clip model trained on `prep --task keyword-windows`) is
// a second opinion: it looks at the last window of frames whenever a keyword
// passes its threshold, and the detection fires only if verifierAgrees() (a
// geometric mean of the keyword's score and the verifier's probability). An
// optional phrase check (PhraseCheck) is another: a detection the verifier turns
// down still fires if the phrase check hears the keyword's words.
#pragma once
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "podclean/model/model.h"
#include "podclean/model/phrase_check.h"

namespace podclean {

struct SpotterOptions {
  double threshold = 0.6;
  std::map<std::string, double> keyword_thresholds;  // per keyword, overriding threshold
  double refractory_s = 2.0;
  static constexpr int kMaxSmoothFrames = 100;  // the bound of --smooth and --command-smooth
  int smooth_frames = 14;           // moving average of the per-frame probability (140 ms: a
                                    // word-end rise, not a one-frame spike, fires; 200 ms
                                    // put p95 latency over 200 ms, 100 ms added false accepts)
  int window_hop_frames = 10;       // conv2d clip models: score the sliding window every this many frames
  double verify_threshold = 0.8;    // verifier: see verifierAgrees()
  int verify_hop_frames = 2;        // verifier: while it disagrees, ask again after this many frames
  double phrase_delay_s = 0.1;      // phrase check: asked this long after the score passed its threshold,
  double phrase_window_s = 2.2;     // on this much audio ending then
  double phrase_score = 0;          // phrase check: also asked when a score reaches this, below
                                    // its threshold (0: only at the threshold)
  std::string background = "background";  // the class that is not a keyword
  void Validate() const;
};

struct Detection {
  double time_s = 0;   // stream time of the frame that fired
  std::string keyword;
  float score = 0;
  float verify_score = -1;  // the verifier's probability of the keyword (-1: no verifier)
  bool phrase_heard = false;  // fired because the phrase check heard the keyword's words
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
  // Verifiers added after the first (other training seeds) must have its labels,
  // features and window length; their probabilities are averaged.
  void addVerifier(const Model& verifier, const std::string& verifier_path);
  // Adds a phrase check for the keywords: once per refractory period, a keyword
  // whose score passed its threshold but that the verifier turned down (every such
  // keyword, with no verifier) is looked for in the last phrase_window_s of audio,
  // phrase_delay_s later, and fires if heard. With options.phrase_score, a score
  // that reaches it but not the threshold is checked too, phrase_delay_s after the
  // score stops rising (once per refractory period, apart from the checks at the
  // threshold). Throws UsageError unless the model runs at 16 kHz (pocketsphinx's rate).
  void setPhraseCheck(std::unique_ptr<PhraseCheck> check);
  // Averages another model's probabilities with the first's (an ensemble, e.g. of
  // training seeds): a gru frame model's frame by frame, a conv2d clip model's on
  // each window. Throws FileError naming model_path unless it is the first's kind
  // with the same labels and features (and, for clip models, window length).
  void addModel(const Model& model, const std::string& model_path);
  ~KeywordSpotter();
  int sampleRate() const;
  // Appends detections to out. Allocation-free after the first calls of a given size,
  // but for the phrase check's decoding (pocketsphinx), when one is due.
  void accept(const float* samples, size_t count, std::vector<Detection>& out);
  float bestScore() const { return best_score_; }      // highest smoothed keyword score of the last call
  double streamSeconds() const;

 private:
  struct Impl;
  void slideWindow(const float* frame);
  void stepStreams(const float* frame);
  bool verified(size_t keyword, float keyword_score, float& probability);
  void askPhraseLater(size_t keyword, int64_t frame, float score, bool below_threshold);
  bool phraseHeard(size_t keyword, int64_t frame);
  std::unique_ptr<Impl> impl_;
  float best_score_ = 0;
};

}  // namespace podclean
