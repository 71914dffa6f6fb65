// Model: construction, the self-describing file format, and inference.
//
// File layout: "PODCLEAN-MODEL\n", u64 header length, header JSON,
// u64 weights length, weights (a LibTorch archive). Little-endian.
#include <fstream>
#include <sstream>

#include "networks.h"
#include "podclean/dsp/feature_json.h"
#include "podclean/util/atomic_file.h"
#include "podclean/util/error.h"

namespace podclean {

static const char kMagic[] = "PODCLEAN-MODEL\n";
static constexpr int kFormatVersion = 1;

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
  if (dropout < 0 || dropout >= 1) throw UsageError("--dropout must be in [0, 1)");
}

nlohmann::json ModelSpec::toJson() const {
  return {{"arch", arch}, {"task", toString(task)}, {"num_features", num_features}, {"num_classes", num_classes},
          {"channels", channels}, {"layers", layers}, {"hidden", hidden}, {"kernel", kernel}, {"dropout", dropout}};
}

ModelSpec ModelSpec::fromJson(const nlohmann::json& j) {
  ModelSpec s;
  s.arch = j.at("arch");
  s.task = j.at("task") == "frame" ? ModelTask::kFrame : ModelTask::kClip;
  s.num_features = j.at("num_features");
  s.num_classes = j.at("num_classes");
  s.channels = j.at("channels");
  s.layers = j.at("layers");
  s.hidden = j.at("hidden");
  s.kernel = j.at("kernel");
  s.dropout = j.at("dropout");
  return s;
}

torch::Tensor Model::Impl::input(const Matrix& features) const {
  if (features.cols != meta.spec.num_features)
    throw Error("model expects " + std::to_string(meta.spec.num_features) + " features per frame, got " +
                std::to_string(features.cols));
  Matrix normalised = features;
  meta.norm.apply(normalised);
  return torch::from_blob(normalised.data.data(), {1, features.rows, features.cols}).clone();
}

Model Model::create(const ModelMeta& meta, uint64_t seed) {
  meta.spec.Validate();
  if (int(meta.labels.size()) != meta.spec.num_classes) throw Error("internal: label count differs from classes");
  torch::manual_seed(seed);
  auto impl = std::make_shared<Impl>();
  impl->meta = meta;
  impl->net = makeNetwork(meta.spec);
  impl->net->eval();
  return Model(impl);
}

const ModelMeta& Model::meta() const { return impl_->meta; }
ModelMeta& Model::meta() { return impl_->meta; }

int64_t Model::parameterCount() const {
  int64_t n = 0;
  for (const auto& p : impl_->net->parameters()) n += p.numel();
  return n;
}

int Model::contextFrames() const { return impl_->net->contextFrames(); }

void Model::save(const std::string& path) const {
  nlohmann::json header = {
      {"format", "podclean-model"},
      {"format_version", kFormatVersion},
      {"podclean_version", PODCLEAN_VERSION},
      {"model", impl_->meta.spec.toJson()},
      {"labels", impl_->meta.labels},
      {"features", toJson(impl_->meta.features)},
      {"norm_stats", impl_->meta.norm.toJson()},
      {"training", impl_->meta.training},
  };
  std::ostringstream weights;
  torch::serialize::OutputArchive archive;
  impl_->net->save(archive);
  archive.save_to(weights);
  const std::string head = header.dump(), body = weights.str();
  std::string bytes(kMagic, sizeof(kMagic) - 1);
  auto put64 = [&bytes](uint64_t v) {
    for (int i = 0; i < 8; ++i) bytes += char((v >> (8 * i)) & 0xff);
  };
  put64(head.size());
  bytes += head;
  put64(body.size());
  bytes += body;
  writeTextFile(path, bytes);
}

