#include "fuzz_common.h"
#include "podclean/labels/annotation_io.h"

PODCLEAN_FUZZ_TARGET(podclean::parseAnnotations(text, "in.csv", podclean::LabelFormat::kCsv))
