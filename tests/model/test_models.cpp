#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>

#include "../core/test_util.h"
#include "podclean/audio/audio_reader.h"
#include "podclean/audio/audio_writer.h"
#include "podclean/model/frame_posterior_stream.h"
#include "podclean/model/keyword_spotter.h"
#include "podclean/model/model.h"
#include "podclean/model/trainer.h"
#include "podclean/prep/dataset_builder.h"
#include "podclean/prep/stream_synth.h"
#include "podclean/util/error.h"

using namespace podclean;

static ModelMeta metaFor(const std::string& arch, ModelTask task, int features = 20, int classes = 3) {
  ModelMeta meta;
  meta.spec.arch = arch;
  meta.spec.task = task;
  meta.spec.num_features = features;
  meta.spec.num_classes = classes;
  meta.spec.channels = 8;
  meta.spec.layers = 3;
  meta.spec.hidden = 16;
  for (int c = 0; c < classes; ++c) meta.labels.push_back("c" + std::to_string(c));
  meta.features.n_mels = features;
  return meta;
}

static Matrix randomFeatures(int64_t frames, int64_t features, unsigned seed = 7) {
  Matrix m(frames, features);
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal;
  for (float& v : m.data) v = normal(rng);
  return m;
}

static double maxDiff(const Matrix& a, const Matrix& b) {
  REQUIRE(a.rows == b.rows);
  REQUIRE(a.cols == b.cols);
  double worst = 0;
  for (size_t i = 0; i < a.data.size(); ++i) worst = std::max(worst, double(std::fabs(a.data[i] - b.data[i])));
  return worst;
}

TEST_CASE("each model family gives outputs of the right shape", "[model]") {
  const Matrix x = randomFeatures(57, 20);
  for (const char* arch : {"conv1d", "gru"}) {
    INFO(arch);
    Model frame_model = Model::create(metaFor(arch, ModelTask::kFrame), 1);
    Matrix probs = frame_model.framePosteriors(x);
    CHECK(probs.rows == 57);
    CHECK(probs.cols == 3);
    float sum = probs.at(10, 0) + probs.at(10, 1) + probs.at(10, 2);
    CHECK(sum == Approx(1.0f).epsilon(1e-5));
    CHECK(frame_model.parameterCount() > 0);
  }
  for (const char* arch : {"conv1d", "conv2d", "gru"}) {
    INFO(arch);
    Model clip_model = Model::create(metaFor(arch, ModelTask::kClip), 1);
    auto probs = clip_model.clipPosteriors(x);
    CHECK(probs.size() == 3);
    CHECK_THROWS_AS(clip_model.framePosteriors(x), Error);
  }
  CHECK_THROWS_AS(Model::create(metaFor("conv2d", ModelTask::kFrame), 1), UsageError);
  CHECK_THROWS_AS(Model::create(metaFor("lstm", ModelTask::kClip), 1), UsageError);
  CHECK_THROWS_AS(Model::create(metaFor("conv1d", ModelTask::kFrame), 1).framePosteriors(randomFeatures(5, 7)), Error);
}

TEST_CASE("save then load gives identical outputs and keeps the metadata", "[model]") {
  testutil::TempDir dir("model");
  for (const char* arch : {"conv1d", "conv2d", "gru"}) {
    INFO(arch);
    ModelMeta meta = metaFor(arch, ModelTask::kClip);
    meta.norm.mean.assign(20, 0.5f);
    meta.norm.std.assign(20, 2.0f);
    Model model = Model::create(meta, 3);
    model.save(dir / "m.pt");
    Model back = Model::load(dir / "m.pt");
    const Matrix x = randomFeatures(40, 20);
    CHECK(model.clipPosteriors(x) == back.clipPosteriors(x));
    CHECK(back.meta().labels == meta.labels);
    CHECK(back.meta().norm.std == meta.norm.std);
    CHECK(back.meta().spec.toJson() == meta.spec.toJson());
  }
}

