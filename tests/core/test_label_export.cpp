#include <catch2/catch.hpp>

#include <fstream>

#include "podclean/audio/audio_reader.h"
#include "podclean/audio/audio_writer.h"
#include "podclean/dsp/feature_extractor.h"
#include "podclean/io/npy.h"
#include "podclean/labels/annotation_io.h"
#include "podclean/util/atomic_file.h"
#include "podclean/util/error.h"
#include "test_util.h"

using namespace podclean;

static const char* kTextGrid = R"(File type = "ooTextFile"
Object class = "TextGrid"

xmin = 0 
xmax = 3.5 
tiers? <exists> 
size = 2 
item []: 
    item [1]:
        class = "TextTier" 
        name = "points" 
        xmin = 0 
        xmax = 3.5 
        points: size = 0 
    item [2]:
        class = "IntervalTier" 
        name = "events" 
        xmin = 0 
        xmax = 3.5 
        intervals: size = 3 
        intervals [1]:
            xmin = 0 
            xmax = 1.2 
            text = "" 
        intervals [2]:
            xmin = 1.2 
            xmax = 2.75 
            text = "say ""hi""" 
        intervals [3]:
            xmin = 2.75 
            xmax = 3.5 
            text = "breath" 
)";

TEST_CASE("annotation formats parse what their tools write", "[labels]") {
  testutil::TempDir dir("formats");
  std::ofstream(dir / "a.csv") << "start,end,label\n0.5,1.0,speech\n1.5,2.25,breath\r\n";
  std::ofstream(dir / "a.json") << R"([{"start": 0.5, "end": 1.0, "label": "speech"}, {"start": 1.5, "end": 2.25, "label": "breath"}])";
  std::ofstream(dir / "a.txt") << "0.500000\t1.000000\tspeech\n\\\t120.5\t3400.0\n1.500000\t2.250000\tbreath\n";
  std::ofstream(dir / "a.TextGrid") << kTextGrid;
  for (const char* name : {"a.csv", "a.json", "a.txt"}) {
    INFO(name);
    auto s = readAnnotations(dir / name, labelFormat(dir / name));
    REQUIRE(s.size() == 2);
    CHECK(s[0].label == "speech");
    CHECK(s[1].start_s == 1.5);
    CHECK(s[1].end_s == 2.25);
  }
  // the seed labelling page's per-frame 0/1 arrays (1 = remove), 10 ms frames unless hop_s says
  std::ofstream(dir / "seed.json") << R"({"labels": [0, 0, 1, 1, 1, 0], "hop_s": 0.5})";
  auto seed = readAnnotations(dir / "seed.json", LabelFormat::kJson);
  REQUIRE(seed.size() == 3);
  CHECK(seed[1].label == "remove");
  CHECK(seed[1].start_s == Approx(1.0));
  CHECK(seed[1].end_s == Approx(2.5));
  std::ofstream(dir / "seed2.json") << "[1, 0, 0]";
  CHECK(readAnnotations(dir / "seed2.json", LabelFormat::kJson)[0].end_s == Approx(0.01));
  auto grid = readAnnotations(dir / "a.TextGrid", labelFormat(dir / "a.TextGrid"));
  REQUIRE(grid.size() == 2);  // the empty interval is unlabelled time
  CHECK(grid[0].label == "say \"hi\"");
  CHECK(grid[1].start_s == 2.75);
  // written and read back in every format
  for (LabelFormat f : {LabelFormat::kAudacity, LabelFormat::kCsv, LabelFormat::kJson, LabelFormat::kTextGrid}) {
    writeTextFile(dir / "back", formatAnnotations(grid, f, 3.5));
    auto back = readAnnotations(dir / "back", f);
    REQUIRE(back.size() == 2);
    CHECK(back[0].label == grid[0].label);
    CHECK(back[1].end_s == Approx(3.5));
  }
}

TEST_CASE("malformed annotations give errors with the file and line", "[labels][errors]") {
  testutil::TempDir dir("malformed");
  std::ofstream(dir / "bad.csv") << "start,end,label\n0.5,1.0,a\n1.0,oops,b\n";
  CHECK_THROWS_WITH(readAnnotations(dir / "bad.csv", LabelFormat::kCsv), Catch::Contains("bad.csv:3"));
  std::ofstream(dir / "overlap.csv") << "start,end,label\n0.5,1.5,a\n1.0,2.0,b\n";
  CHECK_THROWS_WITH(readAnnotations(dir / "overlap.csv", LabelFormat::kCsv), Catch::Contains("overlap.csv:3") && Catch::Contains("overlaps"));
  std::ofstream(dir / "reversed.csv") << "start,end,label\n2.0,1.0,a\n";
  CHECK_THROWS_WITH(readAnnotations(dir / "reversed.csv", LabelFormat::kCsv), Catch::Contains("reversed.csv:2") && Catch::Contains("ends before"));
  std::ofstream(dir / "noheader.csv") << "0.5,1.0,a\n";
  CHECK_THROWS_WITH(readAnnotations(dir / "noheader.csv", LabelFormat::kCsv), Catch::Contains("noheader.csv:1"));
  std::ofstream(dir / "x.TextGrid") << "hello\n";
  CHECK_THROWS_WITH(readAnnotations(dir / "x.TextGrid", LabelFormat::kTextGrid), Catch::Contains("not a Praat TextGrid"));
  std::ofstream(dir / "x.json") << "{\"nope\": 1}";
  CHECK_THROWS_AS(readAnnotations(dir / "x.json", LabelFormat::kJson), FileError);
  CHECK_THROWS_AS(labelFormat("x.doc"), UsageError);
}

