// The channel chain (prep/channel_chain.h) and the frame-energy helper (dsp/frame_energy.h).
#include <catch2/catch.hpp>

#include <cmath>
#include <random>

#include "podclean/dsp/feature_extractor.h"
#include "podclean/dsp/frame_energy.h"
#include "podclean/prep/channel_chain.h"

using namespace podclean;

static std::vector<float> tone(double hz, double seconds, int rate, float amp = 0.3f) {
  std::vector<float> x(size_t(seconds * rate));
  for (size_t i = 0; i < x.size(); ++i) x[i] = amp * float(std::sin(2 * M_PI * hz * double(i) / rate));
  return x;
}

// "Speech-like": a sum of tones switched on and off every 0.3 s (pauses included).
static std::vector<float> bursts(double seconds, int rate) {
  std::vector<float> x(size_t(seconds * rate), 0.f);
  for (size_t i = 0; i < x.size(); ++i)
    if ((i / size_t(0.3 * rate)) % 2 == 0)
      x[i] = float(0.2 * std::sin(2 * M_PI * 220 * double(i) / rate) + 0.1 * std::sin(2 * M_PI * 1800 * double(i) / rate) +
                   0.05 * std::sin(2 * M_PI * 5200 * double(i) / rate));
  return x;
}

TEST_CASE("frame energy: centred 10 ms frames, one rule", "[dsp][energy]") {
  const int rate = 16000;
  std::vector<float> x(1000, 0.f);
  for (size_t i = 80; i < 240; ++i) x[i] = 1.f;  // exactly frame 1 ([80, 240))
  const auto db = frameLevelsDb(x, rate);
  // frame 0 = [0, 80), frames k = [160k - 80, 160k + 80), the last partial
  REQUIRE(db.size() == 7);
  CHECK(db[0] < -100);
  CHECK(db[1] == Approx(0).margin(1e-6));
  CHECK(db[2] < -100);
  CHECK(frameStartS(1, 0.01) == Approx(0.005));
  CHECK(frameEndS(1, 0.01) == Approx(0.015));
  CHECK(rmsDb(tone(1000, 1, rate, 1.f)) == Approx(-3.01).margin(0.01));
  // start-aligned frames for callers that need them
  FrameEnergy start(160, rate, FrameAlign::kStart);
  std::vector<double> ms;
  auto emit = [&](double v) { ms.push_back(v); };
  start.push(x.data(), x.size(), emit);
  start.finish(emit);
  REQUIRE(ms.size() == 7);
  CHECK(ms[0] == Approx(0.5));
}

TEST_CASE("level tracker: percentiles follow a gain change exactly", "[dsp][energy]") {
  std::mt19937 rng(3);
  std::uniform_real_distribution<double> quiet(-62, -58), loud(-25, -15);
  std::vector<double> frames;
  for (int i = 0; i < 3000; ++i) frames.push_back(i % 3 == 0 ? quiet(rng) : loud(rng));
  LevelTracker a, b;
  for (double f : frames) a.push(f), b.push(f - 12);
  CHECK(a.floorDb() == Approx(-60).margin(2.5));
  CHECK(a.speechDb() == Approx(-16).margin(1.5));
  CHECK(b.floorDb() == Approx(a.floorDb() - 12).margin(1e-9));
  CHECK(b.speechDb() == Approx(a.speechDb() - 12).margin(1e-9));
  // forgetting: after a long stretch at a new floor, the floor moves there
  LevelTracker::Options o;
  o.half_life_s = 5;
  LevelTracker c(o);
  for (int i = 0; i < 3000; ++i) c.push(-70);
  for (int i = 0; i < 3000; ++i) c.push(-40);
  CHECK(c.floorDb() == Approx(-40).margin(0.5));
}

TEST_CASE("levels above the floor: relative to the file, looking ahead at its start", "[dsp][energy]") {
  // 2 s of speech-level frames first, then room tone: the look-ahead has seen
  // the room tone when the first frames are judged, so they are judged alike.
  std::vector<float> levels(200, -20.f);
  for (int i = 0; i < 800; ++i) levels.push_back(i % 50 < 25 ? -50.f : -20.f);
  const auto above = levelsAboveFloorDb(levels, 1000);
  REQUIRE(above.size() == levels.size());
  CHECK(above[0] == Approx(30).margin(0.5));
  CHECK(above[225] == Approx(30).margin(0.5));
  CHECK(above[200] == Approx(0).margin(0.5));
  // the same file 12 dB quieter: the same figures
  std::vector<float> quieter = levels;
  for (float& v : quieter) v -= 12;
  CHECK(levelsAboveFloorDb(quieter, 1000) == above);
  // without look-ahead the first frames are their own floor
  CHECK(levelsAboveFloorDb(levels, 0)[0] == Approx(0).margin(0.5));
}

// The lag (samples, within +-max_lag) at which y best matches x: 0 when a round trip is aligned.
static int bestLag(const std::vector<float>& x, const std::vector<float>& y, int max_lag) {
  int best = 0;
  double best_c = -1e30;
  for (int lag = -max_lag; lag <= max_lag; ++lag) {
    double c = 0;
    for (size_t i = size_t(max_lag); i + size_t(max_lag) < x.size(); ++i) c += double(x[i]) * y[size_t(int(i) + lag)];
    if (c > best_c) best_c = c, best = lag;
  }
  return best;
}

