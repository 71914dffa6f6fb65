// Data-parallel training (issue 15): ranks on 127.0.0.1 started by the CLI's
// --nproc, compared with one process training the same global batches.
#include <catch2/catch.hpp>

#include <cmath>
#include <fstream>
#include <random>

#include "../core/test_util.h"
#include "podclean/model/model.h"
#include "podclean/prep/dataset_builder.h"

using namespace podclean;

namespace {

// Largest difference between two models' class probabilities on the same
// random inputs: every weight shapes them, so equal outputs mean equal weights.
double outputDifference(const Model& a, const Model& b, int frames, int features) {
  std::mt19937 rng(11);
  std::normal_distribution<float> normal;
  std::vector<Matrix> clips;
  for (int i = 0; i < 16; ++i) {
    Matrix m(frames, features);
    for (float& v : m.data) v = normal(rng);
    clips.push_back(m);
  }
  const auto pa = a.clipPosteriorsBatch(clips), pb = b.clipPosteriorsBatch(clips);
  double worst = 0;
  for (size_t i = 0; i < pa.size(); ++i)
    for (size_t k = 0; k < pa[i].size(); ++k) worst = std::max(worst, double(std::fabs(pa[i][k] - pb[i][k])));
  return worst;
}

nlohmann::json readJson(const std::string& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in);
}

}  // namespace

TEST_CASE("two and three ranks train the same weights as one rank with the same global batch", "[model][train][distributed]") {
  testutil::TempDir ds("distds"), out("distmodel");
  PrepOptions prep;
  prep.inputs = {testutil::dataPath("fsdd")};
  prep.output_dir = ds.path.string();
  prep.label_pattern = "{label}_{group}_{index}";
  prep.features.n_mels = 32;
  prep.val_fraction = 0.25;  // 18 train, 6 val: validation is sharded too
  prep.test_fraction = 0;
  prep.augment.noise_dir = testutil::dataPath("roomtone");  // the on-the-fly noise mix is per example, too
  buildDataset(prep);
  // Default augmentation (SpecAugment, tempo and feature warps, noise) stays
  // on: each example's draws must not depend on its rank. Dropout is off, as
  // its masks are drawn per rank; the GRU has no batch norm, whose statistics
  // are per rank (conv1d/conv2d train alike but not bit for bit).
  // Batches of 8 of 18 examples: the last step's 2 leave one of 3 ranks idle.
  const std::string common = ds.path.string() +
      " --arch gru --channels 8 --hidden 16 --layers 1 --dropout 0 --epochs 3 --batch-size 8 --threads 1"
      " --dist-timeout 30 --quiet";
  auto train = [&](const std::string& name, const std::string& extra) {
    const auto r = testutil::runPodclean("train " + common + " -o " + (out / name) + " " + extra);
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    return Model::load(out / name);
  };
  const Model one = train("one.pt", "--seed 5");
  const Model two = train("two.pt", "--seed 5 --nproc 2");
  const Model three = train("three.pt", "--seed 5 --nproc 3");
  const Model other_seed = train("other.pt", "--seed 6");
  const int frames = readJson(ds / "manifest.json")["example_frames"], features = 32;
  CHECK(outputDifference(one, two, frames, features) < 1e-4);
  CHECK(outputDifference(one, three, frames, features) < 1e-4);
  CHECK(outputDifference(one, other_seed, frames, features) > 1e-3);  // the comparison can fail

  const auto m1 = readJson(out / "one.metrics.json"), m2 = readJson(out / "two.metrics.json");
  CHECK(m2["world_size"] == 2);
  REQUIRE(m1["history"].size() == m2["history"].size());
  for (size_t e = 0; e < m1["history"].size(); ++e) {
    CHECK(m2["history"][e]["train_loss"].get<double>() == Approx(m1["history"][e]["train_loss"].get<double>()).epsilon(1e-5));
    CHECK(m2["history"][e]["val_loss"].get<double>() == Approx(m1["history"][e]["val_loss"].get<double>()).epsilon(1e-5));
  }
}

TEST_CASE("bad data-parallel settings are refused with the flag named", "[model][train][distributed]") {
  auto r = testutil::runPodclean("train nowhere -o x.pt --world-size 2 --rank 2");
  CHECK(r.exit_code == 2);
  CHECK(r.output.find("--rank/RANK 2") != std::string::npos);
  r = testutil::runPodclean("train nowhere -o x.pt --nproc 2 --world-size 2");
  CHECK(r.exit_code == 2);
  CHECK(r.output.find("--nproc") != std::string::npos);
}