TEST_CASE("chunked conv1d inference equals whole-file inference", "[model][conv1d]") {
  Model model = Model::create(metaFor("conv1d", ModelTask::kFrame), 5);
  CHECK(model.contextFrames() == 1 + 2 + 4);  // kernel 3, dilations 1, 2, 4
  const Matrix x = randomFeatures(1000, 20);
  const Matrix whole = model.framePosteriors(x);
  // Through FramePosteriorStream, as clean runs it: frames arrive in pieces of any size.
  for (int64_t chunk : {16, 100, 333})
    for (int64_t piece : {1, 37, 250}) {
      INFO("chunk " << chunk << ", pieces of " << piece);
      FramePosteriorStream stream(model, chunk);
      Matrix out(0, 3);
      for (int64_t at = 0; at < x.rows; at += piece) {
        Matrix part(std::min(piece, x.rows - at), x.cols);
        std::copy(x.row(at), x.row(at + part.rows), part.data.begin());
        stream.push(part, out);
      }
      stream.finish(out);
      CHECK(maxDiff(out, whole) < 1e-5);
    }
  CHECK_THROWS_AS(FramePosteriorStream(Model::create(metaFor("gru", ModelTask::kFrame), 1), 100), Error);
}

TEST_CASE("streaming gru step by step equals the full-sequence run", "[model][gru]") {
  ModelMeta meta = metaFor("gru", ModelTask::kFrame);
  meta.norm.mean.assign(20, 0.1f);
  meta.norm.std.assign(20, 1.5f);
  Model model = Model::create(meta, 9);
  const Matrix x = randomFeatures(200, 20);
  const Matrix whole = model.framePosteriors(x);
  Model::Stream stream = model.stream();
  Matrix stepped(0, 3);
  for (int64_t t = 0; t < x.rows; ++t) {
    auto p = stream.step(x.row(t));
    Matrix row(1, 3);
    row.data = p;
    stepped.appendRows(row);
  }
  CHECK(maxDiff(stepped, whole) < 1e-5);
  stream.reset();
  CHECK(maxDiff([&] { Matrix r(1, 3); r.data = stream.step(x.row(0)); return r; }(),
                [&] { Matrix r(1, 3); std::copy(whole.row(0), whole.row(1), r.data.begin()); return r; }()) < 1e-6);
  CHECK_THROWS_AS(Model::create(metaFor("conv1d", ModelTask::kFrame), 1).stream(), Error);
}

TEST_CASE("bad model files give clear errors", "[model][errors]") {
  testutil::TempDir dir("badmodel");
  std::ofstream(dir / "text.pt") << "hello, not a model";
  CHECK_THROWS_WITH(Model::load(dir / "text.pt"), Catch::Contains("text.pt") && Catch::Contains("not a podclean model"));
  CHECK_THROWS_WITH(Model::load(dir / "missing.pt"), Catch::Contains("missing.pt") && Catch::Contains("cannot open"));
  Model::create(metaFor("gru", ModelTask::kFrame), 1).save(dir / "good.pt");
  const auto size = std::filesystem::file_size(dir / "good.pt");
  for (auto keep : {size_t(20), size_t(200), size_t(size - 100)}) {
    INFO("truncated to " << keep);
    std::filesystem::copy_file(dir / "good.pt", dir / "cut.pt", std::filesystem::copy_options::overwrite_existing);
    std::filesystem::resize_file(dir / "cut.pt", keep);
    CHECK_THROWS_AS(Model::load(dir / "cut.pt"), FileError);
  }
}

// The FSDD takes of tests/data as a clip dataset in dir, all of it training data.
static void buildTinyDataset(const std::filesystem::path& dir) {
  PrepOptions prep;
  prep.inputs = {testutil::dataPath("fsdd")};
  prep.output_dir = dir.string();
  prep.label_pattern = "{label}_{group}_{index}";
  prep.features.n_mels = 32;
  prep.features.db_ref = 0;  // per-clip max
  prep.features.top_db = 80;
  prep.val_fraction = prep.test_fraction = 0;  // train on everything: these tests are about fitting
  buildDataset(prep);
}

