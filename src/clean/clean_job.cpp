#include "podclean/clean/clean_job.h"

#include <algorithm>
#include <filesystem>

#include "podclean/audio/audio_reader.h"
#include "podclean/util/atomic_file.h"
#include "podclean/util/error.h"

namespace fs = std::filesystem;

namespace podclean {

nlohmann::json CleanFileResult::cutsJson() const {
  nlohmann::json list = nlohmann::json::array();
  for (const Segment& c : cuts)
    list.push_back({{"start", std::round(c.start_s * 1000) / 1000}, {"end", std::round(c.end_s * 1000) / 1000},
                    {"class", c.label}, {"confidence", std::round(c.confidence * 1000) / 1000}});
  return {{"input", input}, {"duration_s", input_s}, {"output_duration_s", output_s}, {"cuts", list}};
}

static bool sameFile(const std::string& a, const std::string& b) {
  std::error_code ec;
  return fs::exists(b, ec) && fs::equivalent(a, b, ec);
}

CleanFileResult cleanFile(const std::string& input, const std::string& output, const FrameScorer& scorer,
                          const std::vector<Segment>* given_cuts, const CleanFileOptions& options) {
  CleanFileResult r;
  r.input = input;
  r.output = output;
  if (!options.dry_run && sameFile(input, output))
    throw FileError(input, "the output would overwrite the input; choose another -o folder or --name");
  const double duration = AudioReader(input).info().duration_s();
  r.input_s = duration;
  if (given_cuts) {
    for (Segment c : *given_cuts) {
      c.start_s = std::clamp(c.start_s, 0.0, duration);
      c.end_s = std::clamp(c.end_s, 0.0, duration);
      if (c.end_s > c.start_s) r.cuts.push_back(c);
    }
    std::sort(r.cuts.begin(), r.cuts.end(), [](const Segment& a, const Segment& b) { return a.start_s < b.start_s; });
  } else {
    FrameScores scores = scorer(input);
    scores.duration_s = duration;
    r.cuts = planCuts(scores, options.cuts);
  }
  for (const Segment& c : r.cuts) r.removed_s[c.label] += c.end_s - c.start_s;
  const auto kept = keptRegions(r.cuts, duration);
  if (options.dry_run) {
    for (const auto& [a, b] : kept) r.output_s += b - a;
  } else {
    if (!output.empty() && !fs::path(output).parent_path().empty() && !fs::is_directory(fs::path(output).parent_path()))
      throw FileError(fs::path(output).parent_path().string(), "output folder does not exist");
    r.output_s = applyKeptRegions(input, output, kept, options.edit).output_s;
  }
  if (options.write_cuts) {  // (the CLI refuses --dry-run --cuts; clean --review alone writes them beside the input)
    const std::string base = options.dry_run ? input : output;
    // A file name that is not UTF-8 must not stop the cut list: replace its bad bytes.
    writeTextFile(base + ".cuts.json", r.cutsJson().dump(1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
    writeTextFile(base + ".cuts.txt", formatAudacityLabels(r.cuts));
  }
  return r;
}

std::string outputPathFor(const std::string& input, const std::string& output_dir, const std::string& name_template,
                          const std::string& format_ext) {
  const fs::path in(input);
  std::string name = name_template;
  auto replace = [&name](const std::string& key, const std::string& value) {
    for (size_t at; (at = name.find(key)) != std::string::npos;) name.replace(at, key.size(), value);
  };
  replace("{stem}", in.stem().string());
  replace("{ext}", format_ext.empty() ? in.extension().string() : "." + format_ext);
  replace("{dir}", in.parent_path().string());
  return (fs::path(output_dir) / name).string();
}

}  // namespace podclean
