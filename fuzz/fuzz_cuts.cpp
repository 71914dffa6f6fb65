// `clean --apply-cuts`: a .json cut list or an Audacity .txt; the first byte picks which.
#include "fuzz_common.h"
#include "podclean/clean/clean_job.h"

PODCLEAN_FUZZ_TARGET({
  if (!text.empty()) podclean::parseCutsList(text.substr(1), "in.cuts", text[0] & 1);
})
