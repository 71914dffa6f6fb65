#include "podclean/dsp/feature_extractor.h"

#include <algorithm>
#include <cmath>
#include <deque>

#include "podclean/dsp/frame_energy.h"
#include "podclean/dsp/mel_filterbank.h"
#include "podclean/dsp/power_spectrum.h"
#include "podclean/util/error.h"

namespace podclean {

namespace {

// DCT-II with orthonormal scaling (scipy norm='ortho'), optional lifter,
// keeping the first n_out coefficients: a dense [n_out, n_in] matrix.
class Dct {
 public:
  Dct(int n_in, int n_out, double lifter) : n_in_(n_in), n_out_(n_out), basis_(size_t(n_in * n_out)) {
    for (int k = 0; k < n_out; ++k) {
      double scale = std::sqrt((k == 0 ? 1.0 : 2.0) / n_in);
      if (lifter > 0) scale *= 1.0 + lifter / 2.0 * std::sin(M_PI * (k + 1) / lifter);
      for (int n = 0; n < n_in; ++n)
        basis_[size_t(k * n_in + n)] = float(scale * std::cos(M_PI * k * (2 * n + 1) / (2.0 * n_in)));
    }
  }
  void apply(const float* in, float* out) const {
    for (int k = 0; k < n_out_; ++k) {
      const float* b = basis_.data() + k * n_in_;
      float sum = 0.f;
      for (int n = 0; n < n_in_; ++n) sum += b[n] * in[n];
      out[k] = sum;
    }
  }

