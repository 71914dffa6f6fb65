// One file through `clean`: score frames (model or energy, injected), plan
// the cuts, apply them to the original audio, and describe what was done.
#pragma once
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "podclean/clean/audio_editor.h"
#include "podclean/clean/cut_planner.h"

namespace podclean {

using FrameScorer = std::function<FrameScores(const std::string& audio_path)>;

struct CleanFileOptions {
  CutOptions cuts;
  EditOptions edit;
  bool dry_run = false;     // plan only; write no audio
  bool write_cuts = false;  // <output>.cuts.json and <output>.cuts.txt (Audacity)
};

struct CleanFileResult {
  std::string input, output;
  double input_s = 0, output_s = 0;
  std::vector<Segment> cuts;
  std::map<std::string, double> removed_s;  // per class
  nlohmann::json cutsJson() const;
};

// Plans with scorer, or uses given_cuts when not null (--apply-cuts).
CleanFileResult cleanFile(const std::string& input, const std::string& output, const FrameScorer& scorer,
                          const std::vector<Segment>* given_cuts, const CleanFileOptions& options);

// A cut list written by --cuts (.json) or edited in Audacity (.txt).
std::vector<Segment> readCutsFile(const std::string& path);
// The same from text already read (json: the .json form, else Audacity labels); path names it in errors.
std::vector<Segment> parseCutsList(const std::string& text, const std::string& path, bool json);

// Output path for an input: template with {stem}, {ext} (with the dot) and
// {dir} (the input's folder), under output_dir; format_ext replaces {ext}.
std::string outputPathFor(const std::string& input, const std::string& output_dir, const std::string& name_template,
                          const std::string& format_ext);

}  // namespace podclean