// Options that let a tiny model memorise that dataset: no dropout, augmentation or early stop.
static TrainOptions tinyTraining(const std::filesystem::path& dataset, const std::filesystem::path& output,
                                 const std::string& arch, int layers) {
  TrainOptions o;
  o.dataset_dir = dataset.string();
  o.output_path = output.string();
  o.spec.arch = arch;
  o.spec.channels = 8;
  o.spec.hidden = 32;
  o.spec.layers = layers;
  o.spec.dropout = 0;
  o.epochs = 60;
  o.patience = 1000;
  o.batch_size = 8;
  o.learning_rate = 5e-3;
  o.time_masks = o.freq_masks = 0;
  o.time_stretch = o.freq_warp = 0;
  o.threads = 2;
  return o;
}

TEST_CASE("a tiny model overfits a tiny dataset", "[model][train]") {
  testutil::TempDir ds("tinyds"), out("tinymodel");
  buildTinyDataset(ds.path);
  for (const char* arch : {"conv2d", "gru"}) {
    INFO(arch);
    TrainOptions o = tinyTraining(ds.path, out / (std::string(arch) + ".pt"), arch, 2);
    auto metrics = trainModel(o);
    const double final_loss = metrics["history"].back()["train_loss"];
    CHECK(final_loss < 0.25);  // chance is ln 3 = 1.10; a working loop memorises 24 clips
    CHECK(std::filesystem::exists(out / (std::string(arch) + ".metrics.json")));
    Evaluation e = evaluateModel(Model::load(o.output_path), ds.path.string(), "train");
    CHECK(e.accuracy >= 0.95);
  }
  // With --ema the saved model is the weight average: it must fit as well,
  // BatchNorm statistics included, and a resumed run picks the average up.
  TrainOptions a = tinyTraining(ds.path, out / "ema.pt", "conv2d", 2);
  a.spec.hidden = ModelSpec().hidden;  // the default dense head, which the epoch counts below were set for
  a.ema = 0.9;
  CHECK(trainModel(a)["ema"] == 0.9);
  CHECK(evaluateModel(Model::load(a.output_path), ds.path.string(), "train").accuracy >= 0.95);
  CHECK(std::filesystem::exists(out / "ema.last.average.pt"));
  a.epochs = 62;
  a.resume = true;
  CHECK(trainModel(a)["history"].size() == 2);
  CHECK(evaluateModel(Model::load(a.output_path), ds.path.string(), "train").accuracy >= 0.95);
  // --clip-grad-norm scales every step's gradients: clipped far below AdamW's epsilon, the same
  // 20 epochs that fit without clipping learn nothing, and the history keeps the norm before clipping.
  TrainOptions c = a;
  c.resume = false;
  c.ema = 0;
  c.epochs = 20;
  c.output_path = out / "unclipped.pt";
  CHECK(trainModel(c)["history"].back()["train_loss"].get<double>() < 0.5);
  c.output_path = out / "clipped.pt";
  c.clip_grad_norm = 1e-12;
  const auto clipped = trainModel(c);
  CHECK(clipped["history"].back()["train_loss"].get<double>() > 0.9);
  CHECK(clipped["history"].back()["grad_norm_max"].get<double>() > 1e-6);
  CHECK(clipped["clip_grad_norm"] == 1e-12);
}

