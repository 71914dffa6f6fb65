#include "podclean/audio/audio_writer.h"

#include <sndfile.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "podclean/util/atomic_file.h"
#include "podclean/util/error.h"

namespace podclean {

int formatForExtension(const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), ::tolower);
  if (ext == ".wav") return SF_FORMAT_WAV | SF_FORMAT_PCM_16;
  if (ext == ".flac") return SF_FORMAT_FLAC | SF_FORMAT_PCM_16;
  if (ext == ".ogg" || ext == ".oga") return SF_FORMAT_OGG | SF_FORMAT_VORBIS;
  if (ext == ".opus") return SF_FORMAT_OGG | SF_FORMAT_OPUS;
  if (ext == ".mp3") return SF_FORMAT_MPEG | SF_FORMAT_MPEG_LAYER_III;
  throw UsageError(path + ": cannot write audio with extension '" + ext +
                   "' (use .wav, .flac, .ogg, .opus or .mp3)");
}

int writableFormat(const AudioInfo& info) {
  SF_INFO check{};
  check.samplerate = info.sample_rate_hz;
  check.channels = info.channels;
  check.format = info.sndfile_format;
  return sf_format_check(&check) ? info.sndfile_format : 0;
}

struct AudioWriter::Handle {
  SNDFILE* file = nullptr;
  ~Handle() {
    if (file) sf_close(file);
  }
};

AudioWriter::AudioWriter(const std::string& path, AudioInfo info)
    : path_(path), temp_path_(temporaryPathFor(path)), info_(info), handle_(new Handle) {
  info_.frames = 0;
  if (info_.sndfile_format == 0) info_.sndfile_format = formatForExtension(path);
  SF_INFO sf_info{};
  sf_info.samplerate = info_.sample_rate_hz;
  sf_info.channels = info_.channels;
  sf_info.format = info_.sndfile_format;
  // Opus only runs at 8/12/16/24/48 kHz; MP3 at the MPEG rates. Let libsndfile say no.
  if (!sf_format_check(&sf_info))
    throw FileError(path, "cannot write this format at " + std::to_string(info_.sample_rate_hz) +
                              " Hz with " + std::to_string(info_.channels) + " channel(s)");
  handle_->file = sf_open(temp_path_.c_str(), SFM_WRITE, &sf_info);
  if (!handle_->file)
    throw FileError(path, std::string("cannot write: ") + sf_strerror(nullptr));
  // Float input beyond [-1, 1] is clipped, not wrapped, when stored as integers.
  sf_command(handle_->file, SFC_SET_CLIPPING, nullptr, SF_TRUE);
}

AudioWriter::~AudioWriter() {
  if (!committed_) {
    handle_.reset();
    std::remove(temp_path_.c_str());
  }
}

void AudioWriter::writeInterleaved(const float* samples, int64_t frames) {
  if (sf_writef_float(handle_->file, samples, frames) != frames)
    throw FileError(path_, std::string("write failed: ") + sf_strerror(handle_->file));
  info_.frames += frames;
}

void AudioWriter::commit() {
  if (sf_close(handle_->file) != 0) {
    handle_->file = nullptr;
    throw FileError(path_, "could not finish writing");
  }
  handle_->file = nullptr;
  renameInto(temp_path_, path_);
  committed_ = true;
}

void writeMono(const std::string& path, const float* samples, int64_t frames,
               int sample_rate_hz, int sndfile_format) {
  AudioInfo info;
  info.sample_rate_hz = sample_rate_hz;
  info.channels = 1;
  info.sndfile_format = sndfile_format;
  AudioWriter writer(path, info);
  writer.writeInterleaved(samples, frames);
  writer.commit();
}

}  // namespace podclean
