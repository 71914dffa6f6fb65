// The binary as a user meets it: exit codes and one-line errors.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "test_util.h"

namespace fs = std::filesystem;

static int countLines(const std::string& text) {
  int lines = 0;
  for (char c : text) lines += c == '\n';
  return lines;
}

TEST_CASE("podclean --help, --version and every subcommand's help work", "[cli]") {
  auto r = testutil::runPodclean("--version");
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.output, Catch::Contains("podclean 0."));
  for (const char* sub : {"prep", "train", "label-export", "clean", "classify", "listen"}) {
    INFO(sub);
    r = testutil::runPodclean(std::string(sub) + " --help");
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.output, Catch::Contains(sub));
  }
  r = testutil::runPodclean("prep --help");
  CHECK_THAT(r.output, Catch::Contains("Example") && Catch::Contains("16000"));
}

TEST_CASE("unknown options and subcommands exit with code 2", "[cli]") {
  CHECK(testutil::runPodclean("prep a -o b --no-such-flag").exit_code == 2);
  CHECK(testutil::runPodclean("frobnicate").exit_code == 2);
  CHECK(testutil::runPodclean("").exit_code == 2);
  auto r = testutil::runPodclean("prep x -o y --task dance");
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.output, Catch::Contains("--task 'dance'"));
}

TEST_CASE("prep reports bad inputs in one line with a non-zero exit", "[cli][errors]") {
  testutil::TempDir dir("clibad");
  std::ofstream(dir / "text.wav") << "not audio";
  std::ofstream(dir / "empty.wav");
  fs::create_directories(dir / "emptyfolder");
  struct Case { std::string input, expect; };
  for (const Case& c : {Case{dir / "missing-folder", "no such file or folder"},
                        Case{dir / "text.wav", "not a supported audio file"},
                        Case{dir / "empty.wav", "empty file"},
                        Case{dir / "emptyfolder", "no audio files"},
                        Case{testutil::dataPath("bad-inputs"), "damaged"}}) {
    INFO(c.input);
    auto r = testutil::runPodclean("prep '" + c.input + "' -o '" + dir.path.string() + "/out' --quiet");
    CHECK(r.exit_code == 1);
    CHECK(countLines(r.output) == 1);
    CHECK_THAT(r.output, Catch::StartsWith("podclean: ") && Catch::Contains(c.input) && Catch::Contains(c.expect));
    CHECK(!fs::exists(dir.path / "out" / "manifest.json"));
  }
}
