// Builds labelled "podcast" episodes for training and testing the clean
// model, from real recordings mixed at known positions (exact labels):
//   speech  real speech of many voices: LibriSpeech (251 speakers), Common
//           Voice, Mycroft phrases, Speech Commands test words, wake words,
//           FSDD digits and (train only: one voice) the Asterisk prompts.
//           Frames within 35 dB of the utterance's loudest and above the room
//           tone are speech; their quiet stretches of 0.3 s or more are silence.
//   silence room tone under everything, 10-50 dB below the speech (-70..-30
//           dBFS): real recordings (Speech Commands noise) or synthetic
//           white/pink/brown/hum mixtures
//   breath  breath-like bursts (band-limited noise, breath envelope, random
//           colour) as loud as quiet speech: 0-15 dB below it
//   click   key presses (keyboard/), short game ticks and synthetic mouth clicks
//   other   short real sounds (freedesktop/game effects): bells, plops, shutters
// The whole episode then goes through the channel chain (prep/channel_chain.h):
// mic colour and room reverb before the room tone is added, band limit and
// MP3/Opus round trip after.
// Writes NAME_NNN.wav (16 kHz mono float), NAME_NNN.txt (Audacity labels) and
// NAME_NNN.json (levels and channel stages).
//   make_clean_episodes DATA_DIR OUT_DIR --split train|test [--episodes N] [--seconds S] [--seed N]
//       [--speech-db A,B] [--tone-db A,B] [--name PREFIX] [--channel 0|1]
// Every source is in one split only, decided by its speaker or file: a hash
// puts 1 in 5 LibriSpeech / Speech Commands speakers and 1 in 5 other files in
// test; of the three real room tones, exercise_bike is test-only.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <sndfile.h>

#include "podclean/audio/audio_reader.h"
#include "podclean/audio/audio_writer.h"
#include "podclean/dsp/frame_energy.h"
#include "podclean/labels/label_track.h"
#include "podclean/prep/channel_chain.h"
#include "podclean/prep/file_labels.h"
#include "podclean/util/atomic_file.h"

namespace fs = std::filesystem;
using namespace podclean;

static constexpr int kRate = 16000;

// The unit that must not appear in both splits: a speaker where the name says who.
static std::string sourceKey(const std::string& path) {
  const std::string name = fs::path(path).filename().string(), dir = fs::path(path).parent_path().string();
  if (dir.find("librispeech") != std::string::npos) return "ls-" + name.substr(0, name.find('-'));
  if (dir.find("speech-commands") != std::string::npos) return "sc-" + name.substr(0, name.find("_nohash"));
  if (dir.find("fsdd") != std::string::npos) {
    const size_t a = name.find('_'), b = name.find('_', a + 1);
    return "fsdd-" + name.substr(a + 1, b - a - 1);
  }
  return name;
}

static bool isTest(const std::string& key) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : key) h = (h ^ c) * 1099511628211ull;
  return h % 5 == 0;
}

static std::vector<std::string> pick(const std::string& dir, bool test, const std::string& prefix = "") {
  std::vector<std::string> out;
  if (!fs::is_directory(dir)) return out;
  for (const auto& f : findAudioFiles({dir}))
    if (isTest(sourceKey(f)) == test && fs::path(f).filename().string().rfind(prefix, 0) == 0) out.push_back(f);
  return out;
}

static std::pair<double, double> parseRange(const char* text) {
  double a = 0, b = 0;
  const int n = std::sscanf(text, "%lf,%lf", &a, &b);
  return n == 2 ? std::make_pair(std::min(a, b), std::max(a, b)) : std::make_pair(a, a);
}

static void addAt(std::vector<float>& mix, const std::vector<float>& x, size_t at) {
  for (size_t i = 0; i < x.size() && at + i < mix.size(); ++i) mix[at + i] += x[i];
}

static void scaleActive(std::vector<float>& x, double target_db) {
  const double now = activeLevelDb(x.data(), x.size(), kRate);
  if (now <= -119) return;
  const float g = float(std::pow(10.0, (target_db - now) / 20));
  for (float& v : x) v *= g;
}

struct Pools {
  std::vector<std::string> librispeech, prompts, other_speech, short_speech;
  std::vector<std::string> tones, keys, ticks, sounds;
};

