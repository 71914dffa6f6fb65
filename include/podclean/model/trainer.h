// Training and evaluation on a dataset made by `podclean prep`.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "podclean/model/distributed.h"
#include "podclean/model/model.h"

namespace podclean {

struct TrainOptions {
  std::string dataset_dir;
  std::string output_path;         // best model; also <stem>.last.pt and <stem>.metrics.json
  ModelSpec spec;                  // arch and sizes; features/classes come from the dataset
  int epochs = 40;
  int batch_size = 32;             // the global batch: with N ranks, each trains 1/N of every step
  double learning_rate = 2e-3;     // AdamW, cosine decay to 1 % over the epochs
  double weight_decay = 1e-3;
  int patience = 10;               // early stopping: epochs without a better validation score
  std::string select = "auto";     // the validation score: accuracy | macro-f1 | auto (macro F1 for
                                   // frame tasks, accuracy for clips)
  bool class_weights = true;       // inverse-frequency weights (frame tasks are imbalanced)
  double class_weight_power = 1.0; // weights = (1 / frequency) ^ power: 0.5 tempers them
  int time_masks = 1, time_mask_frames = 8;    // on-the-fly SpecAugment per example
  int freq_masks = 1, freq_mask_bands = 4;
  double time_stretch = 0.1;       // clip tasks: random tempo change within +/- this
  double freq_warp = 0.05;         // random stretch of the feature axis within +/- this (VTLP-like)
  double noise_mix = 0.5;          // share of examples mixed with the dataset's noise bank (if it has one)
  double noise_snr_min = 5, noise_snr_max = 20;  // SNR of that mix (dB)
  double ema = 0;                  // > 0: validate and save an exponential moving average of the
                                   // weights with this decay per step (e.g. 0.998); 0 = the live weights
  double clip_grad_norm = 0;       // > 0: scale each step's gradients down to at most this L2 norm
                                   // (recurrent nets' loss spikes); 0 = off
  uint64_t seed = 1;
  int threads = 0;                 // 0 = LibTorch's default
  std::string device = "cpu";      // cpu | cuda
  bool resume = false;             // continue from <stem>.last.pt (with ranks: every rank must read it)
  std::string init_from;           // start from this model's weights where shapes match, with its
                                   // normalisation (transfer learning); "" = fresh weights
  std::vector<std::string> freeze; // layers of init_from's weights that stay fixed (e.g. front, gru)
  DistributedOptions distributed;  // world_size > 1: one rank of a data-parallel job
  void Validate() const;
};

struct EpochReport {
  int epoch = 0, epochs = 0;
  double train_loss = 0, val_loss = 0, val_accuracy = 0, seconds = 0, learning_rate = 0;
  double val_score = 0;  // what selects the best epoch: accuracy (clips) or macro F1 (frames)
  bool best = false;
};

struct TrainCallbacks {
  std::function<void(int epoch, int64_t batch, int64_t batches, double running_loss)> on_batch;
  std::function<void(const EpochReport&)> on_epoch;
};

// Trains, writes the best model, the last checkpoint and the metrics JSON;
// returns the metrics JSON.
nlohmann::json trainModel(const TrainOptions& options, const TrainCallbacks& callbacks = {});

struct Evaluation {
  std::vector<std::string> labels;
  int64_t count = 0;                              // clips or frames scored
  double accuracy = 0;
  std::vector<double> precision, recall, f1;      // per class
  std::vector<std::vector<int64_t>> confusion;    // [true][predicted]
  // Frame tasks: precision/recall of `positive` when P(positive) >= threshold.
  std::string positive;
  std::vector<nlohmann::json> sweep;              // {threshold, precision, recall, f1}
  nlohmann::json toJson() const;
  std::string table() const;                      // for the terminal
};

// split: train | val | test. positive: class for the threshold sweep
// ("" = "speech" if present, else class 1).
Evaluation evaluateModel(const Model& model, const std::string& dataset_dir, const std::string& split,
                         const std::string& positive = "");

}  // namespace podclean
