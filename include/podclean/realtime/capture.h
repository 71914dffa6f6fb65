// Live audio capture for `listen`: a producer (the PortAudio microphone
// callback, a file at real-time pace, raw PCM on stdin or UDP datagrams) only
// copies mono samples into a lock-free ring; the consumer loop (the caller's
// thread) takes them out in blocks, resamples to the model's rate and hands
// each block on. No LibTorch here, so the path can be tested on its own.
#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace podclean {

struct CaptureOptions {
  std::string input = "mic";  // "mic", "-" (raw s16le mono on stdin) or an audio file
  int udp_port = 0;           // > 0: raw s16le mono datagrams on this port instead of input
  std::string udp_bind = "127.0.0.1";
  int device = -1;            // microphone: PortAudio device index, -1 = the default input
  int raw_rate_hz = 16000;    // rate of stdin / UDP input
  bool fast = false;          // files: as fast as the consumer takes them
  double ring_seconds = 2.0;  // audio the ring holds before a producer drops samples
};

// Prints the input devices PortAudio sees (index, name, channels, rate).
void listInputDevices();
// True when this build has microphone support.
bool haveMicrophone();

class AudioCapture {
 public:
  // Opens the source and starts its producer; file_rate_hz is the rate files
  // are decoded to (the model's). Throws Error when the source cannot start.
  AudioCapture(const CaptureOptions& options, int file_rate_hz);
  ~AudioCapture();  // stops the producer and closes the device
  AudioCapture(const AudioCapture&) = delete;
  AudioCapture& operator=(const AudioCapture&) = delete;

  int sampleRate() const;  // rate of what the producer delivers
  uint64_t overruns() const;
  uint64_t rejectedDatagrams() const;  // --udp datagrams refused as not s16le PCM

  struct Block {
    const float* samples;  // at target_rate_hz
    size_t count;
    double level_db;       // mean power of the block as captured
  };
  // The consumer loop: until the source ends (files, stdin) or stop becomes
  // true, delivers blocks of about 20 ms resampled to target_rate_hz to
  // on_block. Buffers are allocated before the loop. Throws a producer's
  // error (e.g. a damaged file) once the loop ends.
  void run(int target_rate_hz, const std::atomic<bool>& stop, const std::function<void(const Block&)>& on_block);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace podclean
