// podclean label-export: annotations <-> frame labels aligned with features.
//   annotations + --audio  -> .npy frame labels (+ .json label map)
//   .npy frames/posteriors -> Audacity / CSV / JSON / TextGrid segments
//   annotations            -> annotations in another format
#include <spdlog/spdlog.h>

#include <filesystem>

#include "commands.h"
#include "podclean/audio/audio_reader.h"
#include "podclean/dsp/feature_json.h"
#include "podclean/io/npy.h"
#include "podclean/labels/annotation_io.h"
#include "podclean/labels/editor_page.h"
#include "podclean/model/model.h"
#include "podclean/prep/dataset.h"
#include "podclean/util/atomic_file.h"
#include "podclean/util/error.h"
#include "podclean/util/output_guard.h"

namespace fs = std::filesystem;

namespace podclean::cli {

namespace {

struct LabelExportArgs {
  std::string editor;
  std::string input, output, audio, format, features_from, tier, unlabelled = "background", boundary = "center";
  std::vector<std::string> labels;
  double min_duration_s = 0;
  int sample_rate_hz = 16000, hop_length = 160, win_length = 400;
};

// The feature framing to align with: a dataset's or a model's, or the options.
FeatureOptions framing(const LabelExportArgs& a) {
  if (a.features_from.empty()) {
    FeatureOptions o;
    o.sample_rate_hz = a.sample_rate_hz;
    o.hop_length = a.hop_length;
    o.win_length = a.win_length;
    o.Validate();
    return o;
  }
  if (fs::is_directory(a.features_from)) return Dataset::open(a.features_from).features;
  return Model::load(a.features_from).meta().features;
}

void toFrames(const LabelExportArgs& a) {
  if (a.audio.empty()) throw UsageError("label-export: --audio is required to align labels with feature frames");
  if (a.boundary != "center" && a.boundary != "ignore") throw UsageError("--boundary '" + a.boundary + "': use center or ignore");
  // The label map goes beside the .npy with .json: "seg.json -o seg.npy" would replace the input with it.
  const std::string map_path = fs::path(a.output).replace_extension(".json").string();
  std::error_code ec;
  if (map_path == a.input || fs::equivalent(map_path, a.input, ec))
    throw UsageError("-o " + a.output + " also writes its label map to " + map_path +
                     ", which is the input: choose another -o name");
  checkOutputPath(map_path);
  const FeatureOptions fo = framing(a);
  auto segments = readAnnotations(a.input, labelFormat(a.input, a.format), a.tier);
  // Exactly the frame count prep gives: decode at the feature rate, then frame.
  const int64_t samples = int64_t(loadMono(a.audio, fo.sample_rate_hz).size());
  const double duration = double(samples) / fo.sample_rate_hz;
  const double step = double(fo.hop_length) / fo.sample_rate_hz;
  for (const Segment& s : segments)
    if (s.end_s > duration + std::max(0.01, step))  // frame resolution: a label may end within a hop of the end
      throw FileError(a.input, "label '" + s.label + "' ends at " + std::to_string(s.end_s) + " s, past the end of " +
                                   a.audio + " (" + std::to_string(duration) + " s)");
  const bool ignore_unlabelled = a.unlabelled == "ignore";
  std::vector<std::string> names;
  if (!ignore_unlabelled) names.push_back(a.unlabelled);
  for (const auto& l : a.labels)
    if (std::find(names.begin(), names.end(), l) == names.end()) names.push_back(l);
  const int64_t frames = fo.numFrames(samples);
  auto y = segmentsToFrames(segments, frames, step, names, ignore_unlabelled ? -1 : 0, !a.labels.empty(), a.input);
  if (a.boundary == "ignore") {  // frames whose window straddles a boundary: -1 (the loss skips them)
    const double half = double(fo.win_length) / 2 / fo.sample_rate_hz;
    for (const Segment& s : segments)
      for (double edge : {s.start_s, s.end_s})
        for (int64_t t = std::max<int64_t>(0, int64_t((edge - half) / step)); t < frames && double(t) * step - half < edge; ++t)
          if (double(t) * step + half > edge) y[size_t(t)] = -1;
  }
  saveNpy(a.output, {frames}, y.data());
  nlohmann::json map = {{"labels", names}, {"frames", frames}, {"hop_s", step}, {"duration_s", duration}, {"features", toJson(fo)},
                        {"unlabelled", ignore_unlabelled ? "-1 (ignore)" : a.unlabelled}, {"source", a.input}, {"audio", a.audio}};
  writeTextFile(map_path, map.dump(1) + "\n");
  spdlog::info("{} frames ({} labels) -> {} and {}", frames, names.size(), a.output, map_path);
}

void fromFrames(const LabelExportArgs& a) {
  NpyArray array = loadNpy(a.input);
  std::vector<std::string> names = a.labels;
  double step = double(a.hop_length) / a.sample_rate_hz, duration = -1;
  const std::string map_path = fs::path(a.input).replace_extension(".json").string();
  if (fs::exists(map_path)) {
    try {
      auto map = nlohmann::json::parse(readTextFile(map_path));
      if (names.empty()) names = map.at("labels").get<std::vector<std::string>>();
      step = map.value("hop_s", step);
      duration = map.value("duration_s", -1.0);
    } catch (const nlohmann::json::exception& e) {
      throw FileError(map_path, std::string("not a label map (the .json label-export writes beside a .npy): ") + e.what());
    }
    if (!(step > 0 && step < 10)) throw FileError(map_path, "hop_s must be a positive number of seconds");
  }
  std::vector<int64_t> frames;
  if (array.dtype == "<i8" && array.shape.size() == 1) {
    frames = array.i64;
  } else if (array.dtype == "<f4" && array.shape.size() == 2 && array.shape[1] > 0) {  // posteriors [T, C]: most likely class
    for (int64_t t = 0; t < array.shape[0]; ++t) {
      const float* row = array.f32.data() + t * array.shape[1];
      frames.push_back(std::max_element(row, row + array.shape[1]) - row);
    }
  } else {
    throw FileError(a.input, "expected int64 frame labels [T] or float32 posteriors [T, C]");
  }
  const int64_t top = frames.empty() ? -1 : *std::max_element(frames.begin(), frames.end());
  if (top >= int64_t(names.size()))
    throw FileError(a.input, "class " + std::to_string(top) + " has no name: give --labels or keep " + map_path + " beside it");
  auto segments = framesToSegments(frames, step, names);
  if (duration > 0)  // the last frame's span may run past the audio's end
    for (Segment& s : segments) s.end_s = std::min(s.end_s, duration);
  if (a.min_duration_s > 0) segments = mergeShortSegments(segments, a.min_duration_s);
  writeTextFile(a.output, formatAnnotations(segments, labelFormat(a.output, a.format),
                                            duration > 0 ? duration : double(frames.size()) * step));
}

void runLabelExport(LabelExportArgs& a) {
  // Nothing written may replace what is read, a link, a device or a FIFO.
  for (const std::string* in : {&a.input, &a.audio, &a.features_from}) protectInput(*in);
  if (!a.editor.empty()) protectInput(a.output), checkOutputPath(a.editor);
  else if (!a.output.empty()) checkOutputPath(a.output);
  if (!a.editor.empty()) {  // label-export --editor page.html AUDIO [LABELS]
    std::vector<Segment> segments;
    if (!a.output.empty()) segments = readAnnotations(a.output, labelFormat(a.output, a.format), a.tier);
    writeTextFile(a.editor, editorPage(a.input, segments, a.labels));
    spdlog::info("wrote {}: open it in a browser", a.editor);
    return;
  }
  if (a.output.empty()) throw UsageError("label-export: -o/--output is required");
  const bool from_npy = fs::path(a.input).extension() == ".npy";
  const bool to_npy = fs::path(a.output).extension() == ".npy";
  if (from_npy && to_npy) throw UsageError("label-export: input and output are both .npy");
  if (from_npy) fromFrames(a);
  else if (to_npy) toFrames(a);
  else {  // format conversion
    auto segments = readAnnotations(a.input, labelFormat(a.input), a.tier);
    double end = 0;
    for (const auto& s : segments) end = std::max(end, s.end_s);
    if (!a.audio.empty()) end = std::max(end, AudioReader(a.audio).info().duration_s());
    writeTextFile(a.output, formatAnnotations(segments, labelFormat(a.output, a.format), end));
  }
}

}  // namespace

void addLabelExportCommand(CLI::App& app) {
  auto args = std::make_shared<LabelExportArgs>();
  LabelExportArgs& a = *args;
  CLI::App* sub = app.add_subcommand("label-export",
      "Convert annotations (Audacity label tracks, CSV, JSON, Praat TextGrid) into per-frame labels\n"
      "aligned with the feature frames prep makes, and frame labels or model posteriors back into\n"
      "annotations a person can review.\n\n"
      "Examples:\n"
      "  podclean label-export ep1.txt --audio ep1.flac -o ep1.labels.npy\n"
      "  podclean label-export ep1.labels.npy -o ep1.reviewed.txt --min-duration 0.2\n"
      "  podclean label-export ep1.TextGrid -o ep1.txt\n"
      "  podclean label-export --editor ep1.html ep1.flac ep1.txt   # draw labels in a browser\n");
  sub->option_defaults()->always_capture_default();
  sub->add_option("input", a.input, "Annotations (.txt .csv .json .TextGrid) or frame labels (.npy); with --editor: the audio")->required();
  sub->add_option("-o,--output", a.output, "Output: .npy for frame labels, or an annotation file; with --editor: labels to load");
  sub->add_option("labels-to-edit", a.output, "With --editor: an existing label file to start from");
  sub->add_option("--editor", a.editor, "Write a self-contained labelling page (HTML) for the audio given as input");
  sub->add_option("--audio", a.audio, "The recording the annotations belong to (sets the frame count)");
  sub->add_option("--format", a.format, "Annotation format when the extension does not say: audacity|csv|json|textgrid");
  sub->add_option("--features-from", a.features_from, "Align with this dataset folder's or model file's features");
  sub->add_option("--sample-rate", a.sample_rate_hz, "Feature sample rate without --features-from (Hz)");
  sub->add_option("--hop-length", a.hop_length, "Feature hop without --features-from (samples)");
  sub->add_option("--win-length", a.win_length, "Feature window without --features-from (samples)");
  sub->add_option("--labels", a.labels, "The label names, in class order; any other label is an error")->delimiter(',');
  sub->add_option("--unlabelled", a.unlabelled, "Class of unlabelled time, or 'ignore' (-1, skipped by the loss)");
  sub->add_option("--boundary", a.boundary, "Frames straddling a boundary: center (label at the frame centre) | ignore (-1)");
  sub->add_option("--tier", a.tier, "TextGrid tier name (default: the first interval tier)");
  sub->add_option("--min-duration", a.min_duration_s, "Back to segments: shorter ones join a neighbour (s)");
  sub->callback([args] { runLabelExport(*args); });
}

}  // namespace podclean::cli
