#!/usr/bin/env bash
# Rebuilds models/clean-default.pt, the default model of `podclean clean`, then
# measures it with bench/clean_eval.py on episodes built only from held-out
# sources (speakers and noise recordings it never trained on).
# Usage: bash tools/train_clean_model.sh [DATA_DIR] [WORK_DIR]
# DATA_DIR defaults to ../shared/data (see models/README.md for what it needs).
# EPISODES (default 200) one-minute training episodes; EPOCHS (default 10);
# THREADS (default 2); SEED (default 1: the shipped model); INSTALL=0 leaves models/ alone (the model stays in WORK_DIR);
# TRAIN_ARGS: more options for `podclean train`; PREP_ARGS: for `podclean prep`.
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${1:-../shared/data}
WORK=${2:-/tmp/podclean-clean-model}
EPISODES=${EPISODES:-200}
EPOCHS=${EPOCHS:-10}
THREADS=${THREADS:-2}
SEED=${SEED:-1}
INSTALL=${INSTALL:-1}
TRAIN_ARGS=${TRAIN_ARGS:-}
PREP_ARGS=${PREP_ARGS:-}
B=build
LABELS=silence,speech,breath,click,other
rm -rf "$WORK" && mkdir -p "$WORK"
# Many voices over room tone 10-50 dB below them, breaths, clicks and other
# sounds in the pauses, through the channel chain (make_clean_episodes.cpp).
# --split train draws only on the training sources; bench/clean_eval.py builds
# its episodes from --split test (whole speakers and noise recordings held out).
nice $B/make_clean_episodes "$DATA" "$WORK/corpus-train" --split train --episodes "$EPISODES" --seconds 60 --seed 1
nice $B/make_clean_episodes "$DATA" "$WORK/corpus-test" --split test --episodes 20 --seconds 60 --seed 2
# --level-norm: log-mel relative to each file's running speech level / noise
# floor, so the decision does not depend on the absolute level. --fmin 100: no
# mel band below 100 Hz, where rumble, brown noise and hum live and speech has
# little (on tuning episodes, brown room tone at -41 dBFS: 24 -> 41 % removed).
for s in train test; do
  if [ $s = train ]; then SPLIT="--val 0.15 --test 0"; else SPLIT="--val 0 --test 1"; fi
  nice $B/podclean prep "$WORK/corpus-$s" -o "$WORK/ds-$s" --task frame --default-label silence \
    --labels $LABELS --window-seconds 8 $SPLIT --level-norm --fmin 100 $PREP_ARGS --quiet
done
# --ema 0.995: validate and keep an average of the weights over the last ~2.5
# epochs (train --ema), steadier than the last step's weights.
# No class weights: clicks and other sounds are ~1 % of frames, and weighting
# them up (tried: --class-weight-power 0.5) cost speech for the same removal on
# the held-out episodes (99.63 % kept for 53.5 % removed, against 99.85 % for 53.0 %).
nice $B/podclean train "$WORK/ds-train" --arch conv1d --channels 48 --layers 6 --kernel 3 --dropout 0.1 \
  --epochs "$EPOCHS" --patience 6 --batch-size 16 --lr 3e-3 --no-class-weights \
  --time-masks 1 --freq-masks 1 --seed "$SEED" --ema 0.995 --threads "$THREADS" $TRAIN_ARGS -o "$WORK/clean-default.pt" \
  2>&1 | tee "$WORK/train-log.txt"
# Frame scores on held-out episodes (the model normalises raw features itself).
$B/podclean train "$WORK/ds-test" --evaluate "$WORK/clean-default.pt" --split test --positive speech | tee "$WORK/test-report.txt"
# What a user sees: clean's cuts on held-out episodes at six room-tone levels.
nice python3 bench/clean_eval.py --data "$DATA" --work "$WORK/eval" -- --model "$WORK/clean-default.pt" | tee "$WORK/eval.txt"
if [ "$INSTALL" = 1 ]; then
  cp "$WORK/clean-default.pt" models/clean-default.pt
  cp "$WORK/test-report.txt" models/clean-default.test-report.txt
  cp "$WORK/train-log.txt" models/clean-default.train-log.txt
  cp "$WORK/eval.txt" models/clean-default.eval.txt
fi
