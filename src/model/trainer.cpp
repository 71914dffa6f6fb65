#include "podclean/model/trainer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <numeric>
#include <optional>
#include <random>
#include <tuple>
#include <utility>

#include "networks.h"
#include "process_group.h"
#include "weight_average.h"
#include "podclean/dsp/feature_extractor.h"
#include "podclean/dsp/feature_json.h"
#include "podclean/prep/dataset.h"
#include "podclean/util/atomic_file.h"
#include "podclean/util/error.h"

namespace podclean {

void TrainOptions::Validate() const {
  if (epochs < 1) throw UsageError("--epochs must be >= 1");
  if (batch_size < 1) throw UsageError("--batch-size must be >= 1");
  if (!(learning_rate > 0)) throw UsageError("--lr must be > 0");
  if (weight_decay < 0) throw UsageError("--weight-decay must be >= 0");
  if (device != "cpu" && device != "cuda") throw UsageError("--device '" + device + "': use cpu or cuda");
  if (device == "cuda" && !torch::cuda::is_available())
    throw UsageError("--device cuda: this LibTorch build has no CUDA or no GPU is visible (Debian's is CPU-only)");
  if (output_path.empty()) throw UsageError("-o/--output model path is required");
  if (noise_mix < 0 || noise_mix > 1) throw UsageError("--noise-mix must be in [0, 1]");
  if (ema < 0 || ema >= 1) throw UsageError("--ema must be in [0, 1): 0 is off, 0.998 a typical decay");
  if (!(clip_grad_norm >= 0)) throw UsageError("--clip-grad-norm must be >= 0 (0 is off)");
  if (!freeze.empty() && init_from.empty()) throw UsageError("--freeze keeps layers of --init-from's model: give --init-from");
  if (noise_snr_min > noise_snr_max) throw UsageError("--noise-snr-min is above --noise-snr-max");
  if (select != "auto" && select != "accuracy" && select != "macro-f1")
    throw UsageError("--select '" + select + "': use auto, accuracy or macro-f1");
  distributed.Validate();
}

static std::string sidePath(const std::string& model_path, const std::string& suffix) {
  std::filesystem::path p(model_path);
  return (p.parent_path() / (p.stem().string() + suffix)).string();
}

namespace {

struct Tensors {
  torch::Tensor x, y;  // x [N, T, F] normalised; y [N] or [N, T]
};

// The dataset's per-feature mean and std as tensors [F]; identity when it has none.
std::pair<torch::Tensor, torch::Tensor> normTensors(const NormStats& norm, int64_t features) {
  if (norm.empty()) return {torch::zeros({features}), torch::ones({features})};
  return {torch::from_blob(const_cast<float*>(norm.mean.data()), {int64_t(norm.mean.size())}).clone(),
          torch::from_blob(const_cast<float*>(norm.std.data()), {int64_t(norm.std.size())}).clone()};
}

Tensors toTensors(DatasetSplit split, const NormStats& norm, bool frame_task) {
  Tensors t;
  t.x = torch::from_blob(split.x.data(), {split.count, split.frames, split.features}).clone();
  if (!norm.empty()) {
    const auto [mean, std] = normTensors(norm, split.features);
    t.x = (t.x - mean) / std;
  }
  auto y = torch::from_blob(split.y.data(), {int64_t(split.y.size())}, torch::kLong).clone();
  t.y = frame_task ? y.view({split.count, split.frames}) : y;
  return t;
}

// On-the-fly noise: the dataset's noise bank (log-mel dB, un-normalised) is
// added in the power domain at a random SNR to a share of the batch, with a
// random circular shift in time so each noise piece serves many examples.
struct NoiseMixer {
  torch::Tensor bank;       // [K, T, F] dB
  torch::Tensor mean, std;  // the dataset's normalisation, to undo and redo it
  bool active() const { return bank.defined() && bank.size(0) > 0; }

