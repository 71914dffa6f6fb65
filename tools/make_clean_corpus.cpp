// Builds labelled "podcast" recordings for training and testing the clean
// model, from real recordings mixed at known positions (exact labels):
//   speech  real read speech (speech-prompts, Common Voice), its own internal
//           pauses of 0.3 s or more labelled as silence
//   silence real room tone under everything (Speech Commands background noise)
//           plus quiet white noise
//   breath  breath-like bursts: band-limited noise with a breath envelope
//   click   real clicks: key presses (keyboard/) and short game effects
// Writes ep_NNN.wav (16 kHz mono) and ep_NNN.txt (Audacity labels).
//   make_clean_corpus DATA_DIR OUT_DIR --split train|test [--episodes N] [--seconds S] [--seed N]
// Files are divided between train and test by a hash of their name (1 in 5 to
// test), so a test corpus never reuses a recording the model trained on.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "podclean/audio/audio_reader.h"
#include "podclean/audio/audio_writer.h"
#include "podclean/dsp/frame_energy.h"
#include "podclean/labels/label_track.h"
#include "podclean/prep/file_labels.h"
#include "podclean/util/atomic_file.h"

namespace fs = std::filesystem;
using namespace podclean;

static constexpr int kRate = 16000;

static bool isTestFile(const std::string& path) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : fs::path(path).filename().string()) h = (h ^ c) * 1099511628211ull;
  return h % 5 == 0;
}

