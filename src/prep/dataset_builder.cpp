#include "podclean/prep/dataset_builder.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <memory>
#include <set>

#include <nlohmann/json.hpp>

#include "podclean/audio/audio_reader.h"
#include "podclean/dsp/feature_extractor.h"
#include "podclean/dsp/feature_json.h"
#include "podclean/dsp/norm_stats.h"
#include "podclean/io/npy.h"
#include "podclean/labels/label_track.h"
#include "podclean/prep/augment.h"
#include "podclean/prep/channel_chain.h"
#include "podclean/prep/file_labels.h"
#include "podclean/util/atomic_file.h"
#include "podclean/util/error.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace podclean {

static const char* kSplitNames[3] = {"train", "val", "test"};

// FNV-1a: a hash that is the same on every machine and standard library.
static uint64_t stableHash(const std::string& text, uint64_t seed) {
  uint64_t h = 1469598103934665603ull ^ (seed * 0x9E3779B97F4A7C15ull);
  for (unsigned char c : text) h = (h ^ c) * 1099511628211ull;
  return h;
}

// Ranks keys by their seeded hash and deals them out: the first share to
// test, the next to val, the rest to train. Exact fractions, stable, and a
// split gets at least one key whenever there are three or more.
static std::map<std::string, int> dealKeys(std::vector<std::string> keys, const PrepOptions& o) {
  std::sort(keys.begin(), keys.end(), [&](const std::string& a, const std::string& b) {
    return stableHash(a, o.seed) < stableHash(b, o.seed);
  });
  const int64_t n = int64_t(keys.size());
  auto share = [n](double fraction) {
    int64_t k = int64_t(std::llround(double(n) * fraction));
    return (fraction > 0 && n >= 3) ? std::max<int64_t>(1, k) : k;
  };
  const int64_t n_test = share(o.test_fraction), n_val = share(o.val_fraction);
  std::map<std::string, int> split;
  for (int64_t i = 0; i < n; ++i) split[keys[size_t(i)]] = i < n_test ? 2 : i < n_test + n_val ? 1 : 0;
  return split;
}

// Split per file: by group when asked (no group in two splits), otherwise
// stratified per label so every class appears in every split.
static std::vector<int> assignSplits(const std::vector<LabelledFile>& files, const PrepOptions& o) {
  std::vector<int> split(files.size());
  if (!o.test_groups.empty()) {  // held-out groups (cross-validation folds): test; the rest train/val
    PrepOptions rest = o;
    rest.test_groups.clear();
    rest.group_split = false;
    rest.test_fraction = 0;
    std::vector<LabelledFile> others;
    std::vector<size_t> where;
    for (size_t i = 0; i < files.size(); ++i) {
      const bool held_out = std::find(o.test_groups.begin(), o.test_groups.end(), files[i].group) != o.test_groups.end();
      split[i] = 2;
      if (!held_out) {
        others.push_back(files[i]);
        where.push_back(i);
      }
    }
    if (others.size() == files.size()) throw UsageError("--test-groups: no file has any of these groups");
    std::vector<int> inner = assignSplits(others, rest);
    for (size_t k = 0; k < where.size(); ++k) split[where[k]] = inner[k];
    return split;
  }
  if (o.group_split) {
    // Groups that each hold one label (a music track, a noise recording) are
    // dealt per label, so every class reaches every split; groups spanning
    // labels (speakers) are dealt all together.
    std::map<std::string, std::set<std::string>> labels_of_group;
    for (const auto& f : files) labels_of_group[f.group].insert(f.label);
    bool one_label_each = true;
    for (const auto& entry : labels_of_group) one_label_each = one_label_each && entry.second.size() == 1;
    std::map<std::string, std::vector<std::string>> groups_by_label;
    for (const auto& entry : labels_of_group)
      groups_by_label[one_label_each ? *entry.second.begin() : ""].push_back(entry.first);
    std::map<std::string, int> dealt;
    for (auto& entry : groups_by_label) {
      auto d = dealKeys(entry.second, o);
      dealt.insert(d.begin(), d.end());
    }
    for (size_t i = 0; i < files.size(); ++i) split[i] = dealt[files[i].group];
    return split;
  }
  std::map<std::string, std::vector<std::string>> per_label;
  for (const auto& f : files) per_label[f.label].push_back(f.path);
  std::map<std::string, int> dealt;
  for (auto& entry : per_label) {
    auto d = dealKeys(entry.second, o);
    dealt.insert(d.begin(), d.end());
  }
  for (size_t i = 0; i < files.size(); ++i) split[i] = dealt[files[i].path];
  return split;
}

