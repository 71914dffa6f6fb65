#include <sstream>

#include "fuzz_common.h"
#include "podclean/io/npy.h"

PODCLEAN_FUZZ_TARGET({
  std::istringstream in(text);
  const podclean::NpyArray a = podclean::readNpy(in, "in.npy");
  // What callers rely on: the data holds exactly the shape's elements.
  if (size_t(a.size()) != (a.dtype == "<f4" ? a.f32.size() : a.i64.size())) __builtin_trap();
})
