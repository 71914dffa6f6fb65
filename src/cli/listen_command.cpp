// podclean listen: live keyword spotting. A producer (microphone callback,
// file, stdin or UDP) only copies samples into a lock-free ring; this
// thread resamples, computes features, steps the model and reports.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <unistd.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <csignal>
#include <cstring>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <utility>
#include <thread>

#ifdef PODCLEAN_HAVE_PORTAUDIO
#include <portaudio.h>
#endif

#include "commands.h"
#include "model_paths.h"
#include "podclean/audio/audio_reader.h"
#include "podclean/audio/resampler.h"
#include "podclean/dsp/frame_energy.h"
#include "podclean/model/keyword_spotter.h"
#include "podclean/realtime/spsc_ring.h"
#include "podclean/util/error.h"

extern char** environ;

namespace podclean::cli {

namespace {

std::atomic<bool> g_stop{false};
void onSignal(int) { g_stop = true; }

struct ListenArgs {
  std::string model, verifier, input = "mic", udp_bind = "127.0.0.1";
  std::vector<std::string> exec;
  std::vector<std::string> keyword_thresholds;
  int device = -1, udp_port = 0, raw_rate_hz = 16000;
  bool list_devices = false, fast = false, json = false, no_verifier = false;
  double ring_seconds = 2.0;
  SpotterOptions spotter;
};

// Producers write here; the consumer (this thread) reads. Sized once, up front.
struct Pipeline {
  SpscRing<float> ring;
  std::atomic<bool> producer_done{false};
  int source_rate_hz;
  std::string error;  // set by a producer thread before producer_done
  Pipeline(size_t capacity, int rate) : ring(capacity), source_rate_hz(rate) {}
};

void runCommand(const std::string& command, const Detection& d) {
  const std::string keyword = "PODCLEAN_KEYWORD=" + d.keyword, when = "PODCLEAN_TIME=" + std::to_string(d.time_s);
  std::vector<char*> env;
  for (char** e = environ; *e; ++e) env.push_back(*e);
  env.push_back(const_cast<char*>(keyword.c_str()));
  env.push_back(const_cast<char*>(when.c_str()));
  env.push_back(nullptr);
  const char* argv[] = {"/bin/sh", "-c", command.c_str(), nullptr};
  pid_t pid;
  if (posix_spawn(&pid, "/bin/sh", nullptr, nullptr, const_cast<char**>(argv), env.data()) != 0)
    spdlog::warn("--exec: could not start '{}'", command);
  // not waited for: SIGCHLD is ignored, so the child is reaped by the system
}

// File at real-time pace (or as fast as the consumer takes it with --fast).
void fileProducer(Pipeline& p, const std::string& path, bool fast) {
  try {
    MonoSource source(path, p.source_rate_hz, p.source_rate_hz / 100);
    std::vector<float> chunk;
    const auto start = std::chrono::steady_clock::now();
    int64_t sent = 0;
    while (!g_stop && source.next(chunk)) {
      size_t done = 0;
      while (!g_stop && done < chunk.size()) {  // a file may wait for room; a microphone may not
        done += p.ring.try_push(chunk.data() + done, chunk.size() - done);
        if (done < chunk.size()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
      sent += int64_t(chunk.size());
      if (!fast) std::this_thread::sleep_until(start + std::chrono::microseconds(sent * 1000000 / p.source_rate_hz));
    }
  } catch (const Error& e) {
    p.error = e.what();
  }
  p.producer_done = true;
}

// Raw signed 16-bit little-endian mono PCM from stdin (e.g. arecord -f S16_LE -c 1 -r 16000 -t raw).
void stdinProducer(Pipeline& p) {
  int16_t raw[512];
  float samples[512];
  size_t carry = 0;
  while (!g_stop) {
    const ssize_t got = ::read(STDIN_FILENO, reinterpret_cast<char*>(raw) + carry, sizeof(raw) - carry);
    if (got <= 0) break;
    carry += size_t(got);
    const size_t n = carry / 2;
    for (size_t i = 0; i < n; ++i) samples[i] = float(raw[i]) / 32768.f;
    p.ring.try_push(samples, n);  // drop (and count) when the consumer is behind
    if (carry % 2) raw[0] = raw[n];  // keep an odd byte for the next read
    carry %= 2;
  }
  p.producer_done = true;
}

// Raw s16le mono PCM datagrams on a UDP port (loopback unless --udp-bind says otherwise).
void udpProducer(Pipeline& p, int fd) {
  int16_t raw[4096];
  float samples[4096];
  while (!g_stop) {
    const ssize_t got = recv(fd, raw, sizeof(raw), 0);
    if (got < 0) continue;  // timeout: check g_stop again
    const size_t n = size_t(got) / 2;
    for (size_t i = 0; i < n; ++i) samples[i] = float(raw[i]) / 32768.f;
    p.ring.try_push(samples, n);
  }
  close(fd);
  p.producer_done = true;
}

int openUdp(const ListenArgs& a) {
  const int fd = socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(uint16_t(a.udp_port));
  if (fd < 0 || inet_pton(AF_INET, a.udp_bind.c_str(), &addr.sin_addr) != 1 ||
      bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0)
    throw Error("--udp " + std::to_string(a.udp_port) + ": cannot listen on " + a.udp_bind + ":" +
                std::to_string(a.udp_port) + " (" + std::strerror(errno) + ")");
  timeval timeout{0, 200000};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  return fd;
}

#ifdef PODCLEAN_HAVE_PORTAUDIO
// The audio callback: copy into the ring and return. No locks, no allocation,
// no logging, no resampling; overruns are counted by the ring.
int micCallback(const void* input, void*, unsigned long frames, const PaStreamCallbackTimeInfo*,
                PaStreamCallbackFlags, void* user) noexcept {
  auto* p = static_cast<Pipeline*>(user);
  if (input) p->ring.try_push(static_cast<const float*>(input), frames);
  return g_stop ? paComplete : paContinue;
}

struct PortAudioSession {
  PortAudioSession() {
    if (Pa_Initialize() != paNoError) throw Error("microphone: PortAudio could not start");
  }
  ~PortAudioSession() { Pa_Terminate(); }
};

void listDevices() {
  PortAudioSession pa;
  const int n = Pa_GetDeviceCount();
  if (n <= 0) throw Error("microphone: no audio devices found");
  for (int i = 0; i < n; ++i) {
    const PaDeviceInfo* info = Pa_GetDeviceInfo(i);
    if (info->maxInputChannels > 0)
      std::printf("%d\t%s\t%d ch\t%.0f Hz%s\n", i, info->name, info->maxInputChannels, info->defaultSampleRate,
                  i == Pa_GetDefaultInputDevice() ? "\t(default)" : "");
  }
}
#endif

}  // namespace

// "KEYWORD=REST" of a repeatable option -> {KEYWORD, REST}; what names REST in the error.
static std::pair<std::string, std::string> splitKeyword(const std::string& option, const std::string& text,
                                                        const std::string& what) {
  const size_t eq = text.find('=');
  if (eq == std::string::npos || eq == 0) throw UsageError(option + " '" + text + "': use KEYWORD=" + what);
  return {text.substr(0, eq), text.substr(eq + 1)};
}

static void runListen(ListenArgs& a) {
#ifdef PODCLEAN_HAVE_PORTAUDIO
  if (a.list_devices) return listDevices();
#else
  if (a.list_devices) throw Error("this podclean was built without PortAudio: no microphone support");
#endif
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
      if (used != text.size()) value = -1;
    } catch (const std::exception&) {
    }
    a.spotter.keyword_thresholds[keyword] = value;
  }
  const std::string model_path = a.model.empty() ? shippedModel("listen-default.pt") : a.model;
  Model model = Model::load(model_path);
  setModelThreads(1);  // one frame at a time: threads only add overhead
  KeywordSpotter spotter(model, model_path, a.spotter);
  // The shipped verifier goes with the shipped keyword model; another model takes --verifier.
  if (!a.verifier.empty() && a.no_verifier) throw UsageError("--verifier and --no-verifier: choose one");
  const std::string verifier_path = !a.verifier.empty()            ? a.verifier
                                    : a.model.empty() && !a.no_verifier ? shippedModel("listen-verify.pt")
                                                                        : "";
  if (!verifier_path.empty()) spotter.setVerifier(Model::load(verifier_path), verifier_path);
  for (const auto& [keyword, command] : commands)
    if (std::find(model.meta().labels.begin(), model.meta().labels.end(), keyword) == model.meta().labels.end())
      throw UsageError("--exec: the model has no keyword '" + keyword + "'");

