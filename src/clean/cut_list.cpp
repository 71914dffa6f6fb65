// Cut lists for `clean --apply-cuts` (declared in clean_job.h). Apart from
// clean_job.cpp so the fuzz target links only the parser.
#include <filesystem>

#include <nlohmann/json.hpp>

#include "podclean/clean/clean_job.h"
#include "podclean/labels/label_track.h"
#include "podclean/util/atomic_file.h"
#include "podclean/util/error.h"

namespace podclean {

std::vector<Segment> readCutsFile(const std::string& path) {
  return parseCutsList(readTextFile(path), path, std::filesystem::path(path).extension() == ".json");
}

std::vector<Segment> parseCutsList(const std::string& text, const std::string& path, bool json) {
  if (!json) return parseAudacityLabels(text, path);
  std::vector<Segment> cuts;
  try {
    auto j = nlohmann::json::parse(text);
    const auto& list = j.is_array() ? j : j.at("cuts");
    for (const auto& c : list)
      cuts.push_back({c.at("start").get<double>(), c.at("end").get<double>(), c.value("class", std::string("cut")),
                      c.value("confidence", 1.0)});
  } catch (const nlohmann::json::exception& e) {
    throw FileError(path, std::string("not a cut list: ") + e.what());
  }
  for (const Segment& c : cuts)
    if (c.end_s < c.start_s) throw FileError(path, "a cut ends before it starts");
  return cuts;
}

}  // namespace podclean