TEST_CASE("label-export frames match prep's frame count, and round-trip", "[labels][frames]") {
  testutil::TempDir dir("frames");
  for (int samples : {44100 * 2 + 7, 44100 * 3 - 1}) {
    std::vector<float> audio(size_t(samples), 0.01f);
    writeMono(dir / "ep.wav", audio.data(), samples, 44100);
    std::ofstream(dir / "ep.txt") << "0.25\t0.75\tspeech\n1.0\t1.5\tbreath\n";
    for (int hop : {160, 100, 256}) {
      INFO(samples << " samples, hop " << hop);
      auto r = testutil::runPodclean("label-export " + (dir / "ep.txt") + " --audio " + (dir / "ep.wav") + " --hop-length " +
                                     std::to_string(hop) + " -o " + (dir / "ep.npy") + " --quiet");
      REQUIRE(r.exit_code == 0);
      FeatureOptions o;
      o.hop_length = hop;
      const int64_t prep_frames = computeFeatures(o, loadMono(dir / "ep.wav", 16000)).rows;
      NpyArray y = loadNpy(dir / "ep.npy");
      CHECK(y.shape == std::vector<int64_t>{prep_frames});
      // frames -> segments: the same segments, at frame resolution
      r = testutil::runPodclean("label-export " + (dir / "ep.npy") + " -o " + (dir / "back.txt"));
      REQUIRE(r.exit_code == 0);
      auto back = readAnnotations(dir / "back.txt", LabelFormat::kAudacity);
      const double step = hop / 16000.0;
      REQUIRE(back.size() == 5);  // background, speech, background, breath, background
      CHECK(back[1].label == "speech");
      CHECK(back[1].start_s == Approx(0.25).margin(step));
      CHECK(back[1].end_s == Approx(0.75).margin(step));
      CHECK(back[3].label == "breath");
      // and back to frames again: identical
      REQUIRE(testutil::runPodclean("label-export " + (dir / "back.txt") + " --audio " + (dir / "ep.wav") + " --hop-length " +
                                    std::to_string(hop) + " -o " + (dir / "again.npy") + " --quiet").exit_code == 0);
      CHECK(loadNpy(dir / "again.npy").i64 == y.i64);
    }
  }
  auto r = testutil::runPodclean("label-export " + (dir / "ep.txt") + " --audio " + (dir / "ep.wav") + " --labels speech -o " + (dir / "x.npy"));
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.output, Catch::Contains("unknown label 'breath'"));
  std::ofstream(dir / "late.txt") << "0.5\t9.0\tspeech\n";
  r = testutil::runPodclean("label-export " + (dir / "late.txt") + " --audio " + (dir / "ep.wav") + " -o " + (dir / "x.npy"));
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.output, Catch::Contains("late.txt") && Catch::Contains("past the end"));
  r = testutil::runPodclean("label-export " + (dir / "ep.txt") + " --audio " + (dir / "ep.wav") + " --unlabelled ignore --boundary ignore -o " + (dir / "ig.npy") + " --quiet");
  REQUIRE(r.exit_code == 0);
  auto ig = loadNpy(dir / "ig.npy").i64;
  CHECK(ig[0] == -1);    // unlabelled
  CHECK(ig[25] == -1);   // the frame centred on 0.25 s straddles the boundary
  CHECK(ig[50] == 0);    // inside "speech" (class 0 when unlabelled time is ignored)
}

TEST_CASE("label-export --editor writes one self-contained page", "[labels][editor]") {
  testutil::TempDir dir("editor");
  auto tone = testutil::sine(300, 2.0, 22050);
  writeMono(dir / "ep.wav", tone.data(), int64_t(tone.size()), 22050);
  std::ofstream(dir / "ep.txt") << "0.5\t1.5\tspeech\n";
  auto r = testutil::runPodclean("label-export --editor " + (dir / "page.html") + " " + (dir / "ep.wav") + " " + (dir / "ep.txt") +
                                 " --labels speech,breath --quiet");
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  const std::string page = readTextFile(dir / "page.html");
  CHECK(page.find("const AUDIO = [\"") != std::string::npos);  // embedded, as MP3 pieces
  CHECK(page.find("\"mode\":\"labels\"") != std::string::npos);
  CHECK(page.find("\"regions\":[{\"confidence\":1.0,\"end\":1.5,\"label\":\"speech\",\"start\":0.5}]") != std::string::npos);
  CHECK(page.find("\"labels\":[\"speech\",\"breath\"]") != std::string::npos);
  CHECK(page.find("http://") == std::string::npos);   // nothing fetched from a network
  CHECK(page.find("https://") == std::string::npos);
  CHECK(page.find("exportLabels") != std::string::npos);
}