Model Model::load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw FileError(path, "cannot open model file");
  std::string magic(sizeof(kMagic) - 1, '\0');
  if (!in.read(&magic[0], std::streamsize(magic.size())) || magic != kMagic)
    throw FileError(path, "not a podclean model file");
  auto get64 = [&]() {
    unsigned char b[8];
    if (!in.read(reinterpret_cast<char*>(b), 8)) throw FileError(path, "truncated model file");
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= uint64_t(b[i]) << (8 * i);
    return v;
  };
  const uint64_t head_size = get64();
  if (head_size > (64u << 20)) throw FileError(path, "damaged model file (header size)");
  std::string head(head_size, '\0');
  if (!in.read(&head[0], std::streamsize(head_size))) throw FileError(path, "truncated model file");
  ModelMeta meta;
  try {
    auto j = nlohmann::json::parse(head);
    const int version = j.at("format_version");
    if (version > kFormatVersion)
      throw FileError(path, "model format version " + std::to_string(version) + " is newer than this podclean supports (" +
                                std::to_string(kFormatVersion) + "); upgrade podclean");
    meta.spec = ModelSpec::fromJson(j.at("model"));
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
  const uint64_t body_size = get64();
  std::string body(body_size, '\0');
  if (!in.read(&body[0], std::streamsize(body_size))) throw FileError(path, "truncated model file");
  Model model = create(meta, 0);
  try {
    std::istringstream weights(body);
    torch::serialize::InputArchive archive;
    archive.load_from(weights);
    model.impl_->net->load(archive);
  } catch (const c10::Error&) {
    throw FileError(path, "damaged model weights");
  }
  model.impl_->net->eval();
  return model;
}

Matrix Model::framePosteriors(const Matrix& features) const {
  if (impl_->meta.spec.task != ModelTask::kFrame) throw Error("this model classifies whole clips, not frames");
  torch::NoGradGuard no_grad;
  auto probs = torch::softmax(impl_->net->forward(impl_->input(features)), 2)[0].contiguous();
  Matrix out(probs.size(0), probs.size(1));
  std::memcpy(out.data.data(), probs.data_ptr<float>(), out.data.size() * sizeof(float));
  return out;
}

std::vector<float> Model::clipPosteriors(const Matrix& features) const { return clipPosteriorsBatch({features})[0]; }

std::vector<std::vector<float>> Model::clipPosteriorsBatch(const std::vector<Matrix>& clips) const {
  std::vector<std::vector<float>> out;
  if (clips.empty()) return out;
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> inputs;
  for (const Matrix& clip : clips) {
    if (clip.rows != clips[0].rows) throw Error("internal: clips in one batch differ in length");
    inputs.push_back(impl_->input(clip));
  }
  auto logits = impl_->net->forward(torch::cat(inputs, 0));
  if (logits.dim() == 3) logits = logits.mean(1);
  auto probs = torch::softmax(logits, 1).contiguous();
  for (int64_t i = 0; i < probs.size(0); ++i)
    out.emplace_back(probs[i].data_ptr<float>(), probs[i].data_ptr<float>() + probs.size(1));
  return out;
}

struct Model::Stream::State {
  std::shared_ptr<Impl> impl;
  GruNet* gru = nullptr;
  torch::Tensor history, h;
  std::vector<float> scratch;
};

Model::Stream::Stream(std::unique_ptr<State> state) : state_(std::move(state)) { reset(); }
Model::Stream::Stream(Stream&&) noexcept = default;
Model::Stream::~Stream() = default;

void Model::Stream::reset() {
  const ModelSpec& s = state_->impl->meta.spec;
  state_->history = torch::zeros({1, s.num_features, s.kernel - 1});
  state_->h = torch::zeros({s.layers, 1, s.hidden});
}

std::vector<float> Model::Stream::step(const float* raw_frame) {
  torch::NoGradGuard no_grad;
  const ModelMeta& meta = state_->impl->meta;
  state_->scratch.assign(raw_frame, raw_frame + meta.spec.num_features);
  meta.norm.apply(state_->scratch.data());
  auto frame = torch::from_blob(state_->scratch.data(), {1, meta.spec.num_features});
  auto probs = torch::softmax(state_->gru->step(frame, state_->history, state_->h), 1)[0].contiguous();
  return std::vector<float>(probs.data_ptr<float>(), probs.data_ptr<float>() + probs.numel());
}

Model::Stream Model::stream() const {
  auto* gru = dynamic_cast<GruNet*>(impl_->net.get());
  if (!gru) throw Error("only gru models run frame by frame; this one is " + impl_->meta.spec.arch);
  auto state = std::make_unique<Stream::State>();
  state->impl = impl_;
  state->gru = gru;
  return Stream(std::move(state));
}

void setModelThreads(int threads) {
  if (threads > 0) {
    torch::set_num_threads(threads);
  }
}

}  // namespace podclean
