// What the README promises about outputs, checked through the binary: no
// input is ever overwritten, no output replaces a link, device or FIFO, two
// inputs never share an output, failed writes fail, signals leave no
// temporaries, and bad numbers are usage errors (exit 2).
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include "podclean/audio/audio_writer.h"
#include "test_util.h"

namespace fs = std::filesystem;
using podclean::writeMono;

namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int countLines(const std::string& text) {
  int lines = 0;
  for (char c : text) lines += c == '\n';
  return lines;
}

// Speech-like bursts with pauses, so clean has something to cut.
void writeTalk(const std::string& path, double seconds, int rate = 44100) {
  std::vector<float> s = testutil::sine(220, seconds, rate, 0.4f);
  for (size_t i = 0; i < s.size(); ++i)
    if (int(double(i) / rate) % 3 == 2) s[i] = 0.f;
  writeMono(path, s.data(), int64_t(s.size()), rate);
}

// Noise: compresses badly, so MP3/Ogg outputs are large.
void writeNoise(const std::string& path, double seconds, int rate = 44100) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> u(-0.5f, 0.5f);
  std::vector<float> s(size_t(seconds * rate));
  for (float& v : s) v = u(rng);
  writeMono(path, s.data(), int64_t(s.size()), rate);
}

// Files in a folder whose names end in .part (temporaries left behind).
int partFiles(const fs::path& dir) {
  int n = 0;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
    n += it->path().extension() == ".part";
  return n;
}

std::string q(const std::string& path) { return "'" + path + "'"; }

// A shell command line, stdout and stderr together.
testutil::RunResult runShell(const std::string& command) {
  testutil::RunResult r{-1, ""};
  FILE* pipe = ::popen(("(" + command + ") 2>&1").c_str(), "r");
  char buffer[4096];
  for (size_t n; (n = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0;) r.output.append(buffer, n);
  const int status = ::pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

}  // namespace

TEST_CASE("outputs never replace a symbolic link, a FIFO or a device", "[safety]") {
  testutil::TempDir dir("safety-links");
  std::ofstream(dir / "in.txt") << "0.5\t1.0\tspeech\n";
  std::ofstream(dir / "precious.csv") << "keep me\n";
  fs::create_symlink(dir / "precious.csv", dir / "link.csv");
  REQUIRE(::mkfifo((dir / "fifo.csv").c_str(), 0644) == 0);
  for (const std::string& out : {dir / "link.csv", dir / "fifo.csv", std::string("/dev/null")}) {
    INFO(out);
    auto r = testutil::runPodclean("label-export " + q(dir / "in.txt") + " -o " + q(out));
    CHECK(r.exit_code == 1);
    CHECK(countLines(r.output) == 1);
    CHECK_THAT(r.output, Catch::StartsWith("podclean: " + out + ": is a "));
  }
  CHECK(fs::is_symlink(dir / "link.csv"));
  CHECK(slurp(dir / "precious.csv") == "keep me\n");
  CHECK(fs::is_fifo(dir / "fifo.csv"));
  CHECK(fs::is_character_file("/dev/null"));
  CHECK(partFiles(dir.path) == 0);

  // clean: an output name that is a link to elsewhere is refused before any work.
  writeTalk(dir / "x.wav", 3);
  fs::create_directories(dir / "out");
  fs::create_symlink(dir / "precious.csv", dir / "out/x.wav");
  auto r = testutil::runPodclean("clean " + q(dir / "x.wav") + " -o " + q(dir / "out") + " --method energy");
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.output, Catch::Contains("out/x.wav: is a symbolic link"));
  CHECK(slurp(dir / "precious.csv") == "keep me\n");
}

