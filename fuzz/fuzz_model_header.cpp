// The model file up to its weights (the weights are a LibTorch archive, read by
// LibTorch; this target links no LibTorch).
#include <sstream>

#include "fuzz_common.h"
#include "podclean/io/model_header.h"

PODCLEAN_FUZZ_TARGET({
  std::istringstream in(text);
  uint64_t weights = 0;
  const podclean::ModelMeta m = podclean::readModelHeader(in, "in.pt", weights);
  // What Model::load and inference rely on once the header is accepted.
  if (int64_t(m.labels.size()) != m.spec.num_classes || m.features.numFeatures() != m.spec.num_features ||
      (!m.norm.empty() && int64_t(m.norm.mean.size()) != m.spec.num_features) || weights > size)
    __builtin_trap();
})
