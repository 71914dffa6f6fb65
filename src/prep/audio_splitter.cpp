#include "podclean/prep/audio_splitter.h"


#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "podclean/audio/audio_reader.h"
#include "podclean/audio/audio_writer.h"
#include "podclean/dsp/frame_energy.h"
#include "podclean/prep/file_labels.h"
#include "podclean/util/atomic_file.h"
#include "podclean/util/error.h"

namespace fs = std::filesystem;

namespace podclean {

std::vector<std::pair<double, double>> findSoundRegions(const std::string& path, const PrepOptions& o) {
  AudioReader reader(path);
  const int rate = reader.info().sample_rate_hz;
  FrameEnergy frames(rate);
  std::vector<bool> loud;  // per 10 ms frame
  std::vector<float> chunk;
  const double threshold = std::pow(10.0, o.silence_threshold_db / 10.0);  // mean square
  auto emit = [&](double mean_square) { loud.push_back(mean_square >= threshold); };
  while (reader.readMono(chunk, 1 << 16) > 0) frames.push(chunk.data(), chunk.size(), emit);
  frames.finish(emit);

  const double frame_s = frames.stepS(), total_s = reader.info().duration_s();
  const int64_t min_silence = int64_t(std::ceil(o.min_silence_s / frame_s));
  // Sound regions are the gaps between silences of at least min_silence frames.
  std::vector<std::pair<double, double>> regions;
  int64_t region_start = -1, quiet_run = 0;
  for (int64_t t = 0; t <= int64_t(loud.size()); ++t) {
    const bool is_loud = t < int64_t(loud.size()) && loud[size_t(t)];
    if (is_loud) {
      if (region_start < 0) region_start = t;
      quiet_run = 0;
      continue;
    }
    ++quiet_run;
    const bool at_end = t == int64_t(loud.size());
    if (region_start >= 0 && (quiet_run >= min_silence || at_end)) {
      const int64_t region_end = t - quiet_run + 1;  // first quiet frame of the run
      double a = std::max(0.0, frameStartS(region_start, frame_s) - o.keep_silence_s);
      double b = std::min(total_s, frameStartS(region_end, frame_s) + o.keep_silence_s);
      if (b - a >= o.min_piece_s) regions.emplace_back(a, b);
      region_start = -1;
    }
  }
  return regions;
}

static void writePiece(AudioReader& reader, const std::string& out_path, double start_s, double end_s) {
  const AudioInfo& info = reader.info();
  const int64_t first = int64_t(std::llround(start_s * info.sample_rate_hz));
  const int64_t last = std::min(info.frames, int64_t(std::llround(end_s * info.sample_rate_hz)));
  reader.seek(first);
  AudioInfo out_info = info;
  out_info.sndfile_format = writableFormat(info);  // the input's container and encoding when possible
  AudioWriter writer(out_path, out_info);
  std::vector<float> block;
  for (int64_t at = first; at < last;) {
    const int64_t got = reader.readInterleaved(block, std::min<int64_t>(1 << 16, last - at));
    if (got == 0) break;
    writer.writeInterleaved(block.data(), got);
    at += got;
  }
  writer.commit();
}

int64_t splitRecordings(const PrepOptions& o) {
  o.Validate();
  fs::create_directories(o.output_dir);
  std::string csv = "piece,source,start_s,end_s\n";
  int64_t pieces = 0;
  for (const std::string& path : findAudioFiles(o.inputs)) {
    std::vector<std::pair<double, double>> regions;
    AudioReader reader(path);
    const double total_s = reader.info().duration_s();
    if (o.task == PrepTask::kSplitFixed) {
      for (double a = 0; a < total_s - 1e-9; a += o.piece_seconds)
        if (std::min(total_s, a + o.piece_seconds) - a >= o.min_piece_s)
          regions.emplace_back(a, std::min(total_s, a + o.piece_seconds));
    } else {
      regions = findSoundRegions(path, o);
    }
    const fs::path source(path);
    for (size_t k = 0; k < regions.size(); ++k) {
      char index[32];
      std::snprintf(index, sizeof(index), "_%04zu", k);
      const std::string name = source.stem().string() + index + source.extension().string();
      const std::string out_path = (fs::path(o.output_dir) / name).string();
      if (fs::exists(out_path) && fs::equivalent(out_path, path))
        throw FileError(out_path, "would overwrite an input");
      writePiece(reader, out_path, regions[k].first, regions[k].second);
      char row[512];
      std::snprintf(row, sizeof(row), ",%.3f,%.3f\n", regions[k].first, regions[k].second);
      csv += name + "," + path + row;
      ++pieces;
    }
  }
  writeTextFile(o.output_dir + "/pieces.csv", csv);
  return pieces;
}

}  // namespace podclean