static Pools loadPools(const std::string& data, bool test) {
  Pools p;
  p.librispeech = pick(data + "/librispeech-251", test);
  if (!test && fs::is_directory(data + "/speech-prompts")) p.prompts = findAudioFiles({data + "/speech-prompts"});  // one voice
  for (const char* d : {"speech-cv", "not-wake-words"}) {
    auto more = pick(data + "/" + d, test);
    p.other_speech.insert(p.other_speech.end(), more.begin(), more.end());
  }
  for (const char* d : {"speech-commands-test", "wakewords", "fsdd"}) {
    auto more = pick(data + "/" + d, test);
    p.short_speech.insert(p.short_speech.end(), more.begin(), more.end());
  }
  for (const auto& f : findAudioFiles({data + "/noise"})) {
    const std::string name = fs::path(f).filename().string();
    if (name.rfind("gsc-", 0) == 0) {
      if ((name.find("exercise_bike") != std::string::npos) == test) p.tones.push_back(f);
    } else if (isTest(name) == test) {
      const bool tick = name.find("tick") != std::string::npos || name.find("chink") != std::string::npos ||
                        name.find("stick") != std::string::npos || name.find("plop") != std::string::npos;
      (tick ? p.ticks : p.sounds).push_back(f);
    }
  }
  p.keys = pick(data + "/keyboard", test);
  return p;
}

// Breath: noise through a random band-pass and colour, rising then falling.
static std::vector<float> makeBreath(double seconds, std::mt19937_64& rng) {
  auto uni = [&](double a, double b) { return std::uniform_real_distribution<double>(a, b)(rng); };
  const size_t n = size_t(seconds * kRate);
  std::vector<float> b = syntheticNoise(uni(0, 1) < 0.7 ? NoiseColour::kWhite : NoiseColour::kPink, n, kRate, rng);
  highPass(b, kRate, uni(150, 600));
  lowPass(b, kRate, uni(2500, 7000));
  colourEq(b, kRate, uni(-6, 6), uni(400, 3000), uni(-3, 9));
  const double peak_at = uni(0.3, 0.6);
  for (size_t i = 0; i < n; ++i) {
    const double phase = double(i) / double(n);
    const double env = phase < peak_at ? std::sin(M_PI / 2 * phase / peak_at) : std::cos(M_PI / 2 * (phase - peak_at) / (1 - peak_at));
    b[i] *= float(env * env);
  }
  return b;
}

// Mouth click: a few ms of decaying high-passed noise.
static std::vector<float> makeMouthClick(std::mt19937_64& rng) {
  auto uni = [&](double a, double b) { return std::uniform_real_distribution<double>(a, b)(rng); };
  const size_t n = size_t(uni(0.015, 0.04) * kRate);
  std::vector<float> c = syntheticNoise(NoiseColour::kWhite, n, kRate, rng);
  const double tau = uni(0.001, 0.006) * kRate;
  for (size_t i = 0; i < n; ++i) c[i] *= float(std::exp(-double(i) / tau));
  highPass(c, kRate, uni(800, 3000));
  return c;
}