  // One example [T, F]; labels: its frame labels [T] for frame tasks
  // (undefined for clips); frames past a recording's end (label -1 at the
  // tail) are padding and are left out.
  void mix(torch::Tensor example, const torch::Tensor& labels, const TrainOptions& o, std::mt19937_64& rng) const {
    if (!active() || o.noise_mix <= 0) return;
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    if (unit(rng) >= o.noise_mix) return;
    auto noise_db = bank[int64_t(rng() % uint64_t(bank.size(0)))];
    noise_db = noise_db.roll(int64_t(rng() % uint64_t(noise_db.size(0))), 0);
    const double snr_db = o.noise_snr_min + unit(rng) * (o.noise_snr_max - o.noise_snr_min);
    int64_t frames = example.size(0);
    if (labels.defined()) {
      auto labelled = (labels >= 0).nonzero();
      frames = labelled.numel() ? labelled.max().item<int64_t>() + 1 : 0;
    }
    if (frames == 0) return;
    auto signal_db = (example.narrow(0, 0, frames) * std + mean).contiguous();
    noise_db = noise_db.narrow(0, 0, frames).contiguous();
    mixNoiseDb(signal_db.data_ptr<float>(), noise_db.data_ptr<float>(), signal_db.numel(), snr_db);
    example.narrow(0, 0, frames).copy_((signal_db - mean) / std);
  }
};

// SpecAugment in place on one example [T, F]: zero (= the normalised mean) masks.
void specAugment(torch::Tensor example, const TrainOptions& o, std::mt19937_64& rng) {
  const int64_t t = example.size(0), f = example.size(1);
  auto draw = [&rng](int64_t hi) { return hi <= 0 ? int64_t(0) : int64_t(rng() % uint64_t(hi + 1)); };
  for (int m = 0; m < o.time_masks; ++m) {
    const int64_t w = draw(std::min<int64_t>(o.time_mask_frames, t / 5));
    const int64_t s = draw(t - w);
    if (w) example.narrow(0, s, w).zero_();
  }
  for (int m = 0; m < o.freq_masks; ++m) {
    const int64_t w = draw(std::min<int64_t>(o.freq_mask_bands, f / 4));
    const int64_t s = draw(f - w);
    if (w) example.narrow(1, s, w).zero_();
  }
}

// Resizes one example [T, F] by factors along time and features, then crops
// or pads (edge values) back to [T, F]: tempo and vocal-tract-length variety.
torch::Tensor warpExample(const torch::Tensor& example, double time_factor, double feature_factor) {
  const int64_t t = example.size(0), f = example.size(1);
  const int64_t new_t = std::max<int64_t>(1, std::llround(double(t) * time_factor));
  const int64_t new_f = std::max<int64_t>(1, std::llround(double(f) * feature_factor));
  namespace F = torch::nn::functional;
  auto resized = F::interpolate(example.unsqueeze(0).unsqueeze(0),
                                F::InterpolateFuncOptions().size(std::vector<int64_t>{new_t, new_f}).mode(torch::kBilinear).align_corners(false))[0][0];
  if (new_f >= f) resized = resized.narrow(1, 0, f);
  else resized = torch::cat({resized, resized.narrow(1, new_f - 1, 1).expand({new_t, f - new_f})}, 1);
  if (new_t >= t) return resized.narrow(0, 0, t);
  return torch::cat({resized, resized.narrow(0, new_t - 1, 1).expand({t - new_t, f})}, 0);
}

void warp(torch::Tensor example, const TrainOptions& o, bool clip_task, std::mt19937_64& rng) {
  if ((!clip_task || o.time_stretch <= 0) && o.freq_warp <= 0) return;
  std::uniform_real_distribution<double> unit(-1.0, 1.0);
  const double time_factor = clip_task ? 1.0 + o.time_stretch * unit(rng) : 1.0;
  const double feature_factor = 1.0 + o.freq_warp * unit(rng);
  example.copy_(warpExample(example, time_factor, feature_factor));
}

// Each example's augmentation draws from its own stream, keyed by the seed and
// its place in the epoch: whichever rank trains it, an example is augmented
// alike, so N ranks train exactly what one rank does with the same global batch.
std::mt19937_64 exampleRng(uint64_t seed, int epoch, int64_t position) {
  std::seed_seq keys{uint32_t(seed), uint32_t(seed >> 32), uint32_t(epoch), uint32_t(position), uint32_t(position >> 32)};
  return std::mt19937_64(keys);
}

// The epoch's order of the training examples, the same on every rank.
torch::Tensor epochOrder(int64_t n, uint64_t seed, int epoch) {
  std::vector<int64_t> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), int64_t(0));
  std::seed_seq keys{uint32_t(seed), uint32_t(seed >> 32), uint32_t(epoch), 0x5u};
  std::mt19937_64 rng(keys);
  std::shuffle(order.begin(), order.end(), rng);
  return torch::tensor(order, torch::kLong);
}