TEST_CASE("no input is overwritten: clean, classify, label-export, prep", "[safety]") {
  testutil::TempDir dir("safety-inputs");
  fs::create_directories(dir / "a");
  fs::create_directories(dir / "b");
  writeTalk(dir / "a/x.wav", 3);
  writeTalk(dir / "b/x.wav", 4);
  const std::string b_before = slurp(dir / "b/x.wav");

  // Two inputs, one output name: found before any work, both named.
  auto r = testutil::runPodclean("clean " + q(dir / "a/x.wav") + " " + q(dir / "b/x.wav") + " -o " + q(dir / "b") + " --method energy");
  INFO(r.output);
  CHECK(r.exit_code == 2);
  CHECK(countLines(r.output) == 1);
  CHECK_THAT(r.output, Catch::Contains(dir / "a/x.wav") && Catch::Contains(dir / "b/x.wav") && Catch::Contains("both"));
  CHECK(slurp(dir / "b/x.wav") == b_before);

  // The same stem in two formats, one output format.
  writeTalk(dir / "y.wav", 3);
  fs::copy_file(dir / "y.wav", dir / "y.flac");  // content does not matter: nothing is read
  r = testutil::runPodclean("clean " + q(dir / "y.wav") + " " + q(dir / "y.flac") + " --format mp3 -o " + q(dir / "out") + " --method energy");
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.output, Catch::Contains("y.wav and ") && Catch::Contains("y.flac would both be written to"));
  CHECK(!fs::exists(dir / "out/y.mp3"));

  // An output that is its own input (and one reached through a hard link).
  r = testutil::runPodclean("clean " + q(dir / "b/x.wav") + " -o " + q(dir / "b") + " --method energy");
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.output, Catch::Contains("b/x.wav: the output would overwrite the input"));
  fs::create_directories(dir / "c");
  fs::create_hard_link(dir / "b/x.wav", dir / "c/x.wav");
  r = testutil::runPodclean("clean " + q(dir / "b/x.wav") + " -o " + q(dir / "c") + " --method energy");
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.output, Catch::Contains("c/x.wav: the output would overwrite the input " + (dir / "b/x.wav")));
  CHECK(slurp(dir / "b/x.wav") == b_before);

  // clean --dry-run --cuts beside the input: never replaces a cut list that is there (maybe the user's edit).
  const std::string edited = "1.000000\t2.000000\tsilence\n";
  std::ofstream(dir / "b/x.wav.cuts.txt") << edited;
  r = testutil::runPodclean("clean " + q(dir / "b/x.wav") + " --dry-run --cuts --method energy");
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.output, Catch::Contains("x.wav.cuts.txt: a cut list is already there"));
  CHECK(slurp(dir / "b/x.wav.cuts.txt") == edited);
  CHECK(!fs::exists(dir / "b/x.wav.cuts.json"));
  fs::remove(dir / "b/x.wav.cuts.txt");

  // classify -o onto its input: refused before the model is even loaded.
  r = testutil::runPodclean("classify " + q(dir / "b/x.wav") + " -o " + q(dir / "b/x.wav"));
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.output, Catch::Contains("x.wav: the output would overwrite the input"));
  CHECK(slurp(dir / "b/x.wav") == b_before);

  // label-export seg.json -o seg.npy: the label map would go to seg.json.
  const std::string seg = R"({"segments": [{"start": 0.5, "end": 1.0, "label": "speech"}]})";
  std::ofstream(dir / "seg.json") << seg;
  r = testutil::runPodclean("label-export " + q(dir / "seg.json") + " --audio " + q(dir / "b/x.wav") + " -o " + q(dir / "seg.npy"));
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.output, Catch::Contains("label map") && Catch::Contains("seg.json"));
  CHECK(slurp(dir / "seg.json") == seg);
  CHECK(!fs::exists(dir / "seg.npy"));

  // prep dir/ -o dir/: the output folder is an input folder.
  fs::create_directories(dir / "rec");
  writeTalk(dir / "rec/talk.wav", 4, 16000);
  writeTalk(dir / "rec/talk_0000.wav", 2, 16000);
  const std::string piece_before = slurp(dir / "rec/talk_0000.wav");
  r = testutil::runPodclean("prep " + q(dir / "rec") + " -o " + q(dir / "rec") + " --task split-fixed --piece-seconds 1");
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.output, Catch::Contains("input folder"));
  CHECK(slurp(dir / "rec/talk_0000.wav") == piece_before);
  CHECK(!fs::exists(dir / "rec/talk_0001.wav"));
}