  int source_rate = spotter.sampleRate();
  const bool from_file = a.input != "mic" && a.input != "-" && a.udp_port == 0;
  if (a.input == "-" || a.udp_port) source_rate = a.raw_rate_hz;
#ifdef PODCLEAN_HAVE_PORTAUDIO
  std::unique_ptr<PortAudioSession> pa;
  PaStream* mic = nullptr;
  if (a.input == "mic" && a.udp_port == 0) {
    pa = std::make_unique<PortAudioSession>();
    const int device = a.device >= 0 ? a.device : Pa_GetDefaultInputDevice();
    if (device < 0 || device >= Pa_GetDeviceCount()) throw Error("microphone: no input device (see --list-devices)");
    source_rate = int(Pa_GetDeviceInfo(device)->defaultSampleRate);
  }
#else
  if (a.input == "mic" && a.udp_port == 0)
    throw Error("this podclean was built without PortAudio: use --input FILE, --input - or --udp PORT");
#endif
  Pipeline pipeline(size_t(a.ring_seconds * source_rate), source_rate);
  std::signal(SIGINT, onSignal);
  std::signal(SIGTERM, onSignal);
  std::signal(SIGCHLD, SIG_IGN);
  std::thread producer;
  if (a.udp_port) producer = std::thread(udpProducer, std::ref(pipeline), openUdp(a));
  else if (a.input == "-") producer = std::thread(stdinProducer, std::ref(pipeline));
  else if (from_file) producer = std::thread(fileProducer, std::ref(pipeline), a.input, a.fast);
#ifdef PODCLEAN_HAVE_PORTAUDIO
  else {
    const int device = a.device >= 0 ? a.device : Pa_GetDefaultInputDevice();
    PaStreamParameters in{};
    in.device = device;
    in.channelCount = 1;
    in.sampleFormat = paFloat32;
    in.suggestedLatency = Pa_GetDeviceInfo(device)->defaultLowInputLatency;
    PaError err = Pa_OpenStream(&mic, &in, nullptr, source_rate, 160, paNoFlag, micCallback, &pipeline);
    if (err == paNoError) err = Pa_StartStream(mic);
    if (err != paNoError) throw Error(std::string("microphone: ") + Pa_GetErrorText(err));
  }
#endif

