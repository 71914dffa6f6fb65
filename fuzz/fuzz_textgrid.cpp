#include "fuzz_common.h"
#include "podclean/labels/annotation_io.h"

PODCLEAN_FUZZ_TARGET({
  podclean::parseAnnotations(text, "in.TextGrid", podclean::LabelFormat::kTextGrid);
  podclean::parseAnnotations(text, "in.TextGrid", podclean::LabelFormat::kTextGrid, "words");
})
