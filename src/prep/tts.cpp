// Offline TTS takes of a keyword (see tts.h). The engines are run as
// programs (posix_spawnp, no shell): nothing to link, and a missing engine is
// just skipped.
#include "podclean/prep/tts.h"

#include <fcntl.h>
#include <spawn.h>
#include <unistd.h>
#include <sys/wait.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <vector>

#include "podclean/util/error.h"

extern char** environ;

namespace podclean {

namespace {

bool run(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t quiet;
  posix_spawn_file_actions_init(&quiet);
  posix_spawn_file_actions_addopen(&quiet, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&quiet, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  pid_t pid;
  const int err = posix_spawnp(&pid, argv[0], &quiet, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&quiet);
  if (err != 0) return false;
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

bool nonEmpty(const std::string& path) {
  std::error_code ec;
  return std::filesystem::file_size(path, ec) > 1000 && !ec;
}

// espeak-ng languages whose phonemes give English words an accent of their own.
const std::vector<std::string> kLanguages = {
    "en-us", "en-us", "en-us", "en", "en", "en-gb-x-rp", "en-gb-scotland", "en-gb-x-gbclan", "en-gb-x-gbcwmd",
    "en-029", "de", "fr", "es", "it", "nl", "pt", "pl", "sv", "hi", "ru", "cs", "da", "fi", "hu", "ro", "tr"};
// espeak-ng's voice variants (male, female, others).
const std::vector<std::string> kVariants = {"m1", "m2", "m3", "m4", "m5", "m6", "m7", "f1", "f2", "f3", "f4",
                                            "f5", "croak", "klatt", "klatt2", "klatt3", "Andy", "Annie",
                                            "belinda", "benjamin", "david", "grandma", "linda", "max", "michel",
                                            "paul", "steph", "travis", "victor", "whisper"};
const std::vector<std::string> kFliteVoices = {"kal", "kal16", "awb", "rms", "slt"};
// Festival's voices from Debian's festvox-* packages: three American English (a diphone voice each of
// Kal and Kurt, an HTS voice of Susan) and ten of other languages reading the English words with
// their own letter-to-sound rules (an accent). A voice that is not installed just makes no file.
const std::vector<std::string> kFestivalVoices = {
    "kal_diphone",    "ked_diphone",      "cmu_us_slt_arctic_hts", "upc_ca_ona_hts",    "czech_dita",
    "czech_krb",      "czech_machac",     "czech_ph",              "hy_fi_mv_diphone",  "suo_fi_lj_diphone",
    "lp_diphone",     "pc_diphone",       "msu_ru_nsh_clunits"};
// The same words said as a call, a question, a statement.
const std::vector<std::string> kEndings = {"", "", "!", "?", "."};

// A Scheme string literal of text.
std::string schemeString(const std::string& text) {
  std::string quoted = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') quoted += '\\';
    quoted += c;
  }
  return quoted + "\"";
}

// Festival starts slowly (about 2 s, loading its voice), so all of its takes are said by one
// `festival -b` run of a script; each take is guarded, so a voice that fails to load only loses
// its own takes. Writes dir/<label>-festival-NNNN.wav; returns the paths written.
std::vector<std::string> festivalTakes(const std::string& phrase, const std::string& dir, const std::string& label,
                                       int takes, std::mt19937_64& rng) {
  std::vector<std::string> wanted, written;
  if (takes <= 0) return written;
  const std::string script = dir + "/." + label + "-festival.scm";
  {
    std::ofstream scm(script);
    for (int i = 0; i < takes; ++i) {
      char name[80];
      std::snprintf(name, sizeof(name), "/%s-festival-%04d.wav", label.c_str(), i);
      wanted.push_back(dir + name);
      const std::string voice = kFestivalVoices[rng() % kFestivalVoices.size()];
      const double stretch = 0.8 + 0.05 * double(rng() % 11);  // 0.8-1.3: faster and slower talkers
      scm << "(unwind-protect (begin (voice_" << voice << ") (Parameter.set 'Duration_Stretch " << stretch
          << ") (utt.save.wave (utt.synth (Utterance Text " << schemeString(phrase + kEndings[rng() % kEndings.size()])
          << ")) " << schemeString(wanted.back()) << " 'riff)) nil)\n";
    }
  }
  run({"festival", "-b", script});  // its exit status says little: each take is checked below
  std::filesystem::remove(script);
  for (const auto& path : wanted) {
    if (nonEmpty(path)) written.push_back(path);
    else std::filesystem::remove(path);
  }
  return written;
}

}  // namespace

std::string ttsLabel(const std::string& phrase) {
  std::string label;
  for (char c : phrase) {
    if (std::isalnum(static_cast<unsigned char>(c))) label += char(std::tolower(static_cast<unsigned char>(c)));
    else if (!label.empty() && label.back() != '_') label += '_';
  }
  while (!label.empty() && label.back() == '_') label.pop_back();
  if (label.empty()) throw UsageError("--tts-keyword '" + phrase + "': no letters or digits in it");
  return label;
}

TtsEngines parseTtsEngines(const std::vector<std::string>& names) {
  TtsEngines engines;
  for (const std::string& name : names) {
    if (name == "espeak-ng") engines.espeak = true;
    else if (name == "flite") engines.flite = true;
    else if (name == "festival") engines.festival = true;
    else throw UsageError("--tts-engines: unknown engine '" + name + "' (espeak-ng, flite, festival)");
  }
  if (!engines.espeak && !engines.flite && !engines.festival) throw UsageError("--tts-engines: name at least one engine");
  return engines;
}

int synthesizeKeywordTakes(const std::string& phrase, const std::string& dir, int takes, uint64_t seed,
                           const TtsEngines& engines) {
  std::filesystem::create_directories(dir);
  std::mt19937_64 rng(seed);
  auto pick = [&rng](const std::vector<std::string>& v) { return v[rng() % v.size()]; };
  auto uniform = [&rng](int lo, int hi) { return lo + int(rng() % uint64_t(hi - lo + 1)); };
  const std::string label = ttsLabel(phrase);
  auto take_path = [&](int index) {  // every engine's takes in one numbered series
    char name[64];
    std::snprintf(name, sizeof(name), "/%s-tts-%04d.wav", label.c_str(), index);
    return dir + name;
  };
  int written = 0;
  // With other engines, a third of the takes from festival: its voices come from real speakers'
  // recordings, as flite's do, where espeak-ng's are all one formant synthesiser.
  const bool others = engines.espeak || engines.flite;
  const int festival_takes = !engines.festival ? 0 : others ? takes / 3 : takes;
  for (const std::string& path : festivalTakes(phrase, dir, label, festival_takes, rng))
    std::filesystem::rename(path, take_path(written++));
  bool espeak = engines.espeak, flite = engines.flite;  // until an engine fails before it ever worked
  int espeak_ok = 0, flite_ok = 0;
  for (int i = 0; i < takes * 2 && written < takes && (espeak || flite); ++i) {
    const std::string out = take_path(written), text = phrase + pick(kEndings);
    // One take in six from flite (fewer voices, so fewer of its takes).
    const bool use_flite = flite && (!espeak || rng() % 6 == 0);
    bool ok;
    if (use_flite) {
      const double stretch = 0.75 + 0.1 * uniform(0, 7), f0 = 80 + 10 * uniform(0, 14);
      ok = run({"flite", "-voice", pick(kFliteVoices), "--setf", "duration_stretch=" + std::to_string(stretch),
                "--setf", "int_f0_target_mean=" + std::to_string(f0), "-t", text, "-o", out});
      if (!ok && flite_ok == 0) flite = false;
      flite_ok += ok;
    } else {
      ok = run({"espeak-ng", "-v", pick(kLanguages) + "+" + pick(kVariants), "-s", std::to_string(uniform(110, 210)),
                "-p", std::to_string(uniform(20, 80)), "-a", std::to_string(uniform(80, 160)), "-w", out, text});
      if (!ok && espeak_ok == 0) espeak = false;
      espeak_ok += ok;
    }
    if (ok && nonEmpty(out)) ++written;
    else std::filesystem::remove(out);
  }
  if (written == 0)
    throw Error("--tts-keyword: none of espeak-ng, flite and festival could be run (apt-get install espeak-ng flite festival)");
  return written;
}

}  // namespace podclean
