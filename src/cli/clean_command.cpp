// podclean clean: batch-remove dead air, breaths and clicks, with smooth cuts.
#include <spdlog/spdlog.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <thread>

#include "commands.h"
#include "model_paths.h"
#include "progress.h"
#include "podclean/audio/audio_writer.h"
#include "podclean/clean/clean_job.h"
#include "podclean/clean/energy_scorer.h"
#include "podclean/labels/editor_page.h"
#include "podclean/model/frame_scorer.h"
#include "podclean/util/atomic_file.h"
#include "podclean/util/error.h"
#include "podclean/util/input_file.h"
#include "podclean/util/output_guard.h"

namespace podclean::cli {

namespace {

struct CleanArgs {
  std::vector<std::string> inputs;
  std::string output_dir, name_template = "{stem}{ext}", format, method = "neural", model, apply_cuts, review;
  std::vector<std::string> keep = {"speech"};
  double silence_db = 0;  // 0: adaptive per file
  int jobs = 1;
  CleanFileOptions file;
};

std::string describe(const CleanFileResult& r) {
  char line[512];
  std::snprintf(line, sizeof(line), "%.2f s -> %.2f s (-%.1f %%), %zu cuts", r.input_s, r.output_s,
                r.input_s > 0 ? 100 * (r.input_s - r.output_s) / r.input_s : 0.0, r.cuts.size());
  std::string text = line;
  std::string classes;
  for (const auto& [label, seconds] : r.removed_s) {
    std::snprintf(line, sizeof(line), "%s%s %.2f s", classes.empty() ? "" : ", ", label.c_str(), seconds);
    classes += line;
  }
  return classes.empty() ? text : text + " (" + classes + ")";
}

// The page for reviewing r's cuts in a browser (--review).
void writeReviewPage(const CleanArgs& a, const CleanFileResult& r, const FrameScores& scores) {
  ReviewPageOptions page;
  page.cuts = true;
  page.label_names = scores.class_names;
  page.p_speech = scores.keep;
  page.frame_step_s = scores.frame_step_s;
  page.threshold = scores.keep.empty() ? -1 : a.file.cuts.threshold;
  page.crossfade_ms = a.file.edit.crossfade_ms;
  writeTextFile(a.review, reviewPage(r.input, r.cuts, page));
  spdlog::info("wrote {}: open it in a browser to review the cuts", a.review);
}

void runClean(CleanArgs& a) {
  if (a.method != "neural" && a.method != "energy") throw UsageError("--method '" + a.method + "': use neural or energy");
  if (a.output_dir.empty() && !a.file.dry_run && a.review.empty()) throw UsageError("clean: give -o/--output FOLDER (or --dry-run)");
  if (!a.review.empty() && a.inputs.size() != 1) throw UsageError("--review takes exactly one input file");
  if (a.output_dir.empty()) a.file.dry_run = true;  // --review alone: the page, no audio
  if (a.jobs < 1 || a.jobs > 64) throw UsageError("--jobs must be 1..64");
  if (!a.apply_cuts.empty() && a.inputs.size() != 1) throw UsageError("--apply-cuts takes exactly one input file");
  if (a.silence_db > 0 || a.silence_db < -120) throw UsageError("--silence-db must be in -120..0 dBFS (0 = adaptive)");
  if (a.file.edit.crossfade_ms < 0 || a.file.edit.crossfade_ms > 500) throw UsageError("--crossfade must be 0..500 ms");
  a.file.cuts.Validate();
  if (!a.format.empty()) formatForExtension("x." + a.format);  // throws for an unknown format
  // Every output, known before any work: none may be an input, a link, a
  // device or a FIFO, and no two inputs may share one.
  std::vector<std::string> outputs(a.inputs.size());
  std::vector<std::pair<std::string, std::string>> writes;
  if (!a.apply_cuts.empty()) protectInput(a.apply_cuts);
  for (size_t i = 0; i < a.inputs.size(); ++i) {
    if (!a.file.dry_run) {
      outputs[i] = outputPathFor(a.inputs[i], a.output_dir, a.name_template, a.format);
      writes.emplace_back(a.inputs[i], outputs[i]);
    }
    const std::string cuts_base = a.file.dry_run ? a.inputs[i] : outputs[i];  // dry run: beside the input
    if (a.file.write_cuts)
      for (const char* side : {".cuts.json", ".cuts.txt"}) {
        // A dry run changes nothing that is there: a cut list beside the input may be the user's edit.
        if (a.file.dry_run && std::filesystem::exists(std::filesystem::symlink_status(cuts_base + side)))
          throw FileError(cuts_base + side, "a cut list is already there; a dry run never replaces it (move it, or use -o)");
        writes.emplace_back(a.inputs[i], cuts_base + side);
      }
  }
  for (const std::string& input : a.inputs) protectInput(input);
  checkOutputs(writes);
  if (!a.review.empty()) checkOutputPath(a.review);
  if (!a.file.dry_run && !a.output_dir.empty() && !std::filesystem::is_directory(a.output_dir)) {
    std::error_code ec;
    std::filesystem::create_directories(a.output_dir, ec);
    if (ec) throw FileError(a.output_dir, "cannot create output folder: " + ec.message());
  }

  std::vector<Segment> given;
  if (!a.apply_cuts.empty()) given = readCutsFile(a.apply_cuts);
  FrameScorer scorer;
  std::shared_ptr<Model> model;
  if (a.apply_cuts.empty() && a.method == "neural") {
    const std::string path = a.model.empty() ? shippedModel("clean-default.pt") : a.model;
    model = std::make_shared<Model>(Model::load(path));
    if (a.jobs > 1) setModelThreads(1);  // parallel files, not parallel ops
    scorer = [model, path, keep = a.keep](const std::string& audio) { return scoreWithModel(*model, path, audio, keep); };
  } else if (a.apply_cuts.empty()) {
    scorer = [db = a.silence_db](const std::string& audio) { return scoreByEnergy(audio, db); };
  }

  FrameScores reviewed;  // --review: the scores behind the page's P(speech) curve
  if (!a.review.empty() && scorer) scorer = [inner = scorer, &reviewed](const std::string& audio) { return reviewed = inner(audio); };

  std::mutex print_mutex;
  std::atomic<size_t> next{0}, done{0};
  std::atomic<int> failures{0};
  Progress progress("clean");
  auto worker = [&] {
    for (size_t i; (i = next++) < a.inputs.size();) {
      const std::string& input = a.inputs[i];
      const std::string& output = outputs[i];
      auto fail = [&](const std::string& message) {
        ++failures;
        std::lock_guard<std::mutex> lock(print_mutex);
        progress.done();
        std::fprintf(stderr, "podclean: %s\n", message.c_str());
        std::printf("failed\t%s\n", input.c_str());
        std::fflush(stdout);
      };
      try {
        // A FIFO or pipe is read once, into a temporary file: clean reads its input three times.
        ReopenableInput source(input);
        CleanFileResult r;
        try {
          r = cleanFile(source.path(), output, scorer, a.apply_cuts.empty() ? nullptr : &given, a.file);
          if (!a.review.empty()) writeReviewPage(a, r, reviewed);  // reads the audio again: source.path()
        } catch (const FileError& e) {
          throw source.rename(e);
        }
        r.input = input;
        std::lock_guard<std::mutex> lock(print_mutex);
        progress.done();
        std::printf("%s\t%s\t%s\n", a.file.dry_run ? "dry-run" : "ok", a.file.dry_run ? input.c_str() : (input + " -> " + output).c_str(),
                    describe(r).c_str());
        std::fflush(stdout);
      } catch (const FileError& e) {
        fail(e.what());
      } catch (const std::bad_alloc&) {
        fail(input + ": out of memory");
      } catch (const std::exception& e) {
        // Anything else (LibTorch, filesystem, JSON): still one line naming the file, and on to the next.
        fail(input + ": " + (dynamic_cast<const Error*>(&e) ? "" : "internal error: ") + e.what());
      }
      std::lock_guard<std::mutex> lock(print_mutex);
      progress.update(int64_t(++done), int64_t(a.inputs.size()));
    }
  };
  std::vector<std::thread> threads;
  for (int j = 1; j < std::min<int>(a.jobs, int(a.inputs.size())); ++j) threads.emplace_back(worker);
  worker();
  for (auto& t : threads) t.join();
  progress.done();
  if (failures > 0) {
    spdlog::error("{} of {} files failed", failures.load(), a.inputs.size());
    exitCode() = 1;
  }
}

}  // namespace

void addCleanCommand(CLI::App& app) {
  auto args = std::make_shared<CleanArgs>();
  CleanArgs& a = *args;
  CLI::App* sub = app.add_subcommand("clean",
      "Remove dead air, mic breathing, clicks and other junk from podcast files, with smooth cuts.\n"
      "Each input gives one output (same rate, channels and format) and one result line on stdout;\n"
      "the exit code is 0 only when every file succeeded. Inputs are never overwritten.\n\n"
      "Examples:\n"
      "  podclean clean episode.mp3 -o cleaned/\n"
      "  podclean clean season1/*.flac -o cleaned/ --jobs 2 --cuts\n"
      "  podclean clean episode.wav --dry-run\n"
      "  podclean clean episode.mp3 --review episode.html   # review the cuts in a browser\n"
      "  podclean clean episode.wav -o cleaned/ --apply-cuts cleaned/episode.wav.cuts.txt\n"
      "  podclean clean episode.wav -o cleaned/ --method energy --silence-db -40\n");
  sub->option_defaults()->always_capture_default();
  sub->add_option("inputs", a.inputs, "Audio files (any format libsndfile reads)")->required();
  sub->add_option("-o,--output", a.output_dir, "Output folder (created if missing)");
  sub->add_option("--name", a.name_template, "Output name template: {stem}, {ext}, {dir}");
  sub->add_option("--format", a.format, "Output format instead of the input's: wav | flac | ogg | opus | mp3");
  sub->add_option("--method", a.method, "neural (the model) | energy (RMS threshold, no model)");
  sub->add_option("--model", a.model, "Frame model (default: models/clean-default.pt)");
  sub->add_option("--keep", a.keep, "Model classes to keep, e.g. speech,breath")->delimiter(',');
  sub->add_option("--threshold", a.file.cuts.threshold, "Keep a frame when P(keep) >= this (low = keep more)");
  sub->add_option("--hysteresis", a.file.cuts.hysteresis, "Stay in speech until P(keep) < threshold - this");
  sub->add_option("--floor-gate", a.file.cuts.floor_gate_db,
                  "neural method: also remove frames less than this many dB above the file's noise floor "
                  "(negative = off)");
  sub->add_option("--unsure-gate", a.file.cuts.unsure_gate_db,
                  "neural method: frames with P(keep) below --sure must be this many dB above the noise floor "
                  "(negative = off: --floor-gate for all; --floor-gate -1 turns both off)");
  sub->add_option("--sure", a.file.cuts.sure, "P(keep) at which --unsure-gate stops applying");
  sub->add_option("--silence-db", a.silence_db,
                  "energy method: frames below this RMS (dBFS) are silence (default 0: adapt to each file's noise "
                  "floor and speech level)");
  sub->add_option("--pad-before", a.file.cuts.pad_before_s, "Seconds kept before speech");
  sub->add_option("--pad-after", a.file.cuts.pad_after_s, "Seconds kept after speech");
  sub->add_option("--min-cut", a.file.cuts.min_cut_s, "Shortest stretch worth cutting (s)");
  sub->add_option("--min-keep", a.file.cuts.min_keep_s, "Shortest speech blip kept (s)");
  sub->add_option("--shorten-pauses", a.file.cuts.shorten_pauses_s, "Each cut pause keeps this much (s); 0 = remove");
  sub->add_option("--crossfade", a.file.edit.crossfade_ms, "Equal-power crossfade at each joint (ms)");
  sub->add_flag("--dry-run", a.file.dry_run, "Print what would be removed; write no audio");
  sub->add_flag("--cuts", a.file.write_cuts, "Also write <output>.cuts.json and <output>.cuts.txt (Audacity labels)");
  sub->add_option("--review", a.review, "Write a page (HTML, self-contained) to review and edit the cuts in a browser");
  sub->add_option("--apply-cuts", a.apply_cuts, "Apply this cut list (.json or Audacity .txt) without the model");
  sub->add_option("-j,--jobs", a.jobs, "Files cleaned in parallel");
  sub->callback([args] { runClean(*args); });
}

}  // namespace podclean::cli
