#include "podclean/prep/channel_chain.h"

#include <fftw3.h>
#include <sndfile.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <complex>
#include <filesystem>
#include <map>
#include <mutex>

#include "podclean/audio/audio_reader.h"
#include "podclean/audio/resampler.h"
#include "podclean/dsp/frame_energy.h"
#include "podclean/prep/augment.h"
#include "podclean/prep/file_labels.h"
#include "podclean/util/error.h"

namespace fs = std::filesystem;

namespace podclean {

static double round2(double v) { return std::round(v * 100) / 100; }

void ChannelChainOptions::Validate() const {
  for (double p : {p_colour, p_reverb, p_far_field, p_noise, p_synthetic_noise, p_band, p_telephone, p_codec, p_opus, p_level})
    if (!(p >= 0 && p <= 1)) throw UsageError("channel chain: probabilities must be in [0, 1]");
  if (rt60_min_s <= 0 || rt60_min_s > rt60_max_s || far_rt60_min_s <= 0 || far_rt60_min_s > far_rt60_max_s)
    throw UsageError("channel chain: RT60 range must be positive and ordered");
  if (snr_db_min > snr_db_max || far_snr_db_min > far_snr_db_max || drr_min_db > drr_max_db ||
      far_attenuation_db_min > far_attenuation_db_max)
    throw UsageError("channel chain: a dB range is reversed");
  if (lowpass_min_hz < 500 || lowpass_min_hz > lowpass_max_hz) throw UsageError("channel chain: low-pass range must be >= 500 Hz and ordered");
  if (codec_quality_min < 0 || codec_quality_max > 1 || codec_quality_min > codec_quality_max)
    throw UsageError("channel chain: codec quality range must be within [0, 1]");
  if (level_db_min > level_db_max || level_db_max > 0) throw UsageError("channel chain: level range must be ordered and <= 0 dBFS");
}

ChannelChain::ChannelChain(const ChannelChainOptions& options, int sample_rate_hz, uint64_t seed)
    : options_(options), rate_(sample_rate_hz), rng_(seed) {
  options_.Validate();
  if (!options_.noise_dir.empty()) {
    noise_files_ = findAudioFiles({options_.noise_dir});
    if (noise_files_.empty()) throw FileError(options_.noise_dir, "no audio files for the channel chain's noise beds");
  }
}

double ChannelChain::uniform(double a, double b) { return a + (b - a) * std::uniform_real_distribution<double>(0, 1)(rng_); }
bool ChannelChain::chance(double p) { return p > 0 && std::uniform_real_distribution<double>(0, 1)(rng_) < p; }

nlohmann::json ChannelChain::apply(std::vector<float>& x) {
  const ChannelChainOptions& o = options_;
  nlohmann::json done = nlohmann::json::object();
  if (x.empty()) return done;
  // Every draw happens whether or not its stage runs, so one stage's probability
  // does not change what the others draw under the same seed.
  const bool colour = chance(o.p_colour), far = chance(o.p_far_field), reverb = !far && chance(o.p_reverb);
  const bool noise = chance(o.p_noise), band = chance(o.p_band), codec = chance(o.p_codec), level = chance(o.p_level);
  const double tilt = uniform(-o.tilt_db_max, o.tilt_db_max), peak_hz = std::exp(uniform(std::log(200.0), std::log(5000.0)));
  const double peak_db = uniform(-o.peak_db_max, o.peak_db_max);
  const double rt60 = far ? uniform(o.far_rt60_min_s, o.far_rt60_max_s) : uniform(o.rt60_min_s, o.rt60_max_s);
  const double drr = far ? uniform(-6, 0) : uniform(o.drr_min_db, o.drr_max_db);
  const double attenuation = uniform(o.far_attenuation_db_min, o.far_attenuation_db_max);
  const double snr = far ? uniform(o.far_snr_db_min, o.far_snr_db_max) : uniform(o.snr_db_min, o.snr_db_max);
  const bool telephone = chance(o.p_telephone);
  const double lowpass = uniform(o.lowpass_min_hz, o.lowpass_max_hz);
  const bool opus = chance(o.p_opus);
  const double quality = uniform(o.codec_quality_min, o.codec_quality_max);
  const double level_db = uniform(o.level_db_min, o.level_db_max);
  const bool synthetic = noise_files_.empty() || chance(o.p_synthetic_noise);
  const auto colour_kind = NoiseColour(std::uniform_int_distribution<int>(0, 3)(rng_));
  const size_t noise_pick = noise_files_.empty() ? 0 : std::uniform_int_distribution<size_t>(0, noise_files_.size() - 1)(rng_);
  const uint64_t offset_draw = rng_();

  if (colour) {
    colourEq(x, rate_, tilt, peak_hz, peak_db);
    done["colour"] = {{"tilt_db", round2(tilt)}, {"peak_hz", std::round(peak_hz)}, {"peak_db", round2(peak_db)}};
  }
  if (far || reverb) {
    convolveSame(x, roomImpulseResponse(rt60, drr, rate_, rng_));
    nlohmann::json r = {{"rt60_s", round2(rt60)}, {"drr_db", round2(drr)}};
    if (far) {
      const float g = float(std::pow(10.0, -attenuation / 20));
      for (float& v : x) v *= g;
      r["attenuation_db"] = round2(attenuation);
    }
    done[far ? "far_field" : "reverb"] = r;
  }
  if (noise || far) {
    std::vector<float> bed;
    std::string source;
    if (synthetic) {
      bed = syntheticNoise(colour_kind, x.size(), rate_, rng_);
      source = toString(colour_kind);
    } else {
      bed = loadMono(noise_files_[noise_pick], rate_);
      source = noise_files_[noise_pick];
    }
    mixAtSnr(x, bed, snr, bed.empty() ? 0 : size_t(offset_draw % bed.size()));
    done["noise"] = {{"source", source}, {"snr_db", round2(snr)}};
  }
  if (band) {
    if (telephone) {
      highPass(x, rate_, 300);
      lowPass(x, rate_, 3400);
      done["band"] = {{"telephone", true}};
    } else if (lowpass < 0.45 * rate_) {
      lowPass(x, rate_, lowpass);
      done["band"] = {{"lowpass_hz", std::round(lowpass)}};
    }
  }
  if (codec && band && telephone) {
    // A phone line carries a call's codec, not a music bitrate: the drawn quality, placed in
    // its range, becomes 6-16 kbps (no extra draw, so the other stages keep their draws).
    const double span = o.codec_quality_max - o.codec_quality_min;
    const double kbps = 6 + 10 * (span > 0 ? (quality - o.codec_quality_min) / span : 0.5);
    x = callRoundTrip(x, rate_, kbps);
    done["codec"] = {{"codec", "opus-call"}, {"kbps", round2(kbps)}};
  } else if (codec) {
    x = codecRoundTrip(x, rate_, opus ? Codec::kOpus : Codec::kMp3, quality);
    done["codec"] = {{"codec", opus ? "opus" : "mp3"}, {"quality", round2(quality)}};
  }
  if (level) {
    const double now = activeLevelDb(x.data(), x.size(), rate_);
    if (now > -119) {
      const float g = float(std::pow(10.0, (level_db - now) / 20));
      for (float& v : x) v *= g;
      done["level_db"] = round2(level_db);
    }
  }
  return done;
}

// ---- noise ----

NoiseColour noiseColourFromString(const std::string& name) {
  if (name == "white") return NoiseColour::kWhite;
  if (name == "pink") return NoiseColour::kPink;
  if (name == "brown") return NoiseColour::kBrown;
  if (name == "hum") return NoiseColour::kHum;
  throw UsageError("noise colour '" + name + "': use white, pink, brown or hum");
}

const char* toString(NoiseColour c) {
  switch (c) {
    case NoiseColour::kWhite: return "white";
    case NoiseColour::kPink: return "pink";
    case NoiseColour::kBrown: return "brown";
    case NoiseColour::kHum: return "hum";
  }
  return "white";
}

std::vector<float> syntheticNoise(NoiseColour colour, size_t n, int rate_hz, std::mt19937_64& rng) {
  std::normal_distribution<float> white(0.f, 1.f);
  std::vector<float> out(n);
  if (colour == NoiseColour::kWhite) {
    for (float& v : out) v = white(rng);
  } else if (colour == NoiseColour::kPink) {
    // Paul Kellet's economy filter: -3 dB/octave within 0.5 dB above ~40 Hz at 44.1 kHz.
    double b0 = 0, b1 = 0, b2 = 0;
    for (float& v : out) {
      const double w = white(rng);
      b0 = 0.99765 * b0 + w * 0.0990460;
      b1 = 0.96300 * b1 + w * 0.2965164;
      b2 = 0.57000 * b2 + w * 1.0526913;
      v = float(b0 + b1 + b2 + w * 0.1848);
    }
  } else if (colour == NoiseColour::kBrown) {
    double y = 0;
    const double leak = 1.0 - 20.0 / rate_hz;  // leaky integrator: -6 dB/octave above ~3 Hz
    for (float& v : out) v = float(y = leak * y + white(rng));
  } else {
    const double f0 = std::uniform_int_distribution<int>(0, 1)(rng) ? 60.0 : 50.0;
    double phase[5];
    for (double& p : phase) p = std::uniform_real_distribution<double>(0, 2 * M_PI)(rng);
    for (size_t i = 0; i < n; ++i) {
      double s = 0;
      for (int h = 1; h <= 5 && h * f0 < rate_hz / 2; ++h) s += std::sin(2 * M_PI * h * f0 * double(i) / rate_hz + phase[h - 1]) / h;
      out[i] = float(s + 0.05 * white(rng));
    }
  }
  scaleToDb(out, powerDb(1.0));
  return out;
}

// ---- reverb ----

std::vector<float> roomImpulseResponse(double rt60_s, double drr_db, int rate_hz, std::mt19937_64& rng) {
  const size_t n = std::max<size_t>(2, size_t(rt60_s * rate_hz));
  std::normal_distribution<double> white(0, 1);
  std::vector<float> h(n, 0.f);
  double tail = 0;
  const double decay = std::log(1000.0) / (rt60_s * rate_hz);  // amplitude -60 dB at rt60
  for (size_t i = 1; i < n; ++i) {
    h[i] = float(white(rng) * std::exp(-decay * double(i)));
    tail += double(h[i]) * h[i];
  }
  // Direct path at 0; the tail scaled to drr_db below it in energy.
  const double g = tail > 0 ? std::sqrt(std::pow(10.0, -drr_db / 10) / tail) : 0;
  for (size_t i = 1; i < n; ++i) h[i] = float(h[i] * g);
  h[0] = 1.f;
  const double energy = 1.0 + std::pow(10.0, -drr_db / 10);
  for (float& v : h) v = float(v / std::sqrt(energy));
  return h;
}

static std::mutex& fftPlannerMutex() {
  static std::mutex m;
  return m;
}

void convolveSame(std::vector<float>& x, const std::vector<float>& h) {
  if (x.empty() || h.empty()) return;
  size_t nfft = 1;
  while (nfft < 2 * h.size()) nfft <<= 1;
  nfft = std::max<size_t>(nfft, 4096);
  const size_t block = nfft - h.size() + 1, bins = nfft / 2 + 1;
  float* in = fftwf_alloc_real(nfft);
  fftwf_complex* spec = fftwf_alloc_complex(bins);
  std::vector<std::complex<float>> hspec(bins);
  fftwf_plan fwd, inv;
  {
    std::lock_guard<std::mutex> lock(fftPlannerMutex());
    fwd = fftwf_plan_dft_r2c_1d(int(nfft), in, spec, FFTW_ESTIMATE);
    inv = fftwf_plan_dft_c2r_1d(int(nfft), spec, in, FFTW_ESTIMATE);
  }
  std::fill(in, in + nfft, 0.f);
  std::copy(h.begin(), h.end(), in);
  fftwf_execute(fwd);
  for (size_t k = 0; k < bins; ++k) hspec[k] = {spec[k][0], spec[k][1]};
  std::vector<float> out(x.size() + nfft, 0.f);
  for (size_t start = 0; start < x.size(); start += block) {
    const size_t len = std::min(block, x.size() - start);
    std::fill(in, in + nfft, 0.f);
    std::copy(x.begin() + long(start), x.begin() + long(start + len), in);
    fftwf_execute(fwd);
    for (size_t k = 0; k < bins; ++k) {
      const std::complex<float> v = std::complex<float>(spec[k][0], spec[k][1]) * hspec[k];
      spec[k][0] = v.real();
      spec[k][1] = v.imag();
    }
    fftwf_execute(inv);
    for (size_t i = 0; i < nfft; ++i) out[start + i] += in[i] / float(nfft);
  }
  std::copy(out.begin(), out.begin() + long(x.size()), x.begin());
  {
    std::lock_guard<std::mutex> lock(fftPlannerMutex());
    fftwf_destroy_plan(fwd);
    fftwf_destroy_plan(inv);
  }
  fftwf_free(in);
  fftwf_free(spec);
}

// ---- filters (RBJ audio EQ cookbook biquads) ----

namespace {
struct Biquad {
  double b0, b1, b2, a1, a2;  // normalised by a0
  void run(std::vector<float>& x) const {
    double x1 = 0, x2 = 0, y1 = 0, y2 = 0;
    for (float& v : x) {
      const double y = b0 * v + b1 * x1 + b2 * x2 - a1 * y1 - a2 * y2;
      x2 = x1, x1 = v, y2 = y1, y1 = y;
      v = float(y);
    }
  }
};

Biquad make(double b0, double b1, double b2, double a0, double a1, double a2) {
  return {b0 / a0, b1 / a0, b2 / a0, a1 / a0, a2 / a0};
}

Biquad passFilter(bool low, int rate, double f, double q) {
  const double w = 2 * M_PI * f / rate, c = std::cos(w), alpha = std::sin(w) / (2 * q);
  if (low) return make((1 - c) / 2, 1 - c, (1 - c) / 2, 1 + alpha, -2 * c, 1 - alpha);
  return make((1 + c) / 2, -(1 + c), (1 + c) / 2, 1 + alpha, -2 * c, 1 - alpha);
}

Biquad shelf(bool low, int rate, double f, double gain_db) {
  const double A = std::pow(10.0, gain_db / 40), w = 2 * M_PI * f / rate, c = std::cos(w);
  const double alpha = std::sin(w) / 2 * std::sqrt(2.0), s = 2 * std::sqrt(A) * alpha;  // slope 1
  if (low)
    return make(A * ((A + 1) - (A - 1) * c + s), 2 * A * ((A - 1) - (A + 1) * c), A * ((A + 1) - (A - 1) * c - s),
                (A + 1) + (A - 1) * c + s, -2 * ((A - 1) + (A + 1) * c), (A + 1) + (A - 1) * c - s);
  return make(A * ((A + 1) + (A - 1) * c + s), -2 * A * ((A - 1) + (A + 1) * c), A * ((A + 1) + (A - 1) * c - s),
              (A + 1) - (A - 1) * c + s, 2 * ((A - 1) - (A + 1) * c), (A + 1) - (A - 1) * c - s);
}

Biquad peaking(int rate, double f, double gain_db, double q) {
  const double A = std::pow(10.0, gain_db / 40), w = 2 * M_PI * f / rate, c = std::cos(w), alpha = std::sin(w) / (2 * q);
  return make(1 + alpha * A, -2 * c, 1 - alpha * A, 1 + alpha / A, -2 * c, 1 - alpha / A);
}

// The four pole-pair Qs of an 8th-order Butterworth.
constexpr double kButterworth8Q[] = {0.50980, 0.60134, 0.89998, 2.56292};
}  // namespace

void lowPass(std::vector<float>& x, int rate_hz, double cutoff_hz) {
  if (cutoff_hz >= 0.49 * rate_hz) return;
  for (double q : kButterworth8Q) passFilter(true, rate_hz, cutoff_hz, q).run(x);
}

void highPass(std::vector<float>& x, int rate_hz, double cutoff_hz) {
  if (cutoff_hz <= 0 || cutoff_hz >= 0.49 * rate_hz) return;
  for (double q : kButterworth8Q) passFilter(false, rate_hz, cutoff_hz, q).run(x);
}

void colourEq(std::vector<float>& x, int rate_hz, double tilt_db, double peak_hz, double peak_db) {
  shelf(true, rate_hz, 300, -tilt_db / 2).run(x);
  if (3000 < 0.45 * rate_hz) shelf(false, rate_hz, 3000, tilt_db / 2).run(x);
  if (peak_hz < 0.45 * rate_hz && peak_db != 0) peaking(rate_hz, peak_hz, peak_db, 1.0).run(x);
}

// ---- codecs ----

static bool codecCarries(Codec codec, int rate) {
  static const int opus[] = {8000, 12000, 16000, 24000, 48000};
  static const int mp3[] = {8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000};
  if (codec == Codec::kOpus) return std::find(std::begin(opus), std::end(opus), rate) != std::end(opus);
  return std::find(std::begin(mp3), std::end(mp3), rate) != std::end(mp3);
}

static std::vector<float> encodeDecode(const std::vector<float>& x, int rate, Codec codec, double quality) {
  static std::atomic<uint64_t> counter{0};
  const fs::path path = fs::temp_directory_path() /
                        ("podclean-codec-" + std::to_string(getpid()) + "-" + std::to_string(counter++) +
                         (codec == Codec::kOpus ? ".opus" : ".mp3"));
  SF_INFO info{};
  info.samplerate = rate;
  info.channels = 1;
  info.format = codec == Codec::kOpus ? (SF_FORMAT_OGG | SF_FORMAT_OPUS) : (SF_FORMAT_MPEG | SF_FORMAT_MPEG_LAYER_III);
  SNDFILE* f = sf_open(path.c_str(), SFM_WRITE, &info);
  if (!f) throw Error(std::string("codec round trip: libsndfile cannot write ") + (codec == Codec::kOpus ? "Opus" : "MP3") +
                      " at " + std::to_string(rate) + " Hz: " + sf_strerror(nullptr));
  double level = quality;
  sf_command(f, SFC_SET_COMPRESSION_LEVEL, &level, sizeof(level));
  sf_write_float(f, x.data(), sf_count_t(x.size()));
  sf_close(f);
  std::vector<float> y;
  try {
    y = loadMono(path.string(), rate);
  } catch (...) {
    fs::remove(path);
    throw;
  }
  fs::remove(path);
  return y;
}

// The codec's delay at this rate, measured once on a probe click train.
static size_t codecDelay(Codec codec, int rate, double quality) {
  static std::mutex m;
  static std::map<std::pair<int, int>, size_t> known;
  const std::pair<int, int> key{int(codec), rate};
  {
    std::lock_guard<std::mutex> lock(m);
    auto it = known.find(key);
    if (it != known.end()) return it->second;
  }
  std::mt19937_64 rng(7);
  std::vector<float> probe = syntheticNoise(NoiseColour::kPink, size_t(rate), rate, rng);
  for (float& v : probe) v *= 0.1f;
  const std::vector<float> back = encodeDecode(probe, rate, codec, 0.3);
  size_t best = 0;
  double best_score = -1e30;
  const size_t max_lag = std::min<size_t>(size_t(rate / 10), back.size() / 2);
  for (size_t lag = 0; lag < max_lag; ++lag) {
    double s = 0;
    for (size_t i = 0; i + lag < back.size() && i < probe.size(); i += 2) s += double(probe[i]) * back[i + lag];
    if (s > best_score) best_score = s, best = lag;
  }
  std::lock_guard<std::mutex> lock(m);
  known[key] = best;
  return best;
}

std::vector<float> codecRoundTrip(const std::vector<float>& x, int rate_hz, Codec codec, double quality) {
  if (x.empty()) return x;
  const bool carried = codecCarries(codec, rate_hz);
  const int rate = carried ? rate_hz : 48000;
  const std::vector<float> in = carried ? x : resample(x, rate_hz, rate);
  std::vector<float> y = encodeDecode(in, rate, codec, quality);
  const size_t delay = codecDelay(codec, rate, quality);
  y.erase(y.begin(), y.begin() + long(std::min(delay, y.size())));
  if (!carried) y = resample(y, rate, rate_hz);
  y.resize(x.size(), 0.f);
  return y;
}

std::vector<float> callRoundTrip(const std::vector<float>& x, int rate_hz, double kbps) {
  if (x.empty()) return x;
  constexpr int kCallRate = 8000;
  // libsndfile's Opus bitrate is (1 - level) * 250 kbps + 6 kbps.
  const double level = std::clamp(1 - (kbps - 6) / 250, 0.0, 1.0);
  std::vector<float> y = codecRoundTrip(resample(x, rate_hz, kCallRate), kCallRate, Codec::kOpus, level);
  y = resample(y, kCallRate, rate_hz);
  y.resize(x.size(), 0.f);
  return y;
}

}  // namespace podclean
