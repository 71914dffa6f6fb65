// Frame energy, the one way the project measures loudness over time.
//
// Frames are 10 ms (energyHop(rate) samples) and follow ONE alignment rule,
// the same as the feature frames (centred STFT) and the cut planner:
//   frame k is centred on sample k * hop and covers
//   [k*hop - hop/2, k*hop - hop/2 + hop), clipped to the signal,
// so frame 0 holds only the first hop - hop/2 samples and frame k spans
// [(k - 0.5) * step, (k + 0.5) * step) seconds (frameStartS / frameEndS).
// A trailing partial frame is emitted by finish(); its mean square is over the
// samples it has.
//
// Classify's window timeline is the one user of FrameAlign::kStart (its steps
// are centred on (k + 0.5) * step, so its level frames start at k * step).
#pragma once
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace podclean {

constexpr double kEnergyFrameS = 0.01;

// Samples per 10 ms frame at rate_hz (at least 1).
inline int64_t energyHop(int rate_hz) { return rate_hz / 100 > 1 ? rate_hz / 100 : 1; }

// Mean square -> dBFS (a full-scale sine is -3 dBFS); silence is -120 dBFS.
inline double powerDb(double mean_square) { return 10.0 * std::log10(mean_square + 1e-12); }

// RMS level of a buffer in dBFS.
double rmsDb(const float* x, size_t n);
inline double rmsDb(const std::vector<float>& x) { return rmsDb(x.data(), x.size()); }

// Multiplies x so that its RMS level becomes target_db (silent buffers stay silent).
void scaleToDb(std::vector<float>& x, double target_db);

enum class FrameAlign { kCentred, kStart };

inline double frameStartS(int64_t k, double step_s) { return k > 0 ? (double(k) - 0.5) * step_s : 0.0; }
inline double frameEndS(int64_t k, double step_s) { return (double(k) + 0.5) * step_s; }

// Streams samples into frames; emit(double mean_square) is called per frame.
class FrameEnergy {
 public:
  explicit FrameEnergy(int rate_hz, FrameAlign align = FrameAlign::kCentred)
      : FrameEnergy(energyHop(rate_hz), rate_hz, align) {}
  // Frames of `hop` samples instead of 10 ms.
  FrameEnergy(int64_t hop, int rate_hz, FrameAlign align)
      : hop_(hop < 1 ? 1 : hop), rate_hz_(rate_hz),
        length_(align == FrameAlign::kCentred ? hop_ - hop_ / 2 : hop_) {}

  template <class Emit>
  void push(const float* x, size_t n, Emit&& emit) {
    for (size_t i = 0; i < n; ++i) {
      sum_ += double(x[i]) * x[i];
      if (++filled_ == length_) {
        emit(sum_ / double(filled_));
        sum_ = 0;
        filled_ = 0;
        length_ = hop_;
      }
    }
  }
  template <class Emit>
  void finish(Emit&& emit) {
    if (filled_ > 0) emit(sum_ / double(filled_));
    sum_ = 0;
    filled_ = 0;
  }
  int64_t hop() const { return hop_; }
  double stepS() const { return double(hop_) / rate_hz_; }

 private:
  int64_t hop_;
  int rate_hz_;
  int64_t length_;  // samples in the frame being filled
  int64_t filled_ = 0;
  double sum_ = 0;
};

// Every frame's level in dBFS for a whole buffer (centred frames, partial tail included).
std::vector<float> frameLevelsDb(const float* x, size_t n, int rate_hz);
inline std::vector<float> frameLevelsDb(const std::vector<float>& x, int rate_hz) {
  return frameLevelsDb(x.data(), x.size(), rate_hz);
}

// Active level of a buffer: the mean power of its frames within 40 dB of its
// loudest frame, in dBFS - what "speech at -20 dBFS" means for a clip with pauses.
double activeLevelDb(const float* x, size_t n, int rate_hz);

// Streamed noise floor and speech level of a recording from its frame levels:
// low and high percentiles of the frame dBFS values, over a history that
// forgets with the given half-life (flat memory: a fixed histogram of
// 0.5 dB bins, exact under whole-dB gain changes).
class LevelTracker {
 public:
  struct Options {
    double floor_percentile = 10;   // noise floor: this percentile of frame levels
    double speech_percentile = 95;  // speech level: this one
    double half_life_s = 60;        // older frames weigh half as much after this long
    double frame_s = kEnergyFrameS;
  };
  LevelTracker();
  explicit LevelTracker(const Options& options);
  void push(double frame_db);
  int64_t frames() const { return frames_; }
  double floorDb() const { return percentile(options_.floor_percentile); }
  double speechDb() const { return percentile(options_.speech_percentile); }
  double percentile(double p) const;  // -120 before any frame

 private:
  static constexpr double kMinDb = -120, kBinDb = 0.5;
  static constexpr int kBins = 260;  // -120 .. +10 dBFS
  Options options_;
  std::vector<double> weight_;
  double total_ = 0, next_weight_ = 1, growth_;
  int64_t frames_ = 0;
};

// How far ahead `clean` looks when it judges a frame by the recording's levels
// (the energy method and the neural method's floor gate): 10 s, so that the
// first seconds are judged like the rest. (A level-normalised model keeps its
// own look-ahead in its FeatureOptions, fixed when it was trained.)
constexpr double kLevelLookaheadS = 10.0;

// Calls judge(t, tracker) for each frame t once the tracker has seen the
// frames up to t + lookahead_frames (all of them, near the end): how `clean`
// judges a frame by the recording's floor and speech level, so that the first
// seconds are judged like the rest.
template <class Judge>
void judgeWithLookahead(const std::vector<float>& levels_db, int64_t lookahead_frames, LevelTracker& tracker,
                        Judge&& judge) {
  const size_t n = levels_db.size(), ahead = size_t(lookahead_frames > 0 ? lookahead_frames : 0);
  for (size_t t = 0; t < ahead && t < n; ++t) tracker.push(levels_db[t]);
  for (size_t t = 0; t < n; ++t) {
    if (t + ahead < n) tracker.push(levels_db[t + ahead]);
    judge(t, static_cast<const LevelTracker&>(tracker));
  }
}

// Each frame's level above the recording's running noise floor (dB), judged so.
std::vector<float> levelsAboveFloorDb(const std::vector<float>& levels_db, int64_t lookahead_frames,
                                      const LevelTracker::Options& options = {});

}  // namespace podclean
