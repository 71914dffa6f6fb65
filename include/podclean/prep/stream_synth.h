// The trigger-word recipe for keyword spotting: continuous training streams
// made by overlaying keyword clips and non-keyword clips at random positions
// on background recordings, with labels on the frames just after each
// keyword ends. A model trained on isolated clips fires on everything in a
// live stream; streams like these teach it not to.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace podclean {

struct StreamSynthOptions {
  std::vector<std::string> keyword_dirs;  // one folder per keyword; the folder name is the label
  std::string negatives_dir;              // speech that is not a keyword (searched recursively); each
                                          // subfolder is one source, and sources are drawn equally often
  std::string background_dir;             // noise, music, room tone
  std::string output_dir;
  int streams = 40;
  double stream_seconds = 60;
  double keywords_per_minute = 8, negatives_per_minute = 8;
  double snr_db_min = 5, snr_db_max = 25;  // keyword and negative speech over the background
  double label_seconds = 0.3;             // labelled span just after a keyword ends
  std::string subset = "all";             // all | train | test: files divided 4:1 by a hash of their path
  std::string keyword_subset;             // the keywords' own subset when it differs (e.g. all of a
                                          // word nobody trained on, among test negatives)
  uint64_t seed = 1;
  int sample_rate_hz = 16000;
  void Validate() const;
};

// Writes stream_NNN.wav, stream_NNN.txt (Audacity labels, the trigger spans)
// and keywords.csv (stream, keyword, start_s, end_s of every keyword spoken).
// Returns the number of keywords placed.
int64_t synthesizeStreams(const StreamSynthOptions& options);

// Where the word in a clip starts and ends (seconds): the first and last
// 10 ms frames within 30 dB of the loudest one.
std::pair<double, double> wordSpan(const std::vector<float>& clip, int sample_rate_hz);

}  // namespace podclean
