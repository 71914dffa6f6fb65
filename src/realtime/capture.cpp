// Producers and the consumer loop of live capture (see capture.h).
#include "podclean/realtime/capture.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <thread>
#include <vector>

#ifdef PODCLEAN_HAVE_PORTAUDIO
#include <portaudio.h>
#endif

#include "podclean/audio/audio_reader.h"
#include "podclean/audio/resampler.h"
#include "podclean/dsp/frame_energy.h"
#include "podclean/io/pcm_datagram.h"
#include "podclean/realtime/spsc_ring.h"
#include "podclean/util/error.h"

#include <spdlog/spdlog.h>

namespace podclean {

namespace {

#ifdef PODCLEAN_HAVE_PORTAUDIO
struct PortAudioSession {
  PortAudioSession() {
    if (Pa_Initialize() != paNoError) throw Error("microphone: PortAudio could not start");
  }
  ~PortAudioSession() { Pa_Terminate(); }
};
#endif

int openUdp(const CaptureOptions& o) {
  const int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);  // --exec children must not hold the port
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(uint16_t(o.udp_port));
  if (fd < 0 || inet_pton(AF_INET, o.udp_bind.c_str(), &addr.sin_addr) != 1 ||
      bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    const std::string why = std::strerror(errno);
    if (fd >= 0) close(fd);
    throw Error("--udp " + std::to_string(o.udp_port) + ": cannot listen on " + o.udp_bind + ":" +
                std::to_string(o.udp_port) + " (" + why + ")");
  }
  timeval timeout{0, 200000};  // so the producer sees stop within 0.2 s
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  return fd;
}

}  // namespace

bool haveMicrophone() {
#ifdef PODCLEAN_HAVE_PORTAUDIO
  return true;
#else
  return false;
#endif
}

void listInputDevices() {
#ifdef PODCLEAN_HAVE_PORTAUDIO
  PortAudioSession pa;
  const int n = Pa_GetDeviceCount();
  if (n <= 0) throw Error("microphone: no audio devices found");
  for (int i = 0; i < n; ++i) {
    const PaDeviceInfo* info = Pa_GetDeviceInfo(i);
    if (info->maxInputChannels > 0)
      std::printf("%d\t%s\t%d ch\t%.0f Hz%s\n", i, info->name, info->maxInputChannels, info->defaultSampleRate,
                  i == Pa_GetDefaultInputDevice() ? "\t(default)" : "");
  }
#else
  throw Error("this podclean was built without PortAudio: no microphone support");
#endif
}

struct AudioCapture::Impl {
  CaptureOptions options;
  int rate_hz = 0;
  std::unique_ptr<SpscRing<float>> ring;
  std::atomic<bool> stop{false}, producer_done{false};
  std::atomic<uint64_t> rejected_datagrams{0};  // --udp datagrams that were not s16le PCM
  std::string error;  // set by a producer thread before producer_done
  std::thread producer;
#ifdef PODCLEAN_HAVE_PORTAUDIO
  std::unique_ptr<PortAudioSession> pa;
  PaStream* mic = nullptr;

  // The audio callback: copy into the ring and return. No locks, no
  // allocation, no logging, no resampling; overruns are counted by the ring.
  static int micCallback(const void* input, void*, unsigned long frames, const PaStreamCallbackTimeInfo*,
                         PaStreamCallbackFlags, void* user) noexcept {
    auto* self = static_cast<Impl*>(user);
    if (input) self->ring->try_push(static_cast<const float*>(input), frames);
    return self->stop ? paComplete : paContinue;
  }
#endif