TEST_CASE("training can start from another model's weights (--init-from) and keep some fixed (--freeze)", "[model][train]") {
  testutil::TempDir ds("initds"), out("initmodel");
  buildTinyDataset(ds.path);
  const TrainOptions o = tinyTraining(ds.path, out / "first.pt", "gru", 2);
  const auto fresh = trainModel(o);
  const double fresh_first_loss = fresh["history"][0]["train_loss"];
  const Model first = Model::load(o.output_path);

  // The front and the gru frozen, the head at a learning rate too small to move it: the copy
  // answers as the first model does (its normalisation came along), and only the head learns.
  TrainOptions frozen = o;
  frozen.output_path = out / "frozen.pt";
  frozen.epochs = 1;
  frozen.learning_rate = 1e-12;
  frozen.init_from = o.output_path;
  frozen.freeze = {"front", "gru"};
  const auto frozen_metrics = trainModel(frozen);
  CHECK(frozen_metrics["initialised"].size() == 12);  // front's and head's weight and bias, 4 per gru layer
  const int64_t classes = int64_t(first.meta().labels.size());
  CHECK(frozen_metrics["trainable_parameters"] == classes * 32 + classes);  // the head's
  Matrix clip = randomFeatures(60, 32, 3);
  for (float& v : clip.data) v = -30.f + 10.f * v;  // about the log-mel levels of the dataset
  const std::vector<float> a = first.clipPosteriors(clip), b = Model::load(frozen.output_path).clipPosteriors(clip);
  REQUIRE(a.size() == b.size());
  for (size_t c = 0; c < a.size(); ++c) CHECK(b[c] == Approx(a[c]).margin(1e-5));

  // Nothing frozen: training goes on from the first model's fit, far below a fresh start.
  TrainOptions warm = frozen;
  warm.output_path = out / "warm.pt";
  warm.learning_rate = o.learning_rate;
  warm.freeze.clear();
  const double warm_first_loss = trainModel(warm)["history"][0]["train_loss"];
  CHECK(warm_first_loss < fresh_first_loss / 2);

  // A resumed run keeps the normalisation it started with: the same --init-from or none.
  TrainOptions resumed = warm;
  resumed.epochs = 2;
  resumed.resume = true;
  CHECK(trainModel(resumed)["history"].size() == 1);
  resumed.init_from.clear();
  CHECK_THROWS_WITH(trainModel(resumed), Catch::Contains("checkpoint was trained with --init-from"));

  // The same through the CLI: a comma list of layers, and errors with their exit codes.
  const std::string cli = "train " + ds.path.string() + " --arch gru --channels 8 --hidden 32 --layers 2 --epochs 1 ";
  auto r = testutil::runPodclean(cli + "--init-from " + o.output_path + " --freeze front,gru -o " + (out / "cli.pt"));
  CHECK(r.exit_code == 0);
  std::ifstream cli_metrics(out / "cli.metrics.json");
  CHECK(nlohmann::json::parse(cli_metrics)["frozen"] == nlohmann::json({"front", "gru"}));
  r = testutil::runPodclean(cli + "--freeze front -o " + (out / "cli2.pt"));
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.output, Catch::Contains("--freeze keeps layers of --init-from's model"));
  r = testutil::runPodclean(cli + "--init-from /nonexistent.pt -o " + (out / "cli3.pt"));
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.output, Catch::Contains("/nonexistent.pt"));

  TrainOptions bad = frozen;
  bad.init_from.clear();
  CHECK_THROWS_WITH(trainModel(bad), Catch::Contains("--freeze keeps layers of --init-from's model"));
  bad = frozen;
  bad.freeze = {"bogus"};
  CHECK_THROWS_WITH(trainModel(bad), Catch::Contains("--freeze 'bogus': this model has no such layer (it has front, gru, head)"));
  bad = frozen;
  bad.freeze = {"front", "gru", "head"};
  CHECK_THROWS_WITH(trainModel(bad), Catch::Contains("every layer is frozen"));
  bad = frozen;
  bad.freeze.clear();
  bad.spec.channels = 4;
  bad.spec.hidden = 16;
  CHECK_THROWS_WITH(trainModel(bad), Catch::Contains("first.pt: its layers differ: give its sizes, --channels 8 --hidden 32"));
  bad.spec.arch = "conv1d";
  CHECK_THROWS_WITH(trainModel(bad), Catch::Contains("first.pt: it is a gru model, not --arch conv1d"));
}

