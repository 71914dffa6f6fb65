#include "fuzz_common.h"
#include "podclean/prep/dataset.h"

PODCLEAN_FUZZ_TARGET(podclean::Dataset::fromManifest(text, "dataset"))
