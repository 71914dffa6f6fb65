// Evaluation through the plain Model API (no LibTorch here).
#include <algorithm>
#include <cstdio>

#include "podclean/model/trainer.h"
#include "podclean/prep/dataset.h"
#include "podclean/util/error.h"

namespace podclean {

nlohmann::json Evaluation::toJson() const {
  nlohmann::json classes = nlohmann::json::object();
  for (size_t c = 0; c < labels.size(); ++c)
    classes[labels[c]] = {{"precision", precision[c]}, {"recall", recall[c]}, {"f1", f1[c]}};
  nlohmann::json j = {{"count", count}, {"accuracy", accuracy}, {"classes", classes},
                      {"labels", labels}, {"confusion", confusion}};
  if (!sweep.empty()) j["threshold_sweep"] = {{"positive", positive}, {"points", sweep}};
  return j;
}

std::string Evaluation::table() const {
  std::string out;
  char line[256];
  std::snprintf(line, sizeof(line), "accuracy %.2f %% over %lld %s\n\n%-14s %9s %9s %9s\n", 100 * accuracy,
                (long long)count, sweep.empty() ? "clips" : "frames", "class", "precision", "recall", "f1");
  out += line;
  for (size_t c = 0; c < labels.size(); ++c) {
    std::snprintf(line, sizeof(line), "%-14s %9.3f %9.3f %9.3f\n", labels[c].c_str(), precision[c], recall[c], f1[c]);
    out += line;
  }
  out += "\nconfusion (rows: true, columns: predicted)\n";
  for (size_t r = 0; r < labels.size(); ++r) {
    std::snprintf(line, sizeof(line), "%-14s", labels[r].c_str());
    out += line;
    for (int64_t v : confusion[r]) {
      std::snprintf(line, sizeof(line), " %7lld", (long long)v);
      out += line;
    }
    out += "\n";
  }
  if (!sweep.empty()) {
    out += "\nthreshold sweep for '" + positive + "' (kept when P >= threshold)\n threshold precision    recall        f1\n";
    for (const auto& p : sweep) {
      std::snprintf(line, sizeof(line), "%10.2f %9.4f %9.4f %9.4f\n", p["threshold"].get<double>(),
                    p["precision"].get<double>(), p["recall"].get<double>(), p["f1"].get<double>());
      out += line;
    }
  }
  return out;
}

static double ratio(double a, double b) { return b > 0 ? a / b : 0.0; }

Evaluation evaluateModel(const Model& model, const std::string& dataset_dir, const std::string& split,
                         const std::string& positive) {
  Dataset dataset = Dataset::open(dataset_dir);
  const ModelMeta& meta = model.meta();
  if (dataset.labels != meta.labels)
    throw FileError(dataset_dir, "dataset labels differ from the model's; evaluate on a dataset made with the same labels");
  if (dataset.frame_task != (meta.spec.task == ModelTask::kFrame))
    throw FileError(dataset_dir, std::string("this is a ") + (dataset.frame_task ? "frame" : "clip") +
                                     " dataset but the model is a " + toString(meta.spec.task) + " model");
  DatasetSplit data = dataset.load(split);
  const size_t classes = meta.labels.size();
  Evaluation e;
  e.labels = meta.labels;
  e.confusion.assign(classes, std::vector<int64_t>(classes, 0));
  int64_t positive_index = -1;
  std::vector<std::pair<float, bool>> scored;  // P(positive), is positive
  if (dataset.frame_task) {
    auto it = std::find(e.labels.begin(), e.labels.end(), positive.empty() ? "speech" : positive);
    if (it == e.labels.end() && !positive.empty()) throw UsageError("--positive '" + positive + "' is not a label of this model");
    positive_index = it != e.labels.end() ? it - e.labels.begin() : 1;
    e.positive = e.labels[size_t(positive_index)];
  }
  for (int64_t i = 0; i < data.count; ++i) {
    Matrix x(data.frames, data.features);
    std::copy(data.x.begin() + i * data.frames * data.features, data.x.begin() + (i + 1) * data.frames * data.features,
              x.data.begin());
    if (!dataset.frame_task) {
      auto probs = model.clipPosteriors(x);
      const int64_t predicted = std::max_element(probs.begin(), probs.end()) - probs.begin();
      e.confusion[size_t(data.y[size_t(i)])][size_t(predicted)]++;
      continue;
    }
    Matrix probs = model.framePosteriors(x);
    for (int64_t t = 0; t < data.frames; ++t) {
      const int64_t truth = data.y[size_t(i * data.frames + t)];
      if (truth < 0) continue;
      const float* p = probs.row(t);
      const int64_t predicted = std::max_element(p, p + classes) - p;
      e.confusion[size_t(truth)][size_t(predicted)]++;
      scored.push_back({p[positive_index], truth == positive_index});
    }
  }
  int64_t correct = 0;
  for (size_t c = 0; c < classes; ++c) {
    int64_t row = 0, column = 0;
    for (size_t k = 0; k < classes; ++k) {
      row += e.confusion[c][k];
      column += e.confusion[k][c];
      e.count += e.confusion[c][k];
    }
    correct += e.confusion[c][c];
    e.precision.push_back(ratio(double(e.confusion[c][c]), double(column)));
    e.recall.push_back(ratio(double(e.confusion[c][c]), double(row)));
    e.f1.push_back(ratio(2 * e.precision.back() * e.recall.back(), e.precision.back() + e.recall.back()));
  }
  e.accuracy = ratio(double(correct), double(e.count));
  for (double threshold : {0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9}) {
    if (scored.empty()) break;
    int64_t tp = 0, fp = 0, fn = 0;
    for (const auto& [p, truth] : scored) {
      const bool predicted = p >= threshold;
      tp += predicted && truth;
      fp += predicted && !truth;
      fn += !predicted && truth;
    }
    const double precision = ratio(double(tp), double(tp + fp)), recall = ratio(double(tp), double(tp + fn));
    e.sweep.push_back({{"threshold", threshold}, {"precision", precision}, {"recall", recall},
                       {"f1", ratio(2 * precision * recall, precision + recall)}});
  }
  return e;
}

}  // namespace podclean
