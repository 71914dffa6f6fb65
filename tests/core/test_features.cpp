// Features against librosa's own outputs (tests/data/librosa, see its README).
// Tolerances are the fixture README's suggestions for a float32 implementation:
// 1e-5 x max|ref| for STFT, mel and filters; 1e-2 dB; 5e-3 MFCC (2e-2 with a
// lifter); 5e-4 deltas.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>

#include "podclean/audio/audio_reader.h"
#include "podclean/dsp/feature_extractor.h"
#include "podclean/dsp/feature_json.h"
#include "podclean/dsp/mel_filterbank.h"
#include "podclean/io/npy.h"
#include "test_util.h"

using namespace podclean;
using nlohmann::json;

namespace {

const std::string kRoot = testutil::dataPath("librosa/");

json manifest() {
  std::ifstream in(kRoot + "manifest.json");
  return json::parse(in);
}

// librosa params -> FeatureOptions (kind set by the caller).
FeatureOptions optionsFrom(const json& p, int sample_rate) {
  FeatureOptions o;
  o.sample_rate_hz = p.value("sr", sample_rate);
  o.n_fft = p.value("n_fft", 512);
  o.hop_length = p.value("hop_length", 160);
  o.win_length = p.contains("win_length") && !p["win_length"].is_null() ? p["win_length"].get<int>() : o.n_fft;
  o.center = p.value("center", true);
  o.pad_mode = p.value("pad_mode", std::string("constant")) == "reflect" ? PadMode::kReflect : PadMode::kConstant;
  o.n_mels = p.value("n_mels", 128);
  o.fmin_hz = p.value("fmin", 0.0);
  o.fmax_hz = p.contains("fmax") && !p["fmax"].is_null() ? p["fmax"].get<double>() : 0.0;
  o.mel_scale = p.value("htk", false) ? MelScale::kHtk : MelScale::kSlaney;
  const json& norm_value = p.contains("mel_norm") ? p["mel_norm"] : p.contains("norm") ? p["norm"] : json();
  const std::string norm = norm_value.is_string() ? norm_value.get<std::string>() : "none";
  o.mel_norm = norm == "slaney" ? MelNorm::kSlaney : MelNorm::kNone;
  o.n_mfcc = p.value("n_mfcc", 20);
  o.lifter = p.value("lifter", 0.0);
  return o;
}

std::vector<float> inputSamples(const json& fixture) {
  // Read the WAV through our own reader: the README says it equals the .npy.
  std::string wav = fixture["input"].get<std::string>();
  wav.replace(wav.size() - 4, 4, ".wav");
  AudioReader reader(kRoot + wav);
  std::vector<float> all, chunk;
  while (reader.readMono(chunk, 4096) > 0) all.insert(all.end(), chunk.begin(), chunk.end());
  return all;
}

int inputRate(const json& m, const std::string& npy) {
  for (const auto& in : m["inputs"])
    if (in["npy"] == npy) return in["sample_rate"];
  return 0;
}

// Fixture arrays are [feature, frame]; ours are [frame, feature].
Matrix reference(const json& fixture) {
  NpyArray a = loadNpy(kRoot + fixture["output"].get<std::string>());
  Matrix m(a.shape[0], a.shape[1]);
  m.data = a.f32;
  return m;
}

double maxAbs(const Matrix& m) {
  double v = 0;
  for (float x : m.data) v = std::max(v, double(std::fabs(x)));
  return v;
}

// Max |ours - ref| with ours frame-major and ref feature-major.
double maxDiff(const Matrix& ours_frame_major, const Matrix& ref, const Matrix* mask_ref = nullptr,
               double mask_floor = -1e30) {
  REQUIRE(ours_frame_major.rows == ref.cols);
  REQUIRE(ours_frame_major.cols == ref.rows);
  double worst = 0;
  for (int64_t f = 0; f < ref.rows; ++f)
    for (int64_t t = 0; t < ref.cols; ++t) {
      if (mask_ref && mask_ref->at(f, t) < mask_floor) continue;
      worst = std::max(worst, double(std::fabs(ours_frame_major.at(t, f) - ref.at(f, t))));
    }
  return worst;
}

}  // namespace

