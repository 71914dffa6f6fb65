// podclean classify through the binary with the shipped default model, and
// the segmenter on its own.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "podclean/audio/audio_reader.h"
#include "podclean/audio/audio_writer.h"
#include "podclean/classify/segmenter.h"
#include "podclean/util/atomic_file.h"
#include "test_util.h"

using namespace podclean;
using nlohmann::json;

namespace {

struct Expected {
  std::string label;
  double start, end;
};

// Real recordings at known positions. Their sources are in the default model's
// training (it trains on every source of its recipe): this checks the pipeline
// end to end on real sound; bench/classify_eval.sh measures held-out accuracy.
std::vector<Expected> buildShow(const std::string& path) {
  const int rate = 16000;
  std::vector<float> audio;
  std::vector<Expected> expected;
  auto add = [&](const std::string& label, std::vector<float> part, float gain) {
    const double start = double(audio.size()) / rate;
    for (float& v : part) v *= gain;
    audio.insert(audio.end(), part.begin(), part.end());
    expected.push_back({label, start, double(audio.size()) / rate});
  };
  auto silence = [&](double s) { return std::vector<float>(size_t(s * rate), 0.f); };
  auto clip = [&](const std::string& rel) { return loadMono(testutil::dataPath(rel), rate); };
  add("silence", silence(1.0), 1);
  add("speech", clip("classify/agent-newlocation.flac"), 1);
  add("silence", silence(1.5), 1);
  add("music", clip("classify/blupi-music004-35.flac"), 1);
  add("noise", clip("roomtone/gsc-exercise_bike-5s.flac"), 1);
  add("silence", silence(1.0), 1);
  add("speech", clip("classify/confbridge-begin-leader.flac"), 1);
  add("silence", silence(1.0), 1);
  writeMono(path, audio.data(), int64_t(audio.size()), rate);
  return expected;
}

std::vector<Segment> parseCsv(const std::string& text) {
  std::vector<Segment> out;
  std::istringstream in(text);
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::stringstream ss(line);
    std::string a, b, label, c;
    std::getline(ss, a, ',');
    std::getline(ss, b, ',');
    std::getline(ss, label, ',');
    std::getline(ss, c, ',');
    out.push_back({std::stod(a), std::stod(b), label, std::stod(c)});
  }
  return out;
}

}  // namespace

TEST_CASE("classify segments an assembled show with every boundary within 0.5 s", "[classify]") {
  testutil::TempDir dir("classify");
  auto expected = buildShow(dir / "show.wav");
  auto r = testutil::runPodclean("classify " + (dir / "show.wav") + " --format json --quiet");
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  json j = json::parse(r.output);
  const auto& segments = j["segments"];
  REQUIRE(segments.size() == expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    INFO("segment " << i << ": " << segments[i].dump());
    CHECK(segments[i]["label"] == expected[i].label);
    CHECK(std::fabs(segments[i]["start"].get<double>() - expected[i].start) <= 0.5);
    CHECK(std::fabs(segments[i]["end"].get<double>() - expected[i].end) <= 0.5);
  }
}

