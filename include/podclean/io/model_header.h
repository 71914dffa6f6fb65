// The part of a model file that needs no LibTorch: the magic, the JSON
// header and the weights' size. Model::load reads it, then the weights.
//
// File layout: "PODCLEAN-MODEL\n", u64 header length, header JSON,
// u64 weights length, weights (a LibTorch archive). Little-endian.
#pragma once
#include <cstdint>
#include <istream>
#include <string>

#include "podclean/model/model.h"

namespace podclean {

inline constexpr char kModelMagic[] = "PODCLEAN-MODEL\n";
inline constexpr int kModelFormatVersion = 1;

// Reads up to the weights and leaves `in` at their first byte. Checks the
// metadata against itself and the file's size: architecture, labels = outputs,
// feature count = the feature configuration's, norm_stats length, example
// frames. Throws one FileError naming path.
ModelMeta readModelHeader(std::istream& in, const std::string& path, uint64_t& weights_size);

}  // namespace podclean
