// Applies an edit to the original, full-band audio: keeps the given regions
// and joins them with short equal-power crossfades, streaming block by block.
// The output keeps the input's sample rate, channels and format unless asked.
#pragma once
#include <string>
#include <utility>
#include <vector>

namespace podclean {

struct EditOptions {
  double crossfade_ms = 10.0;  // at every joint; half on each side of the cut
  int sndfile_format = 0;      // 0: the input's own format (or the output extension's)
};

struct EditResult {
  double input_s = 0, output_s = 0;
  int joints = 0;
};

EditResult applyKeptRegions(const std::string& input_path, const std::string& output_path,
                            const std::vector<std::pair<double, double>>& kept_s, const EditOptions& options);

}  // namespace podclean
