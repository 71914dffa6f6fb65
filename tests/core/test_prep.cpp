#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "podclean/audio/audio_reader.h"
#include "podclean/audio/audio_writer.h"
#include "podclean/io/npy.h"
#include "podclean/labels/label_track.h"
#include "podclean/prep/audio_splitter.h"
#include "podclean/prep/dataset_builder.h"
#include "podclean/util/atomic_file.h"
#include "podclean/util/error.h"
#include "test_util.h"

using namespace podclean;
using nlohmann::json;
namespace fs = std::filesystem;

static json readManifest(const std::string& dir) { return json::parse(readTextFile(dir + "/manifest.json")); }

// Checks a clip dataset made from FSDD-named files: shapes, labels, and that
// no speaker appears in two splits.
static void checkFsddDataset(const std::string& dir, int64_t expected_files) {
  json m = readManifest(dir);
  CHECK(m["task"] == "clip");
  const int64_t frames = m["example_frames"], features = m["num_features"];
  CHECK(features == 64);
  std::map<std::string, std::set<std::string>> speakers;  // split -> speakers
  int64_t total = 0;
  for (const char* split : {"train", "val", "test"}) {
    NpyArray x = loadNpy(dir + "/" + split + "_x.npy"), y = loadNpy(dir + "/" + split + "_y.npy");
    REQUIRE(x.shape.size() == 3);
    CHECK(x.shape[1] == frames);
    CHECK(x.shape[2] == features);
    REQUIRE(y.shape.size() == 1);
    CHECK(y.shape[0] == x.shape[0]);
    CHECK(x.shape[0] > 0);
    total += x.shape[0];
    for (int64_t label : y.i64) CHECK((label >= 0 && label < int64_t(m["labels"].size())));
    for (const json& e : m["examples"])
      if (e["split"] == split) {
        speakers[split].insert(e["group"].get<std::string>());
        // the label in the manifest is the digit the file name starts with
        const std::string name = fs::path(e["source"].get<std::string>()).filename().string();
        CHECK(name.substr(0, 1) == e["label"].get<std::string>());
        CHECK(m["labels"][size_t(y.i64[size_t(e["index"].get<int64_t>())])] == e["label"]);
      }
  }
  CHECK(total == expected_files);
  for (const auto& a : speakers)
    for (const auto& b : speakers)
      if (a.first != b.first)
        for (const auto& s : a.second) CHECK(b.second.count(s) == 0);
  CHECK(m["norm_stats"]["mean"].size() == size_t(features));
}

TEST_CASE("prep builds a speaker-disjoint clip dataset from FSDD recordings", "[prep]") {
  testutil::TempDir out("prep");
  auto r = testutil::runPodclean("prep " + testutil::dataPath("fsdd") + " -o " + out.path.string() +
                                 " --label-from-name '{label}_{group}_{index}' --group-split --quiet");
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  checkFsddDataset(out.path.string(), 24);
  json m = readManifest(out.path.string());
  CHECK(m["labels"] == json({"0", "1", "2"}));
}

TEST_CASE("prep on the whole FSDD folder (developer machines with ../shared)", "[prep][shared]") {
  const std::string shared = testutil::sharedData();
  if (shared.empty()) {
    WARN("../shared/data not present: skipped");
    return;
  }
  testutil::TempDir out("prepall");
  auto r = testutil::runPodclean("prep " + shared + "/fsdd/recordings -o " + out.path.string() +
                                 " --label-from-name '{label}_{group}_{index}' --group-split --quiet");
  REQUIRE(r.exit_code == 0);
  checkFsddDataset(out.path.string(), 2000);
}

TEST_CASE("prep augments only training examples and marks them", "[prep][augment]") {
  testutil::TempDir out("aug");
  PrepOptions o;
  o.inputs = {testutil::dataPath("fsdd")};
  o.output_dir = out.path.string();
  o.label_pattern = "{label}_{group}_{index}";
  o.group_split = true;
  o.augment.copies = 2;
  o.augment.noise_dir = testutil::dataPath("bad-inputs/../fsdd");  // any audio works as noise
  o.clip_seconds = 0.5;
  PrepSummary s = buildDataset(o);
  CHECK(s.per_split[0] == 3 * 12);  // 2 speakers x 3 digits x 2 takes, each with 2 copies
  CHECK(s.augmented == 24);
  json m = readManifest(o.output_dir);
  for (const json& e : m["examples"])
    if (e["augmented"]) {
      CHECK(e["split"] == "train");
      CHECK(e["augmentation"].contains("snr_db"));
      CHECK(e["augmentation"]["masks"].size() == 4);
    }
  CHECK(m["example_frames"] == 1 + 8000 / 160);
  // The noise folder also becomes a bank of example-shaped log-mel pieces for the trainer.
  REQUIRE(m.contains("noise"));
  NpyArray bank = loadNpy(out / "noise_x.npy");
  CHECK(bank.shape == std::vector<int64_t>{m["noise"]["count"].get<int64_t>(), m["example_frames"].get<int64_t>(), 64});
  CHECK(bank.shape[0] >= 12);  // each 0.5 s of the noise recordings is one piece
  // Same seed -> same dataset.
  testutil::TempDir again("aug2");
  o.output_dir = again.path.string();
  buildDataset(o);
  CHECK(loadNpy(again / "train_x.npy").f32 == loadNpy(out / "train_x.npy").f32);
}

