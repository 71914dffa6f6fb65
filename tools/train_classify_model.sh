#!/usr/bin/env bash
# Rebuilds models/classify-default.pt (speech / music / noise on 1 s windows;
# silence comes from classify's energy gate) and reports its accuracy on
# held-out recordings. Usage: bash tools/train_classify_model.sh [DATA_DIR] [WORK_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=$(realpath "${1:-../shared/data}")
W=${2:-/tmp/podclean-classify-model}
P=build/podclean
rm -rf "$W" && mkdir -p "$W/raw/speech" "$W/raw/music" "$W/raw/noise"
# Stage the recordings as <group>__<name>: the group keeps every piece of one
# recording (for music: of one track) in one split.
for f in "$DATA"/speech-prompts/*.flac "$DATA"/speech-cv/*.flac; do
  n=$(basename "$f" .flac); ln -s "$f" "$W/raw/speech/${n}__$n.flac"; done
for f in "$DATA"/music/*.flac; do
  n=$(basename "$f" .flac); ln -s "$f" "$W/raw/music/${n%-*}__$n.flac"; done
for f in "$DATA"/noise/*.flac; do
  n=$(basename "$f" .flac); ln -s "$f" "$W/raw/noise/${n}__$n.flac"; done
for f in "$DATA"/keyboard/*.flac; do
  n=$(basename "$f" .flac); ln -s "$f" "$W/raw/noise/${n}__$n.flac"; done
# Synthetic noise for variety (the data README suggests it): white, pink and
# brown noise and mains hum, 20 s each at two levels.
for kind in whitenoise pinknoise brownnoise; do
  for level in 0.05 0.3; do
    sox -n -r 16000 -c 1 "$W/raw/noise/synth-${kind}-${level}__synth-${kind}-${level}.flac" synth 20 $kind vol $level
  done
done
for hz in 50 60; do
  sox -n -r 16000 -c 1 "$W/raw/noise/synth-hum${hz}__synth-hum${hz}.flac" synth 20 sine $hz sine $((hz * 3)) sine $((hz * 5)) vol 0.2
done
for label in speech music noise; do
  $P prep "$W/raw/$label" -o "$W/pieces/$label" --task split-fixed --piece-seconds 1 --min-piece 0.2 --quiet
done
rm -f "$W"/pieces/*/pieces.csv
$P prep "$W/pieces" -o "$W/ds" --task clip --clip-seconds 1 --group-from-name '{group}__{rest}' --group-split \
  --val 0.15 --test 0.2 --seed 3 --augment 2 --aug-shift-ms 300 --aug-gain-db 10 --quiet
$P train "$W/ds" --arch conv2d --channels 8 --layers 3 --epochs 40 --patience 10 --seed 1 -o "$W/classify-default.pt"
$P train "$W/ds" --evaluate "$W/classify-default.pt" --split test | tee "$W/test-report.txt"
cp "$W/classify-default.pt" models/classify-default.pt
cp "$W/test-report.txt" models/classify-default.test-report.txt
