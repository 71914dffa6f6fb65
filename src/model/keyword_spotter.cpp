// Torch-free: uses only the Model API.
#include "podclean/model/keyword_spotter.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <deque>

#include "podclean/dsp/feature_extractor.h"
#include "podclean/dsp/feature_json.h"
#include "podclean/util/error.h"

namespace podclean {

void SpotterOptions::Validate() const {
  if (!(threshold > 0 && threshold < 1)) throw UsageError("--threshold must be in (0, 1)");
  for (const auto& [keyword, value] : keyword_thresholds)
    if (!(value > 0 && value < 1)) throw UsageError("--keyword-threshold " + keyword + ": must be in (0, 1)");
  if (refractory_s < 0) throw UsageError("--refractory must be >= 0");
  if (smooth_frames < 1 || smooth_frames > kMaxSmoothFrames)
    throw UsageError("--smooth must be 1.." + std::to_string(kMaxSmoothFrames) + " frames");
  if (window_hop_frames < 1) throw UsageError("--window-hop must be >= 1 frame");
  if (!(verify_threshold >= 0 && verify_threshold < 1)) throw UsageError("--verify-threshold must be in [0, 1)");
  if (verify_hop_frames < 1) throw UsageError("--verify-hop must be >= 1 frame");
  if (!(phrase_delay_s >= 0 && phrase_delay_s <= 2)) throw UsageError("--phrase-delay must be 0..2 s");
  if (!(phrase_window_s >= 0.5 && phrase_window_s <= 10)) throw UsageError("--phrase-window must be 0.5..10 s");
  if (!(phrase_score >= 0 && phrase_score < 1)) throw UsageError("--phrase-score must be in [0, 1)");
}

// Shifts the oldest row out of a window and appends frame as its newest row.
static void pushRow(Matrix& w, const float* frame) {
  std::copy(w.data.begin() + w.cols, w.data.end(), w.data.begin());
  std::copy(frame, frame + w.cols, w.row(w.rows - 1));
}

static int64_t clipFrames(const Model& model, const std::string& path) {
  const int64_t frames = model.meta().training.value("example_frames", int64_t(0));
  if (frames < 1) throw FileError(path, "does not say its clip length in frames");
  return frames;
}

static bool isGruFrames(const ModelMeta& m) { return m.spec.task == ModelTask::kFrame && m.spec.arch == "gru"; }
static bool isConv2dClips(const ModelMeta& m) { return m.spec.task == ModelTask::kClip && m.spec.arch == "conv2d"; }
// For error messages: "(this is a conv1d frame model)".
static std::string kindOf(const ModelMeta& m) {
  return "(this is a " + m.spec.arch + " " + toString(m.spec.task) + " model)";
}

struct KeywordSpotter::Impl {
  SpotterOptions options;
  Model model;
  std::vector<Model::Stream> streams;  // gru models: the first model's and any added ones'
  OnlineFeatureExtractor features;
  Matrix frames;
  std::vector<int> keyword_classes;
  std::vector<double> thresholds;  // per keyword class
  std::vector<std::deque<float>> history;  // per keyword class
  std::vector<double> last_fired;
  int64_t frame_index = 0;
  double frame_step_s;
  std::vector<float> latest_probs;  // of the last frame (gru) or last scored window (conv2d)
  // conv2d clip models (no stream): the last clip-length of raw frames, scored
  // every window_hop_frames; frames in between keep the last window's probabilities.
  Matrix window;
  std::vector<Model> clip_models;  // conv2d clip models: the first model and any added ones
  // Verifiers: their models (probabilities averaged), the last window of frames
  // they see, per verifier and keyword class its class index (each verifier finds
  // the keyword by name: one may know more words), and per keyword class the frame
  // it was last asked at.
  std::vector<Model> verifiers;
  Matrix verify_window;
  bool verify_cmn = false;  // the verifier normalises its window (clip_cmn): scored from verify_scratch
  Matrix verify_scratch;
  std::vector<bool> verify_counted;
  std::vector<std::vector<int>> verify_class;
  std::vector<int64_t> last_verified;
  // Phrase check: the recent samples it listens to (the last ones of samples_in),
  // per keyword class the frame it is due to be asked at (-1: not due) and the
  // frames it was last scheduled at, from the threshold and from below it (phrase_score);
  // and for a check scheduled from below, the highest score since (-1: none such due).
  std::unique_ptr<PhraseCheck> phrase_check;
  std::vector<float> recent;
  int64_t samples_in = 0;
  std::vector<int64_t> phrase_due, phrase_scheduled, phrase_scheduled_below;
  std::vector<float> phrase_peak;
  int64_t phrase_delay_frames = 0;  // options.phrase_delay_s in frames
  void cancelPhraseCheck(size_t k) {  // no check of keyword k due, from anywhere
    phrase_due[k] = -1;
    phrase_peak[k] = -1.f;
  }
  Impl(const Model& m, SpotterOptions o)
      : options(std::move(o)), model(m), features(m.meta().features),
        frame_step_s(double(m.meta().features.hop_length) / m.meta().features.sample_rate_hz) {}
};

KeywordSpotter::KeywordSpotter(const Model& model, const std::string& model_path, SpotterOptions options) {
  options.Validate();
  const ModelMeta& meta = model.meta();
  const bool gru_frames = isGruFrames(meta), conv2d_clips = isConv2dClips(meta);
  if (!gru_frames && !conv2d_clips)
    throw FileError(model_path, "listen needs a gru frame model trained on keyword streams or a conv2d clip model " +
                                    kindOf(meta));
  if (!meta.features.streamable()) throw FileError(model_path, "its features cannot be computed hop by hop");
  auto bg = std::find(meta.labels.begin(), meta.labels.end(), options.background);
  if (bg == meta.labels.end()) throw FileError(model_path, "has no '" + options.background + "' class");
  impl_ = std::make_unique<Impl>(model, options);
  if (gru_frames) impl_->streams.push_back(model.stream());
  if (conv2d_clips) {
    impl_->clip_models.push_back(model);
    impl_->window = Matrix(clipFrames(model, model_path), meta.features.numFeatures(), 0.f);
    impl_->latest_probs.assign(meta.labels.size(), 0.f);
  }
  for (size_t c = 0; c < meta.labels.size(); ++c)
    if (meta.labels[c] != options.background) {
      impl_->keyword_classes.push_back(int(c));
      auto own = options.keyword_thresholds.find(meta.labels[c]);
      impl_->thresholds.push_back(own == options.keyword_thresholds.end() ? options.threshold : own->second);
    }
  for (const auto& entry : options.keyword_thresholds)
    if (std::find(meta.labels.begin(), meta.labels.end(), entry.first) == meta.labels.end() || entry.first == options.background)
      throw UsageError("--keyword-threshold: the model has no keyword '" + entry.first + "'");
  impl_->history.resize(impl_->keyword_classes.size());
  impl_->last_fired.assign(impl_->keyword_classes.size(), -1e9);
}

KeywordSpotter::~KeywordSpotter() = default;

void KeywordSpotter::addModel(const Model& model, const std::string& model_path) {
  Impl& s = *impl_;
  const ModelMeta& first = s.model.meta();
  if (!s.clip_models.empty()) {  // conv2d clip models: each scores the same window
    if (!isConv2dClips(model.meta()))
      throw FileError(model_path, "to average with a conv2d clip model it must be one " + kindOf(model.meta()));
    requireSameLabelsAndFeatures(first, model.meta(), model_path);
    if (clipFrames(model, model_path) != s.window.rows)
      throw FileError(model_path, "its window length differs from the first model's");
    s.clip_models.push_back(model);
    return;
  }
  if (!isGruFrames(model.meta()))
    throw FileError(model_path, "to average with a gru frame model it must be one " + kindOf(model.meta()));
  requireSameLabelsAndFeatures(first, model.meta(), model_path);
  s.streams.push_back(model.stream());
}

// An ensemble's mean, class by class: probabilitiesOf(member) for every member of
// members, summed and divided by their number (one member: 0 + p, / 1 gives p exactly).
template <class Members, class ProbabilitiesOf>
static void meanProbabilities(std::vector<float>& mean, size_t classes, Members& members, ProbabilitiesOf probabilitiesOf) {
  mean.assign(classes, 0.f);
  for (auto& member : members) {
    const std::vector<float>& probs = probabilitiesOf(member);
    for (size_t c = 0; c < probs.size(); ++c) mean[c] += probs[c];
  }
  for (float& p : mean) p /= float(members.size());
}

// The mean of every stream's probabilities for this frame.
void KeywordSpotter::stepStreams(const float* frame) {
  Impl& s = *impl_;
  meanProbabilities(s.latest_probs, s.model.meta().labels.size(), s.streams,
                    [frame](Model::Stream& stream) -> const std::vector<float>& { return stream.step(frame); });
}

void KeywordSpotter::addVerifier(const Model& verifier, const std::string& verifier_path) {
  Impl& s = *impl_;
  const ModelMeta& meta = verifier.meta();
  if (!isConv2dClips(meta)) throw FileError(verifier_path, "a verifier must be a conv2d clip model " + kindOf(meta));
  // The same frames as the keyword model's; the verifier may mean-normalise its window.
  FeatureOptions frames = meta.features;
  frames.clip_cmn = false;
  if (toJson(frames) != toJson(s.model.meta().features))
    throw FileError(verifier_path, "its features differ from the keyword model's");
  std::vector<int> classes;
  for (int c : s.keyword_classes) {
    const std::string& keyword = s.model.meta().labels[size_t(c)];
    auto at = std::find(meta.labels.begin(), meta.labels.end(), keyword);
    if (at == meta.labels.end()) throw FileError(verifier_path, "has no class '" + keyword + "'");
    classes.push_back(int(at - meta.labels.begin()));
  }
  if (!s.verifiers.empty()) {  // a later one (another seed, a fine-tuned one): the same window, normalised alike
    if (clipFrames(verifier, verifier_path) != s.verify_window.rows)
      throw FileError(verifier_path, "its window length differs from the first verifier's");
    if (meta.features.clip_cmn != s.verify_cmn)
      throw FileError(verifier_path, "it normalises its window differently from the first verifier");
  } else {
    s.verify_cmn = meta.features.clip_cmn;
    s.verify_window = Matrix(clipFrames(verifier, verifier_path), meta.features.numFeatures(), 0.f);
    s.last_verified.assign(s.keyword_classes.size(), -1000000);
  }
  s.verifiers.push_back(verifier);
  s.verify_class.push_back(std::move(classes));
}

// A keyword model sure of the word lets a less sure verifier through (a far or
// phone-band word), and a barely-passing score needs a surer verifier. On
// held-out streams this found more keywords at fewer false accepts than a
// threshold on the verifier's probability alone (models/README.md).
bool verifierAgrees(float keyword_score, float verifier_probability, double threshold) {
  return double(keyword_score) * verifier_probability * verifier_probability >= threshold * threshold * threshold;
}

// Asks the verifier about keyword k (an index into keyword_classes) on the
// latest window, at most once every verify_hop_frames.
bool KeywordSpotter::verified(size_t k, float keyword_score, float& probability) {
  Impl& s = *impl_;
  // Below verify_threshold cubed not even a certain verifier could agree: keep
  // the ask for when the score has risen, instead of spending it and waiting a hop.
  if (!verifierAgrees(keyword_score, 1.f, s.options.verify_threshold)) return false;
  if (s.frame_index - s.last_verified[k] < s.options.verify_hop_frames) return false;
  s.last_verified[k] = s.frame_index;
  const Matrix* window = &s.verify_window;
  if (s.verify_cmn) {
    // Rows from before the stream began are not frames: left out of the mean, as
    // prep leaves out a clip's padding.
    const int64_t rows = s.verify_window.rows, heard = std::min(s.frame_index, rows);
    s.verify_counted.assign(size_t(rows), true);
    std::fill(s.verify_counted.begin(), s.verify_counted.begin() + (rows - heard), false);
    s.verify_scratch = s.verify_window;
    subtractColumnMeans(s.verify_scratch, s.verify_counted);
    window = &s.verify_scratch;
  }
  probability = 0;
  for (size_t v = 0; v < s.verifiers.size(); ++v)
    probability += s.verifiers[v].clipPosteriors(*window)[size_t(s.verify_class[v][k])];
  probability /= float(s.verifiers.size());
  return verifierAgrees(keyword_score, probability, s.options.verify_threshold);
}

void KeywordSpotter::setPhraseCheck(std::unique_ptr<PhraseCheck> check) {
  Impl& s = *impl_;
  if (sampleRate() != 16000)
    throw UsageError("the phrase check hears 16 kHz audio; this model runs at " + std::to_string(sampleRate()) + " Hz");
  s.phrase_check = std::move(check);
  s.phrase_due.assign(s.keyword_classes.size(), -1);
  s.phrase_scheduled.assign(s.keyword_classes.size(), -1000000);
  s.phrase_scheduled_below = s.phrase_scheduled;
  s.phrase_peak.assign(s.keyword_classes.size(), -1.f);
  s.phrase_delay_frames = std::llround(s.options.phrase_delay_s / s.frame_step_s);
}

// Schedules the phrase check of keyword k phrase_delay_s after this frame, at most
// once per refractory period (the score stays above threshold for many frames).
// From below the threshold (phrase_score) it is scheduled once more per period, and
// put off while the score still rises: a score that passes phrase_score early in
// the word would have the check hear half of it.
void KeywordSpotter::askPhraseLater(size_t k, int64_t frame, float score, bool below_threshold) {
  Impl& s = *impl_;
  if (!s.phrase_check || s.phrase_due[k] >= 0) return;
  int64_t& scheduled = below_threshold ? s.phrase_scheduled_below[k] : s.phrase_scheduled[k];
  if (double(frame - scheduled) * s.frame_step_s < s.options.refractory_s) return;
  scheduled = frame;
  s.phrase_due[k] = frame + s.phrase_delay_frames;
  s.phrase_peak[k] = below_threshold ? score : -1.f;
}

// Asks the phrase check about keyword k on the phrase window that ends at this frame.
bool KeywordSpotter::phraseHeard(size_t k, int64_t frame) {
  Impl& s = *impl_;
  const int64_t hop = s.model.meta().features.hop_length, window = std::llround(s.options.phrase_window_s * sampleRate());
  const int64_t end = std::min(s.samples_in, (frame + 1) * hop), first_kept = s.samples_in - int64_t(s.recent.size());
  const int64_t begin = std::max(first_kept, end - window);
  if (end <= begin) return false;
  const std::string& keyword = s.model.meta().labels[size_t(s.keyword_classes[k])];
  const auto started = std::chrono::steady_clock::now();
  const bool heard = s.phrase_check->heard(keyword, s.recent.data() + (begin - first_kept), size_t(end - begin));
  spdlog::debug("{:.3f} s: phrase check for '{}': {} ({:.1f} ms)", double(frame) * s.frame_step_s, keyword,
                heard ? "heard" : "not heard",
                std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count());
  return heard;
}

int KeywordSpotter::sampleRate() const { return impl_->model.meta().features.sample_rate_hz; }
double KeywordSpotter::streamSeconds() const { return double(impl_->frame_index) * impl_->frame_step_s; }

// Pushes one frame into the window (oldest row out) and rescores it on the hop.
void KeywordSpotter::slideWindow(const float* frame) {
  Impl& s = *impl_;
  const Matrix& w = s.window;
  pushRow(s.window, frame);
  if (s.frame_index + 1 < w.rows || (s.frame_index + 1) % s.options.window_hop_frames != 0) return;
  meanProbabilities(s.latest_probs, s.model.meta().labels.size(), s.clip_models,
                    [&w](const Model& model) { return model.clipPosteriors(w); });
}

void KeywordSpotter::accept(const float* samples, size_t count, std::vector<Detection>& out) {
  Impl& s = *impl_;
  if (s.phrase_check) {  // keep the phrase window, its delay and this block's frames
    s.recent.insert(s.recent.end(), samples, samples + count);
    s.samples_in += int64_t(count);
    const size_t keep = size_t((s.options.phrase_window_s + s.options.phrase_delay_s + 0.1) * sampleRate()) + count;
    if (s.recent.size() > keep) s.recent.erase(s.recent.begin(), s.recent.end() - std::ptrdiff_t(keep));
  }
  s.features.acceptWaveform(samples, count);
  s.frames.rows = 0;
  s.frames.data.clear();
  s.features.takeFrames(s.frames);
  best_score_ = 0;
  for (int64_t t = 0; t < s.frames.rows; ++t) {
    if (!s.streams.empty()) stepStreams(s.frames.row(t));
    else slideWindow(s.frames.row(t));
    if (!s.verifiers.empty()) pushRow(s.verify_window, s.frames.row(t));
    const std::vector<float>& probs = s.latest_probs;
    const int64_t frame = s.frame_index++;
    const double now = double(frame) * s.frame_step_s;
    for (size_t k = 0; k < s.keyword_classes.size(); ++k) {
      auto& h = s.history[k];
      h.push_back(probs[size_t(s.keyword_classes[k])]);
      if (int(h.size()) > s.options.smooth_frames) h.pop_front();
      float mean = 0;
      for (float p : h) mean += p;
      mean /= float(h.size());
      best_score_ = std::max(best_score_, mean);
      const std::string& keyword = s.model.meta().labels[size_t(s.keyword_classes[k])];
      const bool resting = now - s.last_fired[k] < s.options.refractory_s;
      if (s.phrase_check && s.phrase_peak[k] >= 0 && mean > s.phrase_peak[k]) {  // still rising: put off
        s.phrase_peak[k] = mean;
        s.phrase_due[k] = frame + s.phrase_delay_frames;
      }
      if (s.phrase_check && s.phrase_due[k] == frame) {
        s.cancelPhraseCheck(k);
        if (!resting && phraseHeard(k, frame)) {
          s.last_fired[k] = now;
          out.push_back({now, keyword, mean, -1, true});
          continue;
        }
      }
      if (resting) continue;
      if (mean < s.thresholds[k]) {
        if (s.options.phrase_score > 0 && mean >= s.options.phrase_score) askPhraseLater(k, frame, mean, true);
        continue;
      }
      float verify_score = -1;
      const bool verifying = !s.verifiers.empty();
      if ((verifying && !verified(k, mean, verify_score)) || (!verifying && s.phrase_check)) {
        askPhraseLater(k, frame, mean, false);
        continue;
      }
      s.last_fired[k] = now;
      if (s.phrase_check) s.cancelPhraseCheck(k);  // the verifier agreed first
      out.push_back({now, keyword, mean, verify_score});
    }
  }
}

}  // namespace podclean
