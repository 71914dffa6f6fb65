#include "podclean/labels/annotation_io.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <cctype>
#include <sstream>

#include <nlohmann/json.hpp>

#include "podclean/util/atomic_file.h"
#include "podclean/util/error.h"

namespace podclean {

LabelFormat labelFormat(const std::string& path, const std::string& name) {
  std::string key = name;
  if (key.empty()) {
    key = std::filesystem::path(path).extension().string();
    std::transform(key.begin(), key.end(), key.begin(), ::tolower);
    if (!key.empty()) key = key.substr(1);
  }
  if (key == "audacity" || key == "txt") return LabelFormat::kAudacity;
  if (key == "csv") return LabelFormat::kCsv;
  if (key == "json") return LabelFormat::kJson;
  if (key == "textgrid") return LabelFormat::kTextGrid;
  throw UsageError(path + ": unknown label format '" + key + "' (use audacity .txt, .csv, .json or .TextGrid)");
}

namespace {

struct Located {
  Segment segment;
  int line = 0;
};

bool number(const std::string& text, double& value) {
  char* end = nullptr;
  std::string t = text;
  t.erase(0, t.find_first_not_of(" \t"));
  t.erase(t.find_last_not_of(" \t\r") + 1);
  value = std::strtod(t.c_str(), &end);
  return !t.empty() && end && *end == '\0' && std::isfinite(value);
}

std::vector<Located> readCsv(const std::string& text, const std::string& path) {
  std::istringstream in(text);
  std::string line;
  int line_number = 1;
  if (!std::getline(in, line)) throw FileError(path, "empty file");
  std::vector<std::string> header;
  std::stringstream hs(line);
  for (std::string h; std::getline(hs, h, ',');) {
    h.erase(std::remove_if(h.begin(), h.end(), ::isspace), h.end());
    header.push_back(h);
  }
  auto column = [&](const char* name) {
    auto it = std::find(header.begin(), header.end(), name);
    if (it == header.end()) throw FileError(path + ":1", std::string("the header has no '") + name + "' column (need start,end,label)");
    return size_t(it - header.begin());
  };
  const size_t c_start = column("start"), c_end = column("end"), c_label = column("label");
  std::vector<Located> out;
  while (std::getline(in, line)) {
    ++line_number;
    if (line.empty() || line == "\r") continue;
    std::vector<std::string> cells;
    std::stringstream ss(line);
    for (std::string c; std::getline(ss, c, ',');) cells.push_back(c);
    const std::string where = path + ":" + std::to_string(line_number);
    Located l{{}, line_number};
    if (cells.size() < header.size() - (header.size() > c_label + 1 ? 0 : 0) || cells.size() <= std::max({c_start, c_end, c_label}) ||
        !number(cells[c_start], l.segment.start_s) || !number(cells[c_end], l.segment.end_s))
      throw FileError(where, "expected start,end,label, got '" + line + "'");
    l.segment.label = cells[c_label];
    if (!l.segment.label.empty() && l.segment.label.back() == '\r') l.segment.label.pop_back();
    out.push_back(l);
  }
  return out;
}

std::vector<Located> readJson(const std::string& text, const std::string& path) {
  std::vector<Located> out;
  try {
    auto j = nlohmann::json::parse(text);
    // The seed labelling page's per-file 0/1 arrays: one value per frame, 1 = remove.
    const nlohmann::json* frames = j.is_array() && !j.empty() && j[0].is_number() ? &j
                                   : j.is_object() && j.contains("labels") && j["labels"].is_array() ? &j["labels"]
                                                                                                      : nullptr;
    if (frames) {
      const double step = j.is_object() ? j.value("hop_s", 0.01) : 0.01;
      std::vector<int64_t> values;
      for (const auto& v : *frames) values.push_back(v.get<double>() != 0 ? 1 : 0);  // not get<int64_t>: 1e300 would be UB
      int index = 0;
      for (const Segment& s : framesToSegments(values, step, {"keep", "remove"})) out.push_back({s, ++index});
      return out;
    }
    const auto& list = j.is_array() ? j : j.contains("segments") ? j.at("segments") : j.at("cuts");
    int index = 0;
    for (const auto& s : list) {
      ++index;
      Located l{{s.at("start").get<double>(), s.at("end").get<double>(),
                 s.contains("label") ? s.at("label").get<std::string>() : s.value("class", std::string()), 1.0},
                index};
      out.push_back(l);
    }
  } catch (const nlohmann::json::exception& e) {
    throw FileError(path, std::string("not a JSON segment list ([{\"start\":..,\"end\":..,\"label\":..}]): ") + e.what());
  }
  return out;
}

// One line of a Praat long-format TextGrid: `key = value` or `key [N]:`.
// Hand-scanned: std::regex recurses per character and overflowed the stack
// on a label of ~30 KB.
struct GridLine {
  std::string key;    // "xmin", "text", "item", "intervals", ...
  bool indexed = false;  // `key [N]:`
  std::string value;  // after '=', trimmed; quotes kept
};

GridLine scanGridLine(const std::string& line) {
  GridLine g;
  size_t i = line.find_first_not_of(" \t");
  if (i == std::string::npos) return g;
  const size_t key_start = i;
  while (i < line.size() && (std::isalpha(static_cast<unsigned char>(line[i])) || line[i] == '?')) ++i;
  g.key = line.substr(key_start, i - key_start);
  i = line.find_first_not_of(" \t", i);
  if (i == std::string::npos) return g;
  if (line[i] == '[') {
    size_t j = i + 1;
    while (j < line.size() && std::isdigit(static_cast<unsigned char>(line[j]))) ++j;
    if (j > i + 1 && j < line.size() && line[j] == ']') {
      j = line.find_first_not_of(" \t", j + 1);
      g.indexed = j != std::string::npos && line[j] == ':';
    }
  } else if (line[i] == '=') {
    const size_t v = line.find_first_not_of(" \t", i + 1);
    const size_t e = line.find_last_not_of(" \t");
    if (v != std::string::npos) g.value = line.substr(v, e + 1 - v);
  }
  return g;
}

// `"..."` -> its contents with Praat's doubled quotes undone; false if unquoted.
bool unquote(const std::string& value, std::string& out) {
  if (value.size() < 2 || value.front() != '"' || value.back() != '"') return false;
  out = value.substr(1, value.size() - 2);
  for (size_t at = 0; (at = out.find("\"\"", at)) != std::string::npos; ++at) out.replace(at, 2, "\"");
  return true;
}

// Praat TextGrid, long ("ooTextFile") format: interval tiers only.
std::vector<Located> readTextGrid(const std::string& text, const std::string& path, const std::string& tier) {
  std::istringstream in(text);
  std::string line;
  int line_number = 0;
  bool in_tier = false, tier_wanted = false, found = false;
  double xmin = 0, xmax = 0;
  bool have_min = false, have_max = false;
  int interval_line = 0;
  std::vector<Located> out;
  bool header_seen = false;
  while (std::getline(in, line)) {
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find("ooTextFile") != std::string::npos) header_seen = true;
    const GridLine g = scanGridLine(line);
    std::string value;
    if (g.key == "item" && g.indexed) {
      in_tier = false;
      tier_wanted = false;
    } else if (g.key == "class") {
      in_tier = unquote(g.value, value) && value == "IntervalTier";
    } else if (in_tier && g.key == "name" && unquote(g.value, value)) {
      tier_wanted = !found && (tier.empty() || value == tier);
      found = found || tier_wanted;
    } else if (!tier_wanted) {
      continue;
    } else if (g.key == "intervals" && g.indexed) {
      have_min = have_max = false;
      interval_line = line_number;
    } else if (interval_line && (g.key == "xmin" || g.key == "xmax")) {
      double& v = g.key == "xmin" ? xmin : xmax;
      if (!number(g.value, v)) throw FileError(path + ":" + std::to_string(line_number), "bad " + g.key + " '" + g.value + "'");
      (g.key == "xmin" ? have_min : have_max) = true;
    } else if (interval_line && g.key == "text" && unquote(g.value, value)) {
      if (!have_min || !have_max) throw FileError(path + ":" + std::to_string(line_number), "interval without xmin/xmax");
      if (!value.empty()) out.push_back({{xmin, xmax, value, 1.0}, interval_line});
      interval_line = 0;
    }
  }
  if (!header_seen) throw FileError(path, "not a Praat TextGrid (no 'ooTextFile' header)");
  if (!found) throw FileError(path, tier.empty() ? "no interval tier" : "no interval tier named '" + tier + "'");
  return out;
}

std::string textGrid(const std::vector<Segment>& segments, double duration_s) {
  // Praat wants the tier to cover [0, duration] without gaps: fill with empty intervals.
  std::vector<Segment> filled;
  double at = 0;
  for (const Segment& s : segments) {
    if (s.start_s > at + 1e-9) filled.push_back({at, s.start_s, "", 1});
    filled.push_back(s);
    at = std::max(at, s.end_s);
  }
  const double end = std::max(duration_s, at);
  if (end > at + 1e-9) filled.push_back({at, end, "", 1});
  std::string out;
  char buf[256];
  std::snprintf(buf, sizeof(buf),
                "File type = \"ooTextFile\"\nObject class = \"TextGrid\"\n\nxmin = 0\nxmax = %.6f\ntiers? <exists>\nsize = 1\n"
                "item []:\n    item [1]:\n        class = \"IntervalTier\"\n        name = \"labels\"\n        xmin = 0\n"
                "        xmax = %.6f\n        intervals: size = %zu\n",
                end, end, filled.size());
  out += buf;
  for (size_t i = 0; i < filled.size(); ++i) {
    std::string text = filled[i].label;
    for (size_t at2 = 0; (at2 = text.find('"', at2)) != std::string::npos; at2 += 2) text.insert(at2, "\"");
    std::snprintf(buf, sizeof(buf), "        intervals [%zu]:\n            xmin = %.6f\n            xmax = %.6f\n", i + 1,
                  filled[i].start_s, filled[i].end_s);
    out += buf;
    out += "            text = \"" + text + "\"\n";
  }
  return out;
}

}  // namespace