TEST_CASE("training mixes the dataset's noise bank in on the fly", "[model][train][noise]") {
  testutil::TempDir ds("noiseds"), out("noisemodel");
  PrepOptions prep;
  prep.inputs = {testutil::dataPath("fsdd")};
  prep.output_dir = ds.path.string();
  prep.label_pattern = "{label}_{group}_{index}";
  prep.features.n_mels = 32;
  prep.val_fraction = prep.test_fraction = 0;
  prep.augment.noise_dir = testutil::dataPath("roomtone");
  buildDataset(prep);
  TrainOptions o;
  o.dataset_dir = ds.path.string();
  o.output_path = out / "m.pt";
  o.spec.arch = "conv2d";
  o.spec.channels = 4;
  o.epochs = 2;
  o.threads = 2;
  o.noise_mix = 1.0;
  auto metrics = trainModel(o);
  CHECK(metrics["noise_mix"] == 1.0);
  CHECK(std::isfinite(metrics["history"].back()["train_loss"].get<double>()));
  // Frame tasks too, where the last window of a recording ends in padding (label -1)
  // that the mix leaves out: 3 s of audio in 2 s windows.
  testutil::TempDir frames_in("noiseframesin"), frames_ds("noiseframes");
  std::vector<float> audio = loadMono(testutil::dataPath("keywords/not-a-keyword.flac"), 16000);
  audio.resize(16000 * 3, 0.f);
  writeMono(frames_in / "ep.wav", audio.data(), int64_t(audio.size()), 16000);
  std::ofstream(frames_in / "ep.txt") << "0.5\t1.5\tspeech\n";
  PrepOptions frame_prep = prep;
  frame_prep.task = PrepTask::kFrame;
  frame_prep.inputs = {frames_in.path.string()};
  frame_prep.output_dir = frames_ds.path.string();
  frame_prep.window_seconds = 2.0;
  frame_prep.label_pattern.clear();
  frame_prep.labels = {"background", "speech"};
  buildDataset(frame_prep);
  TrainOptions f = o;
  f.dataset_dir = frames_ds.path.string();
  f.output_path = out / "frames.pt";
  f.spec.arch = "conv1d";
  auto frame_metrics = trainModel(f);
  CHECK(frame_metrics["noise_mix"] == 1.0);
  CHECK(std::isfinite(frame_metrics["history"].back()["train_loss"].get<double>()));
  // MFCC datasets carry no bank (cepstra cannot be mixed): training says 0.
  testutil::TempDir mfcc("noisemfcc");
  prep.output_dir = mfcc.path.string();
  prep.features.kind = FeatureKind::kMfcc;
  buildDataset(prep);
  o.dataset_dir = mfcc.path.string();
  o.epochs = 1;
  CHECK(trainModel(o)["noise_mix"] == 0.0);
}

