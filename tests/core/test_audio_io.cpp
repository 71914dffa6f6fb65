#include <catch2/catch.hpp>

#include <sndfile.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "podclean/audio/audio_reader.h"
#include "podclean/audio/audio_writer.h"
#include "podclean/audio/resampler.h"
#include "podclean/util/error.h"
#include "test_util.h"

using namespace podclean;
namespace fs = std::filesystem;

// Frequency of a sine from its zero crossings (robust, no FFT needed).
static double estimateFrequency(const std::vector<float>& s, int rate) {
  int crossings = 0;
  size_t first = 0, last = 0;
  for (size_t i = 1 + rate / 10; i + rate / 10 < s.size(); ++i)
    if (s[i - 1] < 0 && s[i] >= 0) {
      if (crossings == 0) first = i;
      last = i;
      ++crossings;
    }
  return (crossings - 1) * double(rate) / double(last - first);
}

TEST_CASE("audio round-trips through every writable format", "[audio]") {
  testutil::TempDir dir("io");
  const auto tone = testutil::sine(440, 1.0, 48000, 0.5f);
  struct Case { const char* ext; double tolerance; };
  for (Case c : {Case{"wav", 1e-4}, Case{"flac", 1e-4}, Case{"ogg", 0.05}, Case{"opus", 0.08}, Case{"mp3", 0.08}}) {
    INFO("format " << c.ext);
    const std::string path = dir / (std::string("tone.") + c.ext);
    writeMono(path, tone.data(), int64_t(tone.size()), 48000);
    REQUIRE(fs::exists(path));
    AudioReader reader(path);
    CHECK(reader.info().sample_rate_hz == 48000);
    CHECK(reader.info().channels == 1);
    std::vector<float> back = loadMono(path, 48000);
    // Lossy codecs add delay and priming: compare level and pitch, not samples.
    REQUIRE(back.size() >= tone.size() * 9 / 10);
    CHECK(estimateFrequency(back, 48000) == Approx(440).epsilon(0.01));
    double rms = 0;
    for (size_t i = 4800; i < 43200; ++i) rms += double(back[i]) * back[i];
    CHECK(std::sqrt(rms / 38400) == Approx(0.5 / std::sqrt(2.0)).epsilon(0.1));
    if (c.tolerance < 1e-3)
      for (size_t i = 0; i < tone.size(); i += 997) CHECK(std::fabs(back[i] - tone[i]) < c.tolerance);
  }
}

TEST_CASE("stereo input is downmixed to mono", "[audio]") {
  testutil::TempDir dir("stereo");
  AudioInfo info;
  info.sample_rate_hz = 16000;
  info.channels = 2;
  std::vector<float> frames = {0.5f, -0.5f, 0.25f, 0.75f};
  AudioWriter writer(dir / "st.wav", info);
  writer.writeInterleaved(frames.data(), 2);
  writer.commit();
  auto mono = loadMono(dir / "st.wav", 16000);
  REQUIRE(mono.size() == 2);
  CHECK(mono[0] == Approx(0.0).margin(1e-4));
  CHECK(mono[1] == Approx(0.5).margin(1e-4));
}

TEST_CASE("resampling keeps a sine's frequency and the duration", "[audio][resample]") {
  for (auto [from, to] : {std::pair{44100, 16000}, std::pair{8000, 16000}, std::pair{48000, 22050}}) {
    INFO(from << " -> " << to);
    auto tone = testutil::sine(1000, 2.0, from);
    auto out = resample(tone, from, to);
    CHECK(std::abs(double(out.size()) - 2.0 * to) <= 2);
    CHECK(estimateFrequency(out, to) == Approx(1000).epsilon(0.002));
    // Streaming in odd chunks gives the same samples as one call.
    Resampler streaming(from, to);
    std::vector<float> pieces;
    for (size_t at = 0; at < tone.size(); at += 1234)
      streaming.process(tone.data() + at, std::min<size_t>(1234, tone.size() - at), pieces);
    streaming.flush(pieces);
    REQUIRE(pieces.size() == out.size());
    double worst = 0;
    for (size_t i = 0; i < out.size(); ++i) worst = std::max(worst, double(std::fabs(out[i] - pieces[i])));
    CHECK(worst < 1e-5);
  }
}

TEST_CASE("MonoSource streams a long file in bounded chunks", "[audio][streaming]") {
  testutil::TempDir dir("stream");
  auto tone = testutil::sine(300, 30.0, 44100);
  writeMono(dir / "long.flac", tone.data(), int64_t(tone.size()), 44100);
  MonoSource source(dir / "long.flac", 16000, 8192);
  std::vector<float> chunk;
  size_t total = 0, largest = 0;
  while (source.next(chunk)) {
    total += chunk.size();
    largest = std::max(largest, chunk.size());
  }
  CHECK(std::abs(double(total) - 30.0 * 16000) <= 2);
  CHECK(largest <= 8192);  // 8192 input frames at 44.1 kHz -> fewer at 16 kHz
}

TEST_CASE("bad audio files give one clear error naming the file", "[audio][errors]") {
  testutil::TempDir dir("bad");
  auto tone = testutil::sine(440, 1.0, 16000);
  writeMono(dir / "good.wav", tone.data(), int64_t(tone.size()), 16000);
  {  // truncated: the header promises more data than the file holds
    std::ifstream in(dir / "good.wav", std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), {});
    std::ofstream(dir / "truncated.wav", std::ios::binary) << bytes.substr(0, bytes.size() / 3);
  }
  std::ofstream(dir / "text.wav") << "this is not audio\n";
  std::ofstream(dir / "empty.wav");
  struct Case { std::string path, problem; };
  for (const Case& c : {Case{dir / "truncated.wav", "truncated"}, Case{dir / "text.wav", "not a supported audio file"},
                        Case{dir / "empty.wav", "empty"}, Case{dir / "missing.wav", "no such file"},
                        Case{dir.path.string(), "directory"}}) {
    INFO(c.path);
    try {
      loadMono(c.path, 16000);
      FAIL("no error for " << c.path);
    } catch (const FileError& e) {
      CHECK(std::string(e.what()).find(c.path) == 0);
      CHECK_THAT(e.what(), Catch::Contains(c.problem));
      CHECK(std::string(e.what()).find('\n') == std::string::npos);
    }
  }
}

TEST_CASE("a FLAC stream that loses sync is reported, not crashed on", "[audio][errors]") {
  const std::string path = testutil::dataPath("bad-inputs/damaged-alexa-126.flac");
  CHECK_THROWS_AS(loadMono(path, 16000), FileError);
  CHECK_THROWS_WITH(loadMono(path, 16000), Catch::StartsWith(path) && Catch::Contains("damaged"));
}

TEST_CASE("an abandoned writer leaves no file behind", "[audio]") {
  testutil::TempDir dir("abandon");
  {
    AudioInfo info;
    info.sample_rate_hz = 16000;
    info.channels = 1;
    AudioWriter writer(dir / "out.wav", info);
    float x[4] = {0, 0, 0, 0};
    writer.writeInterleaved(x, 4);
  }  // no commit
  CHECK(fs::is_empty(dir.path));
  CHECK_THROWS_AS(formatForExtension("x.xyz"), UsageError);
}
