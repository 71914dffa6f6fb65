#!/usr/bin/env bash
# Spoken digits from voices the model never heard: trains the project's best digit recipe
# (bench/fsdd_folds.sh's features and speed perturbation, plus other voices) for conv2d and
# gru on every FSDD-named recording ({digit}_{speaker}_{take}.wav) in TRAIN_DIR and on the
# digits "zero".."nine" of Speech Commands (../shared/data/speech-commands: 10 speakers;
# speech-commands-test: hundreds more), then prints the accuracy on the FSDD-named
# recordings of TEST_DIR (other speakers), one line per architecture: "conv2d 95.0 %".
# Usage: bash bench/fsdd_heldout.sh TRAIN_DIR TEST_DIR [WORK_DIR]
# Environment: EXTRA_DIGITS (folders with zero/ .. nine/; "" = FSDD only), TTS_TAKES (N > 0:
# also N espeak-ng/flite takes of each digit word, from `prep --tts-keyword`), ARCHS,
# THREADS (default 2), NPROC (>1: data-parallel ranks of THREADS each), CONV2D_OPTS, GRU_OPTS.
# Leave-one-out over the four shared speakers: see the README's train section.
set -euo pipefail
cd "$(dirname "$0")/.."
TRAIN_DIR=$1 TEST_DIR=$2 W=${3:-/tmp/podclean-fsdd-heldout}
P=$(pwd)/build/podclean
EXTRA_DIGITS=${EXTRA_DIGITS-"../shared/data/speech-commands ../shared/data/speech-commands-test"}
ARCHS=${ARCHS:-"conv2d gru"} THREADS=${THREADS:-2} NPROC=${NPROC:-1}
fsdd_named() { find "$1" -maxdepth 1 \( -type f -o -type l \) -regextype posix-extended -regex '.*/[0-9]_[A-Za-z0-9]+_[0-9]+\.wav$' | sort; }
speakers() { fsdd_named "$1" | sed -E 's|.*/[0-9]_([A-Za-z0-9]+)_[0-9]+\.wav$|\1|' | sort -u; }
test_speakers=$(speakers "$TEST_DIR" | paste -sd, -)
[ -n "$test_speakers" ] || { echo "fsdd_heldout: no FSDD-named recordings in $TEST_DIR" >&2; exit 2; }
[ -n "$(fsdd_named "$TRAIN_DIR")" ] || { echo "fsdd_heldout: no FSDD-named recordings in $TRAIN_DIR" >&2; exit 2; }
for s in $(speakers "$TRAIN_DIR"); do
  case ",$test_speakers," in *",$s,"*) echo "fsdd_heldout: speaker $s is in both folders" >&2; exit 2 ;; esac
done
# One pool, all named like FSDD so that the speaker is the group; the test speakers are the
# test split, and prep computes the normalisation from the training split alone.
pool="$W/pool" && rm -rf "$pool" && mkdir -p "$pool"
fsdd_named "$TRAIN_DIR" | while read -r f; do ln -s "$(realpath "$f")" "$pool/"; done
fsdd_named "$TEST_DIR" | while read -r f; do ln -s "$(realpath "$f")" "$pool/"; done
DIGIT_WORDS="zero one two three four five six seven eight nine"
if [ "${TTS_TAKES:-0}" -gt 0 ]; then  # synthetic voices, named like Speech Commands: tts_nohash_N
  words=() && for w in $DIGIT_WORDS; do words+=(--tts-keyword "$w"); done
  mkdir -p "$W/tts-bg" && ln -sfn "$(realpath ../shared/data/noise)" "$W/tts-bg/noise"
  nice -n 10 $P prep -o "$W/tts-streams" --task streams "${words[@]}" --tts-takes "$TTS_TAKES" --tts-dir "$W/tts" \
    --streams 1 --background "$W/tts-bg" --stream-seconds 10 --quiet
  for w in $DIGIT_WORDS; do
    mkdir -p "$W/tts-digits/$w"
    for f in "$W/tts/$w"/*.wav; do n=${f##*-} && ln -sf "$f" "$W/tts-digits/$w/tts_nohash_${n%.wav}.wav"; done
  done
  EXTRA_DIGITS="$EXTRA_DIGITS $W/tts-digits"
fi
source_number=0
for extra in $EXTRA_DIGITS; do  # {speaker}_nohash_{n} -> {digit}_sc{source}x{speaker}_{n}
  extra=$(realpath "$extra") digit=0 source_number=$((source_number + 1))
  for word in $DIGIT_WORDS; do
    for f in "$extra/$word"/*; do
      [ -e "$f" ] || continue
      take=${f##*/} && take=${take%.*}
      ln -s "$f" "$pool/${digit}_sc${source_number}x${take%%_*}_${take##*_}.${f##*.}"
    done
    digit=$((digit + 1))
  done
done
FEATURES="--features mfcc --n-mfcc 20 --n-mels 40 --fmax 4000 --top-db 80 --trim-db 40 --clip-seconds 1.0 --cmn"
AUGMENT="--augment 4 --aug-speed 0.15 --aug-gain-db 6 --aug-shift-ms 0 --time-masks 0 --freq-masks 0"
ds="$W/ds" && rm -rf "$ds"
nice -n 10 $P prep "$pool" -o "$ds" --label-from-name '{label}_{group}_{index}' --test-groups "$test_speakers" \
  --val 0.1 $FEATURES $AUGMENT --quiet
parallel=() && [ "$NPROC" -gt 1 ] && parallel=(--nproc "$NPROC")
for arch in $ARCHS; do
  case $arch in
    conv2d) opts=${CONV2D_OPTS:-"--arch conv2d --channels 16 --layers 3 --epochs 25"} ;;
    gru) opts=${GRU_OPTS:-"--arch gru --channels 32 --hidden 64 --layers 1 --kernel 3 --epochs 30"} ;;
    *) echo "fsdd_heldout: unknown arch $arch" >&2; exit 2 ;;
  esac
  nice -n 10 $P train "$ds" $opts --seed 1 --threads "$THREADS" "${parallel[@]}" -o "$W/$arch.pt" --quiet
  $P train "$ds" --evaluate "$W/$arch.pt" --split test --json |
    python3 -c "import json, sys; print(f'$arch {100 * json.load(sys.stdin)[\"accuracy\"]:.1f} %')"
done