static std::vector<std::string> pick(const std::string& dir, bool test, const std::string& prefix = "") {
  std::vector<std::string> out;
  for (const auto& f : findAudioFiles({dir}))
    if (isTestFile(f) == test && fs::path(f).filename().string().rfind(prefix, 0) == 0) out.push_back(f);
  return out;
}

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: make_clean_corpus DATA_DIR OUT_DIR --split train|test [--episodes N] [--seconds S] [--seed N]\n");
    return 2;
  }
  std::string data = argv[1], out = argv[2], split = "train";
  int episodes = 40;
  double seconds = 60;
  unsigned seed = 1;
  for (int i = 3; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--split")) split = argv[i + 1];
    else if (!std::strcmp(argv[i], "--episodes")) episodes = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--seconds")) seconds = std::atof(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--seed")) seed = unsigned(std::atoi(argv[i + 1]));
  }
  const bool test = split == "test";
  try {
    auto speech = pick(data + "/speech-prompts", test);
    auto cv = pick(data + "/speech-cv", test);
    speech.insert(speech.end(), cv.begin(), cv.end());
    auto tones = pick(data + "/noise", false, "gsc-");  // only 3: shared, at random offsets
    auto clicks = pick(data + "/keyboard", test);
    for (const char* effect : {"tick", "chink", "plop", "stick"}) {
      auto more = pick(data + "/noise", test, std::string("game-") + effect);
      clicks.insert(clicks.end(), more.begin(), more.end());
    }
    if (speech.empty() || tones.empty() || clicks.empty()) {
      std::fprintf(stderr, "make_clean_corpus: %s: missing speech-prompts/, noise/ or keyboard/\n", data.c_str());
      return 1;
    }
    fs::create_directories(out);
    std::mt19937 rng(seed + (test ? 1000 : 0));
    auto uni = [&](double a, double b) { return std::uniform_real_distribution<double>(a, b)(rng); };
    auto choose = [&](const std::vector<std::string>& v) { return v[size_t(rng() % v.size())]; };
    std::vector<std::vector<float>> tone_audio;
    for (const auto& t : tones) tone_audio.push_back(loadMono(t, kRate));

    for (int e = 0; e < episodes; ++e) {
      const size_t total = size_t(seconds * kRate);
      std::vector<float> mix(total, 0.f);
      std::vector<Segment> labels;
      // Room tone under everything, as a real microphone hears it.
      const auto& tone = tone_audio[size_t(rng() % tone_audio.size())];
      std::vector<float> bed(total);
      size_t offset = size_t(rng() % tone.size());
      std::normal_distribution<float> white(0.f, 1.f);
      for (size_t i = 0; i < total; ++i) bed[i] = tone[(offset + i) % tone.size()] + 0.05f * white(rng);
      scaleToDb(bed, uni(-62, -42));
      for (size_t i = 0; i < total; ++i) mix[i] = bed[i];

      double t = uni(0.2, 1.5);
      while (t < seconds - 1.0) {
        std::vector<float> utterance = loadMono(choose(speech), kRate);
        const size_t start = size_t(t * kRate);
        if (start + utterance.size() >= total) break;
        // Where the utterance itself is loud: speech; its quiet stretches of 0.3 s+ are silence.
        const std::vector<float> level = frameLevelsDb(utterance, kRate);
        const double peak = *std::max_element(level.begin(), level.end());
        std::vector<bool> loud;
        for (float db : level) loud.push_back(db > peak - 35);
        scaleToDb(utterance, uni(-26, -16));
        for (size_t i = 0; i < utterance.size(); ++i) mix[start + i] += utterance[i];
        size_t k = 0;
        while (k < loud.size()) {
          if (!loud[k]) { ++k; continue; }
          size_t end = k;
          size_t quiet = 0;
          for (size_t j = k; j < loud.size(); ++j) {
            if (loud[j]) { end = j + 1; quiet = 0; }
            else if (++quiet >= 30) break;
          }
          labels.push_back({t + frameStartS(int64_t(k), 0.01), t + frameStartS(int64_t(end), 0.01), "speech"});
          k = end + 1;
        }
        t += double(utterance.size()) / kRate;
        // The pause after it, with maybe a breath and maybe a click.
        const double pause = uni(0.3, 3.0);
        if (uni(0, 1) < 0.5 && pause > 0.5) {  // breath: band-limited noise, rise then fall
          const double len = uni(0.25, 0.6), at = t + uni(0.05, pause - len > 0.1 ? pause - len - 0.05 : 0.05);
          const size_t n = size_t(len * kRate), s0 = size_t(at * kRate);
          std::vector<float> breath(n);
          float lp = 0, lp2 = 0, prev = 0;
          const double lo_cut = uni(0.05, 0.2), hi_cut = uni(0.3, 0.6);
          for (size_t i = 0; i < n; ++i) {
            const float w = white(rng);
            lp += float(hi_cut) * (w - lp);          // low-pass
            lp2 += float(lo_cut) * (lp - lp2);       // slower low-pass, subtracted: band-pass
            const double phase = double(i) / double(n), peak_at = uni(0.3, 0.5);
            const double env = phase < peak_at ? std::sin(M_PI / 2 * phase / peak_at)
                                               : std::cos(M_PI / 2 * (phase - peak_at) / (1 - peak_at));
            breath[i] = float((lp - lp2) * env * env);
            prev = breath[i];
          }
          (void)prev;
          scaleToDb(breath, uni(-44, -30));
          for (size_t i = 0; i < n && s0 + i < total; ++i) mix[s0 + i] += breath[i];
          labels.push_back({at, at + len, "breath"});
        }
        if (uni(0, 1) < 0.4) {  // click: the loudest 60 ms of a key press or effect
          std::vector<float> src = loadMono(choose(clicks), kRate);
          const size_t n = std::min<size_t>(src.size(), size_t(uni(0.02, 0.08) * kRate));
          size_t best = 0;
          float best_v = 0;
          for (size_t i = 0; i < src.size(); ++i)
            if (std::fabs(src[i]) > best_v) { best_v = std::fabs(src[i]); best = i; }
          const size_t from = best > n / 4 ? std::min(best - n / 4, src.size() - n) : 0;
          std::vector<float> click(src.begin() + long(from), src.begin() + long(from + n));
          scaleToDb(click, uni(-34, -20));
          const double at = t + uni(0.02, std::max(0.03, pause - 0.1));
          const size_t s0 = size_t(at * kRate);
          for (size_t i = 0; i < n && s0 + i < total; ++i) mix[s0 + i] += click[i];
          labels.push_back({at, at + double(n) / kRate, "click"});
        }
        t += pause;
      }
      std::sort(labels.begin(), labels.end(), [](const Segment& a, const Segment& b) { return a.start_s < b.start_s; });
      char name[64];
      std::snprintf(name, sizeof(name), "ep_%03d", e);
      writeMono(out + "/" + name + ".wav", mix.data(), int64_t(total), kRate);
      writeTextFile(out + "/" + name + ".txt", formatAudacityLabels(labels));
    }
    std::fprintf(stderr, "make_clean_corpus: %d episodes of %.0f s in %s (%s files)\n", episodes, seconds, out.c_str(), split.c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "make_clean_corpus: %s\n", e.what());
    return 1;
  }
  return 0;
}
