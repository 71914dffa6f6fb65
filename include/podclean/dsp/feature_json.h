// FeatureOptions <-> JSON, the form that travels in datasets and model files.
#pragma once
#include <nlohmann/json.hpp>

#include "podclean/dsp/feature_options.h"

namespace podclean {

nlohmann::json toJson(const FeatureOptions& options);
// Missing keys keep their defaults; wrong types or values throw Error.
FeatureOptions featureOptionsFromJson(const nlohmann::json& json);

}  // namespace podclean