TEST_CASE("classify's JSON, CSV and Audacity outputs agree, and the SVG shows the bands", "[classify]") {
  testutil::TempDir dir("formats");
  buildShow(dir / "show.wav");
  auto as_json = testutil::runPodclean("classify " + (dir / "show.wav") + " --format json --quiet --plot " + (dir / "show.svg"));
  auto as_csv = testutil::runPodclean("classify " + (dir / "show.wav") + " --format csv --quiet");
  auto as_labels = testutil::runPodclean("classify " + (dir / "show.wav") + " --format audacity -o " + (dir / "show.txt"));
  REQUIRE(as_json.exit_code == 0);
  REQUIRE(as_csv.exit_code == 0);
  REQUIRE(as_labels.exit_code == 0);
  const json j = json::parse(as_json.output);
  const auto csv = parseCsv(as_csv.output);
  const auto labels = readAudacityLabels(dir / "show.txt");
  REQUIRE(csv.size() == j["segments"].size());
  REQUIRE(labels.size() == csv.size());
  for (size_t i = 0; i < csv.size(); ++i) {
    CHECK(csv[i].label == j["segments"][i]["label"]);
    CHECK(labels[i].label == csv[i].label);
    CHECK(csv[i].start_s == Approx(j["segments"][i]["start"].get<double>()).margin(1e-3));
    CHECK(labels[i].end_s == Approx(csv[i].end_s).margin(1e-3));
  }
  // SVG: one band per segment carrying its label and times, and tags that nest.
  const std::string svg = readTextFile(dir / "show.svg");
  std::regex band("<rect class=\"band\" data-label=\"([^\"]+)\" data-start=\"([0-9.]+)\" data-end=\"([0-9.]+)\"");
  size_t n = 0;
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), band); it != std::sregex_iterator(); ++it, ++n) {
    REQUIRE(n < csv.size());
    CHECK((*it)[1] == csv[n].label);
    CHECK(std::stod((*it)[2]) == Approx(csv[n].start_s).margin(1e-3));
  }
  CHECK(n == csv.size());
  std::vector<std::string> open;
  std::regex tag("<(/?)([a-z]+)[^>]*?(/?)>");
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), tag); it != std::sregex_iterator(); ++it) {
    if ((*it)[3] == "/") continue;  // self-closing
    if ((*it)[1] == "/") {
      REQUIRE(!open.empty());
      CHECK(open.back() == (*it)[2]);
      open.pop_back();
    } else {
      open.push_back((*it)[2]);
    }
  }
  CHECK(open.empty());
  CHECK(svg.find("<polyline class=\"envelope\"") != std::string::npos);
}

TEST_CASE("classify --clip gives one label per file, and a clean model is refused", "[classify]") {
  auto r = testutil::runPodclean("classify --clip --format json " + testutil::dataPath("classify/blupi-music004-35.flac") + " " +
                                 testutil::dataPath("classify/agent-newlocation.flac"));
  REQUIRE(r.exit_code == 0);
  std::istringstream lines(r.output);
  std::string first, second;
  std::getline(lines, first);
  std::getline(lines, second);
  CHECK(json::parse(first)["label"] == "music");
  CHECK(json::parse(second)["label"] == "speech");
  r = testutil::runPodclean("classify " + testutil::dataPath("classify/agent-newlocation.flac") + " --model " +
                            std::string(PODCLEAN_TEST_DATA) + "/../../models/clean-default.pt");
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.output, Catch::Contains("clean-default.pt: is a frame model"));
  CHECK(testutil::runPodclean("classify x.wav --format xml").exit_code == 2);
}

TEST_CASE("the segmenter smooths single-step flips and gates silence", "[classify][segmenter]") {
  Timeline tl;
  tl.step_s = 0.25;
  tl.duration_s = 10;
  tl.labels = {"music", "speech"};
  tl.probs = Matrix(40, 2);
  tl.level_db.assign(40, -20.f);
  for (int t = 0; t < 40; ++t) {
    const bool speech = t >= 20;
    tl.probs.at(t, 0) = speech ? 0.2f : 0.8f;
    tl.probs.at(t, 1) = speech ? 0.8f : 0.2f;
  }
  tl.probs.at(7, 0) = 0.3f;  // one unsure step inside the music
  tl.probs.at(7, 1) = 0.7f;
  for (int t = 36; t < 40; ++t) tl.level_db[size_t(t)] = -70.f;  // the last second is silent
  auto segments = segmentTimeline(tl, SegmentOptions{});
  REQUIRE(segments.size() == 3);
  CHECK(segments[0].label == "music");
  CHECK(segments[0].end_s == Approx(5.0));
  CHECK(segments[1].label == "speech");
  CHECK(segments[2].label == "silence");
  CHECK(segments[2].start_s == Approx(9.0));
  SegmentOptions no_smoothing;
  no_smoothing.switch_cost = 0;
  no_smoothing.min_segment_s = 0;
  CHECK(segmentTimeline(tl, no_smoothing).size() == 5);
  const std::string per_second = perSecondCsv(segments, tl.labels, tl.duration_s);
  CHECK(per_second.find("second,music,speech,silence\n0,1.00,0.00,0.00\n") == 0);
}

