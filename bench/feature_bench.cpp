// Feature-extraction benchmark (run by hand, not a test):
//   build/feature_bench [seconds_of_audio=3600]
// Log-mel, n_fft 512, hop 160, 64 mels, 16 kHz, on one thread, streamed in
// one-second chunks as the inference pipeline does. Prints seconds and the
// real-time factor, plus the FFT-only time for comparison (ratio in one run).
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

#include "podclean/dsp/feature_extractor.h"
#include "podclean/dsp/power_spectrum.h"

using Clock = std::chrono::steady_clock;

int main(int argc, char** argv) {
  const double audio_s = argc > 1 ? std::atof(argv[1]) : 3600.0;
  podclean::FeatureOptions options;  // defaults: 16 kHz, 512/400/160, 64 slaney mels, log
  const int64_t n = int64_t(audio_s * options.sample_rate_hz);
  std::vector<float> audio(static_cast<size_t>(n));
  std::mt19937 rng(1);
  std::normal_distribution<float> noise(0.f, 0.1f);
  for (int64_t i = 0; i < n; ++i)
    audio[size_t(i)] = 0.3f * std::sin(0.05f * float(i % 100000)) + noise(rng);

  double best_features = 1e30, best_fft = 1e30;
  int64_t frames = 0;
  for (int repeat = 0; repeat < 3; ++repeat) {
    auto t0 = Clock::now();
    podclean::OnlineFeatureExtractor extractor(options);
    podclean::Matrix out, chunk_frames;
    for (int64_t start = 0; start < n; start += options.sample_rate_hz) {
      extractor.acceptWaveform(audio.data() + start, size_t(std::min<int64_t>(options.sample_rate_hz, n - start)));
      chunk_frames.rows = 0;
      chunk_frames.data.clear();
      extractor.takeFrames(chunk_frames);  // a consumer would use these and drop them
    }
    extractor.inputFinished();
    extractor.takeFrames(chunk_frames);
    frames = extractor.framesEmitted();
    best_features = std::min(best_features, std::chrono::duration<double>(Clock::now() - t0).count());

    auto t1 = Clock::now();
    podclean::PowerSpectrum spectrum(options);
    std::vector<float> power(size_t(options.numBins()));
    for (int64_t t = 0; t + options.n_fft <= n; t += options.hop_length)
      spectrum.compute(audio.data() + t, power.data());
    best_fft = std::min(best_fft, std::chrono::duration<double>(Clock::now() - t1).count());
  }
  std::printf("log-mel %s\n", options.ToString().c_str());
  std::printf("audio: %.0f s (%lld frames)\n", audio_s, (long long)frames);
  std::printf("features: %.3f s  -> %.0fx real time (best of 3, one thread)\n", best_features,
              audio_s / best_features);
  std::printf("FFT+power alone: %.3f s  -> features / FFT = %.2f\n", best_fft, best_features / best_fft);
  return 0;
}
