// podclean train: fit a model on a prepped dataset, or evaluate one.
#include <spdlog/spdlog.h>

#include <cstdio>
#include <cstdlib>
#include <thread>

#include "commands.h"
#include "progress.h"
#include "podclean/model/trainer.h"
#include "podclean/util/error.h"
#include "podclean/util/local_ranks.h"

namespace podclean::cli {

void addTrainCommand(CLI::App& app) {
  auto options = std::make_shared<TrainOptions>();
  auto evaluate = std::make_shared<std::string>();
  auto split = std::make_shared<std::string>("test");
  auto positive = std::make_shared<std::string>();
  auto json_out = std::make_shared<bool>(false);
  auto no_weights = std::make_shared<bool>(false);
  auto nproc = std::make_shared<int>(0);
  options->threads = int(std::max(1u, std::thread::hardware_concurrency()));
  CLI::App* sub = app.add_subcommand("train",
      "Train a conv1d (per-frame), conv2d (per-clip) or gru model on a dataset made by prep,\n"
      "or evaluate a model on one of its splits.\n\n"
      "Examples:\n"
      "  podclean train ds/ --arch conv2d -o models/digits.pt\n"
      "  podclean train ds/ --evaluate models/digits.pt --split test\n"
      "  podclean train ds/ --arch conv2d -o models/digits.pt --nproc 2 --threads 1\n\n"
      "Data parallel (like torchrun): each of WORLD_SIZE ranks trains its share of every global\n"
      "batch and gradients are summed over Gloo; rank 0 alone writes files. --nproc N starts N\n"
      "ranks on this host; for several hosts set MASTER_ADDR (rank 0's host), MASTER_PORT,\n"
      "WORLD_SIZE and RANK (or the flags below) and start one podclean per rank.\n");
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
  sub->add_option("--batch-size", o.batch_size, "Examples per step, all ranks together (each trains its share)");
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
  sub->add_option("--ema", o.ema,
                  "Validate and save an exponential moving average of the weights with this decay per step "
                  "(e.g. 0.998; 0 = off): steadier than the last step's weights");
  sub->add_option("--clip-grad-norm", o.clip_grad_norm,
                  "Scale each step's gradients down to at most this L2 norm (0 = off): keeps a GRU's loss "
                  "spikes from undoing its training");
  sub->add_option("--seed", o.seed, "Random seed");
  sub->add_option("--threads", o.threads, "CPU threads");
  sub->add_option("--device", o.device, "cpu | cuda");
  sub->add_flag("--resume", o.resume, "Continue from the .last.pt checkpoint beside -o");
  sub->add_option("--init-from", o.init_from,
                  "Start from this model's weights where the layers' shapes match (a head for other classes starts "
                  "fresh), and its normalisation: fine-tune a model for new labels");
  sub->add_option("--freeze", o.freeze, "Layers of --init-from's weights that do not learn (gru: front,gru,head)")
      ->delimiter(',');
  auto* dist = sub->add_option_group("Data parallel (flags override MASTER_ADDR, MASTER_PORT, WORLD_SIZE, RANK)");
  CLI::Option* nproc_opt = dist->add_option("--nproc", *nproc, "Start this many ranks on this host (a free port unless MASTER_PORT/--master-port)");
  CLI::Option* addr_opt = dist->add_option("--master-addr", o.distributed.master_addr, "Host of rank 0");
  CLI::Option* port_opt = dist->add_option("--master-port", o.distributed.master_port, "Rank 0's rendezvous port");
  CLI::Option* world_opt = dist->add_option("--world-size", o.distributed.world_size, "Ranks in the job");
  CLI::Option* rank_opt = dist->add_option("--rank", o.distributed.rank, "This process's rank (0 writes the files)");
  dist->add_option("--dist-timeout", o.distributed.timeout_s, "Seconds a silent rank may take before the job fails");
  CLI::Option* threads_opt = sub->get_option("--threads");
  sub->add_option("--evaluate", *evaluate, "Evaluate this model instead of training");
  sub->add_option("--split", *split, "Split to evaluate: train | val | test");
  sub->add_option("--positive", *positive, "Frame tasks: class for the threshold sweep");
  sub->add_flag("--json", *json_out, "Evaluation as JSON on stdout");

  sub->callback([=] {
    TrainOptions& o = *options;
    // The environment (torchrun's variables) fills what no flag gave.
    DistributedOptions from_env = o.distributed;
    from_env.readEnvironment();
    if (!addr_opt->count()) o.distributed.master_addr = from_env.master_addr;
    if (!port_opt->count()) o.distributed.master_port = from_env.master_port;
    if (!world_opt->count()) o.distributed.world_size = from_env.world_size;
    if (!rank_opt->count()) o.distributed.rank = from_env.rank;
    if (nproc_opt->count()) {
      if (!evaluate->empty()) throw UsageError("--nproc is for training, not --evaluate");
      if (o.distributed.world_size > 1) throw UsageError("--nproc starts a job of its own: unset WORLD_SIZE/--world-size");
      if (*nproc < 1) throw UsageError("--nproc " + std::to_string(*nproc) + ": must be >= 1");
      runLocalRanks(*nproc, o.distributed.master_addr, port_opt->count() || std::getenv("MASTER_PORT") ? o.distributed.master_port : 0);
      return;
    }
    // Ranks sharing a host share its cores (torchrun's LOCAL_WORLD_SIZE).
    if (const char* local = std::getenv("LOCAL_WORLD_SIZE"); local && !threads_opt->count() && std::atoi(local) > 1)
      o.threads = std::max(1, o.threads / std::atoi(local));
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
    const bool writer = o.distributed.rank == 0;  // the other ranks stay quiet
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
    auto metrics = trainModel(o, writer ? callbacks : TrainCallbacks{});
    if (writer) spdlog::info("{} parameters; best {} {:.4f}; model in {}", metrics["parameters"].get<int64_t>(),
                 metrics["selection"].get<std::string>(), metrics["best_val_score"].get<double>(), o.output_path);
  });
}

}  // namespace podclean::cli