TEST_CASE("listen's spotter runs a conv2d clip model on a sliding window", "[model][listen]") {
  // A conv2d learns one keyword recording against room tone and ordinary
  // speech (memorising is enough here: this checks the sliding-window path,
  // not generalisation), then the spotter hears a stream: tone, the keyword, tone.
  const int rate = 16000;
  testutil::TempDir in("kwclips"), ds("kwds"), out("kwmodel");
  std::filesystem::create_directories(in / "alexa");
  std::filesystem::create_directories(in / "background");
  std::vector<float> tone = loadMono(testutil::dataPath("roomtone/gsc-exercise_bike-5s.flac"), rate);
  for (float& v : tone) v *= 0.05f;
  // The keyword example: one second from just before the word, over the tone
  // (as the window will see it in the stream: no digital silence anywhere).
  std::vector<float> recording = loadMono(testutil::dataPath("keywords/alexa-108.flac"), rate);
  const auto span = wordSpan(recording, rate);
  const size_t from = size_t(std::max(0.0, span.first - 0.1) * rate);
  std::vector<float> word(recording.begin() + long(from), recording.begin() + long(from) + rate);
  for (size_t i = 0; i < word.size(); ++i) word[i] += tone[i];
  writeMono(in / "alexa/a.wav", word.data(), int64_t(word.size()), rate);
  for (int i = 0; i < 4; ++i)
    writeMono(in / ("background/t" + std::to_string(i) + ".wav"), tone.data() + i * rate, rate, rate);
  std::vector<float> other = loadMono(testutil::dataPath("keywords/not-a-keyword.flac"), rate);
  writeMono(in / "background/speech.wav", other.data(), int64_t(other.size()), rate);
  PrepOptions prep;
  prep.inputs = {in.path.string()};
  prep.output_dir = ds.path.string();
  prep.clip_seconds = 1.0;
  prep.val_fraction = prep.test_fraction = 0;
  prep.augment.copies = 8;
  prep.augment.time_masks = prep.augment.freq_masks = 0;
  buildDataset(prep);
  TrainOptions o;
  o.dataset_dir = ds.path.string();
  o.output_path = out / "kw.pt";
  o.spec.arch = "conv2d";
  o.spec.channels = 8;
  o.epochs = 25;
  o.patience = 1000;
  o.batch_size = 8;
  o.time_masks = o.freq_masks = 0;
  o.time_stretch = o.freq_warp = 0;
  o.threads = 2;
  trainModel(o);
  Model model = Model::load(o.output_path);

  std::vector<float> stream(tone.begin(), tone.begin() + 3 * rate);
  const double word_end = 3.0 + (span.second - double(from) / rate);
  stream.insert(stream.end(), word.begin(), word.end());
  stream.insert(stream.end(), tone.begin(), tone.begin() + 2 * rate);
  SpotterOptions so;
  so.threshold = 0.5;
  KeywordSpotter spotter(model, o.output_path, so);
  std::vector<Detection> found;
  for (size_t i = 0; i < stream.size(); i += 320) spotter.accept(stream.data() + i, std::min<size_t>(320, stream.size() - i), found);
  INFO("best score at the end " << spotter.bestScore());
  REQUIRE(found.size() == 1);
  CHECK(found[0].keyword == "alexa");
  CHECK(found[0].time_s > 3.0);
  CHECK(found[0].time_s < word_end + 1.0);
}

TEST_CASE("listen's verifier agrees on a geometric mean of the two scores, its own counted twice", "[model][listen]") {
  CHECK(verifierAgrees(0.8f, 0.8f, 0.8));
  CHECK(verifierAgrees(0.95f, 0.75f, 0.8));        // a sure keyword model lets a less sure verifier through
  CHECK_FALSE(verifierAgrees(0.62f, 0.85f, 0.8));  // a barely-passing score needs a surer verifier
  CHECK(verifierAgrees(0.62f, 0.92f, 0.8));
  CHECK_FALSE(verifierAgrees(0.79f, 0.8f, 0.8));
  CHECK_FALSE(verifierAgrees(0.5f, 1.f, 0.8));     // below 0.8 cubed no verifier can make up for it
  CHECK(verifierAgrees(0.3f, 0.f, 0.0));           // threshold 0: every ask agrees
}