TEST_CASE("every librosa fixture is reproduced within tolerance", "[features][librosa]") {
  const json m = manifest();
  int checked = 0;
  for (const json& fx : m["fixtures"]) {
    const std::string fn = fx["function"], id = fx["id"];
    const json& p = fx["params"];
    INFO("fixture " << id);
    const Matrix ref = reference(fx);
    if (fn == "librosa.filters.mel") {
      FeatureOptions o = optionsFrom(p, p["sr"]);
      Matrix dense = MelFilterbank(o).dense(o.numBins());
      double worst = 0;
      for (size_t i = 0; i < dense.data.size(); ++i)
        worst = std::max(worst, double(std::fabs(dense.data[i] - ref.data[i])));
      CHECK(worst <= 1e-5 * maxAbs(ref));
    } else if (fn.find("stft") != std::string::npos) {
      const std::string npy = fx["input"];
      FeatureOptions o = optionsFrom(p, inputRate(m, npy));
      o.kind = FeatureKind::kSpectrogram;
      Matrix power = computeFeatures(o, inputSamples(fx));
      for (float& v : power.data) v = std::sqrt(v);
      CHECK(maxDiff(power, ref) <= 1e-5 * maxAbs(ref));
    } else if (fn == "librosa.feature.melspectrogram") {
      FeatureOptions o = optionsFrom(p, inputRate(m, fx["input"]));
      o.kind = FeatureKind::kMel;
      o.log = false;
      Matrix mel = computeFeatures(o, inputSamples(fx));
      CHECK(maxDiff(mel, ref) <= 1e-5 * maxAbs(ref));
    } else if (fn == "librosa.power_to_db") {
      Matrix mel;
      for (const json& other : m["fixtures"])
        if (other["output"] == fx["input"]) mel = reference(other);
      std::vector<float> db = mel.data;
      const double ref_value = p["ref"].is_number() ? p["ref"].get<double>() : 0.0;  // "max"
      powerToDb(db, ref_value, p["amin"], p["top_db"].is_null() ? -1.0 : p["top_db"].get<double>());
      Matrix ours(mel.rows, mel.cols);
      ours.data = db;
      // With no floor, compare only within 80 dB of the peak (README: float32 FFT noise below).
      double peak = *std::max_element(ref.data.begin(), ref.data.end());
      Matrix ours_t = ours.transposed();
      CHECK(maxDiff(ours_t, ref, &ref, peak - 80.0) <= 1e-2);
    } else if (fn == "librosa.feature.mfcc") {
      FeatureOptions o = optionsFrom(p, inputRate(m, fx["input"]));
      o.kind = FeatureKind::kMfcc;
      o.top_db = 80.0;
      Matrix mfcc = computeFeatures(o, inputSamples(fx));
      CHECK(maxDiff(mfcc, ref) <= (o.lifter > 0 ? 2e-2 : 5e-3));
    } else if (fn == "librosa.feature.delta") {
      Matrix base;
      for (const json& other : m["fixtures"])
        if (other["output"] == fx["input"]) base = reference(other).transposed();
      Matrix d = deltas(base, p["order"]);
      CHECK(maxDiff(d, ref) <= 5e-4);
    } else {
      FAIL("unknown fixture function " << fn);
    }
    ++checked;
  }
  CHECK(checked == 219);
}

TEST_CASE("streaming features equal batch features for any chunking", "[features][streaming]") {
  FeatureOptions o;  // log-mel defaults
  std::vector<float> audio = testutil::sine(440, 1.37, 16000);
  for (size_t i = 0; i < audio.size(); ++i) audio[i] += 0.01f * float((i * 7919) % 13) / 13.f;
  Matrix batch = computeFeatures(o, audio);
  for (size_t chunk : {1u, 100u, 160u, 512u, 7777u}) {
    OnlineFeatureExtractor online(o);
    Matrix frames;
    for (size_t at = 0; at < audio.size(); at += chunk) {
      online.acceptWaveform(audio.data() + at, std::min(chunk, audio.size() - at));
      online.takeFrames(frames);
    }
    online.inputFinished();
    online.takeFrames(frames);
    REQUIRE(frames.rows == batch.rows);
    REQUIRE(frames.rows == o.numFrames(int64_t(audio.size())));
    CHECK(frames.data == batch.data);
  }
}

TEST_CASE("feature options round-trip through JSON and reject bad values", "[features][json]") {
  FeatureOptions o;
  o.kind = FeatureKind::kMfcc;
  o.n_mels = 40;
  o.mel_scale = MelScale::kHtk;
  o.mel_norm = MelNorm::kNone;
  o.delta_order = 2;
  FeatureOptions back = featureOptionsFromJson(toJson(o));
  CHECK(toJson(back) == toJson(o));
  CHECK(back.numFeatures() == 13 * 3);

  json bad = toJson(o);
  bad["hop_length"] = 0;
  CHECK_THROWS_WITH(featureOptionsFromJson(bad), Catch::Contains("hop"));
  bad = toJson(o);
  bad["fmax_hz"] = 9000.0;
  CHECK_THROWS_WITH(featureOptionsFromJson(bad), Catch::Contains("Nyquist"));
  bad = toJson(o);
  bad["mel_scale"] = "bark";
  CHECK_THROWS_WITH(featureOptionsFromJson(bad), Catch::Contains("mel_scale"));
}

