#!/usr/bin/env bash
# Rebuilds models/clean-default.pt, the default model of `podclean clean`, and
# reports its frame precision/recall on a test corpus made from recordings it
# never trained on. Usage: bash tools/train_clean_model.sh [DATA_DIR] [WORK_DIR]
# DATA_DIR defaults to ../shared/data (see models/README.md for what it needs).
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${1:-../shared/data}
WORK=${2:-/tmp/podclean-clean-model}
B=build
LABELS=silence,speech,breath,click
rm -rf "$WORK" && mkdir -p "$WORK"
$B/make_clean_corpus "$DATA" "$WORK/corpus-train" --split train --episodes 80 --seconds 60 --seed 1
$B/make_clean_corpus "$DATA" "$WORK/corpus-test" --split test --episodes 15 --seconds 60 --seed 2
$B/podclean prep "$WORK/corpus-train" -o "$WORK/ds-train" --task frame --default-label silence \
  --labels $LABELS --window-seconds 8 --val 0.15 --test 0 --quiet
$B/podclean prep "$WORK/corpus-test" -o "$WORK/ds-test" --task frame --default-label silence \
  --labels $LABELS --window-seconds 8 --val 0 --test 1 --quiet
$B/podclean train "$WORK/ds-train" --arch conv1d --channels 32 --layers 5 --kernel 3 --dropout 0.1 \
  --epochs 25 --patience 6 --batch-size 16 --lr 3e-3 --time-masks 1 --freq-masks 1 --seed 1 \
  -o "$WORK/clean-default.pt"
# Test corpus normalised with the training stats: evaluation goes through the model, which
# normalises raw features itself, so the test dataset's own stats are not used.
$B/podclean train "$WORK/ds-test" --evaluate "$WORK/clean-default.pt" --split test --positive speech | tee "$WORK/test-report.txt"
cp "$WORK/clean-default.pt" models/clean-default.pt
cp "$WORK/test-report.txt" models/clean-default.test-report.txt