namespace {

// The three splits' .npy writers and running statistics.
struct SplitWriters {
  std::unique_ptr<NpyRowWriter> x[3], y[3];
  std::unique_ptr<NormStatsAccumulator> stats;
  SplitWriters(const std::string& dir, int64_t frames, int64_t features, bool frame_labels) {
    for (int s = 0; s < 3; ++s) {
      x[s] = std::make_unique<NpyRowWriter>(dir + "/" + kSplitNames[s] + "_x.npy",
                                            std::vector<int64_t>{frames, features}, true);
      y[s] = std::make_unique<NpyRowWriter>(dir + "/" + kSplitNames[s] + "_y.npy",
                                            frame_labels ? std::vector<int64_t>{frames} : std::vector<int64_t>{},
                                            false);
    }
    stats = std::make_unique<NormStatsAccumulator>(int(features));
  }
};

std::string findLabelFile(const std::string& audio_path) {
  for (const char* ext : {".txt", ".labels.txt"}) {
    fs::path candidate = fs::path(audio_path).replace_extension(ext);
    if (fs::exists(candidate)) return candidate.string();
  }
  throw FileError(audio_path, "no label file beside it (expected " +
                                  fs::path(audio_path).replace_extension(".txt").string() + ")");
}

// The noise bank the trainer mixes in on the fly: the --noise-dir recordings
// cut into example-length pieces, as features. Only log-power features without
// per-clip CMN can be mixed (power adds; cepstra and mean-removed bands do not).
bool noiseCanBeMixed(const FeatureOptions& fo) {
  return fo.kind == FeatureKind::kMel && fo.log && !fo.clip_cmn && !fo.level_norm;  // level-relative frames do not add
}

int64_t writeNoiseBank(const PrepOptions& o, int64_t example_samples, int64_t example_frames) {
  constexpr int64_t kMostPieces = 2000;
  const FeatureOptions& fo = o.features;
  NpyRowWriter writer(o.output_dir + "/noise_x.npy", {example_frames, fo.numFeatures()}, true);
  for (const std::string& path : findAudioFiles({o.augment.noise_dir})) {
    std::vector<float> noise = loadMono(path, fo.sample_rate_hz);
    if (noise.empty()) continue;
    while (int64_t(noise.size()) < example_samples) noise.insert(noise.end(), noise.begin(), noise.end());
    for (int64_t start = 0; start + example_samples <= int64_t(noise.size()) && writer.rows() < kMostPieces;
         start += example_samples) {
      std::vector<float> piece(noise.begin() + start, noise.begin() + start + example_samples);
      Matrix x = computeFeatures(fo, piece);
      Matrix row(example_frames, x.cols, 0.f);  // frame tasks: one frame fewer than the centred STFT gives
      std::copy(x.data.begin(), x.data.begin() + std::min(example_frames, x.rows) * x.cols, row.data.begin());
      writer.appendFloat(row.data.data());
    }
  }
  writer.finish();
  return writer.rows();
}

// keyword-windows: where the windows end (frame index) and their label. A
// labelled run [a, b) marks the frames just after a keyword ends: a window ends
// every 0.1 s of it, labelled with the keyword. Keyword-free windows end every
// stride, except from 1 s before a run (the keyword is still being spoken) to
// 0.5 s after it (the keyword sits near the window's end).
std::vector<std::pair<int64_t, int64_t>> keywordWindowEnds(const std::vector<int64_t>& frame_labels, double step_s,
                                                           double stride_s) {
  const int64_t n = int64_t(frame_labels.size());
  const int64_t every = std::max<int64_t>(1, std::llround(0.1 / step_s));
  const int64_t before = std::llround(1.0 / step_s), after = std::llround(0.5 / step_s);
  std::vector<std::pair<int64_t, int64_t>> ends;
  std::vector<bool> near_keyword(size_t(n), false);
  for (int64_t a = 0; a < n;) {
    if (frame_labels[size_t(a)] <= 0) {
      ++a;
      continue;
    }
    int64_t b = a;
    while (b < n && frame_labels[size_t(b)] == frame_labels[size_t(a)]) ++b;
    for (int64_t t = a; t < b; t += every) ends.emplace_back(t, frame_labels[size_t(a)]);
    for (int64_t t = std::max<int64_t>(0, a - before); t < std::min(n, b + after); ++t) near_keyword[size_t(t)] = true;
    a = b;
  }
  const int64_t stride = std::max<int64_t>(1, std::llround(stride_s / step_s));
  for (int64_t t = stride - 1; t < n; t += stride)
    if (!near_keyword[size_t(t)]) ends.emplace_back(t, 0);
  return ends;
}

}  // namespace