// Summed (not mean) cross entropy: each rank's share is divided by the global
// batch's weight (labelledWeight) so that the ranks' gradients add up to the
// gradient of the global batch's mean loss.
torch::Tensor lossSum(const torch::Tensor& logits, const torch::Tensor& y, const torch::Tensor& weights) {
  auto options = torch::nn::functional::CrossEntropyFuncOptions().ignore_index(-1).reduction(torch::kSum);
  if (weights.defined()) options.weight(weights);
  if (logits.dim() == 3) return torch::nn::functional::cross_entropy(logits.reshape({-1, logits.size(2)}), y.reshape({-1}), options);
  return torch::nn::functional::cross_entropy(logits, y, options);
}

// What a weighted mean cross entropy divides by: the labelled targets' class weights.
double labelledWeight(const torch::Tensor& y, const torch::Tensor& weights) {
  auto labels = y.reshape({-1}).to(torch::kCPU);
  labels = labels.masked_select(labels >= 0);
  if (!weights.defined()) return double(labels.numel());
  return weights.to(torch::kCPU).index_select(0, labels).sum().item<double>();
}

struct Validation {
  double loss = 0, accuracy = 0, macro_f1 = 0;
};

// Validation: mean loss, accuracy over labelled clips/frames, and the macro
// F1 over classes (the selection score for imbalanced frame tasks, where
// accuracy rewards predicting the majority class everywhere). With ranks,
// each scores its share of the set and the counts are summed, so every rank
// gets the same figures and makes the same best-epoch and stopping decisions.
Validation validate(AudioNet& net, const Tensors& data, const torch::Tensor& weights, const torch::Device& device,
                    int batch_size, int num_classes, ProcessGroup* group) {
  torch::NoGradGuard no_grad;
  net.eval();
  const int64_t n = data.x.size(0), ranks = group ? group->size() : 1, rank = group ? group->rank() : 0;
  const int64_t first = n * rank / ranks, last = n * (rank + 1) / ranks;
  // loss sum, its weight, correct, counted, then tp, fp, fn per class
  auto counts = torch::zeros({4 + 3 * num_classes}, torch::kDouble);
  auto c = counts.accessor<double, 1>();
  for (int64_t start = first; start < last; start += batch_size) {
    const int64_t size = std::min<int64_t>(batch_size, last - start);
    auto x = data.x.narrow(0, start, size).to(device), y = data.y.narrow(0, start, size).to(device);
    auto logits = net.forward(x);
    c[0] += lossSum(logits, y, weights).item<double>();
    c[1] += labelledWeight(y, weights);
    auto predicted = logits.argmax(-1);
    auto labelled = y >= 0;
    c[2] += double((predicted.eq(y) & labelled).sum().item<int64_t>());
    c[3] += double(labelled.sum().item<int64_t>());
    for (int k = 0; k < num_classes; ++k) {
      auto is_k = predicted.eq(k) & labelled, truly_k = y.eq(k);
      c[4 + k] += double((is_k & truly_k).sum().item<int64_t>());
      c[4 + num_classes + k] += double((is_k & ~truly_k).sum().item<int64_t>());
      c[4 + 2 * num_classes + k] += double((~is_k & truly_k).sum().item<int64_t>());
    }
  }
  if (group) group->sumInPlace(counts);
  Validation v;
  v.loss = c[1] > 0 ? c[0] / c[1] : 0.0;
  v.accuracy = c[3] > 0 ? c[2] / c[3] : 0.0;
  for (int k = 0; k < num_classes; ++k) {
    const double tp = c[4 + k], fp = c[4 + num_classes + k], fn = c[4 + 2 * num_classes + k];
    v.macro_f1 += 2 * tp + fp + fn > 0 ? 2.0 * tp / (2 * tp + fp + fn) : 0.0;
  }
  v.macro_f1 /= num_classes;
  return v;
}

