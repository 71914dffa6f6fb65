#include "podclean/prep/dataset.h"

#include <filesystem>

#include "podclean/dsp/feature_json.h"
#include "podclean/io/npy.h"
#include "podclean/util/atomic_file.h"
#include "podclean/util/error.h"

namespace podclean {

Dataset Dataset::open(const std::string& dir) {
  const std::string path = dir + "/manifest.json";
  if (!std::filesystem::exists(path)) throw FileError(dir, "not a podclean dataset (no manifest.json; make one with podclean prep)");
  return fromManifest(readTextFile(path), dir);
}

Dataset Dataset::fromManifest(const std::string& text, const std::string& dir) {
  Dataset d;
  d.dir = dir;
  const std::string path = dir + "/manifest.json";
  try {
    d.manifest = nlohmann::json::parse(text);
    if (!d.manifest.is_object() || d.manifest.value("format", "") != "podclean-dataset")
      throw FileError(path, "not a podclean dataset manifest");
    d.frame_task = d.manifest.at("task") == "frame";
    d.labels = d.manifest.at("labels").get<std::vector<std::string>>();
    d.features = featureOptionsFromJson(d.manifest.at("features"));
    d.norm = NormStats::fromJson(d.manifest.at("norm_stats"));
    // Fields read later, checked here so a damaged manifest fails once, by name.
    const auto samples = d.manifest.value("example_samples", nlohmann::json(0));
    if (!samples.is_number_integer() || samples.get<int64_t>() < 0) throw Error("example_samples is not a count");
    if (d.manifest.contains("noise") && !d.manifest["noise"].value("x", std::string()).size())
      throw Error("noise has no \"x\" file");
  } catch (const nlohmann::json::exception& e) {
    throw FileError(path, std::string("bad manifest: ") + e.what());
  } catch (const FileError&) {
    throw;
  } catch (const Error& e) {
    throw FileError(path, std::string("bad manifest: ") + e.what());
  }
  if (!d.norm.empty() && int64_t(d.norm.mean.size()) != d.features.numFeatures())
    throw FileError(path, "bad manifest: norm_stats has " + std::to_string(d.norm.mean.size()) + " values but the features have " +
                              std::to_string(d.features.numFeatures()));
  return d;
}

// Features [count, frames, features] float32 from path into s (labels untouched).
static void loadFeatures(const std::string& path, DatasetSplit& s) {
  NpyArray x = loadNpy(path);
  if (x.shape.size() != 3 || x.dtype != "<f4") throw FileError(path, "features do not have the shape prep writes");
  s.count = x.shape[0];
  s.frames = x.shape[1];
  s.features = x.shape[2];
  s.x = std::move(x.f32);
}

DatasetSplit Dataset::load(const std::string& split) const {
  DatasetSplit s;
  loadFeatures(dir + "/" + split + "_x.npy", s);
  NpyArray y = loadNpy(dir + "/" + split + "_y.npy");
  const std::vector<int64_t> y_shape = frame_task ? std::vector<int64_t>{s.count, s.frames} : std::vector<int64_t>{s.count};
  if (y.dtype != "<i8" || y.shape != y_shape)
    throw FileError(dir + "/" + split + "_y.npy", "labels do not match the examples prep wrote");
  s.y = std::move(y.i64);
  return s;
}

DatasetSplit Dataset::loadNoise() const {
  DatasetSplit s;
  if (manifest.contains("noise")) loadFeatures(dir + "/" + manifest["noise"].value("x", std::string("noise_x.npy")), s);
  return s;
}

}  // namespace podclean
