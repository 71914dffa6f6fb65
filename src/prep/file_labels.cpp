#include "podclean/prep/file_labels.h"

#include <algorithm>
#include <filesystem>
#include <set>

#include "podclean/util/error.h"

namespace fs = std::filesystem;

namespace podclean {

static bool isAudioExtension(std::string ext) {
  std::transform(ext.begin(), ext.end(), ext.begin(), ::tolower);
  static const std::set<std::string> known = {".wav", ".flac", ".ogg", ".oga", ".opus", ".mp3",
                                               ".aiff", ".aif", ".au", ".caf", ".w64"};
  return known.count(ext) > 0;
}

std::vector<std::string> findAudioFiles(const std::vector<std::string>& inputs) {
  std::vector<std::string> files;
  for (const std::string& input : inputs) {
    std::error_code ec;
    if (fs::is_directory(input, ec)) {
      size_t before = files.size();
      for (auto it = fs::recursive_directory_iterator(input, fs::directory_options::follow_directory_symlink, ec);
           it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (ec) throw FileError(input, "cannot list folder: " + ec.message());
        if (it->is_regular_file() && isAudioExtension(it->path().extension().string()))
          files.push_back(it->path().string());
      }
      if (ec) throw FileError(input, "cannot list folder: " + ec.message());
      if (files.size() == before) throw FileError(input, "no audio files in this folder");
    } else if (fs::exists(input, ec)) {
      files.push_back(input);
    } else {
      throw FileError(input, "no such file or folder");
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

NamePattern::NamePattern(const std::string& pattern) {
  std::string re = "^";
  int slot = 0;
  for (size_t i = 0; i < pattern.size();) {
    if (pattern[i] == '{') {
      size_t close = pattern.find('}', i);
      if (close == std::string::npos) throw UsageError("pattern '" + pattern + "': missing '}'");
      std::string name = pattern.substr(i + 1, close - i - 1);
      ++slot;
      if (name == "label") label_slot_ = slot;
      else if (name == "group") group_slot_ = slot;
      re += "(.+?)";
      i = close + 1;
    } else {
      if (std::string("\\^$.|?*+()[]{}").find(pattern[i]) != std::string::npos) re += '\\';
      re += pattern[i++];
    }
  }
  re += "$";
  regex_ = std::regex(re);
}

bool NamePattern::match(const std::string& stem, std::string& label, std::string& group) const {
  std::smatch m;
  if (!std::regex_match(stem, m, regex_)) return false;
  if (label_slot_) label = m[size_t(label_slot_)];
  if (group_slot_) group = m[size_t(group_slot_)];
  return true;
}

std::vector<LabelledFile> labelFiles(const std::vector<std::string>& files,
                                     const std::string& label_pattern,
                                     const std::string& group_pattern) {
  std::unique_ptr<NamePattern> labels, groups;
  if (!label_pattern.empty()) labels = std::make_unique<NamePattern>(label_pattern);
  const std::string& gp = group_pattern.empty() ? label_pattern : group_pattern;
  if (!gp.empty()) groups = std::make_unique<NamePattern>(gp);
  std::vector<LabelledFile> out;
  for (const std::string& path : files) {
    LabelledFile f{path, fs::path(path).parent_path().filename().string(), path};
    const std::string stem = fs::path(path).stem().string();
    std::string label, group;
    if (labels && labels->hasLabel()) {
      if (!labels->match(stem, label, group))
        throw FileError(path, "file name does not match --label-from-name '" + label_pattern + "'");
      f.label = label;
    }
    if (groups && groups->hasGroup()) {
      std::string unused;
      if (!groups->match(stem, unused, group))
        throw FileError(path, "file name does not match the group pattern '" + gp + "'");
      f.group = group;
    }
    out.push_back(f);
  }
  return out;
}

}  // namespace podclean
