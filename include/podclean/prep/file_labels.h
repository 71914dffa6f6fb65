// Finding recordings and the label / group each one carries.
#pragma once
#include <regex>
#include <string>
#include <vector>

namespace podclean {

struct LabelledFile {
  std::string path;
  std::string label;   // from the pattern or the parent folder's name
  std::string group;   // split key (speaker...); the path when there is none
};

// Every audio file under the inputs (recursively, sorted, by extension).
std::vector<std::string> findAudioFiles(const std::vector<std::string>& inputs);

// "{label}_{group}_{index}" -> a regex over the file's stem with named slots.
class NamePattern {
 public:
  explicit NamePattern(const std::string& pattern);
  // False if the stem does not match; fills the slots present in the pattern.
  bool match(const std::string& stem, std::string& label, std::string& group) const;
  bool hasLabel() const { return label_slot_ > 0; }
  bool hasGroup() const { return group_slot_ > 0; }

 private:
  std::regex regex_;
  int label_slot_ = 0, group_slot_ = 0;
};

std::vector<LabelledFile> labelFiles(const std::vector<std::string>& files,
                                     const std::string& label_pattern,
                                     const std::string& group_pattern);

}  // namespace podclean
