#include "podclean/clean/audio_editor.h"


#include <algorithm>
#include <cmath>
#include <filesystem>

#include "podclean/audio/audio_reader.h"
#include "podclean/audio/audio_writer.h"
#include "podclean/util/error.h"

namespace podclean {

namespace {

// Equal-power gains for position k of an n-sample fade.
inline float fadeIn(int64_t k, int64_t n) { return float(std::sin(M_PI / 2 * (double(k) + 0.5) / double(n))); }
inline float fadeOut(int64_t k, int64_t n) { return float(std::cos(M_PI / 2 * (double(k) + 0.5) / double(n))); }

}  // namespace

EditResult applyKeptRegions(const std::string& input_path, const std::string& output_path,
                            const std::vector<std::pair<double, double>>& kept_s, const EditOptions& options) {
  AudioReader reader(input_path);
  const AudioInfo& info = reader.info();
  const int channels = info.channels;
  const int64_t n_total = info.frames;
  const int64_t fade = std::max<int64_t>(2, int64_t(options.crossfade_ms * info.sample_rate_hz / 1000.0)) / 2 * 2;

  AudioInfo out_info = info;
  out_info.sndfile_format = options.sndfile_format;
  if (!out_info.sndfile_format) {
    // The input's own format when libsndfile can write it at this rate, else by extension.
    const bool same_extension = std::filesystem::path(input_path).extension() == std::filesystem::path(output_path).extension();
    out_info.sndfile_format = same_extension ? writableFormat(info) : 0;
  }
  AudioWriter writer(output_path, out_info);
  EditResult result;
  result.input_s = info.duration_s();

  // Regions in samples, each widened by half a fade into the cut on inner sides.
  std::vector<std::pair<int64_t, int64_t>> regions;
  for (const auto& [a, b] : kept_s) {
    int64_t s0 = std::clamp<int64_t>(std::llround(a * info.sample_rate_hz), 0, n_total);
    int64_t s1 = std::clamp<int64_t>(std::llround(b * info.sample_rate_hz), 0, n_total);
    if (s1 > s0) regions.emplace_back(s0, s1);
  }
  for (size_t i = 0; i < regions.size(); ++i) {
    if (i > 0) regions[i].first = std::max<int64_t>(0, regions[i].first - fade / 2);
    if (i + 1 < regions.size()) regions[i].second = std::min(n_total, regions[i].second + fade / 2);
  }

  std::vector<float> tail;   // the previous region's last frames, not yet written
  std::vector<float> block;
  int64_t written = 0;
  auto write = [&](const float* data, int64_t frames) {
    writer.writeInterleaved(data, frames);
    written += frames;
  };
  for (size_t i = 0; i < regions.size(); ++i) {
    const auto [s0, s1] = regions[i];
    const bool last = i + 1 == regions.size();
    reader.seek(s0);
    std::vector<float> pending;  // region audio read but not yet written
    int64_t position = s0;
    bool head_done = false;
    while (position < s1) {
      const int64_t got = reader.readInterleaved(block, std::min<int64_t>(1 << 15, s1 - position));
      if (got == 0) break;
      pending.insert(pending.end(), block.begin(), block.end());
      position += got;
      // The head of this region: crossfade with the previous tail, or a short
      // fade-in where the file's own start was cut.
      if (!head_done && (int64_t(pending.size()) / channels >= fade || position >= s1)) {
        head_done = true;
        const int64_t have = int64_t(pending.size()) / channels;
        if (!tail.empty()) {
          const int64_t n = std::min<int64_t>(int64_t(tail.size()) / channels, have);
          const int64_t lead = int64_t(tail.size()) / channels - n;
          write(tail.data(), lead);
          for (int64_t k = 0; k < n; ++k)
            for (int c = 0; c < channels; ++c) {
              float& v = pending[size_t(k * channels + c)];
              v = tail[size_t((lead + k) * channels + c)] * fadeOut(k, n) + v * fadeIn(k, n);
            }
          ++result.joints;
          tail.clear();
        } else if (s0 > 0) {
          const int64_t n = std::min<int64_t>(fade / 2, have);
          for (int64_t k = 0; k < n; ++k)
            for (int c = 0; c < channels; ++c) pending[size_t(k * channels + c)] *= fadeIn(k, n);
        }
      }
      // Write all but what the next joint needs.
      const int64_t hold = last ? 0 : fade;
      const int64_t ready = int64_t(pending.size()) / channels - hold;
      if (head_done && ready > 0) {
        write(pending.data(), ready);
        pending.erase(pending.begin(), pending.begin() + ready * channels);
      }
    }
    if (last && s1 < n_total) {  // the file's own end was cut: short fade-out
      const int64_t have = int64_t(pending.size()) / channels, n = std::min<int64_t>(fade / 2, have);
      for (int64_t k = 0; k < n; ++k)
        for (int c = 0; c < channels; ++c) pending[size_t((have - n + k) * channels + c)] *= fadeOut(k, n);
    }
    if (last) write(pending.data(), int64_t(pending.size()) / channels);
    else tail = std::move(pending);
  }
  if (!tail.empty()) write(tail.data(), int64_t(tail.size()) / channels);
  writer.commit();
  result.output_s = double(written) / info.sample_rate_hz;
  return result;
}

}  // namespace podclean