TEST_CASE("silence is relative to the file: quiet speech stays, a noisy room's pauses go", "[classify][segmenter]") {
  // 10 s of 0.25 s steps: seconds 3 and 7 are pauses, the other 8 speech.
  auto timeline = [](float speech_db, float pause_db) {
    Timeline tl;
    tl.step_s = 0.25;
    tl.duration_s = 10;
    tl.labels = {"noise", "speech"};
    tl.probs = Matrix(40, 2);
    for (int t = 0; t < 40; ++t) {
      const bool pause = (t / 4) % 4 == 3;
      tl.level_db.push_back(pause ? pause_db : speech_db);
      tl.probs.at(t, 0) = pause ? 0.9f : 0.1f;  // the model calls room tone noise
      tl.probs.at(t, 1) = pause ? 0.1f : 0.9f;
    }
    return tl;
  };
  auto seconds = [](const std::vector<Segment>& segments, const std::string& label) {
    double s = 0;
    for (const auto& seg : segments) s += seg.label == label ? seg.end_s - seg.start_s : 0;
    return s;
  };
  const SegmentOptions relative;
  // A quiet recording (speech at -58 dBFS, pauses at -95): speech, not silence (the old -50 gate said silence).
  auto quiet = segmentTimeline(timeline(-58, -95), relative);
  CHECK(seconds(quiet, "speech") == Approx(8.0));
  CHECK(seconds(quiet, "silence") == Approx(2.0));
  // A noisy room (speech at -20, room tone at -45 in the pauses): the pauses are silence, not noise.
  auto room = segmentTimeline(timeline(-20, -45), relative);
  CHECK(seconds(room, "silence") == Approx(2.0));
  CHECK(seconds(room, "noise") == Approx(0.0));
  SegmentOptions absolute;
  absolute.floor_margin_db = 0;
  CHECK(seconds(segmentTimeline(timeline(-20, -45), absolute), "noise") == Approx(2.0));
  // One steady sound (noise at -40 throughout): no floor to be relative to, so no silence.
  auto steady = segmentTimeline(timeline(-40, -41), relative);
  CHECK(seconds(steady, "silence") == Approx(0.0));
  CHECK(silenceThresholdDb(timeline(-40, -41), relative) == Approx(relative.silence_db));
}

TEST_CASE("a quiet passage of music stays music, and quiet steps the model calls anything else are silence", "[classify][segmenter]") {
  // 10 s of 0.25 s steps: a soft intro (seconds 0-2, -45 dBFS), then music at -15 dBFS
  // with a pause at second 6 (-48 dBFS) where the model calls it noise.
  Timeline tl;
  tl.step_s = 0.25;
  tl.duration_s = 10;
  tl.labels = {"music", "noise"};
  tl.probs = Matrix(40, 2);
  for (int t = 0; t < 40; ++t) {
    const bool intro = t < 8, pause = t / 4 == 6;
    tl.level_db.push_back(intro ? -45.f : pause ? -48.f : -15.f);
    tl.probs.at(t, 0) = pause ? 0.2f : 0.8f;
    tl.probs.at(t, 1) = 1 - tl.probs.at(t, 0);
  }
  auto seconds = [](const std::vector<Segment>& segments, const std::string& label) {
    double s = 0;
    for (const auto& seg : segments) s += seg.label == label ? seg.end_s - seg.start_s : 0;
    return s;
  };
  const SegmentOptions defaults;
  auto kept = segmentTimeline(tl, defaults);
  CHECK(seconds(kept, "music") == Approx(9.0));
  CHECK(seconds(kept, "silence") == Approx(1.0));
  SegmentOptions off = defaults;
  off.quiet_label.clear();
  auto gated = segmentTimeline(tl, off);
  CHECK(seconds(gated, "silence") == Approx(3.0));  // the intro too
}

TEST_CASE("classify averages several models, and refuses one whose labels differ", "[classify]") {
  const std::string input = testutil::dataPath("classify/blupi-music004-35.flac");
  const std::string model = std::string(PODCLEAN_TEST_DATA) + "/../../models/classify-default.pt";
  auto once = testutil::runPodclean("classify " + input + " --per-second --model " + model);
  auto twice = testutil::runPodclean("classify " + input + " --per-second --model " + model + "," + model);
  REQUIRE(once.exit_code == 0);
  REQUIRE(twice.exit_code == 0);
  CHECK(twice.output == once.output);  // the mean of a model with itself is the model
  auto mixed = testutil::runPodclean("classify " + input + " --model " + model + "," + std::string(PODCLEAN_TEST_DATA) +
                                     "/../../models/listen-commands.pt");
  CHECK(mixed.exit_code == 1);
  CHECK_THAT(mixed.output, Catch::Contains("listen-commands.pt: its labels differ from the first model's"));
}