PrepSummary buildDataset(const PrepOptions& o, const ProgressFn& progress) {
  o.Validate();
  const bool frame_task = o.task == PrepTask::kFrame, windows_task = o.task == PrepTask::kKeywordWindows;
  const bool labelled_in_time = frame_task || windows_task;  // Audacity labels beside each recording
  if (!labelled_in_time && o.task != PrepTask::kClip) throw Error("internal: buildDataset needs clip, frame or keyword-windows");
  const FeatureOptions& fo = o.features;
  std::vector<LabelledFile> files = labelFiles(findAudioFiles(o.inputs), o.label_pattern, o.group_pattern);
  const std::vector<int> split_of = assignSplits(files, o);

  PrepSummary summary;
  std::vector<std::string>& labels = summary.labels;
  if (labelled_in_time) {
    labels.push_back(o.default_label);
    for (const auto& name : o.labels)
      if (name != o.default_label) labels.push_back(name);
  } else {
    std::set<std::string> names;
    for (const auto& f : files) names.insert(f.label);
    labels.assign(names.begin(), names.end());
  }

  // Example length in samples and frames.
  int64_t example_samples;
  if (labelled_in_time) {
    example_samples = int64_t(o.window_seconds * fo.sample_rate_hz);
  } else if (o.clip_seconds > 0) {
    example_samples = int64_t(std::llround(o.clip_seconds * fo.sample_rate_hz));
  } else {
    double longest = 0;
    for (const auto& f : files) longest = std::max(longest, AudioReader(f.path).info().duration_s());
    example_samples = int64_t(std::ceil(longest * fo.sample_rate_hz));
  }
  const int64_t example_frames =
      labelled_in_time ? std::max<int64_t>(1, std::llround(o.window_seconds * fo.sample_rate_hz / fo.hop_length))
                 : fo.numFrames(example_samples);
  const int64_t width = fo.numFeatures();

  fs::create_directories(o.output_dir);
  SplitWriters writers(o.output_dir, example_frames, width, frame_task);
  Augmenter augmenter(o.augment, fo.sample_rate_hz, o.seed);
  ChannelChainOptions channel = o.augment.channel;
  if (channel.noise_dir.empty()) channel.noise_dir = o.augment.noise_dir;
  std::unique_ptr<ChannelChain> chain;  // built only when used: it lists the noise folder
  if (o.augment.channel_copies > 0) chain = std::make_unique<ChannelChain>(channel, fo.sample_rate_hz, o.seed * 7919 + 1);
  json examples = json::array();

  auto writeExample = [&](int split, const Matrix& x, const std::vector<int64_t>& y, const LabelledFile& f,
                          double offset_s, const json& augmentation) {
    writers.x[split]->appendFloat(x.data.data());
    writers.y[split]->appendInt(y.data());  // one label (clip) or one per frame
    if (split == 0)  // statistics from training frames only, padding excluded
      for (int64_t t = 0; t < x.rows; ++t)
        if (!frame_task || y[size_t(t)] >= 0) writers.stats->add(x.row(t));
    json e = {{"split", kSplitNames[split]}, {"index", writers.x[split]->rows() - 1},
              {"source", f.path}, {"group", f.group}, {"offset_s", offset_s},
              {"augmented", !augmentation.is_null()}};
    if (!frame_task) e["label"] = windows_task ? labels[size_t(y[0])] : f.label;
    if (!augmentation.is_null()) e["augmentation"] = augmentation;
    examples.push_back(e);
    summary.examples++;
    summary.per_split[split]++;
    if (!augmentation.is_null()) summary.augmented++;
  };

  // One recording (or one augmented copy of it) -> examples.
  auto emit = [&](int split, std::vector<float> samples, const LabelledFile& f,
                  const std::vector<Segment>& segments, const json& augmentation) {
    if (o.task == PrepTask::kClip) {
      Matrix x = computeFeatures(fo, prepareClip(fo, std::move(samples), example_samples));
      json aug = augmentation;
      if (!aug.is_null() && fo.kind != FeatureKind::kWaveform) aug["masks"] = augmenter.maskFeatures(x);
      const int64_t index = std::find(labels.begin(), labels.end(), f.label) - labels.begin();
      writeExample(split, x, {index}, f, 0.0, aug);
      return;
    }
    Matrix all = computeFeatures(fo, samples);
    const double step_s = double(fo.hop_length) / fo.sample_rate_hz;
    std::vector<int64_t> frame_labels = segmentsToFrames(segments, all.rows, step_s, labels, 0, !o.labels.empty(), f.path);
    if (windows_task) {  // zero rows before the recording starts, as in listen's window
      for (auto [end, label] : keywordWindowEnds(frame_labels, step_s, o.negative_stride_s)) {
        Matrix x(example_frames, width, 0.f);
        const int64_t first = std::max<int64_t>(0, end + 1 - example_frames);
        std::copy(all.row(first), all.row(end + 1), x.row(example_frames - (end + 1 - first)));
        json aug = augmentation;
        if (!aug.is_null()) aug["masks"] = augmenter.maskFeatures(x);
        writeExample(split, x, {label}, f, double(first) * step_s, aug);
        examples.back()["end_s"] = double(end + 1) * step_s;  // the window may start before the recording
      }
      return;
    }
    for (int64_t start = 0; start < all.rows; start += example_frames) {
      Matrix x(example_frames, width, 0.f);
      std::vector<int64_t> y(size_t(example_frames), -1);
      const int64_t n = std::min(example_frames, all.rows - start);
      std::copy(all.row(start), all.row(start) + n * width, x.data.begin());
      std::copy(frame_labels.begin() + start, frame_labels.begin() + start + n, y.begin());
      json aug = augmentation;
      if (!aug.is_null()) aug["masks"] = augmenter.maskFeatures(x);
      writeExample(split, x, y, f, double(start) * step_s, aug);
    }
  };

  for (size_t i = 0; i < files.size(); ++i) {
    const LabelledFile& f = files[i];
    std::vector<Segment> segments;
    if (labelled_in_time) segments = readAudacityLabels(findLabelFile(f.path));
    std::vector<float> samples = loadMono(f.path, fo.sample_rate_hz);
    const int split = split_of[i];
    for (int copy = 0; split == 0 && copy < o.augment.copies; ++copy) {
      std::vector<float> augmented = samples;
      json what = augmenter.augmentWaveform(augmented);
      what["copy"] = copy + 1;
      emit(split, std::move(augmented), f, segments, what);
    }
    for (int copy = 0; split == 0 && copy < o.augment.channel_copies; ++copy) {
      std::vector<float> changed = samples;
      json what = {{"channel", chain->apply(changed)}, {"copy", o.augment.copies + copy + 1}};
      emit(split, std::move(changed), f, segments, what);
    }
    emit(split, std::move(samples), f, segments, json());
    summary.files++;
    if (progress) progress(int64_t(i + 1), int64_t(files.size()));
  }

  json manifest = {
      {"format", "podclean-dataset"},
      {"format_version", 1},
      {"podclean_version", PODCLEAN_VERSION},
      {"task", windows_task ? "clip" : toString(o.task)},  // verifier windows train as clips
      {"features", toJson(fo)},
      {"labels", labels},
      {"example_frames", example_frames},
      {"example_samples", example_samples},
      {"num_features", width},
      {"seed", o.seed},
      {"group_split", o.group_split},
      {"norm_stats", writers.stats->finish().toJson()},
      {"layout", frame_task ? "x: float32 [N, frames, features]; y: int64 [N, frames], -1 = padding"
                            : "x: float32 [N, frames, features]; y: int64 [N] class index"},
      {"splits", json::object()},
      {"examples", examples},
  };
  for (int s = 0; s < 3; ++s) {
    writers.x[s]->finish();
    writers.y[s]->finish();
    manifest["splits"][kSplitNames[s]] = {{"x", std::string(kSplitNames[s]) + "_x.npy"},
                                          {"y", std::string(kSplitNames[s]) + "_y.npy"},
                                          {"count", summary.per_split[s]}};
  }
  if (!o.augment.noise_dir.empty() && noiseCanBeMixed(fo))
    manifest["noise"] = {{"x", "noise_x.npy"}, {"count", writeNoiseBank(o, example_samples, example_frames)}};
  writeTextFile(o.output_dir + "/manifest.json", manifest.dump(1) + "\n");
  return summary;
}

}  // namespace podclean
