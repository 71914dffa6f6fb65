#include "podclean/prep/stream_synth.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <random>

#include "podclean/audio/audio_reader.h"
#include "podclean/audio/audio_writer.h"
#include "podclean/dsp/frame_energy.h"
#include "podclean/labels/label_track.h"
#include "podclean/prep/augment.h"
#include "podclean/prep/file_labels.h"
#include "podclean/util/atomic_file.h"
#include "podclean/util/error.h"

namespace fs = std::filesystem;

namespace podclean {

void StreamSynthOptions::Validate() const {
  if (keyword_dirs.empty()) throw UsageError("streams: give keyword folders as inputs (one per keyword)");
  if (background_dir.empty()) throw UsageError("streams: --background FOLDER is required");
  if (streams < 1 || stream_seconds < 5) throw UsageError("streams: --streams >= 1 and --stream-seconds >= 5");
  if (subset != "all" && subset != "train" && subset != "test") throw UsageError("--subset: use all, train or test");
  if (!keyword_subset.empty() && keyword_subset != "all" && keyword_subset != "train" && keyword_subset != "test")
    throw UsageError("--keyword-subset: use all, train or test");
  if (snr_db_min > snr_db_max) throw UsageError("--snr-min above --snr-max");
}

std::pair<double, double> wordSpan(const std::vector<float>& clip, int rate) {
  const std::vector<float> db = frameLevelsDb(clip, rate);
  if (db.empty()) return {0.0, double(clip.size()) / rate};
  const double top = *std::max_element(db.begin(), db.end());
  size_t first = 0, last = db.size();
  while (first < last && db[first] < top - 30) ++first;
  while (last > first && db[last - 1] < top - 30) --last;
  if (last == first) return {0.0, double(clip.size()) / rate};
  const double step = double(energyHop(rate)) / rate;
  return {frameStartS(int64_t(first), step), std::min(double(clip.size()) / rate, frameEndS(int64_t(last) - 1, step))};
}

// Cuts a recording down to its word plus a short margin, with 10 ms fades:
// crowd-sourced clips carry seconds of their own room sound, which a model
// would otherwise learn as a cue ("this hiss means a keyword is coming").
// Returns the word's span within the cut clip.
static std::pair<double, double> trimToWord(std::vector<float>& clip, int rate) {
  constexpr double kMargin = 0.15, kFade = 0.01;
  auto [w0, w1] = wordSpan(clip, rate);
  const size_t from = size_t(std::max(0.0, w0 - kMargin) * rate);
  const size_t to = std::min(clip.size(), size_t((w1 + kMargin) * rate));
  if (to <= from) return {w0, w1};
  clip = std::vector<float>(clip.begin() + long(from), clip.begin() + long(to));
  const size_t fade = std::min(clip.size() / 2, size_t(kFade * rate));
  for (size_t i = 0; i < fade; ++i) {
    const float g = float(i) / float(fade);
    clip[i] *= g;
    clip[clip.size() - 1 - i] *= g;
  }
  const double shift = double(from) / rate;
  return {w0 - shift, w1 - shift};
}

static bool inSubset(const std::string& path, const std::string& subset) {
  if (subset == "all") return true;
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : path) h = (h ^ c) * 1099511628211ull;
  return (h % 5 == 0) == (subset == "test");
}

static std::vector<std::string> filesIn(const std::string& dir, const std::string& subset) {
  std::vector<std::string> out;
  for (const auto& f : findAudioFiles({dir}))
    if (inSubset(fs::relative(f, dir).string(), subset)) out.push_back(f);
  if (out.empty()) throw FileError(dir, "no audio files in the " + subset + " subset");
  return out;
}

// Negatives grouped by their first folder under the negatives folder (files at
// its top level form one group), so that each source is drawn equally often: a
// big folder of easy negatives (say, 2000 spoken digits) must not crowd out a
// small one of hard ones (other wake words).
static std::vector<std::vector<std::string>> negativeGroups(const std::string& dir, const std::string& subset) {
  std::map<std::string, std::vector<std::string>> by_folder;
  for (const auto& f : filesIn(dir, subset)) {
    const fs::path rel = fs::relative(f, dir);
    by_folder[std::distance(rel.begin(), rel.end()) > 1 ? rel.begin()->string() : ""].push_back(f);
  }
  std::vector<std::vector<std::string>> groups;
  for (auto& entry : by_folder) groups.push_back(std::move(entry.second));
  return groups;
}

static double rms(const std::vector<float>& x, size_t a, size_t b) {
  double e = 0;
  for (size_t i = a; i < b; ++i) e += double(x[i]) * x[i];
  return std::sqrt(e / double(std::max<size_t>(1, b - a)));
}

