// Shared by the libFuzzer targets: a parser may refuse input only with
// podclean::Error (a one-line message naming the file). Any other exception
// escapes and aborts, so libFuzzer reports it like a crash.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

#include "podclean/util/error.h"

#define PODCLEAN_FUZZ_TARGET(body)                                                  \
  extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {       \
    const std::string text(reinterpret_cast<const char*>(data), size);           \
    try {                                                                         \
      body;                                                                       \
    } catch (const podclean::Error&) {                                            \
    }                                                                             \
    return 0;                                                                     \
  }