std::vector<Segment> readAnnotations(const std::string& path, LabelFormat format, const std::string& tier) {
  return parseAnnotations(readTextFile(path), path, format, tier);
}

std::vector<Segment> parseAnnotations(const std::string& text, const std::string& path, LabelFormat format,
                                      const std::string& tier) {
  std::vector<Located> located;
  if (format == LabelFormat::kAudacity) {
    int line = 0;
    for (const Segment& s : parseAudacityLabels(text, path)) located.push_back({s, ++line});  // lines: see below
  } else if (format == LabelFormat::kCsv) {
    located = readCsv(text, path);
  } else if (format == LabelFormat::kJson) {
    located = readJson(text, path);
  } else {
    located = readTextGrid(text, path, tier);
  }
  const char* unit = format == LabelFormat::kJson ? ": segment " : ":";
  for (const Located& l : located) {
    const std::string where = path + unit + std::to_string(l.line);
    if (!std::isfinite(l.segment.start_s) || !std::isfinite(l.segment.end_s)) throw FileError(where, "time is not a finite number");
    if (l.segment.end_s < l.segment.start_s) throw FileError(where, "interval ends before it starts");
    if (l.segment.start_s < 0) throw FileError(where, "negative time");
  }
  std::stable_sort(located.begin(), located.end(),
                   [](const Located& a, const Located& b) { return a.segment.start_s < b.segment.start_s; });
  double covered_to = -1;
  int covered_line = 0;
  std::vector<Segment> out;
  for (const Located& l : located) {
    const bool point = l.segment.end_s == l.segment.start_s;
    if (!point && l.segment.start_s < covered_to - 1e-9 && format != LabelFormat::kAudacity)
      throw FileError(path + unit + std::to_string(l.line),
                      "overlaps the interval at " + std::string(unit + 1) + std::to_string(covered_line));
    if (!point && l.segment.end_s > covered_to) covered_to = l.segment.end_s, covered_line = l.line;
    out.push_back(l.segment);
  }
  return out;
}

std::string formatAnnotations(const std::vector<Segment>& segments, LabelFormat format, double duration_s) {
  switch (format) {
    case LabelFormat::kAudacity: return formatAudacityLabels(segments);
    case LabelFormat::kCsv: {
      std::string out = "start,end,label\n";
      char buf[128];
      for (const Segment& s : segments) {
        std::snprintf(buf, sizeof(buf), "%.6f,%.6f,", s.start_s, s.end_s);
        out += buf + s.label + "\n";
      }
      return out;
    }
    case LabelFormat::kJson: {
      nlohmann::json list = nlohmann::json::array();
      for (const Segment& s : segments) list.push_back({{"start", s.start_s}, {"end", s.end_s}, {"label", s.label}});
      return list.dump(1) + "\n";
    }
    case LabelFormat::kTextGrid: return textGrid(segments, duration_s);
  }
  return "";
}

}  // namespace podclean
