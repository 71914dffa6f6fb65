#include "podclean/prep/dataset.h"

#include <filesystem>

#include "podclean/dsp/feature_json.h"
#include "podclean/io/npy.h"
#include "podclean/util/atomic_file.h"
#include "podclean/util/error.h"

namespace podclean {

Dataset Dataset::open(const std::string& dir) {
  Dataset d;
  d.dir = dir;
  const std::string path = dir + "/manifest.json";
  if (!std::filesystem::exists(path)) throw FileError(dir, "not a podclean dataset (no manifest.json; make one with podclean prep)");
  try {
    d.manifest = nlohmann::json::parse(readTextFile(path));
    if (d.manifest.value("format", "") != "podclean-dataset") throw FileError(path, "not a podclean dataset manifest");
    d.frame_task = d.manifest.at("task") == "frame";
    d.labels = d.manifest.at("labels").get<std::vector<std::string>>();
    d.features = featureOptionsFromJson(d.manifest.at("features"));
    d.norm = NormStats::fromJson(d.manifest.at("norm_stats"));
  } catch (const nlohmann::json::exception& e) {
    throw FileError(path, std::string("bad manifest: ") + e.what());
  } catch (const FileError&) {
    throw;
  } catch (const Error& e) {
    throw FileError(path, e.what());
  }
  return d;
}

DatasetSplit Dataset::load(const std::string& split) const {
  DatasetSplit s;
  NpyArray x = loadNpy(dir + "/" + split + "_x.npy");
  NpyArray y = loadNpy(dir + "/" + split + "_y.npy");
  if (x.shape.size() != 3 || x.dtype != "<f4" || y.dtype != "<i8" || y.shape.empty() || y.shape[0] != x.shape[0])
    throw FileError(dir + "/" + split + "_x.npy", "arrays do not have the shapes prep writes");
  s.count = x.shape[0];
  s.frames = x.shape[1];
  s.features = x.shape[2];
  s.x = std::move(x.f32);
  s.y = std::move(y.i64);
  return s;
}

DatasetSplit Dataset::loadNoise() const {
  DatasetSplit s;
  if (!manifest.contains("noise")) return s;
  const std::string path = dir + "/" + manifest["noise"].value("x", "noise_x.npy");
  NpyArray x = loadNpy(path);
  if (x.shape.size() != 3 || x.dtype != "<f4") throw FileError(path, "noise bank does not have the shape prep writes");
  s.count = x.shape[0];
  s.frames = x.shape[1];
  s.features = x.shape[2];
  s.x = std::move(x.f32);
  return s;
}

}  // namespace podclean