TEST_CASE("channel chain: level lands in the range, deterministic under a seed", "[prep][channel]") {
  const int rate = 16000;
  ChannelChainOptions o;
  o.p_codec = 0;  // codecs have their own test
  o.level_db_min = -30;
  o.level_db_max = -20;
  for (uint64_t seed = 1; seed <= 8; ++seed) {
    auto x = bursts(2.0, rate), y = x;
    ChannelChain a(o, rate, seed), b(o, rate, seed);
    const auto what = a.apply(x);
    const auto again = b.apply(y);
    CHECK(what == again);
    CHECK(x == y);
    REQUIRE(x.size() == size_t(2.0 * rate));
    const double level = activeLevelDb(x.data(), x.size(), rate);
    CHECK(level >= -30.01);
    CHECK(level <= -19.99);
    CHECK(what.at("level_db").get<double>() == Approx(level).margin(0.01));
  }
  // another seed, another result
  auto x = bursts(2.0, rate), y = x;
  ChannelChain(o, rate, 1).apply(x);
  ChannelChain(o, rate, 2).apply(y);
  CHECK(x != y);
}

TEST_CASE("channel chain: the band limit removes energy above the cutoff", "[prep][channel]") {
  const int rate = 44100;
  auto pass = tone(1000, 1, rate), stop = tone(9000, 1, rate);
  lowPass(pass, rate, 4500);
  lowPass(stop, rate, 4500);
  // skip the filter's start-up
  CHECK(rmsDb(pass.data() + 4410, pass.size() - 4410) == Approx(rmsDb(tone(1000, 1, rate))).margin(0.5));
  CHECK(rmsDb(stop.data() + 4410, stop.size() - 4410) < rmsDb(tone(9000, 1, rate)) - 45);
  // telephone band through the chain: 200 Hz and 6 kHz mostly gone, 1 kHz kept
  ChannelChainOptions o;
  o.p_colour = o.p_reverb = o.p_far_field = o.p_noise = o.p_codec = o.p_level = 0;
  o.p_band = o.p_telephone = 1;
  auto low = tone(150, 1, rate), mid = tone(1000, 1, rate), high = tone(6000, 1, rate);
  ChannelChain chain(o, rate, 5);
  CHECK(chain.apply(low)["band"]["telephone"] == true);
  ChannelChain(o, rate, 5).apply(mid);
  ChannelChain(o, rate, 5).apply(high);
  CHECK(rmsDb(low.data() + 4410, low.size() - 4410) < -10.5 - 30);
  CHECK(rmsDb(mid.data() + 4410, mid.size() - 4410) == Approx(-13.5).margin(1));
  CHECK(rmsDb(high.data() + 4410, high.size() - 4410) < -10.5 - 30);
}

TEST_CASE("channel chain: reverb and colour keep length and timing", "[prep][channel]") {
  const int rate = 16000;
  std::mt19937_64 rng(1);
  const auto h = roomImpulseResponse(0.5, 6, rate, rng);
  double energy = 0;
  for (float v : h) energy += double(v) * v;
  CHECK(energy == Approx(1).margin(1e-3));
  std::vector<float> click(rate, 0.f);
  click[8000] = 1.f;
  convolveSame(click, h);
  REQUIRE(click.size() == size_t(rate));
  size_t peak = 0;
  for (size_t i = 0; i < click.size(); ++i)
    if (std::fabs(click[i]) > std::fabs(click[peak])) peak = i;
  CHECK(peak == 8000);  // the direct path is not delayed
  CHECK(std::fabs(click[7990]) < 1e-5f);
  CHECK(std::fabs(click[8000 + 1600]) > 1e-5f);  // a tail after it
  for (const char* name : {"white", "pink", "brown", "hum"}) {
    auto n = syntheticNoise(noiseColourFromString(name), 16000, rate, rng);
    CHECK(rmsDb(n) == Approx(0).margin(0.01));
  }
}

TEST_CASE("channel chain: MP3 and Opus round trips keep length and alignment", "[prep][channel][codec]") {
  for (int rate : {16000, 44100, 22000}) {
    for (Codec codec : {Codec::kMp3, Codec::kOpus}) {
      auto x = bursts(1.5, rate);
      const auto y = codecRoundTrip(x, rate, codec, 0.5);
      REQUIRE(y.size() == x.size());
      // aligned: the best lag between input and output is within 1 ms of zero
      const int best = bestLag(x, y, rate / 100);
      INFO("rate " << rate << " codec " << int(codec) << " lag " << best);
      CHECK(std::abs(best) <= rate / 1000);
      CHECK(rmsDb(y) == Approx(rmsDb(x)).margin(1.5));
    }
  }
}