// Inverse class frequency of the labelled targets, to the given power,
// normalised to mean 1.
torch::Tensor classWeights(const torch::Tensor& y, int num_classes, double power) {
  auto labelled = y.reshape({-1});
  labelled = labelled.masked_select(labelled >= 0);
  auto counts = torch::bincount(labelled, {}, num_classes).to(torch::kFloat).clamp_min(1);
  auto weights = (counts.sum() / counts).pow(power);
  return weights / weights.mean();
}

// Cosine decay from --lr at the first epoch to 1 % of it at the last.
double cosineLearningRate(const TrainOptions& o, int epoch) {
  const double progress = double(epoch - 1) / std::max(1, o.epochs - 1);
  return o.learning_rate * (0.01 + 0.99 * 0.5 * (1 + std::cos(M_PI * progress)));
}

// What one epoch of training steps needs, fixed for the whole run.
struct EpochTrainer {
  const TrainOptions& options;
  const TrainCallbacks& callbacks;
  const Tensors& train;
  const NoiseMixer& noise;
  bool frame_task;
  const torch::Tensor& weights;  // class weights (undefined: none)
  AudioNet& net;
  torch::optim::AdamW& optimizer;
  WeightAverage* average;  // --ema, or null
  ProcessGroup* group;     // data parallel, or null
  int rank, ranks;
  torch::Device device;

  struct Result {
    double mean_loss = 0, grad_norm_max = 0;  // the norm before clipping (--clip-grad-norm)
  };

  Result run(int epoch) const {
    const int64_t n = train.x.size(0);
    const int64_t batches = (n + options.batch_size - 1) / options.batch_size;
    const torch::Tensor order = epochOrder(n, options.seed, epoch);
    net.train();
    Result result;
    double loss_sum = 0;
    for (int64_t b = 0; b < batches; ++b) {
      // The global batch [start, start + size) of the epoch's order; this rank
      // trains its contiguous share, and the shares' gradients are summed.
      const int64_t start = b * options.batch_size, size = std::min<int64_t>(options.batch_size, n - start);
      const int64_t first = start + size * rank / ranks, last = start + size * (rank + 1) / ranks;
      const double batch_weight = std::max(1e-12, labelledWeight(train.y.index_select(0, order.narrow(0, start, size)), weights));
      optimizer.zero_grad();
      double value = 0;
      if (last > first) {
        auto index = order.narrow(0, first, last - first);
        auto x = train.x.index_select(0, index);
        auto y = train.y.index_select(0, index);
        for (int64_t i = 0; i < x.size(0); ++i) {
          std::mt19937_64 rng = exampleRng(options.seed, epoch, first + i);
          noise.mix(x[i], frame_task ? y[i] : torch::Tensor(), options, rng);
          warp(x[i], options, !frame_task, rng);
          specAugment(x[i], options, rng);
        }
        auto loss = lossSum(net.forward(x.to(device)), y.to(device), weights) / batch_weight;
        loss.backward();
        value = loss.item<double>();
      }
      if (group) value = group->sumGradients(net, value);  // the global batch's mean loss
      if (!std::isfinite(value))
        throw Error("training diverged (loss is " + std::to_string(value) + " at epoch " + std::to_string(epoch) +
                    "); try a lower --lr");
      // After the ranks' sum, so every rank clips the same gradients the same way.
      if (options.clip_grad_norm > 0)
        result.grad_norm_max =
            std::max(result.grad_norm_max, torch::nn::utils::clip_grad_norm_(net.parameters(), options.clip_grad_norm));
      optimizer.step();
      if (average) average->update(net);
      loss_sum += value;
      if (rank == 0 && callbacks.on_batch) callbacks.on_batch(epoch, b + 1, batches, loss_sum / double(b + 1));
    }
    result.mean_loss = loss_sum / double(batches);
    return result;
  }
};

