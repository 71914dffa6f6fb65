// The channel chain: one seeded augmentation that makes a clean recording
// sound as if it came through another room, microphone, codec and noise bed.
// Every task's training data can use it (prep --channel-aug N; the corpus and
// stream tools call it directly). Works on a mono float waveform at any rate;
// the output always has the input's length and timing, so labels stay valid.
//
// Stages, in order, each on with its own probability (0 = never, 1 = always):
//   colour    microphone colouration: a random spectral tilt and one peak/dip
//   reverb    room: exponentially decaying noise impulse response, random RT60
//   far-field reverb with a long RT60 and little direct sound, attenuated,
//             plus a noise bed at a low SNR (instead of `reverb` when drawn)
//   noise     a noise bed at a random SNR: a file from noise_dir (mixAtSnr,
//             as the Augmenter does) or a synthetic colour (white/pink/brown/hum)
//   band      low-pass at a random 4-8 kHz, or (p_telephone of the time) 300-3400 Hz
//   codec     MP3 or Opus round trip through libsndfile (temporary file); after a
//             telephone band, a call's codec instead (callRoundTrip: Opus at 6-16 kbps, 8 kHz)
//   level     scale to a random level in [level_db_min, level_db_max] dBFS
//             (active level: frames within 40 dB of the loudest, frame_energy.h)
//
// Usage:
//   ChannelChain chain(ChannelChainOptions{}, 16000, seed);
//   nlohmann::json what = chain.apply(samples);   // {"reverb": {"rt60_s": ..}, ...}
// The stage functions below work alone too (exact parameters, no randomness
// except where they take an rng).
#pragma once
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace podclean {

struct ChannelChainOptions {
  double p_colour = 0.5, tilt_db_max = 6, peak_db_max = 6;     // tilt: +-dB from 100 Hz to 8 kHz
  double p_reverb = 0.4, rt60_min_s = 0.15, rt60_max_s = 0.9;
  double drr_min_db = 0, drr_max_db = 12;                      // direct-to-reverberant ratio
  double p_far_field = 0.1, far_rt60_min_s = 0.5, far_rt60_max_s = 1.5;
  double far_attenuation_db_min = 6, far_attenuation_db_max = 20, far_snr_db_min = 0, far_snr_db_max = 12;
  double p_noise = 0.5, snr_db_min = 10, snr_db_max = 40;
  std::string noise_dir;                 // noise recordings; "" = synthetic colours only
  double p_synthetic_noise = 0.5;        // with noise_dir: chance of a synthetic colour instead
  double p_band = 0.3, lowpass_min_hz = 4000, lowpass_max_hz = 8000, p_telephone = 0.15;
  double p_codec = 0.3, p_opus = 0.5;    // else MP3
  double codec_quality_min = 0.3, codec_quality_max = 0.9;  // libsndfile compression level (1 = smallest)
  double p_level = 1.0, level_db_min = -35, level_db_max = -10;
  void Validate() const;                 // throws UsageError naming the field
};

class ChannelChain {
 public:
  ChannelChain(const ChannelChainOptions& options, int sample_rate_hz, uint64_t seed);
  // Transforms samples in place; returns what was done, e.g.
  // {"colour":{"tilt_db":..,"peak_hz":..,"peak_db":..},"reverb":{"rt60_s":..,"drr_db":..},
  //  "noise":{"source":"pink"|FILE,"snr_db":..},"band":{"lowpass_hz":..}|{"telephone":true},
  //  "codec":{"codec":"opus"|"mp3","quality":..}|{"codec":"opus-call","kbps":..},"level_db":..}
  nlohmann::json apply(std::vector<float>& samples);
  std::mt19937_64& rng() { return rng_; }

 private:
  double uniform(double a, double b);
  bool chance(double p);
  ChannelChainOptions options_;
  int rate_;
  std::mt19937_64 rng_;
  std::vector<std::string> noise_files_;
};

// ---- stages, usable alone ----

enum class NoiseColour { kWhite, kPink, kBrown, kHum };
NoiseColour noiseColourFromString(const std::string& name);  // white|pink|brown|hum
const char* toString(NoiseColour colour);
// n samples of a synthetic noise colour at roughly unit RMS. Hum: 50 or 60 Hz
// (drawn) with decaying harmonics and a little white noise.
std::vector<float> syntheticNoise(NoiseColour colour, size_t n, int rate_hz, std::mt19937_64& rng);

// Room impulse response: a unit direct path, then exponentially decaying noise
// (-60 dB after rt60_s) at drr_db below it; scaled to unit energy.
std::vector<float> roomImpulseResponse(double rt60_s, double drr_db, int rate_hz, std::mt19937_64& rng);
// x convolved with h (FFT overlap-add), cut to x's length: timing is kept
// because h's direct path is at sample 0.
void convolveSame(std::vector<float>& x, const std::vector<float>& h);

// Butterworth filters (cascaded biquads, 8th order), applied forward.
void lowPass(std::vector<float>& x, int rate_hz, double cutoff_hz);
void highPass(std::vector<float>& x, int rate_hz, double cutoff_hz);
// Spectral tilt: tilt_db more at 8 kHz than at 100 Hz (shelves at 300 Hz and 3 kHz),
// plus a peaking band of peak_db at peak_hz (Q 1).
void colourEq(std::vector<float>& x, int rate_hz, double tilt_db, double peak_hz, double peak_db);

enum class Codec { kMp3, kOpus };
// Encodes and decodes through libsndfile (quality: its compression level 0..1,
// 1 = lowest bitrate); returns exactly x.size() samples aligned with x
// (the codec's delay is measured and removed). Rates the codec cannot carry
// are resampled to 48 kHz and back. Throws Error if libsndfile lacks the codec.
std::vector<float> codecRoundTrip(const std::vector<float>& x, int rate_hz, Codec codec, double quality);
// A voice call's codec: resampled to 8 kHz, Opus at kbps (6-16, the bitrates VoIP and mobile
// calls run at, far below codecRoundTrip's 30-180 kbps music range) and back to rate_hz;
// same length and alignment as x.
std::vector<float> callRoundTrip(const std::vector<float>& x, int rate_hz, double kbps);

}  // namespace podclean
