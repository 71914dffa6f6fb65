// Human annotations in the formats people label with, read and written:
// Audacity label tracks (.txt), CSV (start,end,label), JSON segment lists,
// and Praat TextGrid interval tiers. Errors name the file and line.
#pragma once
#include <string>
#include <vector>

#include "podclean/labels/label_track.h"

namespace podclean {

enum class LabelFormat { kAudacity, kCsv, kJson, kTextGrid };

// From a name ("audacity", "csv", "json", "textgrid") or, when name is "",
// from the path's extension (.txt, .csv, .json, .TextGrid).
LabelFormat labelFormat(const std::string& path, const std::string& name = "");

// Reads segments, sorted by start. Reversed intervals and overlaps between
// labelled intervals are errors naming the file and line. tier: TextGrid tier
// name ("" = the first interval tier).
std::vector<Segment> readAnnotations(const std::string& path, LabelFormat format, const std::string& tier = "");
// The same from text already read; path only names it in errors.
std::vector<Segment> parseAnnotations(const std::string& text, const std::string& path, LabelFormat format,
                                      const std::string& tier = "");

std::string formatAnnotations(const std::vector<Segment>& segments, LabelFormat format, double duration_s);

}  // namespace podclean
