#include "podclean/audio/audio_reader.h"

#include <sndfile.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "podclean/audio/resampler.h"
#include "podclean/util/error.h"
#include "podclean/util/output_guard.h"

namespace podclean {

struct AudioReader::Handle {
  SNDFILE* file = nullptr;
  ~Handle() {
    if (file) sf_close(file);
  }
};

static std::string sndfileLog(SNDFILE* file) {
  char log[4096] = {0};
  sf_command(file, SFC_GET_LOG_INFO, log, sizeof(log));
  return log;
}

AudioReader::AudioReader(const std::string& path) : path_(path), handle_(new Handle) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) throw FileError(path, "no such file");
  if (std::filesystem::is_directory(path, ec))
    throw FileError(path, "is a directory, not an audio file");
  if (std::filesystem::file_size(path, ec) == 0) throw FileError(path, "empty file");
  noteInputRead(path);
  SF_INFO sf_info{};
  handle_->file = sf_open(path.c_str(), SFM_READ, &sf_info);
  if (!handle_->file) {
    std::string why = sf_strerror(nullptr);
    // libsndfile's MPEG probe answers "does not exist ... (possibly a pipe?)"
    // for any file it cannot parse; the file does exist, so say what is true.
    if (why.find("recognised") != std::string::npos || why.find("not supported") != std::string::npos ||
        why.find("does not exist") != std::string::npos)
      why = "not a supported audio file (libsndfile cannot parse it)";
    throw FileError(path, "cannot read audio: " + why);
  }
  info_.sample_rate_hz = sf_info.samplerate;
  info_.channels = sf_info.channels;
  info_.frames = sf_info.frames;
  info_.sndfile_format = sf_info.format;
  if (info_.frames <= 0 || info_.sample_rate_hz <= 0 || info_.channels <= 0)
    throw FileError(path, "no audio in file (0 samples)");
  // libsndfile opens a WAV whose data ends early and quietly shortens it;
  // its log says so. A cut-off file is damaged: report it, do not guess.
  std::string log = sndfileLog(handle_->file);
  const size_t data_line = log.find("\ndata :");
  const bool data_short = data_line != std::string::npos &&
                          log.find("should be", data_line) < log.find('\n', data_line + 1);
  if (data_short || log.find("runcated") != std::string::npos)
    throw FileError(path, "truncated audio file (data ends before its header says)");
}

AudioReader::~AudioReader() = default;

int64_t AudioReader::readInterleaved(std::vector<float>& out, int64_t max_frames) {
  out.resize(size_t(max_frames) * info_.channels);
  sf_count_t got = sf_readf_float(handle_->file, out.data(), max_frames);
  int error = sf_error(handle_->file);
  if (got < 0 || error != SF_ERR_NO_ERROR) {
    // The decoder fails somewhere inside this block: say where the block
    // ends, or nothing when no audio came (never a misleading "0.000000 s").
    const int64_t good = frames_read_ + std::max<sf_count_t>(got, 0);
    char where[64] = "";
    if (good > 0) std::snprintf(where, sizeof(where), " after %.2f s", double(good) / info_.sample_rate_hz);
    throw FileError(path_, std::string("damaged audio") + where + ": " + sf_strerror(handle_->file));
  }
  if (got == 0 && frames_read_ < info_.frames &&
      (info_.sndfile_format & SF_FORMAT_TYPEMASK) != SF_FORMAT_MPEG)
    throw FileError(path_, "audio ends early at " +
                               std::to_string(double(frames_read_) / info_.sample_rate_hz) +
                               " s (truncated or damaged file)");
  frames_read_ += got;
  out.resize(size_t(got) * info_.channels);
  return got;
}

int64_t AudioReader::readMono(std::vector<float>& out, int64_t max_frames) {
  if (info_.channels == 1) return readInterleaved(out, max_frames);
  int64_t got = readInterleaved(interleaved_, max_frames);
  out.resize(size_t(got));
  const int c = info_.channels;
  if (c == 2) {  // the common case, in a loop the compiler vectorises (x 0.5 is exact, as / 2 is)
    const float* in = interleaved_.data();
    float* mono = out.data();
    for (int64_t i = 0; i < got; ++i) mono[i] = (in[2 * i] + in[2 * i + 1]) * 0.5f;
    return got;
  }
  for (int64_t i = 0; i < got; ++i) {
    float sum = 0.f;
    for (int k = 0; k < c; ++k) sum += interleaved_[size_t(i * c + k)];
    out[size_t(i)] = sum / float(c);
  }
  return got;
}

void AudioReader::seek(int64_t frame) {
  if (sf_seek(handle_->file, frame, SEEK_SET) < 0)
    throw FileError(path_, "cannot seek in this file");
  frames_read_ = frame;
}

struct MonoSource::ResamplerBox {
  Resampler resampler;
  ResamplerBox(double in, double out) : resampler(in, out, 1) {}
};

MonoSource::MonoSource(const std::string& path, int target_rate_hz, int64_t chunk_frames)
    : reader_(path), chunk_frames_(chunk_frames) {
  if (reader_.info().sample_rate_hz != target_rate_hz)
    resampler_ = std::make_unique<ResamplerBox>(reader_.info().sample_rate_hz, target_rate_hz);
}

MonoSource::~MonoSource() = default;

bool MonoSource::next(std::vector<float>& chunk) {
  chunk.clear();
  while (chunk.empty() && !finished_) {
    int64_t got = reader_.readMono(decoded_, chunk_frames_);
    if (got == 0) {
      finished_ = true;
      if (resampler_) resampler_->resampler.flush(chunk);
    } else if (resampler_) {
      resampler_->resampler.process(decoded_.data(), size_t(got), chunk);
    } else {
      chunk.swap(decoded_);
    }
  }
  return !chunk.empty();
}

std::vector<float> loadMono(const std::string& path, int target_rate_hz) {
  MonoSource source(path, target_rate_hz);
  std::vector<float> all, chunk;
  all.reserve(size_t(source.info().frames * double(target_rate_hz) /
                     source.info().sample_rate_hz) + 64);
  while (source.next(chunk)) all.insert(all.end(), chunk.begin(), chunk.end());
  return all;
}

}  // namespace podclean
