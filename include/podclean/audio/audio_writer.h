// Writes audio with libsndfile, atomically: to a temporary name beside the
// target, renamed into place by commit(). A writer destroyed without commit()
// removes its temporary file, so no half-written output is ever left behind.
#pragma once
#include <memory>
#include <string>

#include "podclean/audio/audio_reader.h"

namespace podclean {

// libsndfile format for an output path's extension (.wav .flac .ogg .opus
// .mp3); throws UsageError for an extension it cannot write.
int formatForExtension(const std::string& path);

// info.sndfile_format when libsndfile can write it at info's rate and
// channels (e.g. MP3 in, MP3 out), else 0 ("choose from the extension").
int writableFormat(const AudioInfo& info);

class AudioWriter {
 public:
  // info.sndfile_format 0 means "choose from the extension".
  AudioWriter(const std::string& path, AudioInfo info);
  ~AudioWriter();
  AudioWriter(const AudioWriter&) = delete;
  AudioWriter& operator=(const AudioWriter&) = delete;

  void writeInterleaved(const float* samples, int64_t frames);
  void commit();  // closes and renames into place
  const AudioInfo& info() const { return info_; }

 private:
  std::string path_, temp_path_;
  AudioInfo info_;
  struct Handle;
  std::unique_ptr<Handle> handle_;
  std::string writeError() const;  // strerror of the first failed write, or ""
  bool committed_ = false;
};

// Writes a whole mono buffer (tests, prep's split pieces).
void writeMono(const std::string& path, const float* samples, int64_t frames,
               int sample_rate_hz, int sndfile_format = 0);

}  // namespace podclean
