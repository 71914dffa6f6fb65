// podclean listen: live keyword spotting. Capture (microphone, file, stdin or
// UDP, src/realtime/capture.cpp) delivers blocks at the model's rate; this
// thread steps the spotter on them and reports.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <map>
#include <optional>
#include <utility>

#include "commands.h"
#include "model_paths.h"
#include "podclean/model/keyword_spotter.h"
#include "podclean/realtime/capture.h"
#include "podclean/realtime/command_gate.h"
#include "podclean/util/error.h"

extern char** environ;

namespace podclean::cli {

namespace {

std::atomic<bool> g_stop{false};
void onSignal(int) { g_stop = true; }

struct ListenArgs {
  std::vector<std::string> models;  // more than one: their probabilities are averaged
  std::vector<std::string> verifiers;  // more than one: their probabilities are averaged
  std::vector<std::string> exec;
  std::vector<std::string> keyword_thresholds;
  bool phrase_check = false, no_phrase_check = false;  // pocketsphinx confirms what the verifier turns down
  std::vector<std::string> phrases;  // KEYWORD=WORDS for the phrase check
  PhraseCheckOptions phrase;
  bool list_devices = false, json = false, no_verifier = false;
  bool commands = false, commands_only = false;  // voice commands after the wake word, or alone
  std::vector<std::string> command_models;
  double command_window_s = 5.0, command_threshold = 0.6;
  // The command model is a clip model scored every 10 frames, so 20 frames of smoothing span two
  // scores; at the wake words' shorter smoothing it acts wrongly more often (models/README.md).
  int command_smooth_frames = 20;
  CaptureOptions capture;
  SpotterOptions spotter;
};

void runCommand(const std::string& command, const Detection& d) {
  const std::string keyword = "PODCLEAN_KEYWORD=" + d.keyword, when = "PODCLEAN_TIME=" + std::to_string(d.time_s);
  std::vector<char*> env;
  for (char** e = environ; *e; ++e) env.push_back(*e);
  env.push_back(const_cast<char*>(keyword.c_str()));
  env.push_back(const_cast<char*>(when.c_str()));
  env.push_back(nullptr);
  const char* argv[] = {"/bin/sh", "-c", command.c_str(), nullptr};
  // The child gets no stdin (it must not eat audio from --input -) and writes
  // its output to our stderr: stdout carries only detections (JSON lines).
  // Nothing else podclean holds (the UDP socket, the input file, LibTorch's
  // files) reaches the child: every descriptor from 3 up is closed there.
  posix_spawn_file_actions_t files;
  posix_spawn_file_actions_init(&files);
  posix_spawn_file_actions_addclosefrom_np(&files, 3);
  posix_spawn_file_actions_addopen(&files, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&files, STDERR_FILENO, STDOUT_FILENO);
  pid_t pid;
  if (posix_spawn(&pid, "/bin/sh", &files, nullptr, const_cast<char**>(argv), env.data()) != 0)
    spdlog::warn("--exec: could not start '{}'", command);
  posix_spawn_file_actions_destroy(&files);
  // not waited for: SIGCHLD is ignored, so the child is reaped by the system
}

}  // namespace

// "KEYWORD=REST" of a repeatable option -> {KEYWORD, REST}; what names REST in the error.
static std::pair<std::string, std::string> splitKeyword(const std::string& option, const std::string& text,
                                                        const std::string& what) {
  const size_t eq = text.find('=');
  if (eq == std::string::npos || eq == 0) throw UsageError(option + " '" + text + "': use KEYWORD=" + what);
  return {text.substr(0, eq), text.substr(eq + 1)};
}

// Each wake word's words for the phrase check: its label's ("smart_mirror" ->
// "smart mirror") unless --phrase KEYWORD=WORDS gives them.
static std::map<std::string, std::string> phrasesOf(const Model& model, const ListenArgs& a) {
  std::map<std::string, std::string> phrases;
  for (const std::string& label : model.meta().labels)
    if (label != a.spotter.background) phrases[label] = phraseOfLabel(label);
  for (const auto& e : a.phrases) {
    auto [keyword, words] = splitKeyword("--phrase", e, "WORDS");
    if (!phrases.count(keyword)) throw UsageError("--phrase: the model has no keyword '" + keyword + "'");
    phrases[keyword] = words;
  }
  return phrases;
}

static bool hasLabel(const Model& model, const std::string& label) {
  const auto& labels = model.meta().labels;
  return std::find(labels.begin(), labels.end(), label) != labels.end();
}

static void runListen(ListenArgs& a) {
  if (a.list_devices) return listInputDevices();
  // Checked before anything is sized from them: 0 aborted, negatives hung rounding the ring up.
  if (a.capture.raw_rate_hz < 1000 || a.capture.raw_rate_hz > 384000)
    throw UsageError("--rate " + std::to_string(a.capture.raw_rate_hz) + ": give the raw input's sample rate, 1000..384000 Hz");
  if (!(a.capture.ring_seconds >= 0.1 && a.capture.ring_seconds <= 60))
    throw UsageError("--ring-seconds " + std::to_string(a.capture.ring_seconds) + ": give 0.1..60 seconds");
  if (a.capture.udp_port < 0 || a.capture.udp_port > 65535) throw UsageError("--udp " + std::to_string(a.capture.udp_port) + ": give a port 1..65535");
  std::map<std::string, std::string> commands;
  for (const auto& e : a.exec) {
    auto [keyword, command] = splitKeyword("--exec", e, "COMMAND");
    commands[keyword] = command;
  }
  for (const auto& e : a.keyword_thresholds) {
    auto [keyword, text] = splitKeyword("--keyword-threshold", e, "VALUE");
    double value = -1;  // out of range unless it parses (SpotterOptions checks the range)
    try {
      size_t used = 0;
      value = std::stod(text, &used);
      if (used != text.size() || !std::isfinite(value)) value = -1;
    } catch (const std::exception&) {
    }
    a.spotter.keyword_thresholds[keyword] = value;
  }
  if (a.commands_only) a.commands = true;
  if (a.commands_only && (!a.models.empty() || !a.verifiers.empty()))
    throw UsageError("--commands-only listens for commands alone: --model and --verifier do not apply");
  if (!(a.command_window_s > 0 && a.command_window_s <= 60))
    throw UsageError("--command-window: give 0..60 seconds");
  if (a.command_smooth_frames < 1 || a.command_smooth_frames > SpotterOptions::kMaxSmoothFrames)
    throw UsageError("--command-smooth must be 1.." + std::to_string(SpotterOptions::kMaxSmoothFrames) + " frames");
  // Each --keyword-threshold goes to the model that knows the keyword.
  std::map<std::string, double> command_thresholds;
  std::optional<Model> command_model;
  const std::vector<std::string> command_paths =
      a.command_models.empty() ? std::vector{shippedModel("listen-commands.pt")} : a.command_models;
  const std::string& command_path = command_paths[0];
  if (a.commands) {
    command_model = Model::load(command_path);
    for (auto it = a.spotter.keyword_thresholds.begin(); it != a.spotter.keyword_thresholds.end();)
      if (hasLabel(*command_model, it->first)) {
        command_thresholds.insert(*it);
        it = a.spotter.keyword_thresholds.erase(it);
      } else {
        ++it;
      }
  } else if (!a.command_models.empty()) {
    throw UsageError("--command-model goes with --commands or --commands-only");
  }
  setModelThreads(1);  // one frame at a time: threads only add overhead

  // The wake-word spotter, unless --commands-only.
  std::optional<Model> wake_model;
  std::unique_ptr<KeywordSpotter> wake;
  if (!a.commands_only) {
    const std::vector<std::string> model_paths = a.models.empty() ? std::vector{shippedModel("listen-default.pt")} : a.models;
    wake_model = Model::load(model_paths[0]);
    wake = std::make_unique<KeywordSpotter>(*wake_model, model_paths[0], a.spotter);
    for (size_t i = 1; i < model_paths.size(); ++i) wake->addModel(Model::load(model_paths[i]), model_paths[i]);
    // The shipped verifier goes with the shipped keyword model; another model takes --verifier.
    if (!a.verifiers.empty() && a.no_verifier) throw UsageError("--verifier and --no-verifier: choose one");
    const std::vector<std::string> verifier_paths =
        !a.verifiers.empty()                 ? a.verifiers
        : a.models.empty() && !a.no_verifier ? std::vector{shippedModel("listen-verify.pt")}
                                             : std::vector<std::string>{};
    for (const std::string& path : verifier_paths) wake->addVerifier(Model::load(path), path);
    // On by default with the shipped pair, whose wake words are English words.
    if (a.phrase_check && a.no_phrase_check) throw UsageError("--phrase-check and --no-phrase-check: choose one");
    const bool shipped_pair = a.models.empty() && a.verifiers.empty() && !a.no_verifier;
    if (a.phrase_check || (shipped_pair && !a.no_phrase_check))
      wake->setPhraseCheck(std::make_unique<PhraseCheck>(phrasesOf(*wake_model, a), a.phrase));
  } else if (a.phrase_check) {
    throw UsageError("--phrase-check checks wake words: not with --commands-only");
  } else if (!a.spotter.keyword_thresholds.empty()) {
    throw UsageError("--keyword-threshold: the command model has no keyword '" + a.spotter.keyword_thresholds.begin()->first + "'");
  }
  // The command spotter (--commands): its detections act only inside the gate.
  std::unique_ptr<KeywordSpotter> command;
  if (command_model) {
    SpotterOptions options = a.spotter;
    options.threshold = a.command_threshold;
    options.smooth_frames = a.command_smooth_frames;
    options.keyword_thresholds = command_thresholds;
    command = std::make_unique<KeywordSpotter>(*command_model, command_path, options);
    for (size_t i = 1; i < command_paths.size(); ++i) command->addModel(Model::load(command_paths[i]), command_paths[i]);
    if (wake && command->sampleRate() != wake->sampleRate())
      throw UsageError(command_path + ": its sample rate differs from the wake-word model's");
  }
  CommandGate gate(a.commands_only ? 0.0 : a.command_window_s);
  KeywordSpotter& spotter = wake ? *wake : *command;  // sets the rate; reports levels and time

  for (const auto& [keyword, cmd] : commands)
    if (!(wake_model && hasLabel(*wake_model, keyword)) && !(command_model && hasLabel(*command_model, keyword)))
      throw UsageError("--exec: no model here has the keyword '" + keyword + "'");

  AudioCapture capture(a.capture, spotter.sampleRate());
  std::signal(SIGINT, onSignal);
  std::signal(SIGTERM, onSignal);
  std::signal(SIGCHLD, SIG_IGN);

  std::vector<Detection> detections;
  const bool status = globalFlags().showProgress() && !a.capture.fast;
  uint64_t reported_overruns = 0;
  int64_t detected = 0;
  auto last_status = std::chrono::steady_clock::now(), last_warning = last_status - std::chrono::seconds(10);
  auto report = [&](const Detection& d) {
    ++detected;
    if (status) std::fprintf(stderr, "\r\033[K");
    if (a.json) {
      std::printf("{\"time\": %.3f, \"keyword\": \"%s\", \"score\": %.3f", d.time_s, d.keyword.c_str(), d.score);
      if (d.verify_score >= 0) std::printf(", \"verify\": %.3f", d.verify_score);
      if (d.phrase_heard) std::printf(", \"phrase\": true");
      std::printf("}\n");
    } else {
      std::printf("%.3f\t%s\t%.3f\n", d.time_s, d.keyword.c_str(), d.score);
    }
    std::fflush(stdout);
    auto it = commands.find(d.keyword);
    if (it != commands.end()) runCommand(it->second, d);
  };
  capture.run(spotter.sampleRate(), g_stop, [&](const AudioCapture::Block& block) {
    if (wake) {
      detections.clear();
      wake->accept(block.samples, block.count, detections);
      for (const Detection& d : detections) {
        report(d);
        gate.wake(d.time_s);
      }
    }
    if (command) {
      detections.clear();
      command->accept(block.samples, block.count, detections);
      for (const Detection& d : detections)
        if (gate.accept(d.time_s)) report(d);
        else spdlog::debug("{:.3f} s: '{}' heard with no wake word before it: ignored", d.time_s, d.keyword);
    }
    const auto now = std::chrono::steady_clock::now();
    const uint64_t overruns = capture.overruns();
    if (overruns > reported_overruns && now - last_warning > std::chrono::seconds(5)) {
      spdlog::warn("fell behind: dropped {} samples so far", overruns);
      reported_overruns = overruns;
      last_warning = now;
    }
    if (status && now - last_status > std::chrono::milliseconds(200)) {
      std::fprintf(stderr, "\r\033[Klevel %5.1f dB  best score %.2f  detections %lld", block.level_db,
                   spotter.bestScore(), (long long)detected);
      last_status = now;
    }
  });
  g_stop = true;
  if (status) std::fprintf(stderr, "\r\033[K");
  if (!globalFlags().quiet)
    std::fprintf(stderr, "listened %.1f s, %lld detections, %llu samples dropped%s\n", spotter.streamSeconds(),
                 (long long)detected, (unsigned long long)capture.overruns(),
                 capture.rejectedDatagrams() ? (", " + std::to_string(capture.rejectedDatagrams()) +
                                                " datagrams refused").c_str()
                                             : "");
}

void addListenCommand(CLI::App& app) {
  auto args = std::make_shared<ListenArgs>();
  ListenArgs& a = *args;
  CLI::App* sub = app.add_subcommand("listen",
      "Live keyword spotting from the microphone, a file, stdin or UDP; one line per detection on\n"
      "stdout (time, keyword, score). Ctrl-C ends with a summary.\n\n"
      "Examples:\n"
      "  podclean listen                                        # default microphone, default model\n"
      "  podclean listen --exec computer='playerctl play-pause' --exec jarvis='echo note >> notes.txt'\n"
      "  podclean listen --input recording.flac --fast --json   # scan a recording\n"
      "  arecord -f S16_LE -c 1 -r 16000 -t raw | podclean listen --input -\n"
      "  podclean listen --commands --exec stop='playerctl pause' --exec go='playerctl play'  # \"computer ... stop\"\n"
      "  podclean listen --udp 5005                             # raw s16le 16 kHz datagrams on 127.0.0.1:5005\n");
  sub->option_defaults()->always_capture_default();
  sub->add_option("--model", a.models,
                  "Keyword model: gru frame model, or conv2d clip model on a sliding window (default: "
                  "models/listen-default.pt); several of one kind (a,b) average their probabilities")
      ->delimiter(',');
  sub->add_option("--verifier", a.verifiers,
                  "Second-stage conv2d clip model that must confirm each detection (default with the default model: "
                  "models/listen-verify.pt); several (a,b) average their probabilities")
      ->delimiter(',');
  sub->add_flag("--no-verifier", a.no_verifier, "Detect on the keyword model alone");
  sub->add_option("--verify-threshold", a.spotter.verify_threshold, "Verifier: cbrt(keyword score x verifier probability^2) must reach this");
  sub->add_option("--verify-hop", a.spotter.verify_hop_frames, "Verifier: while it disagrees, ask again after this many frames");
  sub->add_flag("--phrase-check", a.phrase_check,
                "A wake word the verifier turns down still fires if pocketsphinx's English acoustic model "
                "(real voices) hears its words (default with the shipped models)");
  sub->add_flag("--no-phrase-check", a.no_phrase_check, "The verifier alone confirms");
  sub->add_option("--phrase", a.phrases, "KEYWORD=WORDS: the words the phrase check listens for (default: the label, '_' as space)");
  sub->add_option("--phrase-check-threshold", a.phrase.threshold,
                  "Phrase check: likelihood ratio over a free phone loop that the words must reach (smaller passes more)");
  sub->add_option("--phrase-delay", a.spotter.phrase_delay_s, "Phrase check: seconds after the score passed its threshold (from --phrase-score: after it stopped rising)");
  sub->add_option("--phrase-window", a.spotter.phrase_window_s, "Phrase check: seconds of audio it hears, ending then");
  sub->add_option("--phrase-score", a.spotter.phrase_score,
                  "Phrase check: also ask it when a keyword's score reaches this, below its threshold (0: only at the threshold)");
  sub->add_option("--input", a.capture.input, "mic | an audio file | - (raw s16le mono PCM on stdin)");
  sub->add_flag("--fast", a.capture.fast, "Files: as fast as possible instead of real time");
  sub->add_option("--device", a.capture.device, "Microphone device index (see --list-devices)");
  sub->add_flag("--list-devices", a.list_devices, "List input devices and exit");
  sub->add_option("--udp", a.capture.udp_port, "Receive raw s16le mono PCM datagrams on this port");
  sub->add_option("--udp-bind", a.capture.udp_bind, "Address to listen on for --udp");
  sub->add_option("--rate", a.capture.raw_rate_hz, "Sample rate of raw stdin / UDP input (Hz)");
  sub->add_option("--threshold", a.spotter.threshold, "Detect when a keyword's smoothed score reaches this");
  sub->add_option("--keyword-threshold", a.keyword_thresholds,
                  "KEYWORD=VALUE: this keyword's own threshold (e.g. a stricter one for a word that fires too often)");
  sub->add_option("--refractory", a.spotter.refractory_s, "Seconds a keyword rests after a detection");
  sub->add_option("--smooth", a.spotter.smooth_frames, "Frames of keyword score smoothing");
  sub->add_option("--window-hop", a.spotter.window_hop_frames,
                  "conv2d clip models: score the sliding clip-length window every this many frames");
  sub->add_flag("--commands", a.commands,
                "Voice commands (models/listen-commands.pt: stop, go, up, down, left, right) act within\n"
                "--command-window seconds after a wake word, one command per wake word");
  sub->add_flag("--commands-only", a.commands_only, "Voice commands with no wake word before them");
  sub->add_option("--command-model", a.command_models,
                  "Command model (default: models/listen-commands.pt); several (a,b) average their probabilities")
      ->delimiter(',');
  sub->add_option("--command-window", a.command_window_s, "Seconds after a wake word in which a command acts");
  sub->add_option("--command-threshold", a.command_threshold, "Detect a command when its smoothed score reaches this");
  sub->add_option("--command-smooth", a.command_smooth_frames, "Frames of command score smoothing");
  sub->add_option("--exec", a.exec, "KEYWORD=COMMAND: run COMMAND (sh -c) on each detection");
  sub->add_flag("--json", a.json, "JSON Lines output");
  sub->add_option("--ring-seconds", a.capture.ring_seconds, "Audio the ring buffer holds before dropping");
  sub->callback([args] { runListen(*args); });
}

}  // namespace podclean::cli
