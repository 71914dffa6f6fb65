// `prep --task split-fixed | split-silence`: long recordings -> pieces, in the
// input's own rate, channels and format, plus pieces.csv (source, start, end).
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "podclean/prep/prep_options.h"

namespace podclean {

// Non-silent regions (seconds) of a file: RMS per 10 ms frame in dBFS below
// threshold for at least min_silence_s is silence; keep_silence_s is kept
// around each region. Streams the file.
std::vector<std::pair<double, double>> findSoundRegions(const std::string& path,
                                                        const PrepOptions& options);

// Writes the pieces of every input file into options.output_dir; returns
// how many pieces were written.
int64_t splitRecordings(const PrepOptions& options);

}  // namespace podclean
