// podclean train: fit a model on a prepped dataset, or evaluate one.
#include <spdlog/spdlog.h>

#include <cstdio>
#include <thread>

#include "commands.h"
#include "progress.h"
#include "podclean/model/trainer.h"
#include "podclean/util/error.h"

namespace podclean::cli {

void addTrainCommand(CLI::App& app) {
  auto options = std::make_shared<TrainOptions>();
  auto evaluate = std::make_shared<std::string>();
  auto split = std::make_shared<std::string>("test");
  auto positive = std::make_shared<std::string>();
  auto json_out = std::make_shared<bool>(false);
  auto no_weights = std::make_shared<bool>(false);
  options->threads = int(std::max(1u, std::thread::hardware_concurrency()));
  CLI::App* sub = app.add_subcommand("train",
      "Train a conv1d (per-frame), conv2d (per-clip) or gru model on a dataset made by prep,\n"
      "or evaluate a model on one of its splits.\n\n"
      "Examples:\n"
      "  podclean train ds/ --arch conv2d -o models/digits.pt\n"
      "  podclean train ds/ --evaluate models/digits.pt --split test\n");
  sub->option_defaults()->always_capture_default();
  TrainOptions& o = *options;
  sub->add_option("dataset", o.dataset_dir, "Dataset folder (manifest.json + .npy)")->required();
  sub->add_option("-o,--output", o.output_path, "Model file to write (best epoch)");
  sub->add_option("--arch", o.spec.arch, "conv1d | conv2d | gru");
  sub->add_option("--channels", o.spec.channels, "Convolution channels");
  sub->add_option("--layers", o.spec.layers, "Conv blocks / dilated layers / GRU layers");
  sub->add_option("--hidden", o.spec.hidden, "GRU hidden size and dense head width");
  sub->add_option("--kernel", o.spec.kernel, "Convolution kernel (odd)");
  sub->add_option("--dropout", o.spec.dropout, "Dropout");
  sub->add_option("--epochs", o.epochs, "Most epochs");
  sub->add_option("--batch-size", o.batch_size, "Examples per step");
  sub->add_option("--lr", o.learning_rate, "AdamW learning rate (cosine decay)");
  sub->add_option("--weight-decay", o.weight_decay, "AdamW weight decay");
  sub->add_option("--patience", o.patience, "Stop after this many epochs without a better validation score");
  sub->add_option("--select", o.select, "Best epoch by: auto (macro F1 for frame tasks, accuracy for clips) | accuracy | macro-f1");
  sub->add_flag("--no-class-weights", *no_weights, "Do not weight classes by inverse frequency");
  sub->add_option("--class-weight-power", o.class_weight_power, "Class weights = (1/frequency)^this; 0.5 tempers them");
  sub->add_option("--time-masks", o.time_masks, "SpecAugment time masks per example");
  sub->add_option("--freq-masks", o.freq_masks, "SpecAugment feature masks per example");
  sub->add_option("--time-stretch", o.time_stretch, "Clip tasks: random tempo change within +/- this");
  sub->add_option("--freq-warp", o.freq_warp, "Random stretch of the feature axis within +/- this");
  sub->add_option("--noise-mix", o.noise_mix,
                  "Share of training examples mixed with the dataset's noise (prep --noise-dir, log-mel)");
  sub->add_option("--noise-snr-min", o.noise_snr_min, "Lowest SNR of that mix (dB)");
  sub->add_option("--noise-snr-max", o.noise_snr_max, "Highest SNR of that mix (dB)");
  sub->add_option("--seed", o.seed, "Random seed");
  sub->add_option("--threads", o.threads, "CPU threads");
  sub->add_option("--device", o.device, "cpu | cuda");
  sub->add_flag("--resume", o.resume, "Continue from the .last.pt checkpoint beside -o");
  sub->add_option("--evaluate", *evaluate, "Evaluate this model instead of training");
  sub->add_option("--split", *split, "Split to evaluate: train | val | test");
  sub->add_option("--positive", *positive, "Frame tasks: class for the threshold sweep");
  sub->add_flag("--json", *json_out, "Evaluation as JSON on stdout");

  sub->callback([options, evaluate, split, positive, json_out, no_weights] {
    TrainOptions& o = *options;
    setModelThreads(o.threads);
    if (!evaluate->empty()) {
      if (*split != "train" && *split != "val" && *split != "test") throw UsageError("--split '" + *split + "': use train, val or test");
      Model model = Model::load(*evaluate);
      Evaluation e = evaluateModel(model, o.dataset_dir, *split, *positive);
      if (*json_out) std::printf("%s\n", e.toJson().dump(1).c_str());
      else std::printf("%s", e.table().c_str());
      return;
    }
    o.class_weights = !*no_weights;
    if (o.output_path.empty()) throw UsageError("train: -o/--output is required (or --evaluate MODEL)");
    Progress progress("train");
    TrainCallbacks callbacks;
    callbacks.on_batch = [&](int epoch, int64_t batch, int64_t batches, double loss) {
      char note[64];
      std::snprintf(note, sizeof(note), "epoch %d loss %.4f", epoch, loss);
      progress.update(batch, batches, note);
    };
    callbacks.on_epoch = [&](const EpochReport& r) {
      progress.done();
      spdlog::info("epoch {:3d}/{}  loss {:.4f}  val loss {:.4f}  val acc {:.2f} %  score {:.4f}  lr {:.2e}  {:.1f} s{}",
                   r.epoch, r.epochs, r.train_loss, r.val_loss, 100 * r.val_accuracy, r.val_score, r.learning_rate,
                   r.seconds, r.best ? "  *best" : "");
    };
    auto metrics = trainModel(o, callbacks);
    spdlog::info("{} parameters; best {} {:.4f}; model in {}", metrics["parameters"].get<int64_t>(),
                 metrics["selection"].get<std::string>(), metrics["best_val_score"].get<double>(), o.output_path);
  });
}

}  // namespace podclean::cli