// The loudest `seconds` of a recording (a key press, an effect).
static std::vector<float> loudestPart(const std::vector<float>& src, double seconds) {
  const size_t n = std::min(src.size(), size_t(seconds * kRate));
  size_t best = 0;
  float best_v = 0;
  for (size_t i = 0; i < src.size(); ++i)
    if (std::fabs(src[i]) > best_v) best_v = std::fabs(src[i]), best = i;
  const size_t from = best > n / 4 ? std::min(best - n / 4, src.size() - n) : 0;
  std::vector<float> out(src.begin() + long(from), src.begin() + long(from + n));
  const size_t fade = std::min<size_t>(n / 4, 80);
  for (size_t i = 0; i < fade; ++i) out[i] *= float(i) / fade, out[n - 1 - i] *= float(i) / fade;
  return out;
}

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr,
                 "usage: make_clean_episodes DATA_DIR OUT_DIR --split train|test [--episodes N] [--seconds S] [--seed N]\n"
                 "         [--speech-db A,B] [--tone-db A,B] [--name PREFIX] [--channel 0|1]\n");
    return 2;
  }
  std::string data = argv[1], out = argv[2], split = "train", prefix = "ep";
  int episodes = 40;
  double seconds = 60;
  unsigned seed = 1;
  bool channel = true;
  std::pair<double, double> speech_db{-35, -10}, tone_db{-70, -30};
  for (int i = 3; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--split")) split = argv[i + 1];
    else if (!std::strcmp(argv[i], "--episodes")) episodes = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--seconds")) seconds = std::atof(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--seed")) seed = unsigned(std::atoi(argv[i + 1]));
    else if (!std::strcmp(argv[i], "--speech-db")) speech_db = parseRange(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--tone-db")) tone_db = parseRange(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--name")) prefix = argv[i + 1];
    else if (!std::strcmp(argv[i], "--channel")) channel = std::atoi(argv[i + 1]) != 0;
    else {
      std::fprintf(stderr, "make_clean_episodes: unknown option %s\n", argv[i]);
      return 2;
    }
  }
  const bool test = split == "test";
  try {
    const Pools pools = loadPools(data, test);
    if (pools.librispeech.empty() || pools.keys.empty() || pools.sounds.empty()) {
      std::fprintf(stderr, "make_clean_episodes: %s: missing librispeech-251/, keyboard/ or noise/\n", data.c_str());
      return 1;
    }
    fs::create_directories(out);
    std::mt19937_64 rng(seed * 1000003ull + (test ? 1 : 0));
    auto uni = [&](double a, double b) { return std::uniform_real_distribution<double>(a, b)(rng); };
    auto choose = [&](const std::vector<std::string>& v) { return v[size_t(rng() % v.size())]; };
    std::vector<std::vector<float>> tone_audio;
    for (const auto& t : pools.tones) tone_audio.push_back(loadMono(t, kRate));

    ChannelChainOptions room;  // before the room tone: mic colour and the room
    room.p_far_field = room.p_noise = room.p_band = room.p_codec = room.p_level = 0;
    room.p_colour = 0.5;
    room.p_reverb = 0.4;
    room.rt60_max_s = 0.7;
    ChannelChainOptions line;  // after: band limit and codec
    line.p_colour = line.p_reverb = line.p_far_field = line.p_noise = line.p_level = 0;
    line.p_band = 0.35;
    line.p_telephone = 0.1;
    line.p_codec = 0.35;
    if (!channel) room.p_colour = room.p_reverb = line.p_band = line.p_codec = 0;

    for (int e = 0; e < episodes; ++e) {
      const size_t total = size_t(seconds * kRate);
      std::vector<float> dry(total, 0.f);
      std::vector<Segment> labels;
      // Levels: speech S, room tone T 10-50 dB below it, within the tone range.
      const double S = uni(speech_db.first, speech_db.second);
      const double t_lo = std::max(tone_db.first, S - 50), t_hi = std::min(tone_db.second, S - 10);
      const double T = t_lo <= t_hi ? uni(t_lo, t_hi) : uni(tone_db.first, tone_db.second);
      nlohmann::json info = {{"speech_db", S}, {"tone_db", T}, {"split", split}};
      // Fast talkers and slow ones: this episode's pause lengths.
      const double pause_scale = uni(0.6, 1.4);

      double t = uni(0.3, 1.5);
      while (t < seconds - 1.0) {
        const double r = uni(0, 1);
        const std::vector<std::string>& pool = !pools.prompts.empty() && r < 0.15 ? pools.prompts
                                               : r < 0.75                          ? pools.librispeech
                                               : r < 0.9 && !pools.other_speech.empty() ? pools.other_speech
                                               : !pools.short_speech.empty()       ? pools.short_speech
                                                                                   : pools.librispeech;
        std::vector<float> utterance = loadMono(choose(pool), kRate);
        const size_t start = size_t(t * kRate);
        if (utterance.empty()) continue;
        if (start + utterance.size() >= total) break;
        const double level = S + uni(-3, 3);
        scaleActive(utterance, level);
        // Speech frames: within 35 dB of the loudest and 3 dB above the room tone.
        const std::vector<float> db = frameLevelsDb(utterance, kRate);
        const double peak = *std::max_element(db.begin(), db.end());
        const double floor = std::max(peak - 35, T + 3);
        std::vector<bool> loud;
        for (float d : db) loud.push_back(d > floor);
        addAt(dry, utterance, start);
        size_t k = 0;
        while (k < loud.size()) {
          if (!loud[k]) { ++k; continue; }
          size_t end = k, quiet = 0;
          for (size_t j = k; j < loud.size(); ++j) {
            if (loud[j]) end = j + 1, quiet = 0;
            else if (++quiet >= 30) break;
          }
          labels.push_back({t + frameStartS(int64_t(k), 0.01), t + frameStartS(int64_t(end), 0.01), "speech"});
          k = end + 1;
        }
        t += double(utterance.size()) / kRate;
        // The pause after it, with maybe a breath, a click and another sound, apart.
        const double pause = pause_scale * (uni(0, 1) < 0.6 ? uni(0.3, 1.2) : uni(1.2, 4.0));
        double at = t + uni(0.05, 0.15);
        const double pause_end = t + pause;
        auto place = [&](std::vector<float> x, double target_db, const char* label) {
          const double len = double(x.size()) / kRate;
          if (at + len > pause_end - 0.05) return;
          scaleActive(x, std::max(target_db, T + 6));
          addAt(dry, x, size_t(at * kRate));
          labels.push_back({at, at + len, label});
          at += len + uni(0.05, 0.3);
        };
        if (uni(0, 1) < 0.5) place(makeBreath(uni(0.2, 0.7), rng), S + uni(-15, 0), "breath");
        if (uni(0, 1) < 0.35) {
          const double kind = uni(0, 1);
          std::vector<float> click = kind < 0.4   ? makeMouthClick(rng)
                                     : kind < 0.8 ? loudestPart(loadMono(choose(pools.keys), kRate), uni(0.03, 0.08))
                                     : pools.ticks.empty() ? makeMouthClick(rng)
                                                           : loudestPart(loadMono(choose(pools.ticks), kRate), uni(0.03, 0.12));
          place(click, S + uni(-20, 3), "click");
        }
        if (uni(0, 1) < 0.15) place(loudestPart(loadMono(choose(pools.sounds), kRate), uni(0.15, 1.0)), S + uni(-20, -3), "other");
        t = pause_end;
      }
      ChannelChain room_chain(room, kRate, rng());
      info["room"] = room_chain.apply(dry);
      // Room tone: a real recording or a synthetic mixture (fan, hum, hiss).
      std::vector<float> bed(total, 0.f);
      if (!tone_audio.empty() && uni(0, 1) < 0.35) {
        const size_t which = size_t(rng() % tone_audio.size());
        const auto& tone = tone_audio[which];
        const size_t offset = size_t(rng() % tone.size());
        for (size_t i = 0; i < total; ++i) bed[i] = tone[(offset + i) % tone.size()];
        info["tone"] = fs::path(pools.tones[which]).filename().string();
      } else {
        std::string parts;
        const int first = int(rng() % 4);  // at least one colour, maybe more
        for (int c = 0; c < 4; ++c) {
          if (c != first && uni(0, 1) < 0.7) continue;
          const float w = float(c == first ? 1.0 : uni(0.1, 1.0));
          const auto noise = syntheticNoise(NoiseColour(c), total, kRate, rng);
          for (size_t i = 0; i < total; ++i) bed[i] += w * noise[i];
          parts += std::string(parts.empty() ? "" : "+") + toString(NoiseColour(c));
        }
        info["tone"] = parts;
      }
      scaleToDb(bed, T);
      for (size_t i = 0; i < total; ++i) dry[i] += bed[i];
      ChannelChain line_chain(line, kRate, rng());
      info["line"] = line_chain.apply(dry);
      std::sort(labels.begin(), labels.end(), [](const Segment& a, const Segment& b) { return a.start_s < b.start_s; });
      char name[256];
      std::snprintf(name, sizeof(name), "%s_%03d", prefix.c_str(), e);
      writeMono(out + "/" + name + ".wav", dry.data(), int64_t(total), kRate, SF_FORMAT_WAV | SF_FORMAT_FLOAT);
      writeTextFile(out + "/" + name + ".txt", formatAudacityLabels(labels));
      writeTextFile(out + "/" + name + ".json", info.dump(1) + "\n");
    }
    std::fprintf(stderr, "make_clean_episodes: %d episodes of %.0f s in %s (%s sources)\n", episodes, seconds, out.c_str(), split.c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "make_clean_episodes: %s\n", e.what());
    return 1;
  }
  return 0;
}
