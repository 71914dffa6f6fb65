#!/usr/bin/env bash
# Speaker-independent accuracy on the Free Spoken Digit Dataset: for each of
# the four speakers, train on the other three (10 % of their takes for
# validation) and test on the held-out one. Prints a table of test accuracy
# and training time per fold and model family, and the throughput of training.
# Usage: bash bench/fsdd_folds.sh [FSDD_DIR] [WORK_DIR]
# (to try other settings: FEATURES=..., AUGMENT=..., TRAIN_EXTRA=... (added to every
# train), ARCHS="conv2d gru", CONV2D_OPTS=..., GRU_OPTS=... in the environment override the ones below;
# EXTRA_SPEAKERS=../shared/data/speech-commands adds its digits "zero".."nine", other
# speakers, to every fold's training pool; the test speaker is still only FSDD's)
set -euo pipefail
cd "$(dirname "$0")/.."
FSDD=${1:-../shared/data/fsdd/recordings}
W=${2:-/tmp/podclean-fsdd-folds}
P=build/podclean
mkdir -p "$W"
if [ -n "${EXTRA_SPEAKERS:-}" ]; then  # one pool: FSDD's files and the extra digits, named like FSDD's
  pool="$W/pool" && rm -rf "$pool" && mkdir -p "$pool"
  ln -s "$(realpath "$FSDD")"/*.wav "$pool/"
  extra=$(realpath "$EXTRA_SPEAKERS") digit=0
  for word in zero one two three four five six seven eight nine; do
    for f in "$extra/$word"/*; do
      take=${f##*/} && take=${take%.*}  # {speaker}_nohash_{n}
      ln -s "$f" "$pool/${digit}_sc${take%%_*}_${take##*_}.${f##*.}"
    done
    digit=$((digit + 1))
  done
  FSDD=$pool
fi
FEATURES=${FEATURES:-"--features mfcc --n-mfcc 20 --n-mels 40 --fmax 4000 --top-db 80 --trim-db 40 --clip-seconds 1.0 --cmn"}
# Four speed-perturbed copies of each training take (0.85-1.15: pitch and formants move
# together, standing in for other voices); no masks in prep (train draws its own).
AUGMENT=${AUGMENT:-"--augment 4 --aug-speed 0.15 --aug-gain-db 6 --aug-shift-ms 0 --time-masks 0 --freq-masks 0"}
printf "%-8s %-8s %10s %10s %12s\n" arch speaker "test acc" "train s" "examples/s"
ARCHS=${ARCHS:-"conv2d gru"}
for arch in $ARCHS; do
  for speaker in george jackson lucas nicolas; do
    ds="$W/ds-$speaker"
    [ "$arch" = "${ARCHS%% *}" ] && rm -rf "$ds" && $P prep "$FSDD" -o "$ds" --label-from-name '{label}_{group}_{index}' \
      --test-groups "$speaker" --val 0.1 $FEATURES $AUGMENT --quiet
    case $arch in
      conv2d) opts=${CONV2D_OPTS:-"--arch conv2d --channels 16 --layers 3 --epochs 25"} ;;
      gru) opts=${GRU_OPTS:-"--arch gru --channels 32 --hidden 64 --layers 1 --kernel 3 --epochs 30"} ;;
    esac
    start=$(date +%s.%N)
    $P train "$ds" $opts ${TRAIN_EXTRA:-} --seed 1 --threads 2 -o "$W/$arch-$speaker.pt" --quiet
    seconds=$(python3 -c "print(f'{$(date +%s.%N) - $start:.1f}')")
    acc=$($P train "$ds" --evaluate "$W/$arch-$speaker.pt" --split test --json | python3 -c "import json,sys; print(f'{100*json.load(sys.stdin)[\"accuracy\"]:.1f} %')")
    rate=$(python3 -c "
import json
h = json.load(open('$W/$arch-$speaker.metrics.json'))['history']
n = json.load(open('$ds/manifest.json'))['splits']['train']['count']
print(f'{n * len(h) / sum(e[\"seconds\"] for e in h):.0f}')")
    printf "%-8s %-8s %10s %10s %12s\n" "$arch" "$speaker" "$acc" "$seconds" "$rate"
  done
done