TEST_CASE("level normalisation round-trips through JSON, and headers without it load with it off", "[features][json]") {
  FeatureOptions o;
  o.level_norm = true;
  o.level_lookahead_s = 4.5;
  const json j = toJson(o);
  CHECK(j.at("level_norm") == true);
  FeatureOptions back = featureOptionsFromJson(j);
  CHECK(back.level_norm);
  CHECK(back.level_lookahead_s == 4.5);
  CHECK(toJson(back) == j);
  // models and datasets written before level normalisation have neither field
  json old = j;
  old.erase("level_norm");
  old.erase("level_lookahead_s");
  CHECK(toJson(FeatureOptions()).count("level_norm") == 0);
  CHECK_FALSE(featureOptionsFromJson(old).level_norm);
  json bad = j;
  bad["level_lookahead_s"] = -1.0;
  CHECK_THROWS_WITH(featureOptionsFromJson(bad), Catch::Contains("look-ahead"));
  bad = j;
  bad["kind"] = "mfcc";
  CHECK_THROWS_WITH(featureOptionsFromJson(bad), Catch::Contains("level normalisation needs log-mel"));
  bad = j;
  bad["level_norm"] = "yes";
  CHECK_THROWS(featureOptionsFromJson(bad));
}

TEST_CASE("clip preparation trims quiet ends and CMN centres each feature", "[features][clip]") {
  FeatureOptions o;
  o.trim_db = 40;
  std::vector<float> audio(16000, 0.f);  // 1 s: silence, tone 0.3-0.6 s, silence
  for (size_t i = 4800; i < 9600; ++i) audio[i] = 0.5f * float(std::sin(0.2 * double(i)));
  auto clip = prepareClip(o, audio, 8000);
  REQUIRE(clip.size() == 8000);
  CHECK(std::fabs(clip[10]) > 0.f + 1e-6f);  // starts at the tone, not in the silence
  CHECK(clip[4900] == 0.f);                  // padded after the 0.3 s tone
  o.trim_db = 0;
  CHECK(prepareClip(o, audio, 8000)[10] == 0.f);

  FeatureOptions m;
  m.kind = FeatureKind::kMfcc;
  m.top_db = 80;
  m.clip_cmn = true;
  CHECK(!m.streamable());
  std::vector<float> full(8000);  // no padding: every frame counts, so every mean is 0
  for (size_t i = 0; i < full.size(); ++i) full[i] = 0.3f * float(std::sin(0.05 * double(i) + 1e-5 * double(i * i)));
  Matrix features = computeFeatures(m, full);
  for (int64_t f = 0; f < features.cols; ++f) {
    double mean = 0;
    for (int64_t t = 0; t < features.rows; ++t) mean += features.at(t, f);
    CHECK(std::fabs(mean / double(features.rows)) < 1e-3);
  }
  m.clip_cmn = false;
  Matrix raw = computeFeatures(m, full);
  double c0 = 0;
  for (int64_t t = 0; t < raw.rows; ++t) c0 += raw.at(t, 0);
  CHECK(std::fabs(c0 / double(raw.rows)) > 10.0);  // without CMN the mean is far from 0
}

TEST_CASE("noise mixed in the dB domain adds powers at the asked SNR", "[features][noise]") {
  // Signal 0 dB in every cell, noise -20 dB: at SNR 0 the noise is scaled to
  // the signal's power, so every cell becomes 10*log10(2) = 3.01 dB.
  std::vector<float> signal(40, 0.f), noise(40, -20.f);
  mixNoiseDb(signal.data(), noise.data(), 40, 0.0);
  for (float v : signal) CHECK(v == Approx(3.0103).margin(1e-3));
  // At 20 dB SNR the total rises by 10*log10(1.01); quiet cells of a signal
  // (a pause, -60 dB) take on the noise level instead.
  std::vector<float> speech(40, 0.f), flat(40, -30.f);
  for (int i = 20; i < 40; ++i) speech[size_t(i)] = -60.f;
  mixNoiseDb(speech.data(), flat.data(), 40, 20.0);
  CHECK(speech[0] == Approx(10 * std::log10(1.0 + 0.005)).margin(1e-3));  // noise power = 1/100 of the mean 0.5
  CHECK(speech[30] == Approx(10 * std::log10(1e-6 + 0.005)).margin(1e-2));  // about -23 dB
}