int64_t synthesizeStreams(const StreamSynthOptions& o) {
  o.Validate();
  const int rate = o.sample_rate_hz;
  std::vector<std::pair<std::string, std::vector<std::string>>> keywords;
  for (const auto& dir : o.keyword_dirs)
    keywords.emplace_back(fs::path(dir).filename().string(),
                          filesIn(dir, o.keyword_subset.empty() ? o.subset : o.keyword_subset));
  const auto negatives = o.negatives_dir.empty() ? std::vector<std::vector<std::string>>{}
                                                  : negativeGroups(o.negatives_dir, o.subset);
  const auto backgrounds = filesIn(o.background_dir, "all");  // background is scenery, shared
  fs::create_directories(o.output_dir);
  std::mt19937_64 rng(o.seed + (o.subset == "test" ? 7919 : 0));
  auto uni = [&](double a, double b) { return std::uniform_real_distribution<double>(a, b)(rng); };
  // by reference: picking a negatives group must not copy its list of files
  auto pick = [&](const auto& v) -> const auto& { return v[size_t(rng() % v.size())]; };
  std::string csv = "stream,keyword,start_s,end_s\n", negatives_csv = "stream,source,start_s,end_s\n";
  int64_t placed = 0;
  for (int s = 0; s < o.streams; ++s) {
    const size_t total = size_t(o.stream_seconds * rate);
    // Background: recordings back to back, at a random level, sometimes near silent.
    std::vector<float> bed;
    while (bed.size() < total) {
      auto clip = loadMono(pick(backgrounds), rate);
      const float gain = float(std::pow(10.0, uni(-45, -15) / 20.0) / std::max(1e-4, rms(clip, 0, clip.size())));
      for (float& v : clip) v *= gain;
      bed.insert(bed.end(), clip.begin(), clip.end());
    }
    bed.resize(total);
    std::vector<float> speech(total, 0.f);
    std::vector<Segment> labels;
    char name[64];
    std::snprintf(name, sizeof(name), "stream_%03d", s);
    // Events at random times, never overlapping: keywords and negatives.
    const int n_kw = int(o.keywords_per_minute * o.stream_seconds / 60), n_neg = negatives.empty() ? 0 : int(o.negatives_per_minute * o.stream_seconds / 60);
    std::vector<int> kinds(size_t(n_kw), 1);
    kinds.insert(kinds.end(), size_t(n_neg), 0);
    std::shuffle(kinds.begin(), kinds.end(), rng);
    const double slot = o.stream_seconds / double(std::max<size_t>(1, kinds.size()));
    for (size_t e = 0; e < kinds.size(); ++e) {
      size_t k = 0;
      std::string path = kinds[e] ? (k = rng() % keywords.size(), pick(keywords[k].second)) : pick(pick(negatives));
      auto clip = loadMono(path, rate);
      auto [w0, w1] = trimToWord(clip, rate);
      const double room = slot - double(clip.size()) / rate;
      if (room <= 0.1) continue;
      const double at = double(e) * slot + uni(0.05, room - 0.05);
      const size_t start = size_t(at * rate);
      // level relative to the background under it
      const double bed_rms = std::max(1e-5, rms(bed, start, std::min(total, start + clip.size())));
      const double word_rms = std::max(1e-5, rms(clip, size_t(w0 * rate), std::max(size_t(w0 * rate) + 1, size_t(w1 * rate))));
      const float gain = float(bed_rms * std::pow(10.0, uni(o.snr_db_min, o.snr_db_max) / 20.0) / word_rms);
      for (size_t i = 0; i < clip.size() && start + i < total; ++i) speech[start + i] += gain * clip[i];
      char row[512];
      if (!kinds[e]) {
        std::snprintf(row, sizeof(row), "%s,%s,%.3f,%.3f\n", name, path.c_str(), at + w0, at + w1);
        negatives_csv += row;
      } else {
        labels.push_back({at + w1, std::min(o.stream_seconds, at + w1 + o.label_seconds), keywords[k].first});
        std::snprintf(row, sizeof(row), "%s,%s,%.3f,%.3f\n", name, keywords[k].first.c_str(), at + w0, at + w1);
        csv += row;
        ++placed;
      }
    }
    for (size_t i = 0; i < total; ++i) speech[i] = std::clamp(speech[i] + bed[i], -1.f, 1.f);
    writeMono(o.output_dir + "/" + name + ".wav", speech.data(), int64_t(total), rate);
    writeTextFile(o.output_dir + "/" + name + ".txt", formatAudacityLabels(labels));
  }
  writeTextFile(o.output_dir + "/keywords.csv", csv);
  writeTextFile(o.output_dir + "/negatives.csv", negatives_csv);
  return placed;
}

}  // namespace podclean
