// Chunked audio decoding with libsndfile: every format it reads (WAV, FLAC,
// Ogg Vorbis/Opus, MP3, ...). Nothing here loads a whole file unless asked.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace podclean {

struct AudioInfo {
  int sample_rate_hz = 0;
  int channels = 0;
  int64_t frames = 0;  // samples per channel, as the file's header states
  int sndfile_format = 0;  // libsndfile SF_FORMAT_* (major | subtype)
  double duration_s() const {
    return sample_rate_hz > 0 ? double(frames) / sample_rate_hz : 0.0;
  }
};

// Reads one file in chunks. Throws FileError for missing, unreadable, empty,
// unsupported or damaged files; the message names the file and the problem.
class AudioReader {
 public:
  explicit AudioReader(const std::string& path);
  ~AudioReader();
  AudioReader(const AudioReader&) = delete;
  AudioReader& operator=(const AudioReader&) = delete;

  const AudioInfo& info() const { return info_; }
  const std::string& path() const { return path_; }

  // Reads up to max_frames interleaved frames into out (resized to
  // frames * channels). Returns the frames read; 0 means the end. Throws
  // FileError when the stream is damaged or ends before its header says.
  int64_t readInterleaved(std::vector<float>& out, int64_t max_frames);

  // As readInterleaved, averaged over channels (downmix to mono).
  int64_t readMono(std::vector<float>& out, int64_t max_frames);

  // Seeks to a frame (for re-reading a region); throws if the file cannot seek.
  void seek(int64_t frame);

 private:
  std::string path_;
  AudioInfo info_;
  struct Handle;
  std::unique_ptr<Handle> handle_;
  int64_t frames_read_ = 0;
  std::vector<float> interleaved_;  // scratch for readMono
};

// Streams a file as mono float32 at a target sample rate: decode, downmix,
// resample (libsoxr, high quality), in chunks of about chunk_frames.
class MonoSource {
 public:
  MonoSource(const std::string& path, int target_rate_hz,
             int64_t chunk_frames = 1 << 16);
  ~MonoSource();
  const AudioInfo& info() const { return reader_.info(); }
  // Fills chunk with the next samples at the target rate; false at the end.
  bool next(std::vector<float>& chunk);

 private:
  AudioReader reader_;
  int64_t chunk_frames_;
  struct ResamplerBox;
  std::unique_ptr<ResamplerBox> resampler_;  // null when rates match
  std::vector<float> decoded_;
  bool finished_ = false;
};

// Whole file as mono float32 at target_rate_hz (for short clips only).
std::vector<float> loadMono(const std::string& path, int target_rate_hz);

}  // namespace podclean