TEST_CASE("prep frame task aligns Audacity labels with feature frames", "[prep][frame]") {
  testutil::TempDir in("framein"), out("frameout");
  std::vector<float> audio(size_t(16000 * 3), 0.f);  // 3 s: tone from 1.0 to 2.0 s
  auto tone = testutil::sine(440, 1.0, 16000);
  std::copy(tone.begin(), tone.end(), audio.begin() + 16000);
  writeMono(in / "ep.wav", audio.data(), int64_t(audio.size()), 16000);
  std::ofstream(in / "ep.txt") << "1.000000\t2.000000\tspeech\n\\t440.0\t880.0\n2.5\t2.5\tpoint\n";
  PrepOptions o;
  o.task = PrepTask::kFrame;
  o.inputs = {in.path.string()};
  o.output_dir = out.path.string();
  o.window_seconds = 2.0;
  o.val_fraction = o.test_fraction = 0;
  buildDataset(o);
  NpyArray y = loadNpy(out / "train_y.npy");
  REQUIRE(y.shape == std::vector<int64_t>{2, 200});
  // frames 100..199 (centres 1.00..1.99 s) are speech (1); frame 301 does not exist (-1 padding)
  CHECK(y.i64[99] == 0);
  CHECK(y.i64[100] == 1);
  CHECK(y.i64[199] == 1);
  CHECK(y.i64[200] == 0);  // second window starts at frame 200 = 2.00 s
  CHECK(y.i64[200 + 100] == 0);  // frame 300 = last real frame (1 + 48000/160 = 301 frames)
  CHECK(y.i64[200 + 101] == -1);
  CHECK(readManifest(o.output_dir)["labels"] == json({"background", "speech"}));
}

TEST_CASE("prep splits recordings into fixed pieces and on silence", "[prep][split]") {
  testutil::TempDir in("splitin"), out("splitout");
  std::vector<float> audio(size_t(16000 * 4), 0.f);  // tone 0.5-1.5 s and 2.5-3.0 s
  for (size_t i = 8000; i < 24000; ++i) audio[i] = 0.3f * float(std::sin(i * 0.1));
  for (size_t i = 40000; i < 48000; ++i) audio[i] = 0.3f * float(std::sin(i * 0.1));
  writeMono(in / "talk.flac", audio.data(), int64_t(audio.size()), 16000);
  PrepOptions o;
  o.inputs = {in / "talk.flac"};
  o.output_dir = out.path.string();
  o.task = PrepTask::kSplitSilence;
  o.keep_silence_s = 0.1;
  auto regions = findSoundRegions(in / "talk.flac", o);
  REQUIRE(regions.size() == 2);
  CHECK(regions[0].first == Approx(0.4).margin(0.011));
  CHECK(regions[0].second == Approx(1.6).margin(0.011));
  CHECK(regions[1].first == Approx(2.4).margin(0.011));
  CHECK(splitRecordings(o) == 2);
  CHECK(AudioReader(out / "talk_0000.flac").info().duration_s() == Approx(1.2).margin(0.011));
  o.task = PrepTask::kSplitFixed;
  o.piece_seconds = 1.5;
  CHECK(splitRecordings(o) == 3);  // 1.5 + 1.5 + 1.0
  CHECK(AudioReader(out / "talk_0002.flac").info().duration_s() == Approx(1.0).margin(0.001));
  CHECK(readTextFile(out / "pieces.csv").find("talk_0002.flac") != std::string::npos);
}

TEST_CASE("Audacity label tracks parse, and bad lines name the line", "[labels]") {
  testutil::TempDir dir("labels");
  std::ofstream(dir / "ok.txt") << "0.5\t1.25\tbreath\n\\\t100\t2000\n3\t3\tmark\r\n";
  auto segments = readAudacityLabels(dir / "ok.txt");
  REQUIRE(segments.size() == 2);
  CHECK(segments[0].label == "breath");
  CHECK(segments[0].end_s == 1.25);
  std::ofstream(dir / "bad.txt") << "0.5\t1.0\ta\n2.0\t1.0\tb\n";
  CHECK_THROWS_WITH(readAudacityLabels(dir / "bad.txt"), Catch::Contains("bad.txt:2") && Catch::Contains("ends before"));
  std::vector<std::string> names{"none"};
  auto frames = segmentsToFrames(segments, 200, 0.01, names, 0);
  auto back = framesToSegments(frames, 0.01, names);
  REQUIRE(back.size() == 3);
  CHECK(back[1].start_s == Approx(0.5));
  CHECK(back[1].end_s == Approx(1.25));
}

TEST_CASE("npy files round-trip and grow row by row", "[npy]") {
  testutil::TempDir dir("npy");
  std::vector<float> a = {1, 2, 3, 4, 5, 6};
  saveNpy(dir / "a.npy", {2, 3}, a.data());
  NpyArray back = loadNpy(dir / "a.npy");
  CHECK(back.shape == std::vector<int64_t>{2, 3});
  CHECK(back.f32 == a);
  NpyRowWriter rows(dir / "r.npy", {}, false);
  for (int64_t v : {7, 8, 9}) rows.appendInt(&v);
  rows.finish();
  NpyArray r = loadNpy(dir / "r.npy");
  CHECK(r.shape == std::vector<int64_t>{3});
  CHECK(r.i64 == std::vector<int64_t>{7, 8, 9});
  std::ofstream(dir / "junk.npy") << "nope";
  CHECK_THROWS_AS(loadNpy(dir / "junk.npy"), FileError);
}