  // File at real-time pace (or as fast as the consumer takes it with fast).
  void fileProducer() {
    try {
      MonoSource source(options.input, rate_hz, rate_hz / 100);
      std::vector<float> chunk;
      const auto start = std::chrono::steady_clock::now();
      int64_t sent = 0;
      while (!stop && source.next(chunk)) {
        size_t done = 0;
        while (!stop && done < chunk.size()) {  // a file waits for room (a microphone may not), so never drops
          const size_t room = ring->capacity() - ring->size();
          done += ring->try_push(chunk.data() + done, std::min(room, chunk.size() - done));
          if (done < chunk.size()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        sent += int64_t(chunk.size());
        if (!options.fast) std::this_thread::sleep_until(start + std::chrono::microseconds(sent * 1000000 / rate_hz));
      }
    } catch (const Error& e) {
      error = e.what();
    } catch (const std::exception& e) {  // not podclean's own: still one line naming the file
      error = options.input + ": " + e.what();
    }
    producer_done = true;
  }

  // Raw signed 16-bit little-endian mono PCM from stdin (e.g. arecord -f S16_LE -c 1 -r 16000 -t raw).
  void stdinProducer() {
    int16_t raw[512];
    float samples[512];
    size_t carry = 0;
    while (!stop) {
      const ssize_t got = ::read(STDIN_FILENO, reinterpret_cast<char*>(raw) + carry, sizeof(raw) - carry);
      if (got <= 0) break;
      carry += size_t(got);
      const size_t n = carry / 2;
      for (size_t i = 0; i < n; ++i) samples[i] = float(raw[i]) / 32768.f;
      ring->try_push(samples, n);  // drop (and count) when the consumer is behind
      if (carry % 2) raw[0] = raw[n];  // keep an odd byte for the next read
      carry %= 2;
    }
    producer_done = true;
  }

  // Raw s16le mono PCM datagrams on a UDP port, each received whole (up to the
  // largest UDP payload). One that is not whole s16le samples is refused and
  // counted, never cut short or padded.
  void udpProducer(int fd) {
    std::vector<uint8_t> datagram;
    std::vector<float> samples(kMaxDatagramBytes / 2);
    while (!stop) {
      const long got = receiveDatagram(fd, datagram);
      if (got < 0) continue;  // timeout: check stop again
      const long n = decodePcmDatagram(datagram.data(), size_t(got), samples.data());
      if (n < 0) {
        if (rejected_datagrams++ == 0)
          spdlog::warn("--udp: refused a datagram of {} bytes (not whole signed 16-bit samples); counting the rest", got);
        continue;
      }
      ring->try_push(samples.data(), size_t(n));
    }
    close(fd);
    producer_done = true;
  }

  void close_all() {
    stop = true;
#ifdef PODCLEAN_HAVE_PORTAUDIO
    if (mic) {
      Pa_StopStream(mic);
      Pa_CloseStream(mic);
      mic = nullptr;
    }
    pa.reset();
#endif
    if (producer.joinable()) producer.join();
  }
};

AudioCapture::AudioCapture(const CaptureOptions& options, int file_rate_hz) : impl_(std::make_unique<Impl>()) {
  Impl& m = *impl_;
  m.options = options;
  const bool mic = options.input == "mic" && options.udp_port == 0;
  m.rate_hz = options.udp_port || options.input == "-" ? options.raw_rate_hz : file_rate_hz;
  int device = -1;
  if (mic) {
#ifdef PODCLEAN_HAVE_PORTAUDIO
    m.pa = std::make_unique<PortAudioSession>();
    device = options.device >= 0 ? options.device : Pa_GetDefaultInputDevice();
    if (device < 0 || device >= Pa_GetDeviceCount()) throw Error("microphone: no input device (see --list-devices)");
    m.rate_hz = int(Pa_GetDeviceInfo(device)->defaultSampleRate);
#else
    throw Error("this podclean was built without PortAudio: use --input FILE, --input - or --udp PORT");
#endif
  }
  if (m.rate_hz <= 0) throw Error("capture: sample rate must be positive");
  m.ring = std::make_unique<SpscRing<float>>(size_t(std::max(0.1, options.ring_seconds) * m.rate_hz));
  if (options.udp_port) {
    const int fd = openUdp(options);
    m.producer = std::thread([&m, fd] { m.udpProducer(fd); });
  } else if (options.input == "-") {
    m.producer = std::thread([&m] { m.stdinProducer(); });
  } else if (!mic) {
    m.producer = std::thread([&m] { m.fileProducer(); });
  }
#ifdef PODCLEAN_HAVE_PORTAUDIO
  else {
    PaStreamParameters in{};
    in.device = device;
    in.channelCount = 1;
    in.sampleFormat = paFloat32;
    in.suggestedLatency = Pa_GetDeviceInfo(device)->defaultLowInputLatency;
    PaError err = Pa_OpenStream(&m.mic, &in, nullptr, m.rate_hz, 160, paNoFlag, &Impl::micCallback, &m);
    if (err == paNoError) err = Pa_StartStream(m.mic);
    if (err != paNoError) {
      if (m.mic) Pa_CloseStream(m.mic);
      m.mic = nullptr;
      throw Error(std::string("microphone: ") + Pa_GetErrorText(err));
    }
  }
#endif
}

AudioCapture::~AudioCapture() { impl_->close_all(); }

int AudioCapture::sampleRate() const { return impl_->rate_hz; }
uint64_t AudioCapture::overruns() const { return impl_->ring->overruns(); }
uint64_t AudioCapture::rejectedDatagrams() const { return impl_->rejected_datagrams; }

void AudioCapture::run(int target_rate_hz, const std::atomic<bool>& stop,
                       const std::function<void(const Block&)>& on_block) {
  Impl& m = *impl_;
  std::unique_ptr<Resampler> resampler;
  if (m.rate_hz != target_rate_hz) resampler = std::make_unique<Resampler>(m.rate_hz, target_rate_hz);
  std::vector<float> block(size_t(std::max(1, m.rate_hz / 50))), resampled;
  resampled.reserve(size_t(target_rate_hz / 25) + 64);
  while (!stop) {
    const size_t n = m.ring->try_pop(block.data(), block.size());
    if (n == 0) {
      if (m.producer_done) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      continue;
    }
    Block b{block.data(), n, rmsDb(block.data(), n)};
    if (resampler) {
      resampled.clear();
      resampler->process(block.data(), n, resampled);
      b.samples = resampled.data();
      b.count = resampled.size();
    }
    on_block(b);
  }
  m.close_all();
  if (!m.error.empty()) throw Error(m.error);
}

}  // namespace podclean
