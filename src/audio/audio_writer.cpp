#include "podclean/audio/audio_writer.h"

#include <fcntl.h>
#include <sndfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

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

// libsndfile writes through these callbacks onto a descriptor we own, so that
// every failed write (a full disk, a file size limit) is seen: its MP3 and
// Ogg encoders drop write errors at close and report success.
struct AudioWriter::Handle {
  SNDFILE* file = nullptr;
  int fd = -1;
  int write_errno = 0;  // first failed write or seek
  ~Handle() {
    if (file) sf_close(file);
    if (fd >= 0) ::close(fd);
  }
  static sf_count_t length(void* user) {
    struct stat st;
    return fstat(static_cast<Handle*>(user)->fd, &st) == 0 ? sf_count_t(st.st_size) : -1;
  }
  static sf_count_t seek(sf_count_t offset, int whence, void* user) {
    auto* h = static_cast<Handle*>(user);
    const off_t at = lseek(h->fd, off_t(offset), whence);
    if (at < 0 && !h->write_errno) h->write_errno = errno;
    return at;
  }
  static sf_count_t read(void* data, sf_count_t bytes, void* user) {
    const ssize_t got = ::read(static_cast<Handle*>(user)->fd, data, size_t(bytes));
    return got < 0 ? 0 : got;
  }
  static sf_count_t write(const void* data, sf_count_t bytes, void* user) {
    auto* h = static_cast<Handle*>(user);
    sf_count_t done = 0;
    while (done < bytes) {
      const ssize_t n = ::write(h->fd, static_cast<const char*>(data) + done, size_t(bytes - done));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        if (!h->write_errno) h->write_errno = n < 0 ? errno : ENOSPC;
        break;
      }
      done += n;
    }
    return done;
  }
  static sf_count_t tell(void* user) { return lseek(static_cast<Handle*>(user)->fd, 0, SEEK_CUR); }
};

AudioWriter::AudioWriter(const std::string& path, AudioInfo info)
    : path_(path), info_(info), handle_(new Handle) {
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
  temp_path_ = temporaryPathFor(path);  // checks path: never a link, device, FIFO or input
  handle_->fd = ::open(temp_path_.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (handle_->fd < 0) {
    const std::string why = std::strerror(errno);
    discardTemporary(temp_path_);
    throw FileError(path, "cannot write: " + why);
  }
  static SF_VIRTUAL_IO io = {Handle::length, Handle::seek, Handle::read, Handle::write, Handle::tell};
  handle_->file = sf_open_virtual(&io, SFM_WRITE, &sf_info, handle_.get());
  if (!handle_->file) {
    const std::string why = sf_strerror(nullptr);
    handle_.reset();
    discardTemporary(temp_path_);  // e.g. an Opus rate libsndfile refuses only now: no empty file left
    throw FileError(path, "cannot write: " + why);
  }
  // Float input beyond [-1, 1] is clipped, not wrapped, when stored as integers.
  sf_command(handle_->file, SFC_SET_CLIPPING, nullptr, SF_TRUE);
}

AudioWriter::~AudioWriter() {
  if (!committed_) {
    handle_.reset();
    if (!temp_path_.empty()) discardTemporary(temp_path_);
  }
}

std::string AudioWriter::writeError() const {
  return handle_->write_errno ? std::strerror(handle_->write_errno) : "";
}

void AudioWriter::writeInterleaved(const float* samples, int64_t frames) {
  if (sf_writef_float(handle_->file, samples, frames) != frames || handle_->write_errno) {
    const std::string why = writeError();
    throw FileError(path_, "write failed: " + (why.empty() ? std::string(sf_strerror(handle_->file)) : why));
  }
  info_.frames += frames;
}

void AudioWriter::commit() {
  const int closed = sf_close(handle_->file);
  handle_->file = nullptr;
  // The encoders flush at close; any write that failed then is an error too.
  if (::close(handle_->fd) != 0 && !handle_->write_errno) handle_->write_errno = errno;
  handle_->fd = -1;
  if (closed != 0 || handle_->write_errno)
    throw FileError(path_, "could not finish writing: " + (handle_->write_errno ? writeError() : std::string(sf_error_number(closed))));
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
