// podclean classify: what is where in a recording, or one label per clip.
#include <spdlog/spdlog.h>

#include <cstdio>

#include "commands.h"
#include "model_paths.h"
#include "podclean/audio/audio_reader.h"
#include "podclean/classify/segmenter.h"
#include "podclean/dsp/feature_extractor.h"
#include "podclean/model/window_scorer.h"
#include "podclean/util/atomic_file.h"
#include "podclean/util/error.h"
#include "podclean/util/input_file.h"
#include "podclean/util/output_guard.h"

namespace podclean::cli {

namespace {

struct ClassifyArgs {
  std::vector<std::string> inputs;
  std::vector<std::string> models;  // more than one: their probabilities are averaged
  std::string format = "table", plot, output;
  bool clip = false, per_second = false;
  double step_s = 0.25;
  SegmentOptions segments;
};

// The shipped default: three runs of one recipe (seeds 0, 1 and 2), averaged. One run's held-out
// accuracy swings by points between seeds, their mean less (models/README.md).
const std::vector<std::string> kDefaultModels = {"classify-default.pt", "classify-default-seed1.pt",
                                                 "classify-default-seed2.pt"};

// Clip mode: the whole file (trimmed, padded or cropped as in training) -> one label.
// Reads path; names the result after input (they differ when a FIFO was spooled).
void classifyClip(const ClipModels& models, const std::string& input, const std::string& path, const ClassifyArgs& a,
                  std::string& out) {
  const ModelMeta& meta = models.first().meta();
  const FeatureOptions& fo = meta.features;
  int64_t length = meta.training.value("example_samples", int64_t(0));
  std::vector<float> samples = loadMono(path, fo.sample_rate_hz);
  if (length <= 0) length = int64_t(samples.size());
  auto probs = models.posteriors(computeFeatures(fo, prepareClip(fo, std::move(samples), length)));
  const size_t best = size_t(std::max_element(probs.begin(), probs.end()) - probs.begin());
  const std::string& label = meta.labels[best];
  char line[1024];
  if (a.format == "json") {
    nlohmann::json j = {{"file", input}, {"label", label}, {"probability", std::round(probs[best] * 1000) / 1000}};
    out += j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";  // a non-UTF-8 name is not an error
  } else {
    std::snprintf(line, sizeof(line), "%s\t%s\t%.3f\n", input.c_str(), label.c_str(), probs[best]);
    out += line;
  }
}

// One input -> its result appended to out (and the --plot file).
void classifyOne(const ClipModels& models, const std::string& input, const std::string& path, const ClassifyArgs& a,
                 std::string& out) {
  if (a.clip) return classifyClip(models, input, path, a, out);
  Timeline tl = scoreWindows(models, path, a.step_s);
  auto segments = segmentTimeline(tl, a.segments);
  if (a.per_second) out += perSecondCsv(segments, tl.labels, tl.duration_s);
  else if (a.format == "json") out += segmentsToJson(segments, input, tl.duration_s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  else if (a.format == "csv") out += segmentsToCsv(segments);
  else if (a.format == "tsv") out += segmentsToTsv(segments);
  else if (a.format == "audacity") out += formatAudacityLabels(segments);
  else out += (a.inputs.size() > 1 ? input + "\n" : "") + segmentsToTable(segments);
  if (!a.plot.empty()) writeTextFile(a.plot, timelineSvg(tl, segments, input));
}

void runClassify(ClassifyArgs& a) {
  static const std::vector<std::string> formats = {"table", "json", "csv", "tsv", "audacity"};
  if (std::find(formats.begin(), formats.end(), a.format) == formats.end())
    throw UsageError("--format '" + a.format + "': use table, json, csv, tsv or audacity");
  if (!(a.step_s >= 0.01 && a.step_s <= 10)) throw UsageError("--step must be 0.01..10 s");
  a.segments.Validate();
  if (!a.plot.empty() && a.inputs.size() != 1) throw UsageError("--plot takes exactly one input file");
  if (!a.output.empty() && a.output == a.plot) throw UsageError("-o and --plot name the same file: " + a.output);
  std::vector<std::string> model_paths = a.models;
  if (model_paths.empty())
    for (const std::string& name : kDefaultModels) model_paths.push_back(shippedModel(name));
  // Before any work: -o and --plot must not replace an input (or the model), a link, a device or a FIFO.
  for (const std::string& input : a.inputs) protectInput(input);
  for (const std::string& model_path : model_paths) protectInput(model_path);
  for (const std::string* output : {&a.output, &a.plot})
    if (!output->empty()) checkOutputPath(*output);
  const ClipModels models(model_paths);
  std::string out;
  int failures = 0;
  auto fail = [&failures](const std::string& message) {
    ++failures;
    std::fprintf(stderr, "podclean: %s\n", message.c_str());
  };
  for (const std::string& input : a.inputs) {
    try {
      ReopenableInput source(input);  // a FIFO is read once, into a temporary file
      try {
        classifyOne(models, input, source.path(), a, out);
      } catch (const FileError& e) {
        throw source.rename(e);
      }
    } catch (const FileError& e) {
      if (std::find(model_paths.begin(), model_paths.end(), e.path()) != model_paths.end()) throw;
      fail(e.what());
    } catch (const std::bad_alloc&) {
      fail(input + ": out of memory");
    } catch (const std::exception& e) {  // LibTorch, JSON, filesystem: one line naming the file, then the next file
      fail(input + ": " + (dynamic_cast<const Error*>(&e) ? "" : "internal error: ") + e.what());
    }
  }
  if (a.output.empty()) std::fputs(out.c_str(), stdout);
  else writeTextFile(a.output, out);
  if (failures) exitCode() = 1;
}

}  // namespace

void addClassifyCommand(CLI::App& app) {
  auto args = std::make_shared<ClassifyArgs>();
  ClassifyArgs& a = *args;
  CLI::App* sub = app.add_subcommand("classify",
      "Timestamp a recording as speech / music / noise / silence (or the labels a clip model was\n"
      "trained on), or with --clip give one label per file.\n\n"
      "Examples:\n"
      "  podclean classify show.flac\n"
      "  podclean classify show.flac --format json | jq '.segments[] | select(.label == \"music\")'\n"
      "  podclean classify show.flac --format audacity -o show.labels.txt --plot show.svg\n"
      "  podclean classify clips/*.wav --clip --model models/mine.pt\n");
  sub->option_defaults()->always_capture_default();
  sub->add_option("inputs", a.inputs, "Audio files")->required();
  std::string defaults;
  for (const std::string& name : kDefaultModels) defaults += (defaults.empty() ? "models/" : ",models/") + name;
  sub->add_option("--model", a.models,
                  "Clip model; several (a.pt,b.pt) average their probabilities (default: " + defaults + ")")
      ->delimiter(',');
  sub->add_option("--format", a.format, "table | json | csv | tsv | audacity (clip mode: table | json lines)");
  sub->add_flag("--per-second", a.per_second, "One CSV row per second: each label's share of it");
  sub->add_option("--plot", a.plot, "Write an SVG timeline (level envelope and label bands)");
  sub->add_option("-o,--output", a.output, "Write the result here instead of stdout");
  sub->add_flag("--clip", a.clip, "One label and probability per file");
  sub->add_option("--step", a.step_s, "Decision step (s)");
  sub->add_option("--silence-db", a.segments.silence_db, "Steps quieter than this (dBFS RMS) are always silence");
  sub->add_option("--silence-margin", a.segments.floor_margin_db,
                  "Steps within this of the file's noise floor are silence (dB; 0: only --silence-db)");
  sub->add_option("--quiet-label", a.segments.quiet_label,
                  "A step within --silence-margin of the floor keeps this label when the model is sure of it "
                  "(quiet passages of music); empty: off")
      ->capture_default_str();
  sub->add_option("--quiet-label-prob", a.segments.quiet_label_prob, "How sure (0..1)")->capture_default_str();
  sub->add_option("--switch-cost", a.segments.switch_cost, "Smoothing: cost of changing label (log-probability)");
  sub->add_option("--min-segment", a.segments.min_segment_s, "Shorter segments merge into a neighbour (s)");
  sub->callback([args] { runClassify(*args); });
}

}  // namespace podclean::cli