  // Consumer: all buffers allocated here, before the loop.
  std::unique_ptr<Resampler> resampler;
  if (source_rate != spotter.sampleRate()) resampler = std::make_unique<Resampler>(source_rate, spotter.sampleRate());
  std::vector<float> block(size_t(source_rate / 50)), resampled;
  std::vector<Detection> detections;
  const bool status = globalFlags().showProgress() && !a.fast;
  uint64_t reported_overruns = 0;
  int64_t detected = 0;
  double level_db = -100;
  auto last_status = std::chrono::steady_clock::now(), last_warning = last_status - std::chrono::seconds(10);
  while (!g_stop) {
    const size_t n = pipeline.ring.try_pop(block.data(), block.size());
    if (n == 0) {
      if (pipeline.producer_done) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      continue;
    }
    level_db = rmsDb(block.data(), n);
    const float* samples = block.data();
    size_t count = n;
    if (resampler) {
      resampled.clear();
      resampler->process(block.data(), n, resampled);
      samples = resampled.data();
      count = resampled.size();
    }
    detections.clear();
    spotter.accept(samples, count, detections);
    for (const Detection& d : detections) {
      ++detected;
      if (status) std::fprintf(stderr, "\r\033[K");
      if (a.json) {
        std::printf("{\"time\": %.3f, \"keyword\": \"%s\", \"score\": %.3f", d.time_s, d.keyword.c_str(), d.score);
        if (d.verify_score >= 0) std::printf(", \"verify\": %.3f", d.verify_score);
        std::printf("}\n");
      } else {
        std::printf("%.3f\t%s\t%.3f\n", d.time_s, d.keyword.c_str(), d.score);
      }
      std::fflush(stdout);
      auto it = commands.find(d.keyword);
      if (it != commands.end()) runCommand(it->second, d);
    }
    const auto now = std::chrono::steady_clock::now();
    const uint64_t overruns = pipeline.ring.overruns();
    if (overruns > reported_overruns && now - last_warning > std::chrono::seconds(5)) {
      spdlog::warn("fell behind: dropped {} samples so far", overruns);
      reported_overruns = overruns;
      last_warning = now;
    }
    if (status && now - last_status > std::chrono::milliseconds(200)) {
      std::fprintf(stderr, "\r\033[Klevel %5.1f dB  best score %.2f  detections %lld", level_db, spotter.bestScore(),
                   (long long)detected);
      last_status = now;
    }
  }
  g_stop = true;
#ifdef PODCLEAN_HAVE_PORTAUDIO
  if (mic) {
    Pa_StopStream(mic);
    Pa_CloseStream(mic);
  }
#endif
  if (producer.joinable()) producer.join();
  if (status) std::fprintf(stderr, "\r\033[K");
  if (!pipeline.error.empty()) throw Error(pipeline.error);
  if (!globalFlags().quiet)
    std::fprintf(stderr, "listened %.1f s, %lld detections, %llu samples dropped\n", spotter.streamSeconds(),
                 (long long)detected, (unsigned long long)pipeline.ring.overruns());
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
      "  podclean listen --udp 5005                             # raw s16le 16 kHz datagrams on 127.0.0.1:5005\n");
  sub->option_defaults()->always_capture_default();
  sub->add_option("--model", a.model, "Keyword model: gru frame model, or conv2d clip model on a sliding window (default: models/listen-default.pt)");
  sub->add_option("--verifier", a.verifier,
                  "Second-stage conv2d clip model that must confirm each detection (default with the default model: "
                  "models/listen-verify.pt)");
  sub->add_flag("--no-verifier", a.no_verifier, "Detect on the keyword model alone");
  sub->add_option("--verify-threshold", a.spotter.verify_threshold, "Verifier: probability of the keyword it must give");
  sub->add_option("--verify-hop", a.spotter.verify_hop_frames, "Verifier: while it disagrees, ask again after this many frames");
  sub->add_option("--input", a.input, "mic | an audio file | - (raw s16le mono PCM on stdin)");
  sub->add_flag("--fast", a.fast, "Files: as fast as possible instead of real time");
  sub->add_option("--device", a.device, "Microphone device index (see --list-devices)");
  sub->add_flag("--list-devices", a.list_devices, "List input devices and exit");
  sub->add_option("--udp", a.udp_port, "Receive raw s16le mono PCM datagrams on this port");
  sub->add_option("--udp-bind", a.udp_bind, "Address to listen on for --udp");
  sub->add_option("--rate", a.raw_rate_hz, "Sample rate of raw stdin / UDP input (Hz)");
  sub->add_option("--threshold", a.spotter.threshold, "Detect when a keyword's smoothed score reaches this");
  sub->add_option("--keyword-threshold", a.keyword_thresholds,
                  "KEYWORD=VALUE: this keyword's own threshold (e.g. a stricter one for a word that fires too often)");
  sub->add_option("--refractory", a.spotter.refractory_s, "Seconds a keyword rests after a detection");
  sub->add_option("--smooth", a.spotter.smooth_frames, "Frames of score smoothing");
  sub->add_option("--window-hop", a.spotter.window_hop_frames,
                  "conv2d clip models: score the sliding clip-length window every this many frames");
  sub->add_option("--exec", a.exec, "KEYWORD=COMMAND: run COMMAND (sh -c) on each detection");
  sub->add_flag("--json", a.json, "JSON Lines output");
  sub->add_option("--ring-seconds", a.ring_seconds, "Audio the ring buffer holds before dropping");
  sub->callback([args] { runListen(*args); });
}

}  // namespace podclean::cli