 private:
  int n_in_, n_out_;
  std::vector<float> basis_;
};

bool usesDb(const FeatureOptions& o) {
  return o.kind == FeatureKind::kMfcc || (o.kind == FeatureKind::kMel && o.log);
}

}  // namespace

struct OnlineFeatureExtractor::Stages {
  PowerSpectrum spectrum;
  MelFilterbank mel;
  Dct dct;
  std::vector<float> power, mel_power;
  float db_offset;  // 10 log10(max(amin, ref))
  explicit Stages(const FeatureOptions& o)
      : spectrum(o),
        mel(o),
        dct(o.n_mels, o.kind == FeatureKind::kMfcc ? o.n_mfcc : 1, o.lifter),
        power(size_t(o.numBins())),
        mel_power(size_t(o.n_mels)),
        db_offset(float(10.0 * std::log10(std::max(o.amin, o.db_ref)))) {}
};

// Level normalisation: the reference level of frame t is the LevelTracker's
// estimate after the energy frame (centred like feature frame t) lookahead
// frames later - or after the last frame, near the end. Only references still
// needed are kept, so memory is bounded by the look-ahead.
struct OnlineFeatureExtractor::Level {
  FrameEnergy energy;
  LevelTracker tracker;
  std::deque<float> refs;  // reference (dBFS) after each energy frame, from refs_start on
  int64_t refs_start = 0, lookahead;
  bool done = false;
  static LevelTracker::Options trackerOptions(const FeatureOptions& o) {
    LevelTracker::Options t;
    t.frame_s = double(o.hop_length) / o.sample_rate_hz;
    return t;
  }
  explicit Level(const FeatureOptions& o)
      : energy(o.hop_length, o.sample_rate_hz, FrameAlign::kCentred), tracker(trackerOptions(o)),
        lookahead(std::llround(o.level_lookahead_s * o.sample_rate_hz / o.hop_length)) {}
  void push(const float* x, size_t n) {
    energy.push(x, n, [this](double ms) { add(ms); });
  }
  void finish() {
    energy.finish([this](double ms) { add(ms); });
    done = true;
  }
  void add(double mean_square) {
    tracker.push(powerDb(mean_square));
    refs.push_back(float(std::max(tracker.speechDb(), tracker.floorDb() + 20)));
  }
};

OnlineFeatureExtractor::OnlineFeatureExtractor(const FeatureOptions& options) : options_(options) {
  options_.Validate();
  if (!options_.streamable())
    throw UsageError("features: this configuration needs the whole clip (ref=max, top_db, "
                     "deltas, reflect padding or waveform); it cannot stream");
  stages_ = std::make_unique<Stages>(options_);
  ready_.cols = options_.numFeatures();
  held_.cols = ready_.cols;
  if (options_.level_norm) level_ = std::make_unique<Level>(options_);
  if (options_.center) buffer_.assign(size_t(options_.n_fft / 2), 0.f);
}

OnlineFeatureExtractor::~OnlineFeatureExtractor() = default;

void OnlineFeatureExtractor::acceptWaveform(const float* samples, size_t count) {
  if (finished_) throw Error("internal: audio after inputFinished()");
  buffer_.insert(buffer_.end(), samples, samples + count);
  samples_in_ += int64_t(count);
  if (level_) level_->push(samples, count);
  emitReadyFrames();
  if (level_) releaseFrames();
}

void OnlineFeatureExtractor::inputFinished() {
  if (finished_) return;
  finished_ = true;
  if (options_.center) buffer_.insert(buffer_.end(), size_t(options_.n_fft / 2), 0.f);
  if (level_) level_->finish();
  emitReadyFrames();
  if (level_) releaseFrames();
}

void OnlineFeatureExtractor::releaseFrames() {
  Level& l = *level_;
  const int64_t known = l.refs_start + int64_t(l.refs.size());  // references for frames < known
  int64_t n = 0;
  for (; n < held_.rows; ++n) {
    int64_t want = held_start_ + n + l.lookahead;
    if (want >= known) {
      if (!l.done) break;
      want = known - 1;
    }
    const float ref = want >= l.refs_start ? l.refs[size_t(want - l.refs_start)] : 0.f;
    float* row = held_.row(n);
    for (int64_t c = 0; c < held_.cols; ++c) row[c] -= ref;
  }
  if (n == 0) return;
  Matrix done(n, held_.cols);
  std::copy(held_.row(0), held_.row(n), done.data.begin());
  ready_.appendRows(done);
  held_.data.erase(held_.data.begin(), held_.data.begin() + n * held_.cols);
  held_.rows -= n;
  held_start_ += n;
  while (l.refs.size() > 1 && l.refs_start < held_start_ + l.lookahead) {
    l.refs.pop_front();
    ++l.refs_start;
  }
}

void OnlineFeatureExtractor::emitReadyFrames() {
  const FeatureOptions& o = options_;
  const int64_t total_frames = finished_ ? o.numFrames(samples_in_) : INT64_MAX;
  const int64_t buffer_end = buffer_start_ + int64_t(buffer_.size());
  const int width = o.numFeatures();
  Stages& s = *stages_;
  while (frames_emitted_ < total_frames) {
    const int64_t start = frames_emitted_ * o.hop_length;  // in padded coordinates
    if (start + o.n_fft > buffer_end) break;
    s.spectrum.compute(buffer_.data() + (start - buffer_start_), s.power.data());
    Matrix& dst = level_ ? held_ : ready_;
    dst.data.resize(dst.data.size() + size_t(width));
    dst.rows++;
    float* out = dst.data.data() + dst.data.size() - size_t(width);
    if (o.kind == FeatureKind::kSpectrogram) {
      std::copy(s.power.begin(), s.power.end(), out);
    } else {
      float* mel = o.kind == FeatureKind::kMel ? out : s.mel_power.data();
      s.mel.apply(s.power.data(), mel);
      if (usesDb(o)) {
        const float amin = float(o.amin);
        for (int i = 0; i < o.n_mels; ++i)
          mel[i] = 10.f * std::log10(std::max(amin, mel[i])) - s.db_offset;
      }
      if (o.kind == FeatureKind::kMfcc) s.dct.apply(mel, out);
    }
    ++frames_emitted_;
  }
  // Drop samples no future frame needs; compact rarely so this stays cheap.
  const int64_t keep_from = frames_emitted_ * o.hop_length;
  const int64_t drop = std::min<int64_t>(keep_from - buffer_start_, int64_t(buffer_.size()));
  if (drop > 0 && drop >= int64_t(buffer_.size()) / 2) {
    buffer_.erase(buffer_.begin(), buffer_.begin() + drop);
    buffer_start_ += drop;
  }
}

int64_t OnlineFeatureExtractor::takeFrames(Matrix& out) {
  const int64_t n = ready_.rows;
  if (n == 0) return 0;
  out.appendRows(ready_);
  ready_.rows = 0;
  ready_.data.clear();
  return n;
}

std::vector<float> prepareClip(const FeatureOptions& options, std::vector<float> samples, int64_t length_samples) {
  if (options.trim_db > 0 && !samples.empty()) {
    // Start-aligned frames: the trim cuts at frame boundaries k * hop.
    FrameEnergy frames(energyHop(options.sample_rate_hz), options.sample_rate_hz, FrameAlign::kStart);
    const size_t hop = size_t(frames.hop());
    std::vector<double> energy;
    auto emit = [&](double mean_square) { energy.push_back(mean_square); };
    frames.push(samples.data(), samples.size(), emit);
    frames.finish(emit);
    const double floor = *std::max_element(energy.begin(), energy.end()) * std::pow(10.0, -options.trim_db / 10.0);
    size_t first = 0, last = energy.size();
    while (first < last && energy[first] < floor) ++first;
    while (last > first && energy[last - 1] < floor) --last;
    samples = std::vector<float>(samples.begin() + long(first * hop),
                                 samples.begin() + long(std::min(samples.size(), last * hop)));
  }
  samples.resize(size_t(length_samples), 0.f);
  return samples;
}

void powerToDb(std::vector<float>& data, double ref, double amin, double top_db) {
  if (data.empty()) return;
  if (ref <= 0) ref = *std::max_element(data.begin(), data.end());
  const double offset = 10.0 * std::log10(std::max(amin, ref));
  float peak = -1e30f;
  for (float& v : data) {
    v = float(10.0 * std::log10(std::max(amin, double(v))) - offset);
    peak = std::max(peak, v);
  }
  if (top_db >= 0) {
    const float floor = float(peak - top_db);
    for (float& v : data) v = std::max(v, floor);
  }
}

void mixNoiseDb(float* signal_db, const float* noise_db, int64_t n, double snr_db) {
  double signal_power = 0, noise_power = 0;
  for (int64_t i = 0; i < n; ++i) {
    signal_power += std::pow(10.0, signal_db[i] / 10.0);
    noise_power += std::pow(10.0, noise_db[i] / 10.0);
  }
  if (noise_power <= 0 || signal_power <= 0) return;
  const double gain = signal_power / (noise_power * std::pow(10.0, snr_db / 10.0));
  for (int64_t i = 0; i < n; ++i)
    signal_db[i] = float(10.0 * std::log10(std::pow(10.0, signal_db[i] / 10.0) + gain * std::pow(10.0, noise_db[i] / 10.0)));
}

Matrix deltas(const Matrix& x, int order) {
  Matrix d(x.rows, x.cols);
  constexpr int kHalf = 4;  // width 9
  if (x.rows < 2 * kHalf + 1) return d;  // too short for the filter: zeros
  auto weight = [order](int n) { return order == 1 ? n / 60.0 : (3.0 * n * n - 20.0) / 462.0; };
  for (int64_t t = kHalf; t < x.rows - kHalf; ++t)
    for (int64_t f = 0; f < x.cols; ++f) {
      double sum = 0;
      for (int n = -kHalf; n <= kHalf; ++n) sum += weight(n) * x.at(t + n, f);
      d.at(t, f) = float(sum);
    }
  for (int64_t t = 0; t < kHalf; ++t)
    for (int64_t f = 0; f < x.cols; ++f) {
      d.at(t, f) = d.at(kHalf, f);
      d.at(x.rows - 1 - t, f) = d.at(x.rows - 1 - kHalf, f);
    }
  return d;
}

Matrix computeFeatures(const FeatureOptions& options, const std::vector<float>& samples) {
  options.Validate();
  if (options.kind == FeatureKind::kWaveform) {
    Matrix m(int64_t(samples.size()), 1);
    std::copy(samples.begin(), samples.end(), m.data.begin());
    return m;
  }
  if (options.streamable()) {  // exactly what a streaming consumer sees
    OnlineFeatureExtractor extractor(options);
    extractor.acceptWaveform(samples.data(), samples.size());
    extractor.inputFinished();
    Matrix out(0, options.numFeatures());
    extractor.takeFrames(out);
    return out;
  }
  // Stage 1 streams: power or mel power (dB and DCT wait for clip-wide maxima).
  FeatureOptions raw = options;
  raw.delta_order = 0;
  raw.clip_cmn = false;
  raw.pad_mode = PadMode::kConstant;
  if (options.kind == FeatureKind::kMfcc) raw.kind = FeatureKind::kMel;
  raw.log = false;
  std::vector<float> padded;
  const std::vector<float>* input = &samples;
  if (options.pad_mode == PadMode::kReflect && options.center) {
    const int64_t pad = options.n_fft / 2, n = int64_t(samples.size());
    if (n <= pad) throw Error("reflect padding needs more than n_fft/2 samples");
    padded.reserve(size_t(n + 2 * pad));
    for (int64_t k = pad; k >= 1; --k) padded.push_back(samples[size_t(k)]);
    padded.insert(padded.end(), samples.begin(), samples.end());
    for (int64_t k = 1; k <= pad; ++k) padded.push_back(samples[size_t(n - 1 - k)]);
    raw.center = false;
    input = &padded;
  }
  OnlineFeatureExtractor extractor(raw);
  extractor.acceptWaveform(input->data(), input->size());
  extractor.inputFinished();
  Matrix base;
  extractor.takeFrames(base);
  if (base.rows == 0) base.cols = raw.numFeatures();

  if (usesDb(options)) powerToDb(base.data, options.db_ref, options.amin, options.top_db);
  // Frames that are only padding (every band at the clip's dB floor) are left
  // out of the clip mean, so the amount of padding does not shift it.
  std::vector<bool> counts(size_t(base.rows), true);
  if (options.clip_cmn && usesDb(options) && !base.data.empty()) {
    const float floor = *std::min_element(base.data.begin(), base.data.end());
    for (int64_t t = 0; t < base.rows; ++t)
      counts[size_t(t)] = std::any_of(base.row(t), base.row(t) + base.cols, [floor](float v) { return v > floor; });
    if (std::none_of(counts.begin(), counts.end(), [](bool c) { return c; })) counts.assign(counts.size(), true);
  }
  if (options.kind == FeatureKind::kMfcc) {
    Dct dct(options.n_mels, options.n_mfcc, options.lifter);
    Matrix mfcc(base.rows, options.n_mfcc);
    for (int64_t t = 0; t < base.rows; ++t) dct.apply(base.row(t), mfcc.row(t));
    base = std::move(mfcc);
  }
  if (options.clip_cmn) subtractColumnMeans(base, counts);  // cepstral mean normalisation over the clip
  if (options.delta_order == 0) return base;
  const int64_t f = base.cols;
  Matrix out(base.rows, f * (1 + options.delta_order));
  std::vector<Matrix> parts{base, deltas(base, 1)};
  if (options.delta_order == 2) parts.push_back(deltas(base, 2));
  for (int64_t t = 0; t < base.rows; ++t)
    for (size_t p = 0; p < parts.size(); ++p)
      std::copy(parts[p].row(t), parts[p].row(t) + f, out.row(t) + int64_t(p) * f);
  return out;
}

}  // namespace podclean
