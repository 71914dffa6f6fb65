// Torch-free: uses only the Model API.
#include "podclean/model/keyword_spotter.h"

#include <algorithm>
#include <deque>
#include <optional>

#include "podclean/dsp/feature_extractor.h"
#include "podclean/util/error.h"

namespace podclean {

void SpotterOptions::Validate() const {
  if (!(threshold > 0 && threshold < 1)) throw UsageError("--threshold must be in (0, 1)");
  for (const auto& [keyword, value] : keyword_thresholds)
    if (!(value > 0 && value < 1)) throw UsageError("--keyword-threshold " + keyword + ": must be in (0, 1)");
  if (refractory_s < 0) throw UsageError("--refractory must be >= 0");
  if (smooth_frames < 1 || smooth_frames > 100) throw UsageError("--smooth must be 1..100 frames");
  if (window_hop_frames < 1) throw UsageError("--window-hop must be >= 1 frame");
}

struct KeywordSpotter::Impl {
  SpotterOptions options;
  Model model;
  std::optional<Model::Stream> stream;  // gru models
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
  Impl(const Model& m, SpotterOptions o)
      : options(std::move(o)), model(m), features(m.meta().features),
        frame_step_s(double(m.meta().features.hop_length) / m.meta().features.sample_rate_hz) {}
};

KeywordSpotter::KeywordSpotter(const Model& model, const std::string& model_path, SpotterOptions options) {
  options.Validate();
  const ModelMeta& meta = model.meta();
  const bool gru_frames = meta.spec.task == ModelTask::kFrame && meta.spec.arch == "gru";
  const bool conv2d_clips = meta.spec.task == ModelTask::kClip && meta.spec.arch == "conv2d";
  if (!gru_frames && !conv2d_clips)
    throw FileError(model_path, "listen needs a gru frame model trained on keyword streams or a conv2d clip model "
                                "(this is a " + meta.spec.arch + " " + toString(meta.spec.task) + " model)");
  if (!meta.features.streamable()) throw FileError(model_path, "its features cannot be computed hop by hop");
  auto bg = std::find(meta.labels.begin(), meta.labels.end(), options.background);
  if (bg == meta.labels.end()) throw FileError(model_path, "has no '" + options.background + "' class");
  impl_ = std::make_unique<Impl>(model, options);
  if (gru_frames) impl_->stream.emplace(model.stream());
  if (conv2d_clips) {
    const int64_t frames = meta.training.value("example_frames", int64_t(0));
    if (frames < 1) throw FileError(model_path, "does not say its clip length in frames");
    impl_->window = Matrix(frames, meta.features.numFeatures(), 0.f);
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

int KeywordSpotter::sampleRate() const { return impl_->model.meta().features.sample_rate_hz; }
double KeywordSpotter::streamSeconds() const { return double(impl_->frame_index) * impl_->frame_step_s; }

// Pushes one frame into the window (oldest row out) and rescores it on the hop.
void KeywordSpotter::slideWindow(const float* frame) {
  Impl& s = *impl_;
  Matrix& w = s.window;
  std::copy(w.data.begin() + w.cols, w.data.end(), w.data.begin());
  std::copy(frame, frame + w.cols, w.row(w.rows - 1));
  if (s.frame_index + 1 >= w.rows && (s.frame_index + 1) % s.options.window_hop_frames == 0)
    s.latest_probs = s.model.clipPosteriors(w);
}

void KeywordSpotter::accept(const float* samples, size_t count, std::vector<Detection>& out) {
  Impl& s = *impl_;
  s.features.acceptWaveform(samples, count);
  s.frames.rows = 0;
  s.frames.data.clear();
  s.features.takeFrames(s.frames);
  best_score_ = 0;
  for (int64_t t = 0; t < s.frames.rows; ++t) {
    if (s.stream) s.latest_probs = s.stream->step(s.frames.row(t));
    else slideWindow(s.frames.row(t));
    const std::vector<float>& probs = s.latest_probs;
    const double now = double(s.frame_index++) * s.frame_step_s;
    for (size_t k = 0; k < s.keyword_classes.size(); ++k) {
      auto& h = s.history[k];
      h.push_back(probs[size_t(s.keyword_classes[k])]);
      if (int(h.size()) > s.options.smooth_frames) h.pop_front();
      float mean = 0;
      for (float p : h) mean += p;
      mean /= float(h.size());
      best_score_ = std::max(best_score_, mean);
      if (mean >= s.thresholds[k] && now - s.last_fired[k] >= s.options.refractory_s) {
        s.last_fired[k] = now;
        out.push_back({now, s.model.meta().labels[size_t(s.keyword_classes[k])], mean});
      }
    }
  }
}

}  // namespace podclean
