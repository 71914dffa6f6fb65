#include "podclean/clean/energy_scorer.h"

#include <cmath>

#include "podclean/audio/audio_reader.h"

namespace podclean {

FrameScores scoreByEnergy(const std::string& path, double threshold_db) {
  AudioReader reader(path);
  const int64_t hop = std::max(1, reader.info().sample_rate_hz / 100);
  FrameScores scores;
  scores.frame_step_s = double(hop) / reader.info().sample_rate_hz;
  scores.duration_s = reader.info().duration_s();
  scores.class_names = {"silence"};
  const double threshold = std::pow(10.0, threshold_db / 10.0);  // mean square
  std::vector<float> chunk;
  double energy = 0;
  int64_t filled = 0;
  // Frames are centred on t * hop like the feature frames: the first covers half a hop.
  int64_t frame_length = hop / 2;
  while (reader.readMono(chunk, 1 << 16) > 0)
    for (float s : chunk) {
      energy += double(s) * s;
      if (++filled == frame_length) {
        scores.keep.push_back(energy / double(filled) >= threshold ? 1.f : 0.f);
        energy = 0;
        filled = 0;
        frame_length = hop;
      }
    }
  if (filled > 0) scores.keep.push_back(energy / double(filled) >= threshold ? 1.f : 0.f);
  scores.remove_class.assign(scores.keep.size(), 0);
  return scores;
}

}  // namespace podclean