TEST_CASE("channel chain: a telephone band takes a call's codec, aligned and narrowband", "[prep][channel][codec]") {
  for (int rate : {16000, 44100}) {
    auto x = bursts(1.5, rate);
    const auto y = callRoundTrip(x, rate, 8);
    REQUIRE(y.size() == x.size());
    const int best = bestLag(x, y, rate / 100);
    INFO("rate " << rate << " lag " << best);
    CHECK(std::abs(best) <= rate / 1000);
    CHECK(rmsDb(y) == Approx(rmsDb(x)).margin(3));
    // 8 kHz sampling: nothing of a 6 kHz tone comes through
    const auto high = tone(6000, 1, rate);
    const auto back = callRoundTrip(high, rate, 16);
    CHECK(rmsDb(back) < rmsDb(high) - 30);
  }
  // Through the chain: a telephone band with a codec drawn is a 6-16 kbps call, never MP3.
  ChannelChainOptions o;
  o.p_colour = o.p_reverb = o.p_far_field = o.p_noise = o.p_level = 0;
  o.p_band = o.p_telephone = o.p_codec = 1;
  for (uint64_t seed = 1; seed <= 3; ++seed) {
    auto x = bursts(1.0, 16000);
    const auto what = ChannelChain(o, 16000, seed).apply(x);
    CHECK(what["codec"]["codec"] == "opus-call");
    CHECK(what["codec"]["kbps"].get<double>() >= 6);
    CHECK(what["codec"]["kbps"].get<double>() <= 16);
  }
}

TEST_CASE("level-normalised log-mel: the same under any gain, streamed or whole", "[features][energy]") {
  const int rate = 16000;
  FeatureOptions o;
  o.level_norm = true;
  o.level_lookahead_s = 2;
  std::mt19937_64 rng(9);
  auto x = bursts(6.0, rate);
  const auto bed = syntheticNoise(NoiseColour::kPink, x.size(), rate, rng);
  for (size_t i = 0; i < x.size(); ++i) x[i] += 0.003f * bed[i];
  const Matrix a = computeFeatures(o, x);
  for (double gain_db : {-12.0, 6.0}) {
    auto y = x;
    for (float& v : y) v *= float(std::pow(10.0, gain_db / 20));
    const Matrix b = computeFeatures(o, y);
    REQUIRE(b.rows == a.rows);
    float worst = 0;
    for (size_t i = 0; i < a.data.size(); ++i) worst = std::max(worst, std::fabs(a.data[i] - b.data[i]));
    CHECK(worst < 0.6f);  // at most one 0.5 dB histogram bin apart
  }
  // streamed in uneven chunks: the same frames
  OnlineFeatureExtractor stream(o);
  Matrix s(0, o.numFeatures());
  for (size_t at = 0; at < x.size(); at += 777) {
    stream.acceptWaveform(x.data() + at, std::min<size_t>(777, x.size() - at));
    stream.takeFrames(s);
  }
  stream.inputFinished();
  stream.takeFrames(s);
  REQUIRE(s.rows == a.rows);
  CHECK(s.data == a.data);
  // without it, the gain moves every value by the gain
  FeatureOptions plain;
  auto y = x;
  for (float& v : y) v *= 0.25f;
  CHECK(computeFeatures(plain, x).at(100, 10) - computeFeatures(plain, y).at(100, 10) == Approx(12.04).margin(0.05));
}

TEST_CASE("level-normalised log-mel holds back at most the look-ahead (flat memory)", "[features][energy]") {
  const int rate = 16000;
  FeatureOptions o;
  o.level_norm = true;
  o.level_lookahead_s = 1;
  std::mt19937_64 rng(3);
  auto x = bursts(30.0, rate);
  const auto bed = syntheticNoise(NoiseColour::kBrown, x.size(), rate, rng);
  for (size_t i = 0; i < x.size(); ++i) x[i] += 0.01f * bed[i];
  const int64_t lookahead_frames = 100, chunk = 1600;
  OnlineFeatureExtractor stream(o);
  Matrix s(0, o.numFeatures());
  int64_t worst_held = 0;
  for (int64_t at = 0; at < int64_t(x.size()); at += chunk) {
    const int64_t n = std::min<int64_t>(chunk, int64_t(x.size()) - at);
    stream.acceptWaveform(x.data() + at, size_t(n));
    stream.takeFrames(s);
    worst_held = std::max(worst_held, stream.framesEmitted() - s.rows);
  }
  // frames computed but not yet given out: the look-ahead plus one chunk, never more
  CHECK(worst_held <= lookahead_frames + chunk / o.hop_length + 1);
  CHECK(worst_held >= lookahead_frames - 3);  // ...and the look-ahead is really waited for
  stream.inputFinished();
  stream.takeFrames(s);
  const Matrix whole = computeFeatures(o, x);
  REQUIRE(s.rows == whole.rows);
  CHECK(s.data == whole.data);
  // look-ahead 0: every frame goes out as soon as it is computed
  o.level_lookahead_s = 0;
  OnlineFeatureExtractor prompt(o);
  Matrix p(0, o.numFeatures());
  prompt.acceptWaveform(x.data(), 48000);
  prompt.takeFrames(p);
  CHECK(prompt.framesEmitted() - p.rows <= 1);
}
