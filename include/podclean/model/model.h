// The model API the rest of podclean sees: plain floats in, probabilities out.
// LibTorch stays behind Impl; only src/model/*.cpp include it.
//
// A model file is self-describing: a JSON header (architecture and sizes,
// task kind, label names, the feature configuration, normalisation stats,
// training summary) followed by the weights. See model_file.cpp.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "podclean/dsp/feature_options.h"
#include "podclean/dsp/matrix.h"
#include "podclean/dsp/norm_stats.h"

namespace podclean {

enum class ModelTask { kClip, kFrame };
const char* toString(ModelTask task);

struct ModelSpec {
  std::string arch = "conv2d";  // conv1d | conv2d | gru
  ModelTask task = ModelTask::kClip;
  int num_features = 0;         // per input frame
  int num_classes = 0;
  int channels = 32;            // conv width (conv2d: first block; doubles per block up to 4x)
  int layers = 3;               // conv blocks / dilated layers / GRU layers
  int hidden = 64;              // GRU hidden size, dense head width
  int kernel = 3;               // conv kernel (frames)
  double dropout = 0.2;
  void Validate() const;        // throws UsageError naming the field
  nlohmann::json toJson() const;
  static ModelSpec fromJson(const nlohmann::json& json);
};

struct ModelMeta {
  ModelSpec spec;
  std::vector<std::string> labels;
  FeatureOptions features;
  NormStats norm;
  nlohmann::json training = nlohmann::json::object();  // summary: dataset, epochs, metrics...
};

// Models whose probabilities are averaged must agree on labels and features: throws
// FileError naming other_path when other's differ from first's.
void requireSameLabelsAndFeatures(const ModelMeta& first, const ModelMeta& other, const std::string& other_path);

class Model {
 public:
  static Model create(const ModelMeta& meta, uint64_t seed);
  // Throws FileError: not a podclean model, unsupported version, truncated.
  static Model load(const std::string& path);
  void save(const std::string& path) const;  // atomic (temp + rename)

  const ModelMeta& meta() const;
  ModelMeta& meta();
  int64_t parameterCount() const;
  // conv1d: frames of context each side that an output frame depends on; -1 otherwise.
  int contextFrames() const;

  // Raw (unnormalised) features [T, F] -> per-frame probabilities [T, C]. Frame models.
  Matrix framePosteriors(const Matrix& features) const;
  // (For long inputs in bounded memory, see FramePosteriorStream.)
  // Raw features [T, F] -> class probabilities [C]. Clip models.
  std::vector<float> clipPosteriors(const Matrix& features) const;
  // Many clips of the same shape in one batch (much faster than one by one).
  std::vector<std::vector<float>> clipPosteriorsBatch(const std::vector<Matrix>& clips) const;

  // Frame-by-frame inference with carried state (gru; conv1d/conv2d are refused).
  // A stream copies the weights when made (later training does not reach it).
  class Stream {
   public:
    const std::vector<float>& step(const float* raw_frame);  // probabilities [C], valid until the next step
    void reset();
    ~Stream();
    Stream(Stream&&) noexcept;
   private:
    friend class Model;
    struct State;
    explicit Stream(std::unique_ptr<State> state);
    std::unique_ptr<State> state_;
  };
  Stream stream() const;

  struct Impl;
  std::shared_ptr<Impl> impl() const { return impl_; }

 private:
  explicit Model(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<Impl> impl_;
};

// Sets LibTorch's intra-op threads (0 = leave the default).
void setModelThreads(int threads);

}  // namespace podclean