TEST_CASE("a write that fails at close fails the file: MP3, Ogg, WAV over a file size limit", "[safety]") {
  testutil::TempDir dir("safety-full");
  writeNoise(dir / "noise.wav", 20);
  for (const char* format : {"mp3", "ogg", "wav", "flac"}) {
    INFO(format);
    // 256 blocks of 512 bytes: far less than 20 s of noise in any format. SIGXFSZ
    // is ignored, so write() fails with EFBIG, as it fails with ENOSPC on a full disk.
    auto r = runShell("trap '' XFSZ; ulimit -f 256; exec " + std::string(PODCLEAN_BINARY) + " clean " + q(dir / "noise.wav") +
                      " -o " + q(dir / "out") + " --format " + format + " --method energy --silence-db -90");
    INFO(r.output);
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.output, Catch::Contains("noise." + std::string(format) + ": ") && !Catch::Contains("ok\t"));
    CHECK(!fs::exists(dir / ("out/noise." + std::string(format))));
    CHECK(partFiles(dir.path) == 0);
  }
}
TEST_CASE("Opus at a rate it cannot take leaves no file", "[safety]") {
  testutil::TempDir dir("safety-opus");
  writeTalk(dir / "x.wav", 3, 44100);
  auto r = testutil::runPodclean("clean " + q(dir / "x.wav") + " -o " + q(dir / "out") + " --format opus --method energy");
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.output, Catch::Contains("x.opus"));
  CHECK(fs::is_empty(dir / "out"));
}

TEST_CASE("clean reads a FIFO once, and SIGTERM leaves no temporary files", "[safety]") {
  testutil::TempDir dir("safety-fifo");
  writeTalk(dir / "talk.wav", 6);
  const std::string wav = slurp(dir / "talk.wav");
  fs::create_directories(dir / "tmp");
  REQUIRE(::mkfifo((dir / "pipe.wav").c_str(), 0644) == 0);

  // Start clean on the FIFO, with TMPDIR where the test can see the spooled copy.
  auto start = [&] {
    const pid_t pid = ::fork();
    if (pid == 0) {
      ::setenv("TMPDIR", (dir / "tmp").c_str(), 1);
      const int null = ::open("/dev/null", O_WRONLY);
      ::dup2(null, STDOUT_FILENO);
      ::dup2(null, STDERR_FILENO);
      ::execl(PODCLEAN_BINARY, PODCLEAN_BINARY, "clean", (dir / "pipe.wav").c_str(), "-o", (dir / "out").c_str(), "--method",
              "energy", "--quiet", nullptr);
      ::_exit(127);
    }
    return pid;
  };
  auto waitExit = [](pid_t pid) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    return status;
  };

  SECTION("a whole file through the FIFO is cleaned like the file itself") {
    const pid_t pid = start();
    {
      std::ofstream fifo(dir / "pipe.wav", std::ios::binary);  // blocks until clean opens it
      fifo << wav;
    }
    const int status = waitExit(pid);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
    CHECK(fs::file_size(dir / "out/pipe.wav") > 1000);
    CHECK(partFiles(dir.path) == 0);
  }
  SECTION("SIGTERM while the FIFO is half read") {
    const pid_t pid = start();
    std::ofstream fifo(dir / "pipe.wav", std::ios::binary);
    fifo << wav.substr(0, wav.size() / 2);
    fifo.flush();
    // Wait until the spooled copy exists, then stop clean.
    for (int i = 0; i < 2000 && partFiles(dir / "tmp") == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    REQUIRE(partFiles(dir / "tmp") == 1);
    ::kill(pid, SIGTERM);
    const int status = waitExit(pid);
    fifo.close();
    CHECK(WIFSIGNALED(status));
    CHECK(WTERMSIG(status) == SIGTERM);
    CHECK(partFiles(dir.path) == 0);
  }
}

TEST_CASE("bad numbers are usage errors: nan, inf, rates, ring sizes", "[safety][cli]") {
  testutil::TempDir dir("safety-numbers");
  writeTalk(dir / "x.wav", 2, 16000);
  const std::string x = q(dir / "x.wav");
  struct Case { std::string args, expect; };
  for (const Case& c : {Case{"clean " + x + " --dry-run --threshold nan", "--threshold"},
                        Case{"clean " + x + " --dry-run --method energy --silence-db inf", "--silence-db"},
                        Case{"clean " + x + " --dry-run --pad-before -nan", "--pad-before"},
                        Case{"classify " + x + " --step nan", "--step"},
                        Case{"listen --input - --rate 0", "--rate"},
                        Case{"listen --input - --rate -16000", "--rate"},
                        Case{"listen --input - --ring-seconds -1", "--ring-seconds"},
                        Case{"listen --input - --ring-seconds nan", "--ring-seconds"},
                        Case{"listen --input - --threshold nan", "--threshold"},
                        Case{"listen --input - --keyword-threshold alexa=nan", "alexa"},
                        Case{"prep " + x + " -o " + q(dir / "ds") + " --val nan", "--val"}}) {
    INFO(c.args);
    // timeout: a hang (the ring's power-of-two rounding overflowed) fails (124) instead of stalling the tests
    auto r = runShell("timeout 60 " + std::string(PODCLEAN_BINARY) + " " + c.args + " </dev/null");
    CHECK(r.exit_code == 2);
    CHECK(countLines(r.output) == 1);
    CHECK_THAT(r.output, Catch::Contains(c.expect));
  }
  CHECK(!fs::exists(dir / "ds"));
}

