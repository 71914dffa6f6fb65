#include "podclean/clean/energy_scorer.h"

#include <algorithm>
#include <cmath>

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
  std::vector<float> levels_db;
  auto emit = [&](double mean_square) { levels_db.push_back(float(powerDb(mean_square))); };
  std::vector<float> chunk;
  while (reader.readMono(chunk, 1 << 16) > 0) frames.push(chunk.data(), chunk.size(), emit);
  frames.finish(emit);
  if (threshold_db != 0) {
    for (float db : levels_db) scores.keep.push_back(db >= threshold_db ? 1.f : 0.f);
  } else {
    LevelTracker tracker;
    const int64_t lookahead = std::llround(kLevelLookaheadS / frames.stepS());
    judgeWithLookahead(levels_db, lookahead, tracker, [&](size_t t, const LevelTracker& levels) {
      scores.keep.push_back(levels_db[t] >= adaptiveSilenceDb(levels.floorDb(), levels.speechDb()) ? 1.f : 0.f);
    });
  }
  scores.remove_class.assign(scores.keep.size(), 0);
  return scores;
}

}  // namespace podclean
