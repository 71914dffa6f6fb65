// Model: construction, the self-describing file format, and inference.
//
// File layout: see podclean/io/model_header.h (the header is read there).
#include <fstream>
#include <sstream>

#include "gru_stepper.h"
#include "networks.h"
#include "podclean/dsp/feature_json.h"
#include "podclean/io/model_header.h"
#include "podclean/util/atomic_file.h"
#include "podclean/util/error.h"

namespace podclean {

torch::Tensor Model::Impl::input(const Matrix& features) const {
  if (features.cols != meta.spec.num_features)
    throw Error("model expects " + std::to_string(meta.spec.num_features) + " features per frame, got " +
                std::to_string(features.cols));
  Matrix normalised = features;
  meta.norm.apply(normalised);
  return torch::from_blob(normalised.data.data(), {1, features.rows, features.cols}).clone();
}

void requireSameLabelsAndFeatures(const ModelMeta& first, const ModelMeta& other, const std::string& other_path) {
  if (other.labels != first.labels) throw FileError(other_path, "its labels differ from the first model's");
  if (toJson(other.features) != toJson(first.features))
    throw FileError(other_path, "its features differ from the first model's");
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
      {"format_version", kModelFormatVersion},
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
  std::string bytes(kModelMagic, sizeof(kModelMagic) - 1);
  auto put64 = [&bytes](uint64_t v) {
    for (int i = 0; i < 8; ++i) bytes += char((v >> (8 * i)) & 0xff);
  };
  put64(head.size());
  bytes += head;
  put64(body.size());
  bytes += body;
  writeTextFile(path, bytes);
}

// "[64, 32, 3]"
static std::string shapeText(c10::IntArrayRef sizes) {
  std::string out = "[";
  for (size_t i = 0; i < sizes.size(); ++i) out += (i ? ", " : "") + std::to_string(sizes[i]);
  return out + "]";
}

Model Model::load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw FileError(path, "cannot open model file");
  uint64_t body_size = 0;
  const ModelMeta meta = readModelHeader(in, path, body_size);
  std::string body(body_size, '\0');
  if (!in.read(&body[0], std::streamsize(body_size))) throw FileError(path, "truncated model file");
  Model model = create(meta, 0);
  // LibTorch's archive replaces tensors whatever their shape, so the shapes the
  // header implies are noted first and compared after loading.
  std::vector<std::pair<std::string, std::vector<int64_t>>> expected;
  for (const auto& p : model.impl_->net->named_parameters()) expected.emplace_back(p.key(), p.value().sizes().vec());
  for (const auto& p : model.impl_->net->named_buffers()) expected.emplace_back(p.key(), p.value().sizes().vec());
  try {
    std::istringstream weights(body);
    torch::serialize::InputArchive archive;
    archive.load_from(weights);
    model.impl_->net->load(archive);
  } catch (const c10::Error& e) {
    const std::string what = e.what_without_backtrace();
    throw FileError(path, "damaged model weights, or weights that do not match the header (" +
                              what.substr(0, what.find('\n')) + ")");
  }
  auto params = model.impl_->net->named_parameters();
  auto buffers = model.impl_->net->named_buffers();
  for (const auto& [name, sizes] : expected) {
    const torch::Tensor* t = params.find(name);
    if (!t) t = buffers.find(name);
    if (!t || t->sizes().vec() != sizes)
      throw FileError(path, "the weights do not match the header: " + name + " is " + (t ? shapeText(t->sizes()) : "missing") +
                                ", the header's " + meta.spec.arch + " needs " + shapeText(sizes));
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
  std::shared_ptr<Impl> impl;  // for the feature normalisation
  GruStepper stepper;
  std::vector<float> scratch;
};

Model::Stream::Stream(std::unique_ptr<State> state) : state_(std::move(state)) {}
Model::Stream::Stream(Stream&&) noexcept = default;
Model::Stream::~Stream() = default;

void Model::Stream::reset() { state_->stepper.reset(); }

const std::vector<float>& Model::Stream::step(const float* raw_frame) {
  const ModelMeta& meta = state_->impl->meta;
  state_->scratch.assign(raw_frame, raw_frame + meta.spec.num_features);
  meta.norm.apply(state_->scratch.data());
  return state_->stepper.step(state_->scratch.data());
}

Model::Stream Model::stream() const {
  auto* gru = dynamic_cast<GruNet*>(impl_->net.get());
  if (!gru) throw Error("only gru models run frame by frame; this one is " + impl_->meta.spec.arch);
  return Stream(std::make_unique<Stream::State>(Stream::State{impl_, GruStepper(gru->weights()), {}}));
}

void setModelThreads(int threads) {
  if (threads > 0) {
    torch::set_num_threads(threads);
  }
}

}  // namespace podclean
