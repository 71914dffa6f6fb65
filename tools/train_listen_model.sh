#!/usr/bin/env bash
# Rebuilds models/listen-default.pt, the default keyword spotter of
# `podclean listen` (keywords: alexa, computer, jarvis), from the trigger-word
# streams `prep --task streams` makes of real recordings.
# Usage: bash tools/train_listen_model.sh [DATA_DIR] [WORK_DIR]   (DATA_DIR: ../shared/data)
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=$(realpath "${1:-../shared/data}")
W=${2:-/tmp/podclean-listen-model}
P=build/podclean
rm -rf "$W" && mkdir -p "$W/keywords" "$W/negatives" "$W/background"
for k in alexa computer jarvis; do ln -s "$DATA/wakewords/$k" "$W/keywords/$k"; done
# Not keywords: ordinary phrases, the other wake words, command words.
ln -s "$DATA/not-wake-words" "$W/negatives/not-wake-words"
for k in smart_mirror snowboy view_glass; do ln -s "$DATA/wakewords/$k" "$W/negatives/$k"; done
ln -s "$DATA/speech-commands" "$W/negatives/speech-commands"
ln -s "$DATA/noise" "$W/background/noise"
ln -s "$DATA/music" "$W/background/music"
STREAMS="--negatives $W/negatives --background $W/background --stream-seconds 60 --keywords-per-minute 8 --negatives-per-minute 10"
$P prep "$W"/keywords/* -o "$W/streams-train" --task streams --subset train --streams 150 $STREAMS --seed 1 --quiet
$P prep "$W"/keywords/* -o "$W/streams-test" --task streams --subset test --streams 20 $STREAMS --seed 2 --quiet
$P prep "$W/streams-train" -o "$W/ds" --task frame --default-label background --labels background,alexa,computer,jarvis \
  --window-seconds 10 --val 0.15 --test 0 --quiet
$P train "$W/ds" --arch gru --channels 64 --hidden 96 --layers 1 --kernel 5 --epochs 30 --patience 8 --lr 3e-3 --class-weight-power 0.5 \
  --time-masks 1 --freq-masks 1 --seed 1 -o "$W/listen-default.pt"
cp "$W/listen-default.pt" models/listen-default.pt
echo "test streams for bench/listen_bench.sh: $W/streams-test"