// A gru keyword model, a conv2d verifier's description (0.5 s windows) on the same 20
// features, and options under which every verifier ask agrees: a detection every verify hop.
struct VerifierRig {
  ModelMeta clip = metaFor("conv2d", ModelTask::kClip, 20, 2);
  Model keyword_model = Model::create(metaFor("gru", ModelTask::kFrame, 20, 2), 3);
  SpotterOptions options;
  VerifierRig() {
    keyword_model.meta().labels = clip.labels = {"background", "kw"};
    clip.training["example_frames"] = 50;
    options.threshold = 0.01;
    options.verify_threshold = 0;
    options.refractory_s = 0;
  }
  // The detections on `hops` 10 ms hops of seeded noise at `gain`, with these verifiers.
  std::vector<Detection> detections(const std::vector<Model>& verifiers, float gain, int hops) const {
    KeywordSpotter spotter(keyword_model, "kw.pt", options);
    for (const Model& v : verifiers) spotter.addVerifier(v, "verify.pt");
    std::mt19937 rng(5);
    std::normal_distribution<float> normal(0.f, 0.1f);
    std::vector<float> hop(160);
    std::vector<Detection> found;
    for (int i = 0; i < hops; ++i) {
      for (float& v : hop) v = gain * normal(rng);
      spotter.accept(hop.data(), hop.size(), found);
    }
    return found;
  }
};

TEST_CASE("listen's verifier may mean-normalise its window, so its probability ignores the input gain", "[model][listen]") {
  const VerifierRig rig;
  ModelMeta clip_cmn = rig.clip;
  clip_cmn.features.clip_cmn = true;
  // The verifier's probability at the first detection after 1 s (its 0.5 s window
  // full of stream), for a noise stream at a gain.
  auto first_verify = [&](const ModelMeta& verifier_meta, float gain) {
    for (const Detection& d : rig.detections({Model::create(verifier_meta, 5)}, gain, 150))
      if (d.time_s >= 1.0) return d.verify_score;
    FAIL("no detection after 1 s");
    return -1.f;
  };
  // 20 dB quieter shifts every log-mel value by the same amount: the mean-normalised
  // window does not change, the plain one does.
  CHECK(first_verify(clip_cmn, 0.1f) == Approx(first_verify(clip_cmn, 1.f)).margin(1e-4));
  CHECK(std::abs(first_verify(rig.clip, 0.1f) - first_verify(rig.clip, 1.f)) > 1e-3);
  ModelMeta other = clip_cmn;
  other.features.n_mels = 24;
  other.spec.num_features = 24;
  KeywordSpotter spotter(rig.keyword_model, "kw.pt", rig.options);
  CHECK_THROWS_AS(spotter.addVerifier(Model::create(other, 1), "other.pt"), FileError);  // other frames
}

TEST_CASE("listen's spotter averages several verifiers' probabilities", "[model][listen]") {
  const VerifierRig rig;
  const Model a = Model::create(rig.clip, 5), b = Model::create(rig.clip, 6);
  const auto alone_a = rig.detections({a}, 1.f, 100), alone_b = rig.detections({b}, 1.f, 100),
             both = rig.detections({a, b}, 1.f, 100);
  REQUIRE(both.size() > 20);
  REQUIRE(both.size() == alone_a.size());
  REQUIRE(both.size() == alone_b.size());
  for (size_t i = 0; i < both.size(); ++i)
    CHECK(both[i].verify_score == Approx((alone_a[i].verify_score + alone_b[i].verify_score) / 2).margin(1e-6));
  CHECK(std::abs(alone_a.back().verify_score - alone_b.back().verify_score) > 1e-4);  // two different verifiers

  // A verifier that knows more words, the keyword at another index: asked for it by name.
  ModelMeta more_words = rig.clip;
  more_words.labels = {"background", "other", "kw"};
  more_words.spec.num_classes = 3;
  const Model c = Model::create(more_words, 7);
  const auto alone_c = rig.detections({c}, 1.f, 100), a_and_c = rig.detections({a, c}, 1.f, 100);
  REQUIRE(a_and_c.size() == alone_c.size());
  for (size_t i = 0; i < a_and_c.size(); ++i)
    CHECK(a_and_c[i].verify_score == Approx((alone_a[i].verify_score + alone_c[i].verify_score) / 2).margin(1e-6));

  KeywordSpotter spotter(rig.keyword_model, "kw.pt", rig.options);
  spotter.addVerifier(a, "a.pt");
  ModelMeta other_labels = rig.clip;
  other_labels.labels = {"background", "other"};
  CHECK_THROWS_WITH(spotter.addVerifier(Model::create(other_labels, 1), "other.pt"), Catch::Contains("has no class 'kw'"));
  ModelMeta longer = rig.clip;
  longer.training["example_frames"] = 80;
  CHECK_THROWS_WITH(spotter.addVerifier(Model::create(longer, 1), "longer.pt"),
                    Catch::Contains("window length differs"));
}