TEST_CASE("clean --jobs 2 keeps going past a failing file, and a non-UTF-8 name is fine", "[safety]") {
  testutil::TempDir dir("safety-jobs");
  writeTalk(dir / "good.wav", 3);
  writeTalk(dir / "caf\xe9.wav", 3);  // Latin-1 name: not UTF-8
  std::ofstream(dir / "bad.wav") << "not audio at all, just text";
  auto r = testutil::runPodclean("clean " + q(dir / "good.wav") + " " + q(dir / "caf\xe9.wav") + " " + q(dir / "bad.wav") + " -o " +
                                 q(dir / "out") + " --jobs 2 --method energy --cuts");
  INFO(r.output);
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.output, Catch::Contains("podclean: " + (dir / "bad.wav") + ": "));
  CHECK_THAT(r.output, Catch::Contains("failed\t" + (dir / "bad.wav")));
  CHECK(fs::exists(dir / "out/good.wav"));
  CHECK(fs::exists(dir / "out/caf\xe9.wav"));
  CHECK(fs::exists(dir / "out/caf\xe9.wav.cuts.json"));
}

TEST_CASE("error messages say what is wrong with the file", "[safety][errors]") {
  testutil::TempDir dir("safety-messages");
  std::mt19937 rng(3);
  std::string junk(4096, '\0');
  for (char& c : junk) c = char(rng());
  std::ofstream(dir / "random.mp3", std::ios::binary) << junk;
  auto r = testutil::runPodclean("clean " + q(dir / "random.mp3") + " --dry-run --method energy");
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.output, Catch::Contains("random.mp3: cannot read audio: not a supported audio file"));
  CHECK_THAT(r.output, !Catch::Contains("does not exist") && !Catch::Contains("pipe"));

  // A damaged FLAC: where the damage was found, never "after 0.000000 s".
  r = testutil::runPodclean("clean " + q(testutil::dataPath("bad-inputs/damaged-alexa-126.flac")) + " --dry-run --method energy");
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.output, Catch::Contains("damaged-alexa-126.flac: ") && !Catch::Contains("0.000000"));
}

TEST_CASE("listen --exec children get no stdin, no stdout and no inherited descriptors", "[safety][listen]") {
  testutil::TempDir dir("safety-exec");
  const std::string keyword = testutil::dataPath("keywords/alexa-108.flac");
  const std::string child = "alexa=ls -l /proc/$$/fd > " + (dir / "fds.txt") + "; readlink /proc/self/fd/0 > " + (dir / "fd0.txt") +
                            "; echo child-out; touch " + (dir / "done");
  auto r = runShell(std::string(PODCLEAN_BINARY) + " listen --input " + q(keyword) + " --fast --json --quiet --exec " + q(child) +
                    " > " + q(dir / "stdout.txt") + " 2> " + q(dir / "stderr.txt"));
  REQUIRE(r.exit_code == 0);
  for (int i = 0; i < 1000 && !fs::exists(dir / "done"); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  REQUIRE(fs::exists(dir / "done"));
  CHECK(slurp(dir / "fd0.txt") == "/dev/null\n");
  const std::string stdout_text = slurp(dir / "stdout.txt"), fds = slurp(dir / "fds.txt");
  INFO(fds);
  CHECK_THAT(stdout_text, Catch::Contains("\"keyword\": \"alexa\"") && !Catch::Contains("child-out"));  // JSON lines only
  CHECK_THAT(slurp(dir / "stderr.txt"), Catch::Contains("child-out"));
  CHECK_THAT(fds, !Catch::Contains("alexa-108.flac") && !Catch::Contains("socket:") && !Catch::Contains(".pt"));
}

TEST_CASE("listen --fast never reports falling behind, even with a tiny ring", "[safety][listen]") {
  auto r = testutil::runPodclean("listen --input " + q(testutil::dataPath("keywords/alexa-108.flac")) + " --fast --ring-seconds 0.1");
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.output, !Catch::Contains("fell behind") && Catch::Contains(" 0 samples dropped"));
}
