// podclean prep: recordings -> dataset (clip / frame tasks) or audio pieces.
#include <spdlog/spdlog.h>

#include "commands.h"
#include "progress.h"
#include "podclean/prep/audio_splitter.h"
#include "podclean/prep/dataset_builder.h"
#include "podclean/prep/file_labels.h"
#include "podclean/prep/stream_synth.h"
#include "podclean/prep/tts.h"
#include "podclean/util/error.h"
#include "podclean/util/output_guard.h"

namespace podclean::cli {

// Every audio file under the inputs is protected before any work, so that no
// piece can replace a recording (e.g. "prep dir/ -o dir/ --task split-fixed"
// writing talk_0000.wav over an input of that name; label files are protected
// as they are read), and the output folder may not be an input folder.
static void protectInputTrees(const std::vector<std::string>& roots, const std::string& output_dir) {
  for (const std::string& root : roots) {
    if (root.empty()) continue;
    protectInput(root);
    try {
      for (const std::string& file : findAudioFiles({root})) protectInput(file);
    } catch (const Error&) {  // a missing or empty input is reported by the task itself, in its words
    }
  }
  checkOutputFolder(output_dir);
}

void addPrepCommand(CLI::App& app) {
  auto options = std::make_shared<PrepOptions>();
  auto streams = std::make_shared<StreamSynthOptions>();
  auto text = std::make_shared<std::map<std::string, std::string>>();
  struct Tts {
    std::vector<std::string> phrases;
    std::string dir;
    int takes = 400;
    std::vector<std::string> engines{"espeak-ng", "flite"};
  };
  auto tts = std::make_shared<Tts>();
  (*text)["task"] = "clip";
  (*text)["features"] = "mel";
  (*text)["scale"] = "slaney";
  (*text)["norm"] = "slaney";
  (*text)["ref"] = "1.0";
  CLI::App* sub = app.add_subcommand("prep",
      "Turn raw recordings into a training dataset (manifest.json + .npy) or into pieces.\n\n"
      "Examples:\n"
      "  podclean prep recordings/ -o ds/ --task clip            # one folder per label\n"
      "  podclean prep fsdd/recordings -o ds/ --label-from-name '{label}_{group}_{index}' --group-split\n"
      "  podclean prep episodes/ -o ds/ --task frame             # ep.wav + ep.txt (Audacity labels)\n"
      "  podclean prep streams/ -o verify-ds/ --task keyword-windows --window-seconds 1.5  # verifier clips\n"
      "  podclean prep long.flac -o pieces/ --task split-silence --silence-db -45\n"
      "  podclean prep kw/alexa kw/jarvis -o streams/ --task streams --negatives speech/ --background noise/\n"
      "  podclean prep -o streams/ --task streams --tts-keyword 'hey pod' --negatives speech/ --background noise/\n");
  sub->option_defaults()->always_capture_default();
  PrepOptions& o = *options;
  FeatureOptions& f = o.features;
  sub->add_option("inputs", o.inputs, "Audio files or folders (searched recursively)");
  sub->add_option("-o,--output", o.output_dir, "Output folder")->required();
  sub->add_option("--task", (*text)["task"], "clip | frame | keyword-windows | split-fixed | split-silence | streams");
  auto* feat = sub->add_option_group("Features");
  feat->add_option("--features", (*text)["features"], "mel | mfcc | spectrogram | waveform");
  feat->add_option("--sample-rate", f.sample_rate_hz, "Resample to this rate (Hz)");
  feat->add_option("--n-fft", f.n_fft, "FFT size (samples)");
  feat->add_option("--win-length", f.win_length, "Window (samples)");
  feat->add_option("--hop-length", f.hop_length, "Hop between frames (samples)");
  feat->add_option("--n-mels", f.n_mels, "Mel bands");
  feat->add_option("--fmin", f.fmin_hz, "Lowest mel frequency (Hz)");
  feat->add_option("--fmax", f.fmax_hz, "Highest mel frequency (Hz, 0 = Nyquist)");
  feat->add_option("--mel-scale", (*text)["scale"], "slaney | htk");
  feat->add_option("--mel-norm", (*text)["norm"], "slaney | none");
  feat->add_option("--n-mfcc", f.n_mfcc, "MFCC coefficients");
  feat->add_option("--db-ref", (*text)["ref"], "power_to_db reference: a number, or max (= each clip's loudest point)");
  feat->add_option("--top-db", f.top_db, "Floor log features at clip max - this (dB; <0 = off)");
  feat->add_flag("--cmn", f.clip_cmn, "Clips: subtract each feature's mean over the clip");
  feat->add_option("--trim-db", f.trim_db, "Clips: trim leading/trailing audio this far below the peak (dB; 0 = off)");
  feat->add_option("--deltas", f.delta_order, "Append deltas: 0, 1 or 2");
  feat->add_flag("--level-norm", f.level_norm,
                 "Log-mel relative to each recording's running speech level / noise floor (level-invariant; streamed)");
  feat->add_option("--level-lookahead", f.level_lookahead_s,
                   "--level-norm: seconds of audio after a frame its reference level may use (latency; 0..600)")
      ->capture_default_str();
  auto* lab = sub->add_option_group("Labels and splits");
  lab->add_option("--label-from-name", o.label_pattern,
                  "Take label (and group) from the file name, e.g. '{label}_{group}_{index}' "
                  "(default: the parent folder is the label)");
  lab->add_option("--group-from-name", o.group_pattern, "Pattern with {group} for the split key");
  lab->add_flag("--group-split", o.group_split, "Keep each {group} (e.g. speaker) in one split");
  lab->add_option("--test-groups", o.test_groups, "These groups form the test split (e.g. one speaker per fold)")->delimiter(',');
  lab->add_option("--val", o.val_fraction, "Validation fraction");
  lab->add_option("--test", o.test_fraction, "Test fraction");
  lab->add_option("--seed", o.seed, "Seed for splits and augmentation");
  lab->add_option("--clip-seconds", o.clip_seconds, "Clip tasks: pad/crop to this length (0 = longest)");
  lab->add_option("--window-seconds", o.window_seconds, "Frame tasks: example length; keyword-windows: window length");
  lab->add_option("--negative-stride", o.negative_stride_s, "keyword-windows: a keyword-free window every this many seconds");
  lab->add_option("--default-label", o.default_label, "Frame and keyword-windows tasks: label of unlabelled time");
  lab->add_option("--labels", o.labels, "Frame and keyword-windows tasks: the label names, in this order (others are errors)")->delimiter(',');
  auto* aug = sub->add_option_group("Augmentation (training split only)");
  aug->add_option("--augment", o.augment.copies, "Augmented copies per training example");
  aug->add_option("--aug-gain-db", o.augment.gain_db, "Random gain within +/- dB");
  aug->add_option("--aug-shift-ms", o.augment.shift_ms, "Random time shift within +/- ms");
  aug->add_option("--aug-speed", o.augment.speed,
                  "Speed perturbation: play at a random 1 +/- this (shifts pitch and formants, new 'voices')");
  aug->add_option("--noise-dir", o.augment.noise_dir, "Mix in noise from recordings in this folder");
  aug->add_option("--snr-min", o.augment.snr_db_min, "Lowest SNR for mixed noise (dB)");
  aug->add_option("--snr-max", o.augment.snr_db_max, "Highest SNR for mixed noise (dB)");
  aug->add_option("--time-masks", o.augment.time_masks, "SpecAugment time masks per copy");
  aug->add_option("--time-mask-frames", o.augment.time_mask_frames, "Widest time mask (frames)");
  aug->add_option("--freq-masks", o.augment.freq_masks, "SpecAugment feature masks per copy");
  aug->add_option("--freq-mask-bands", o.augment.freq_mask_bands, "Widest feature mask (bands)");
  auto* chan = sub->add_option_group("Channel chain (training split only; noise beds from --noise-dir or synthetic)");
  ChannelChainOptions& ch = o.augment.channel;
  chan->add_option("--channel-aug", o.augment.channel_copies,
                   "Channel-chain copies per training file: room reverb, far field, mic colour, noise bed, "
                   "4-8 kHz or telephone band, MP3/Opus round trip, level");
  chan->add_option("--channel-level-min", ch.level_db_min, "Lowest output level (dBFS, active level)");
  chan->add_option("--channel-level-max", ch.level_db_max, "Highest output level (dBFS, active level)");
  chan->add_option("--channel-snr-min", ch.snr_db_min, "Lowest noise-bed SNR (dB)");
  chan->add_option("--channel-snr-max", ch.snr_db_max, "Highest noise-bed SNR (dB)");
  chan->add_option("--channel-p-reverb", ch.p_reverb, "Chance of room reverb");
  chan->add_option("--channel-p-far", ch.p_far_field, "Chance of far-field (reverb, attenuation, loud noise)");
  chan->add_option("--channel-p-noise", ch.p_noise, "Chance of a noise bed");
  chan->add_option("--channel-p-band", ch.p_band, "Chance of a band limit");
  chan->add_option("--channel-p-telephone", ch.p_telephone, "Of the band limits, the share that is a telephone band (300-3400 Hz)");
  chan->add_option("--channel-p-codec", ch.p_codec, "Chance of an MP3/Opus round trip");
  chan->add_option("--channel-p-colour", ch.p_colour, "Chance of microphone colouration (EQ tilt)");
  auto* split = sub->add_option_group("Splitting recordings (split-fixed, split-silence)");
  split->add_option("--piece-seconds", o.piece_seconds, "split-fixed: piece length (s)");
  split->add_option("--silence-db", o.silence_threshold_db, "split-silence: RMS threshold (dBFS)");
  split->add_option("--min-silence", o.min_silence_s, "split-silence: shortest silence that splits (s)");
  split->add_option("--keep-silence", o.keep_silence_s, "split-silence: silence kept around pieces (s)");
  split->add_option("--min-piece", o.min_piece_s, "Shortest piece written (s)");

  auto* synth = sub->add_option_group("Keyword streams (--task streams; inputs: one folder per keyword)");
  StreamSynthOptions& st = *streams;
  synth->add_option("--negatives", st.negatives_dir, "Speech that is not a keyword");
  synth->add_option("--background", st.background_dir, "Background recordings (noise, music)");
  synth->add_option("--streams", st.streams, "Streams to make");
  synth->add_option("--stream-seconds", st.stream_seconds, "Length of each stream (s)");
  synth->add_option("--keywords-per-minute", st.keywords_per_minute, "Keywords per minute");
  synth->add_option("--negatives-per-minute", st.negatives_per_minute, "Non-keyword utterances per minute");
  synth->add_option("--label-seconds", st.label_seconds, "Labelled span just after each keyword (s)");
  synth->add_option("--subset", st.subset, "all | train | test: 4 in 5 files train, 1 in 5 test");
  synth->add_option("--keyword-subset", st.keyword_subset, "The keywords' subset, when not --subset's");
  synth->add_option("--tts-keyword", tts->phrases,
                    "A keyword nobody recorded: synthesise takes of it (--tts-engines) as one more keyword "
                    "folder, named like hey_pod (repeatable, or a comma list)")->delimiter(',');
  synth->add_option("--tts-takes", tts->takes, "--tts-keyword: takes of each phrase");
  synth->add_option("--tts-engines", tts->engines,
                    "--tts-keyword: synthesisers to use, a comma list of espeak-ng, flite, festival (festival says a "
                    "third of the takes; off by default: models/README.md)")
      ->delimiter(',')
      ->capture_default_str();
  synth->add_option("--tts-dir", tts->dir, "--tts-keyword: where the takes go (default: OUTPUT-tts next to OUTPUT)");
  sub->callback([options, text, streams, tts] {
    PrepOptions& o = *options;
    if ((*text)["task"] != "streams") o.task = prepTaskFromString((*text)["task"]);
    o.features.kind = featureKindFromString((*text)["features"]);
    const std::string& scale = (*text)["scale"];
    const std::string& norm = (*text)["norm"];
    if (scale != "slaney" && scale != "htk") throw UsageError("--mel-scale '" + scale + "': use slaney or htk");
    if (norm != "slaney" && norm != "none") throw UsageError("--mel-norm '" + norm + "': use slaney or none");
    o.features.mel_scale = scale == "htk" ? MelScale::kHtk : MelScale::kSlaney;
    o.features.mel_norm = norm == "none" ? MelNorm::kNone : MelNorm::kSlaney;
    const std::string& ref = (*text)["ref"];
    try {
      o.features.db_ref = ref == "max" ? 0.0 : std::stod(ref);
    } catch (const std::exception&) {
      throw UsageError("--db-ref '" + ref + "': use a positive number or max");
    }
    if (ref != "max" && !(o.features.db_ref > 0)) throw UsageError("--db-ref must be > 0 or max");
    if ((*text)["task"] != "streams" && !tts->phrases.empty()) throw UsageError("--tts-keyword goes with --task streams");
    std::vector<std::string> read = o.inputs;
    for (const std::string* dir : {&o.augment.noise_dir, &streams->negatives_dir, &streams->background_dir}) read.push_back(*dir);
    protectInputTrees(read, o.output_dir);
    if ((*text)["task"] == "streams") {
      StreamSynthOptions& st = *streams;
      st.keyword_dirs = o.inputs;
      if (!tts->phrases.empty()) {
        std::string dir = tts->dir;
        if (dir.empty()) {
          std::string out = o.output_dir;
          while (out.size() > 1 && out.back() == '/') out.pop_back();
          dir = out + "-tts";  // not inside OUTPUT: a later prep of OUTPUT must see only streams
        }
        if (tts->takes < 1) throw UsageError("--tts-takes must be at least 1");
        const TtsEngines engines = parseTtsEngines(tts->engines);
        for (size_t i = 0; i < tts->phrases.size(); ++i) {
          const std::string keyword_dir = dir + "/" + ttsLabel(tts->phrases[i]);
          const int n = synthesizeKeywordTakes(tts->phrases[i], keyword_dir, tts->takes, o.seed * 1000 + i, engines);
          spdlog::info("synthesised {} takes of '{}' in {}", n, tts->phrases[i], keyword_dir);
          st.keyword_dirs.push_back(keyword_dir);
        }
      }
      st.output_dir = o.output_dir;
      st.seed = o.seed;
      st.snr_db_min = o.augment.snr_db_min;
      st.snr_db_max = o.augment.snr_db_max;
      st.sample_rate_hz = o.features.sample_rate_hz;
      const int64_t placed = synthesizeStreams(st);
      spdlog::info("wrote {} streams with {} keywords to {} (prep them with --task frame)", st.streams, placed, st.output_dir);
      return;
    }
    if (o.task == PrepTask::kSplitFixed || o.task == PrepTask::kSplitSilence) {
      const int64_t pieces = splitRecordings(o);
      spdlog::info("wrote {} pieces to {} (list in pieces.csv)", pieces, o.output_dir);
      return;
    }
    Progress progress("prep");
    PrepSummary s = buildDataset(o, [&](int64_t done, int64_t total) { progress.update(done, total); });
    progress.done();
    spdlog::info("{} files -> {} examples ({} augmented): train {}, val {}, test {}; {} labels; in {}",
                 s.files, s.examples, s.augmented, s.per_split[0], s.per_split[1], s.per_split[2],
                 s.labels.size(), o.output_dir);
  });
}

}  // namespace podclean::cli