// Runs a and b alone and averaged (both) on 2 s of seeded noise, with no smoothing so
// bestScore() is the last probability of "kw"; checks the average after every hop that
// scored, and returns how many did.
static int checkAveragedScores(const Model& a, const Model& b) {
  SpotterOptions so;
  so.smooth_frames = 1;
  KeywordSpotter alone_a(a, "a.pt", so), alone_b(b, "b.pt", so), both(a, "a.pt", so);
  both.addModel(b, "b.pt");
  std::mt19937 rng(5);
  std::normal_distribution<float> normal(0.f, 0.1f);
  std::vector<float> hop(160);
  std::vector<Detection> found;
  int compared = 0;
  for (int i = 0; i < 200; ++i) {
    for (float& v : hop) v = normal(rng);
    alone_a.accept(hop.data(), hop.size(), found);
    alone_b.accept(hop.data(), hop.size(), found);
    both.accept(hop.data(), hop.size(), found);
    if (alone_a.bestScore() == 0) continue;  // nothing scored yet (a clip model's window is not full)
    CHECK(both.bestScore() == Approx((alone_a.bestScore() + alone_b.bestScore()) / 2).margin(1e-6));
    ++compared;
  }
  CHECK(std::abs(alone_a.bestScore() - alone_b.bestScore()) > 1e-4);  // two different models
  return compared;
}

TEST_CASE("listen's spotter averages several gru models frame by frame", "[model][listen]") {
  ModelMeta meta = metaFor("gru", ModelTask::kFrame, 20, 2);
  meta.labels = {"background", "kw"};
  const Model a = Model::create(meta, 3), b = Model::create(meta, 4);
  CHECK(checkAveragedScores(a, b) > 150);
  SpotterOptions so;
  KeywordSpotter first(a, "a.pt", so);  // what it refuses to average with

  ModelMeta other = meta;
  other.labels = {"background", "other"};
  CHECK_THROWS_AS(first.addModel(Model::create(other, 1), "other.pt"), FileError);
  ModelMeta conv = meta;
  conv.spec.arch = "conv1d";
  CHECK_THROWS_AS(first.addModel(Model::create(conv, 1), "conv.pt"), FileError);
  ModelMeta clip = metaFor("conv2d", ModelTask::kClip, 20, 2);
  clip.labels = meta.labels;
  clip.training["example_frames"] = 50;
  KeywordSpotter sliding(Model::create(clip, 1), "clip.pt", so);  // a conv2d clip model averages with its kind only
  CHECK_THROWS_WITH(sliding.addModel(b, "b.pt"), Catch::Contains("to average with a conv2d clip model"));
}

TEST_CASE("listen's spotter averages several conv2d clip models window by window", "[model][listen]") {
  ModelMeta clip = metaFor("conv2d", ModelTask::kClip, 20, 2);
  clip.labels = {"background", "kw"};
  clip.training["example_frames"] = 50;
  const Model a = Model::create(clip, 3), b = Model::create(clip, 4);
  CHECK(checkAveragedScores(a, b) > 100);
  KeywordSpotter first(a, "a.pt", SpotterOptions());  // what it refuses to average with

  ModelMeta other = clip;
  other.labels = {"background", "other"};
  CHECK_THROWS_AS(first.addModel(Model::create(other, 1), "other.pt"), FileError);
  ModelMeta longer = clip;
  longer.training["example_frames"] = 80;
  CHECK_THROWS_WITH(first.addModel(Model::create(longer, 1), "longer.pt"), Catch::Contains("window length differs"));
}
