#include "podclean/io/model_header.h"

#include "podclean/dsp/feature_json.h"
#include "podclean/util/error.h"

namespace podclean {

const char* toString(ModelTask task) { return task == ModelTask::kClip ? "clip" : "frame"; }

void ModelSpec::Validate() const {
  if (arch != "conv1d" && arch != "conv2d" && arch != "gru")
    throw UsageError("--arch '" + arch + "' is unknown (use conv1d, conv2d or gru)");
  if (arch == "conv2d" && task == ModelTask::kFrame)
    throw UsageError("--arch conv2d classifies whole clips; a frame dataset needs conv1d or gru");
  if (num_features <= 0 || num_classes < 2)
    throw UsageError("model needs features and at least 2 classes (got " + std::to_string(num_features) +
                     " features, " + std::to_string(num_classes) + " classes)");
  if (channels < 1 || channels > 1024) throw UsageError("--channels must be 1..1024");
  if (layers < 1 || layers > 12) throw UsageError("--layers must be 1..12");
  if (hidden < 1 || hidden > 2048) throw UsageError("--hidden must be 1..2048");
  if (kernel < 1 || kernel > 31 || kernel % 2 == 0) throw UsageError("--kernel must be odd, 1..31");
  if (!(dropout >= 0 && dropout < 1)) throw UsageError("--dropout must be in [0, 1)");
}

nlohmann::json ModelSpec::toJson() const {
  return {{"arch", arch}, {"task", toString(task)}, {"num_features", num_features}, {"num_classes", num_classes},
          {"channels", channels}, {"layers", layers}, {"hidden", hidden}, {"kernel", kernel}, {"dropout", dropout}};
}

// An int field; a float or a number out of range is an error, not a cast (UB).
static int intField(const nlohmann::json& j, const char* key) {
  const nlohmann::json& v = j.at(key);
  if (!v.is_number_integer() || v.get<int64_t>() < INT32_MIN || v.get<int64_t>() > INT32_MAX)
    throw Error(std::string(key) + " is not an integer");
  return int(v.get<int64_t>());
}

ModelSpec ModelSpec::fromJson(const nlohmann::json& j) {
  ModelSpec s;
  s.arch = j.at("arch");
  s.task = j.at("task") == "frame" ? ModelTask::kFrame : ModelTask::kClip;
  s.num_features = intField(j, "num_features");
  s.num_classes = intField(j, "num_classes");
  s.channels = intField(j, "channels");
  s.layers = intField(j, "layers");
  s.hidden = intField(j, "hidden");
  s.kernel = intField(j, "kernel");
  s.dropout = j.at("dropout");
  return s;
}

// Every way the header can disagree with itself, as one sentence (empty = fine).
static std::string inconsistency(const ModelMeta& m) {
  const int64_t features = m.spec.num_features;
  if (int64_t(m.labels.size()) != m.spec.num_classes)
    return "the header lists " + std::to_string(m.labels.size()) + " labels for " + std::to_string(m.spec.num_classes) +
           " outputs";
  if (m.features.numFeatures() != features)
    return "the model takes " + std::to_string(features) + " features per frame but its feature configuration gives " +
           std::to_string(m.features.numFeatures());
  if (!m.norm.empty() && int64_t(m.norm.mean.size()) != features)
    return "norm_stats has " + std::to_string(m.norm.mean.size()) + " values for " + std::to_string(features) + " features";
  if (!m.training.is_object()) return "\"training\" is not an object";
  if (m.training.contains("example_frames")) {  // the clip length windowed inference allocates
    const auto& v = m.training.at("example_frames");
    if (!v.is_number_integer() || v.get<int64_t>() < 1 || v.get<int64_t>() > (1 << 20))
      return "training.example_frames is not a clip length (1..1048576 frames)";
  }
  return "";
}

ModelMeta readModelHeader(std::istream& in, const std::string& path, uint64_t& weights_size) {
  in.seekg(0, std::ios::end);
  const std::streamoff file_size = in.tellg();
  in.seekg(0);
  std::string magic(sizeof(kModelMagic) - 1, '\0');
  if (file_size < 0 || !in.read(&magic[0], std::streamsize(magic.size())) || magic != kModelMagic)
    throw FileError(path, "not a podclean model file");
  auto get64 = [&]() {
    unsigned char b[8];
    if (!in.read(reinterpret_cast<char*>(b), 8)) throw FileError(path, "truncated model file");
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= uint64_t(b[i]) << (8 * i);
    // Nothing is allocated for a size the file cannot hold.
    if (v > uint64_t(file_size) - uint64_t(in.tellg())) throw FileError(path, "truncated model file");
    return v;
  };
  const uint64_t head_size = get64();
  std::string head(head_size, '\0');
  if (!in.read(&head[0], std::streamsize(head_size))) throw FileError(path, "truncated model file");
  ModelMeta meta;
  try {
    auto j = nlohmann::json::parse(head);
    const int version = intField(j, "format_version");
    if (version > kModelFormatVersion)
      throw FileError(path, "model format version " + std::to_string(version) + " is newer than this podclean supports (" +
                                std::to_string(kModelFormatVersion) + "); upgrade podclean");
    meta.spec = ModelSpec::fromJson(j.at("model"));
    meta.spec.Validate();
    meta.labels = j.at("labels").get<std::vector<std::string>>();
    meta.features = featureOptionsFromJson(j.at("features"));
    meta.norm = NormStats::fromJson(j.at("norm_stats"));
    meta.training = j.value("training", nlohmann::json::object());
  } catch (const nlohmann::json::exception& e) {
    throw FileError(path, std::string("damaged model header: ") + e.what());
  } catch (const FileError&) {
    throw;
  } catch (const Error& e) {
    throw FileError(path, std::string("bad model header: ") + e.what());
  }
  const std::string problem = inconsistency(meta);
  if (!problem.empty()) throw FileError(path, "bad model header: " + problem);
  weights_size = get64();
  return meta;
}

}  // namespace podclean