// --init-from: copies every parameter and buffer of `from` (a network of the same sizes)
// whose shape the new one shares: all but a head for another number of classes, which
// keeps its fresh weights. Returns the names copied.
std::vector<std::string> copySharedWeights(const Model& from, AudioNet& to) {
  const AudioNet& source = *from.impl()->net;
  auto source_params = source.named_parameters(), source_buffers = source.named_buffers();
  std::vector<std::string> copied;
  torch::NoGradGuard no_grad;
  auto copyFrom = [&](torch::OrderedDict<std::string, torch::Tensor>& mine,
                      const torch::OrderedDict<std::string, torch::Tensor>& theirs) {
    for (auto& item : mine) {
      const torch::Tensor* other = theirs.find(item.key());
      if (!other || other->sizes() != item.value().sizes()) continue;
      item.value().copy_(*other);
      copied.push_back(item.key());
    }
  };
  auto params = to.named_parameters(), buffers = to.named_buffers();
  copyFrom(params, source_params);
  copyFrom(buffers, source_buffers);
  return copied;
}

int64_t trainableCount(const AudioNet& net) {
  int64_t count = 0;
  for (const torch::Tensor& p : net.parameters())
    if (p.requires_grad()) count += p.numel();
  return count;
}

// --freeze: the parameters under each named layer (e.g. "front", "gru") stop learning.
void freezeLayers(AudioNet& net, const std::vector<std::string>& layers) {
  auto params = net.named_parameters();
  for (const std::string& layer : layers) {
    bool found = false;
    for (auto& item : params)
      if (item.key() == layer || item.key().rfind(layer + ".", 0) == 0) {
        item.value().set_requires_grad(false);
        found = true;
      }
    if (!found) {
      std::string names;
      for (const auto& child : net.named_children()) names += (names.empty() ? "" : ", ") + child.key();
      throw UsageError("--freeze '" + layer + "': this model has no such layer (it has " + names + ")");
    }
  }
  if (trainableCount(net) == 0) throw UsageError("--freeze: every layer is frozen, so nothing would learn");
}

}  // namespace

