// JSON segment lists ([{"start", "end", "label"}], {"segments": ...}, {"cuts": ...})
// and the seed page's per-frame 0/1 arrays ([0, 1, ...], {"labels": [...], "hop_s": ...}):
// one parser, so one target; the corpus holds both kinds.
#include "fuzz_common.h"
#include "podclean/labels/annotation_io.h"

PODCLEAN_FUZZ_TARGET(podclean::parseAnnotations(text, "in.json", podclean::LabelFormat::kJson))
