#include "podclean/clean/energy_scorer.h"

#include <algorithm>
#include <cmath>
#include <deque>

#include "podclean/audio/audio_reader.h"
#include "podclean/dsp/frame_energy.h"

namespace podclean {

double adaptiveSilenceDb(double floor_db, double speech_db) {
  return floor_db + std::clamp(0.2 * (speech_db - floor_db), 4.0, 8.0);
}

FrameScores scoreByEnergy(const std::string& path, double threshold_db) {
  AudioReader reader(path);
  FrameEnergy frames(reader.info().sample_rate_hz);  // centred like the feature frames
  FrameScores scores;
  scores.frame_step_s = frames.stepS();
  scores.duration_s = reader.info().duration_s();
  scores.class_names = {"silence"};
  const bool adaptive = threshold_db == 0;
  constexpr size_t kLookahead = 1000;  // frames: 10 s
  LevelTracker levels;
  std::deque<float> waiting;  // frame levels not yet decided (adaptive)
  auto decide = [&](double db) {
    const double threshold = adaptive ? adaptiveSilenceDb(levels.floorDb(), levels.speechDb()) : threshold_db;
    scores.keep.push_back(db >= threshold ? 1.f : 0.f);
  };
  auto emit = [&](double mean_square) {
    const double db = powerDb(mean_square);
    if (!adaptive) return decide(db);
    levels.push(db);
    waiting.push_back(float(db));
    if (waiting.size() > kLookahead) {
      decide(waiting.front());
      waiting.pop_front();
    }
  };
  std::vector<float> chunk;
  while (reader.readMono(chunk, 1 << 16) > 0) frames.push(chunk.data(), chunk.size(), emit);
  frames.finish(emit);
  for (float db : waiting) decide(db);
  scores.remove_class.assign(scores.keep.size(), 0);
  return scores;
}

}  // namespace podclean