nlohmann::json trainModel(const TrainOptions& options, const TrainCallbacks& callbacks) {
  options.Validate();
  if (options.threads > 0) torch::set_num_threads(options.threads);
  torch::manual_seed(options.seed);
  // Data parallel: ranks meet first, so a misconfigured job fails before loading data.
  std::unique_ptr<ProcessGroup> group;
  if (options.distributed.enabled()) group = std::make_unique<ProcessGroup>(options.distributed);
  const int rank = group ? group->rank() : 0, ranks = group ? group->size() : 1;
  const bool writer = rank == 0;  // rank 0 alone writes the model, metrics and progress
  const torch::Device device(options.device == "cuda" ? torch::kCUDA : torch::kCPU);

  Dataset dataset = Dataset::open(options.dataset_dir);
  // --init-from: the model whose weights start this one, with its normalisation, so its
  // layers see inputs scaled as they learned on (transfer learning).
  std::optional<Model> init;
  if (!options.init_from.empty()) {
    init = Model::load(options.init_from);
    if (toJson(init->meta().features) != toJson(dataset.features))
      throw FileError(options.init_from, "its features differ from the dataset's");
    const ModelSpec& from = init->meta().spec;
    if (from.arch != options.spec.arch)
      throw FileError(options.init_from, "it is a " + from.arch + " model, not --arch " + options.spec.arch);
    if (from.channels != options.spec.channels || from.hidden != options.spec.hidden ||
        from.layers != options.spec.layers || from.kernel != options.spec.kernel)
      throw FileError(options.init_from, "its layers differ: give its sizes, --channels " + std::to_string(from.channels) +
                                             " --hidden " + std::to_string(from.hidden) + " --layers " +
                                             std::to_string(from.layers) + " --kernel " + std::to_string(from.kernel));
  }
  const NormStats& norm = init ? init->meta().norm : dataset.norm;
  Tensors train = toTensors(dataset.load("train"), norm, dataset.frame_task);
  Tensors val = toTensors(dataset.load("val"), norm, dataset.frame_task);
  if (train.x.size(0) == 0) throw FileError(options.dataset_dir, "the training split is empty");
  if (val.x.size(0) == 0) val = train;  // no validation split: select on training data (said in the metrics)
  NoiseMixer noise;
  if (DatasetSplit bank = dataset.loadNoise(); bank.count > 0) {
    if (bank.frames != train.x.size(1) || bank.features != train.x.size(2))
      throw FileError(options.dataset_dir, "noise bank and examples differ in shape");
    noise.bank = torch::from_blob(bank.x.data(), {bank.count, bank.frames, bank.features}).clone();
    std::tie(noise.mean, noise.std) = normTensors(norm, bank.features);
  }

  ModelMeta meta;
  meta.spec = options.spec;
  meta.spec.task = dataset.frame_task ? ModelTask::kFrame : ModelTask::kClip;
  meta.spec.num_features = int(train.x.size(2));
  meta.spec.num_classes = int(dataset.labels.size());
  meta.labels = dataset.labels;
  meta.features = dataset.features;
  meta.norm = norm;
  const std::string last_path = sidePath(options.output_path, ".last.pt");
  int first_epoch = 1;
  // Imbalanced sets (frames, verifier windows) are judged by macro F1: accuracy
  // there rewards always answering the common class.
  const bool by_macro_f1 = options.select == "macro-f1" || (options.select == "auto" && dataset.frame_task);
  double best_score = -1, best_loss = 1e30;
  Model model = Model::create(meta, options.seed);
  if (options.resume) {
    if (!std::filesystem::exists(last_path)) throw FileError(last_path, "no checkpoint to resume from");
    model = Model::load(last_path);
    if (model.meta().spec.toJson() != meta.spec.toJson())
      throw FileError(last_path, "checkpoint was trained with another architecture or dataset");
    // Its normalisation came from --init-from's model or the dataset: the same must hold now.
    const std::string started_from = model.meta().training.value("init_from", std::string());
    if (started_from != options.init_from)
      throw FileError(last_path, "checkpoint was trained with --init-from '" + started_from + "': resume with the same");
    first_epoch = model.meta().training.value("epochs_done", 0) + 1;
    best_score = model.meta().training.value("best_val_score", -1.0);
    best_loss = model.meta().training.value("best_val_loss", 1e30);
  }
  AudioNet& net = *model.impl()->net;
  std::vector<std::string> initialised;  // the layers --init-from gave weights to
  if (init && !options.resume) initialised = copySharedWeights(*init, net);
  freezeLayers(net, options.freeze);
  if (group) group->broadcastModule(net);  // identical starting weights, even if a rank's checkpoint differs
  // Dropout masks then differ per rank, as they do between the examples of one batch.
  torch::manual_seed(options.seed + uint64_t(rank));
  net.to(device);
  std::optional<WeightAverage> average;  // --ema: what validation and the saved model use
  const std::string average_path = sidePath(options.output_path, ".last.average.pt");
  if (options.ema > 0) {
    average.emplace(net, options.ema);
    if (options.resume && std::filesystem::exists(average_path)) average->load(average_path);
  }

  torch::Tensor weights;
  if (options.class_weights) weights = classWeights(train.y, meta.spec.num_classes, options.class_weight_power).to(device);

  torch::optim::AdamW optimizer(net.parameters(),
                                torch::optim::AdamWOptions(options.learning_rate).weight_decay(options.weight_decay));
  const std::string optimizer_path = sidePath(options.output_path, ".last.optim");
  if (options.resume && std::filesystem::exists(optimizer_path)) torch::load(optimizer, optimizer_path);

  nlohmann::json history = nlohmann::json::array();
  int since_best = 0;
  const EpochTrainer trainer{options, callbacks, train, noise, dataset.frame_task, weights, net, optimizer,
                             average ? &*average : nullptr, group.get(), rank, ranks, device};
  for (int epoch = first_epoch; epoch <= options.epochs; ++epoch) {
    const auto t0 = std::chrono::steady_clock::now();
    const double lr = cosineLearningRate(options, epoch);
    for (auto& group : optimizer.param_groups()) static_cast<torch::optim::AdamWOptions&>(group.options()).lr(lr);
    const EpochTrainer::Result trained = trainer.run(epoch);
    if (group) group->averageBuffers(net);
    if (average) {
      average->swap(net);  // validate and save the average; swapped back before the checkpoint
      if (group) group->averageBuffers(net);  // each rank averaged its own BatchNorm statistics
    }
    const Validation v = validate(net, val, weights, device, 256, meta.spec.num_classes, group.get());
    const double val_loss = v.loss, val_score = by_macro_f1 ? v.macro_f1 : v.accuracy;
    EpochReport report;
    report.epoch = epoch;
    report.epochs = options.epochs;
    report.train_loss = trained.mean_loss;
    report.val_loss = val_loss;
    report.val_score = val_score;
    report.val_accuracy = v.accuracy;
    report.learning_rate = lr;
    report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    // Validation accuracy saturates on small sets (all right by epoch 3), so
    // ties go to the lower validation loss rather than to the earliest epoch.
    report.best = val_score > best_score || (val_score == best_score && val_loss < best_loss);
    history.push_back({{"epoch", epoch}, {"train_loss", report.train_loss}, {"val_loss", val_loss},
                       {"val_accuracy", v.accuracy}, {"val_macro_f1", v.macro_f1}, {"lr", lr}, {"seconds", report.seconds}});
    if (options.clip_grad_norm > 0) history.back()["grad_norm_max"] = trained.grad_norm_max;  // before clipping
    model.meta().training = {{"dataset", std::filesystem::absolute(options.dataset_dir).string()},
                             {"epochs_done", epoch},
                             {"example_frames", train.x.size(1)},
                             {"example_samples", dataset.manifest.value("example_samples", int64_t(0))},
                             {"val_accuracy", v.accuracy},
                             {"val_score", val_score},
                             {"seed", options.seed},
                             {"ema", options.ema},
                             {"init_from", options.init_from},
                             {"frozen", options.freeze},
                             {"date", std::to_string(std::time(nullptr))},
                             {"podclean_version", PODCLEAN_VERSION}};
    net.to(torch::kCPU);
    net.eval();
    if (report.best) {
      best_score = val_score;
      best_loss = val_loss;
      since_best = 0;
      model.meta().training["best_val_score"] = best_score;
      model.meta().training["best_val_loss"] = best_loss;
      if (writer) model.save(options.output_path);
    } else {
      ++since_best;
    }
    model.meta().training["best_val_score"] = best_score;
    model.meta().training["best_val_loss"] = best_loss;
    if (average) average->swap(net);  // the live weights go on training
    if (writer) {
      model.save(last_path);
      torch::save(optimizer, optimizer_path);
      if (average) average->save(average_path);
    }
    net.to(device);
    if (writer && callbacks.on_epoch) callbacks.on_epoch(report);
    if (since_best >= options.patience) break;
  }
  nlohmann::json metrics = {{"model", options.output_path}, {"dataset", options.dataset_dir},
                            {"spec", meta.spec.toJson()}, {"parameters", model.parameterCount()},
                            {"trainable_parameters", trainableCount(net)},
                            {"selection", by_macro_f1 ? "val macro F1, ties by val loss" : "val accuracy, ties by val loss"},
                            {"noise_mix", noise.active() ? options.noise_mix : 0.0}, {"ema", options.ema},
                            {"clip_grad_norm", options.clip_grad_norm},
                            {"init_from", options.init_from}, {"initialised", initialised}, {"frozen", options.freeze},
                            {"best_val_score", best_score}, {"history", history}};
  if (group) {
    metrics["world_size"] = ranks;
    group->barrier();  // no rank leaves (and rank 0 closes the store) while another still trains
  }
  if (writer) writeTextFile(sidePath(options.output_path, ".metrics.json"), metrics.dump(1) + "\n");
  return metrics;
}

}  // namespace podclean
