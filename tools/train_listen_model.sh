#!/usr/bin/env bash
# Rebuilds models/listen-default.pt, the default keyword spotter of
# `podclean listen` (keywords: alexa, computer, jarvis), and models/listen-verify.pt,
# the verifier that confirms its detections, from the trigger-word streams
# `prep --task streams` makes of real recordings.
# Usage: bash tools/train_listen_model.sh [DATA_DIR] [WORK_DIR]   (DATA_DIR: ../shared/data)
# VERIFIER_ONLY=1 keeps models/listen-default.pt and rebuilds only the verifier.
#
# TTS_NEAR="snow,boy,snow boat,..." bash tools/train_listen_model.sh --tts "snowboy,smart mirror,view glass" [DATA_DIR] [WORK_DIR]
# (models/README.md gives the whole TTS_NEAR list the shipped example was trained with)
# instead trains a model for those words from synthetic voices only (espeak-ng and flite takes,
# `prep --tts-keyword`), models/listen-tts-example.pt, its verifier, and a second pair fine-tuned
# from the default pair (models/listen-tts-example-ft.pt, -verify-ft.pt), and makes test streams
# from the real recordings of the words in DATA_DIR/wakewords where there are some (never trained on).
#
# bash tools/train_listen_model.sh --commands [DATA_DIR] [WORK_DIR]
# trains models/listen-commands.pt (stop, go, up, down, left, right: `listen --commands`) on the
# Speech Commands recordings of DATA_DIR (both folders) plus espeak-ng/flite takes, holding one
# speaker in five out whole (by a checksum of the speaker id): those make the test streams. It starts
# from models/listen-verify.pt's weights, so run it again after rebuilding the verifier.
# STREAMS_ONLY=1 makes only the held-out test streams (bench/listen_commands_bench.sh uses them).
# PODCLEAN=/path/to/podclean runs that binary instead of build/podclean (a copy keeps a long run
# safe from rebuilds).
set -euo pipefail
cd "$(dirname "$0")/.."
# A phrase as a label and folder name: "Smart Mirror" -> smart_mirror.
slug() { echo "$1" | tr 'A-Z' 'a-z' | sed 's/[^a-z0-9]\+/_/g; s/^_//; s/_$//'; }
# synthesise DIR TAKES SEED NEGATIVES BACKGROUND PHRASE...: TAKES TTS takes of each phrase
# in DIR/<slug>/ (`prep --tts-keyword` makes them on its way to a stream; that one 10 s stream,
# made of NEGATIVES and BACKGROUND, is thrown away).
synthesise() {
  local dir=$1 takes=$2 seed=$3 negatives=$4 background=$5 stream p args=()
  shift 5
  for p in "$@"; do args+=(--tts-keyword "$p"); done
  stream=$(mktemp -d)
  $P prep -o "$stream/out" --task streams "${args[@]}" --tts-takes "$takes" --tts-engines "$ENGINES" --tts-dir "$dir" --streams 1 \
    --negatives "$negatives" --background "$background" --stream-seconds 10 --seed "$seed" --quiet
  rm -rf "$stream"
}
# The synthesisers of every TTS take (prep --tts-engines): TTS_ENGINES=espeak-ng,flite,festival adds
# festival's voices (a third of the takes; not in the shipped recipes: models/README.md).
ENGINES=${TTS_ENGINES:-espeak-ng,flite}
# Every wake-word model's training streams go in once as made and once through the channel chain
# (room, far field, mic colour, noise bed, band limit, MP3/Opus, level): users' microphones and
# rooms are not the recordings', and synthetic voices are clean (CHANNEL_AUG=0: as made only).
CHAIN="--channel-aug ${CHANNEL_AUG:-1}"
# Every clip model here (the verifiers, the command model) is a conv2d of 3 blocks of 16 channels
# on 1.5 s windows, kept at its best validation macro F1; each call adds its epochs, rate and start.
CLIP_MODEL="--arch conv2d --channels 16 --layers 3 --patience 4 --class-weight-power 0.5 --time-masks 1 --freq-masks 1 --select macro-f1"
if [ "${1:-}" = "--tts" ]; then
  WORDS=$2
  DATA=$(realpath "${3:-../shared/data}")
  W=${4:-/tmp/podclean-listen-tts}
  P=${PODCLEAN:-build/podclean}
  rm -rf "$W" && mkdir -p "$W/negatives" "$W/background"
  # Negatives: ordinary phrases, command words, digits, read speech of many voices, the other wake words.
  ln -s "$DATA/not-wake-words" "$W/negatives/not-wake-words"
  ln -s "$DATA/speech-commands" "$W/negatives/speech-commands"
  ln -s "$DATA/fsdd" "$W/negatives/fsdd"
  for k in alexa computer jarvis; do ln -s "$DATA/wakewords/$k" "$W/negatives/$k"; done
  $P prep "$DATA/speech-prompts" "$DATA/speech-cv" "$DATA/librispeech-251" -o "$W/negatives/phrases" \
    --task split-silence --silence-db -45 --min-silence 0.25 --keep-silence 0.1 --quiet
  ln -s "$DATA/noise" "$W/background/noise"
  ln -s "$DATA/music" "$W/background/music"
  STREAMS="--negatives $W/negatives --background $W/background --stream-seconds 60"
  LABELS=background
  IFS=, read -ra PHRASES <<< "$WORDS"
  TTS=()
  for p in "${PHRASES[@]}"; do
    TTS+=(--tts-keyword "$p")
    LABELS+=",$(slug "$p")"
  done
  # Synthetic negatives. Every keyword take is synthetic and nearly every negative real, so a model
  # can learn "synthetic voice = keyword" (the first example model, trained without these, fired 3
  # times as often on synthetic everyday phrases as on real speech, 110 times with its verifier).
  # So the same synthesisers also say everyday words and phrases (TTS_SPEECH, a comma list; "none"
  # for none) and, as a second group, the near phrases of TTS_NEAR ("snow boat,mirror,view class"),
  # both as negatives of the training streams only: the test streams keep the real negatives
  # above, so figures stay comparable.
  SPEECH=${TTS_SPEECH:-yes,no,okay,hello,thank you,good morning,see you later,what time is it,turn it off,play some music,open the door,call my mother,seven,forty two,happy birthday,how are you,right now,not today,go back,listen to this,the weather is nice,where are my keys,I think so,let me see,tomorrow,maybe,that is great,excuse me,come here,wait a minute}
  TRAIN_STREAMS=$STREAMS
  if [ "$SPEECH" != none ] || [ -n "${TTS_NEAR:-}" ]; then
    mkdir -p "$W/negatives-train"
    for d in "$W"/negatives/*; do ln -s "$(realpath "$d")" "$W/negatives-train/$(basename "$d")"; done
    TRAIN_STREAMS="--negatives $W/negatives-train --background $W/background --stream-seconds 60"
  fi
  if [ "$SPEECH" != none ]; then
    IFS=, read -ra LIST <<< "$SPEECH"
    synthesise "$W/negatives-train/tts-speech" ${NEGATIVE_TAKES:-40} 7 "$W/negatives" "$W/background" "${LIST[@]}"
  fi
  if [ -n "${TTS_NEAR:-}" ]; then
    IFS=, read -ra LIST <<< "$TTS_NEAR"
    synthesise "$W/negatives-train/tts-near" ${NEGATIVE_TAKES:-40} 7 "$W/negatives" "$W/background" "${LIST[@]}"
  fi
  # TTS_NEGATIVE_WEIGHT=N draws each synthetic group N times as often as one real source (prep draws
  # every top-level folder of the negatives equally often; the extra folders link to the same takes).
  # 3 was tried and found no more real takes (models/README.md), so the default is 1.
  for i in $(seq 2 "${TTS_NEGATIVE_WEIGHT:-1}"); do
    for g in tts-speech tts-near; do
      if [ -d "$W/negatives-train/$g" ]; then ln -s "$g" "$W/negatives-train/$g-$i"; fi
    done
  done
  # The takes are synthesised by the first prep below, or first of all when SPEEDS="0.9 1.1" asks for
  # a copy of each take at each speed (sox speed: pitch and formants move together, as from a
  # shorter or longer vocal tract), more voices than the synthesisers have.
  KEYWORDS=("${TTS[@]}" --tts-takes ${TTS_TAKES:-400} --tts-engines "$ENGINES")
  if [ -n "${SPEEDS:-}" ]; then
    synthesise "$W/streams-train-tts" ${TTS_TAKES:-400} 5 "$W/negatives" "$W/background" "${PHRASES[@]}"
    for d in "$W"/streams-train-tts/*/; do
      for f in "$d"*.wav; do for s in $SPEEDS; do sox -V1 "$f" "${d}speed${s}_$(basename "$f")" speed "$s"; done; done
    done
    KEYWORDS=("$W"/streams-train-tts/*)
  fi
  $P prep "${KEYWORDS[@]}" -o "$W/streams-train" --task streams --subset train \
    --streams ${STREAMS_TRAIN:-200} $TRAIN_STREAMS --keywords-per-minute 8 --negatives-per-minute 16 --seed 1 --quiet
  $P prep "$W"/streams-train-tts/* -o "$W/streams-train-quiet" --task streams --subset train --streams 30 $TRAIN_STREAMS \
    --keywords-per-minute 0 --negatives-per-minute 16 --seed 3 --quiet
  $P prep "$W/streams-train" "$W/streams-train-quiet" -o "$W/ds" --task frame --default-label background \
    --labels "$LABELS" --window-seconds 10 --val 0.15 --test 0 $CHAIN --quiet
  $P train "$W/ds" --arch gru --channels 32 --hidden 64 --layers 1 --kernel 5 --epochs ${EPOCHS:-16} --patience 5 \
    --lr 3e-3 --class-weight-power 0.5 --time-masks 1 --freq-masks 1 --seed 1 --threads ${THREADS:-2} -o "$W/listen-tts.pt"
  cp "$W/listen-tts.pt" models/listen-tts-example.pt
  # Its verifier, as for the default model: a conv2d on the 1.5 s that end just after each keyword
  # (3-6 minutes an epoch on 2 cores).
  $P prep "$W/streams-train" "$W/streams-train-quiet" -o "$W/verify-ds" --task keyword-windows --window-seconds 1.5 \
    --negative-stride 0.75 --default-label background --labels "$LABELS" --val 0.15 --test 0 $CHAIN --quiet
  $P train "$W/verify-ds" $CLIP_MODEL --epochs 12 --lr 3e-3 --seed 1 --threads ${THREADS:-2} -o "$W/listen-tts-verify.pt"
  cp "$W/listen-tts-verify.pt" models/listen-tts-example-verify.pt
  # A second pair fine-tuned from the default pair (--init-from), whose layers learned from real
  # voices: the gru keeps the default's front end (--freeze front), the verifier starts from the
  # default verifier. listen averages each pair (--model a,b --verifier c,d); on the real takes
  # the four find more of them at fewer false accepts than the first pair alone (models/README.md).
  $P train "$W/ds" --arch gru --channels 64 --hidden 192 --layers 1 --kernel 5 --init-from models/listen-default.pt \
    --freeze front --epochs 8 --patience 4 --lr 1e-3 --class-weight-power 0.5 --time-masks 1 --freq-masks 1 --ema 0.998 \
    --clip-grad-norm 1 --seed 1 --threads ${THREADS:-2} -o "$W/listen-tts-ft.pt"
  cp "$W/listen-tts-ft.pt" models/listen-tts-example-ft.pt
  $P train "$W/verify-ds" $CLIP_MODEL --init-from models/listen-verify.pt --epochs 8 --lr 1e-3 --seed 1 --threads ${THREADS:-2} \
    -o "$W/listen-tts-verify-ft.pt"
  cp "$W/listen-tts-verify-ft.pt" models/listen-tts-example-verify-ft.pt
  # Real voices, never trained on: the words' recordings among held-out negatives, and an hour and
  # a half of negatives alone for false accepts.
  REAL=()
  for p in "${PHRASES[@]}"; do
    d="$DATA/wakewords/$(slug "$p")"
    [ -d "$d" ] && REAL+=("$d")
  done
  if [ ${#REAL[@]} -gt 0 ]; then
    $P prep "${REAL[@]}" -o "$W/streams-real" --task streams --subset test --keyword-subset all --streams 40 $STREAMS \
      --keywords-per-minute 8 --negatives-per-minute 10 --seed 2 --quiet
    echo "real recordings for bench/listen_bench.py: $W/streams-real"
  fi
  $P prep "$W"/streams-train-tts/* -o "$W/streams-background" --task streams --subset test --streams 60 $STREAMS \
    --keywords-per-minute 0 --negatives-per-minute 16 --seed 4 --quiet
  echo "keyword-free held-out streams: $W/streams-background"
  exit 0
fi
if [ "${1:-}" = "--commands" ]; then
  DATA=$(realpath "${2:-../shared/data}")
  W=${3:-/tmp/podclean-listen-commands}
  P=${PODCLEAN:-build/podclean}
  WORDS="stop go up down left right"
  rm -rf "$W" && mkdir -p "$W/background"
  # Every Speech Commands take goes to train/ or test/ by its speaker, so no test voice is ever
  # trained on; the six commands become keyword folders, the other words negatives.
  for src in speech-commands speech-commands-test; do
    for dir in "$DATA/$src"/*/; do
      word=$(basename "$dir")
      case " $WORDS " in *" $word "*) kind=keywords ;; *) kind=negatives/words ;; esac
      for f in "$dir"*; do
        take=$(basename "$f") && speaker=${take%%_*}
        part=train && [ $(( $(printf %s "$speaker" | cksum | cut -d' ' -f1) % 5 )) -eq 0 ] && part=test
        mkdir -p "$W/$part/$kind/$word" && ln -s "$f" "$W/$part/$kind/$word/${src}_$take"
      done
    done
  done
  if [ -z "${STREAMS_ONLY:-}" ]; then  # training takes only: the test streams need neither
    # Speed perturbation (SPEEDS="0.9 1.1"): a copy of each real training take at each speed
    # (tempo and pitch together, sox speed), more voices from the same speakers.
    for w in $WORDS; do
      takes=("$W/train/keywords/$w"/*)
      for speed in ${SPEEDS:-}; do
        mkdir -p "$W/speed/$speed/$w"
        for f in "${takes[@]}"; do
          out="$W/speed/$speed/$w/$(basename "${f%.*}").flac"
          sox "$f" "$out" speed "$speed" && ln -s "$out" "$W/train/keywords/$w/speed${speed}_$(basename "$out")"
        done
      done
    done
    # Synthetic voices of the commands (espeak-ng and flite: voices, speeds, pitches) join training.
    synthesise "$W/tts" ${TTS_TAKES:-60} 5 "$W/train/negatives" "$DATA/noise" $WORDS
    for w in $WORDS; do for f in "$W/tts/$w"/*; do ln -s "$f" "$W/train/keywords/$w/tts_$(basename "$f")"; done; done
  fi
  # Negatives besides the other words: the wake words (a command must not fire on "computer"),
  # ordinary phrases, digits, read sentences cut at their pauses.
  for part in train test; do
    ln -s "$DATA/not-wake-words" "$W/$part/negatives/not-wake-words"
    for k in alexa computer jarvis; do ln -s "$DATA/wakewords/$k" "$W/$part/negatives/$k"; done
    ln -s "$DATA/fsdd" "$W/$part/negatives/fsdd"
  done
  $P prep "$DATA/speech-prompts" "$DATA/speech-cv" -o "$W/phrases" --task split-silence --silence-db -45 \
    --min-silence 0.25 --keep-silence 0.1 --quiet
  for part in train test; do ln -s "$W/phrases" "$W/$part/negatives/phrases"; done
  ln -s "$DATA/noise" "$W/background/noise"
  ln -s "$DATA/music" "$W/background/music"
  BG="--background $W/background --stream-seconds 60"
  # The held-out speakers' takes are all test (--keyword-subset all); the shared negatives
  # folders split by file (--subset), the words by speaker as above.
  $P prep "$W"/test/keywords/* -o "$W/streams-test" --task streams --subset test --keyword-subset all \
    --negatives "$W/test/negatives" $BG --streams 20 --keywords-per-minute 8 --negatives-per-minute 10 --seed 2 --quiet
  $P prep "$W"/test/keywords/* -o "$W/streams-background" --task streams --subset test --keyword-subset all \
    --negatives "$W/test/negatives" $BG --streams 60 --keywords-per-minute 0 --negatives-per-minute 16 --seed 4 --quiet
  [ -n "${STREAMS_ONLY:-}" ] && exit 0
  $P prep "$W"/train/keywords/* -o "$W/streams-train" --task streams --subset train --keyword-subset all \
    --negatives "$W/train/negatives" $BG --streams ${STREAMS_TRAIN:-150} --keywords-per-minute 8 --negatives-per-minute 16 \
    --seed 1 --quiet
  $P prep "$W"/train/keywords/* -o "$W/streams-train-quiet" --task streams --subset train --keyword-subset all \
    --negatives "$W/train/negatives" $BG --streams 30 --keywords-per-minute 0 --negatives-per-minute 16 --seed 3 --quiet
  # A conv2d clip model on 1.5 s windows that end just after each command (its label) or anywhere
  # else (background), which listen slides over the stream. (A gru over 10 s frame windows took
  # 25 minutes an epoch here while the machine was heavily loaded; about 1 minute when idle.)
  $P prep "$W/streams-train" "$W/streams-train-quiet" -o "$W/ds" --task keyword-windows --window-seconds 1.5 \
    --negative-stride ${NEGATIVE_STRIDE:-1.5} --default-label background --labels "background,${WORDS// /,}" \
    --val 0.15 --test 0 --quiet
  # It starts from the default verifier's weights (the same network on the same features), which
  # learnt from thousands of real takes and negatives: with ~55 real takes a word, from scratch the
  # held-out speakers' commands were found after 57 % and 26 % of wake words (two seeds, 12 epochs),
  # from the verifier 66 % and 64 % (12 epochs), 73 % and 74 % (up to 20; models/README.md).
  $P train "$W/ds" $CLIP_MODEL --init-from models/listen-verify.pt --epochs ${EPOCHS:-20} --lr 1e-3 --seed ${SEED:-1} \
    --threads ${THREADS:-2} -o "$W/listen-commands.pt"
  cp "$W/listen-commands.pt" models/listen-commands.pt
  echo "held-out speakers' streams for bench/listen_bench.py: $W/streams-test $W/streams-background"
  exit 0
fi
DATA=$(realpath "${1:-../shared/data}")
W=${2:-/tmp/podclean-listen-model}
P=${PODCLEAN:-build/podclean}
rm -rf "$W" && mkdir -p "$W/keywords" "$W/negatives" "$W/background"
for k in alexa computer jarvis; do ln -s "$DATA/wakewords/$k" "$W/keywords/$k"; done
# Not keywords: ordinary phrases, the other wake words, command words.
ln -s "$DATA/not-wake-words" "$W/negatives/not-wake-words"
for k in smart_mirror snowboy view_glass; do ln -s "$DATA/wakewords/$k" "$W/negatives/$k"; done
ln -s "$DATA/speech-commands" "$W/negatives/speech-commands"
ln -s "$DATA/speech-commands-test" "$W/negatives/speech-commands-test"
ln -s "$DATA/fsdd" "$W/negatives/fsdd"
# Read sentences of many voices (librispeech-251: 251 speakers), cut into phrases at their pauses
# (they are longer than a slot).
$P prep "$DATA/speech-prompts" "$DATA/speech-cv" "$DATA/librispeech-251" -o "$W/negatives/phrases" --task split-silence \
  --silence-db -45 --min-silence 0.25 --keep-silence 0.1 --quiet
ln -s "$DATA/noise" "$W/background/noise"
ln -s "$DATA/music" "$W/background/music"
STREAMS="--negatives $W/negatives --background $W/background --stream-seconds 60"
$P prep "$W"/keywords/* -o "$W/streams-train" --task streams --subset train --streams 400 $STREAMS \
  --keywords-per-minute 8 --negatives-per-minute 16 --seed 1 --quiet
# and 100 minutes without keywords: the model must also learn that an hour can pass without one.
$P prep "$W"/keywords/* -o "$W/streams-train-quiet" --task streams --subset train --streams 100 $STREAMS \
  --keywords-per-minute 0 --negatives-per-minute 16 --seed 3 --quiet
# Held out (recordings the model never trained on): keywords among other speech, and
# three hours of other speech over noise and music without any keyword, for false accepts per hour.
$P prep "$W"/keywords/* -o "$W/streams-test" --task streams --subset test --streams 20 $STREAMS \
  --keywords-per-minute 8 --negatives-per-minute 10 --seed 2 --quiet
$P prep "$W"/keywords/* -o "$W/streams-background" --task streams --subset test --streams 180 $STREAMS \
  --keywords-per-minute 0 --negatives-per-minute 16 --seed 4 --quiet
# The default pair's copies go through the telephone band five times as often as the chain's
# defaults (half the copies band-limited, half of those to a phone line, twice the far field):
# phone-band speech was the pair's worst condition (models/README.md).
PHONE_HEAVY="--channel-p-band 0.5 --channel-p-telephone 0.5 --channel-p-far 0.2"
if [ -z "${VERIFIER_ONLY:-}" ]; then  # the keyword gru: its frame dataset, training, and the shipped copy
  $P prep "$W/streams-train" "$W/streams-train-quiet" -o "$W/ds" --task frame --default-label background \
    --labels background,alexa,computer,jarvis --window-seconds 10 --val 0.15 --test 0 $CHAIN $PHONE_HEAVY \
    --channel-p-codec 0.5 --quiet
  # Hidden 192 carries the harder chain (128 lost the other channels); --clip-grad-norm keeps its
  # loss from jumping, --ema saves the weights averaged over the last ~1.7 epochs.
  $P train "$W/ds" --arch gru --channels 64 --hidden 192 --layers 1 --kernel 5 --epochs ${EPOCHS:-16} --patience 8 --lr 3e-3 \
    --class-weight-power 0.5 --time-masks 1 --freq-masks 1 --ema 0.998 --clip-grad-norm 1 --seed 1 --threads ${THREADS:-2} \
    -o "$W/listen-default.pt"
  cp "$W/listen-default.pt" models/listen-default.pt
fi
# The verifier: a conv2d clip model that sees the last 1.5 s whenever the gru
# fires, trained on windows of the same streams that end just after a keyword
# (the keyword's class) or anywhere else (background). The shipped one is epoch 9 of these
# 10 epochs (3.5-6 minutes an epoch on 2 cores; models/README.md).
$P prep "$W/streams-train" "$W/streams-train-quiet" -o "$W/verify-ds" --task keyword-windows --window-seconds 1.5 \
  --negative-stride 0.75 --default-label background --labels background,alexa,computer,jarvis --val 0.15 --test 0 \
  $CHAIN $PHONE_HEAVY --quiet
$P train "$W/verify-ds" $CLIP_MODEL --epochs ${VERIFY_EPOCHS:-10} --lr 3e-3 --seed 1 --threads ${THREADS:-2} -o "$W/listen-verify.pt"
cp "$W/listen-verify.pt" models/listen-verify.pt
echo "held-out streams for bench/listen_bench.py: $W/streams-test $W/streams-background"
