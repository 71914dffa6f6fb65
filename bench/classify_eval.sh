#!/usr/bin/env bash
# classify on sources it never trained on: leave-sources-out folds (each
# LibriSpeech speaker, voice set, music track and noise recording is held out
# in one of 4 folds), per-source and pooled per-second accuracy, and boundary
# error on assembled files. The shipped default averages three runs of the
# recipe (seeds 0, 1 and 2), so every fold trains all three: WORK_DIR holds
# seed 0's models, WORK_DIR-seed1 and WORK_DIR-seed2 the others', and the last
# table scores the three averaged. About 20 minutes a fold and seed on an idle
# 2-core machine.
# Usage: bash bench/classify_eval.sh [DATA_DIR] [WORK_DIR] [extra tools/classify_recipe.py options]
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${1:-../shared/data}
W=$(realpath -m "${2:-/tmp/podclean-classify-recipe}")
shift $(( $# > 2 ? 2 : $# ))
python3 tools/classify_recipe.py eval --data "$DATA" --work "$W" "$@"
for seed in 1 2; do
  mkdir -p "$W-seed$seed"
  [ -e "$W-seed$seed/stage" ] || ln -s "$W/stage" "$W-seed$seed/stage"  # the converted sources, shared
  python3 tools/classify_recipe.py eval --data "$DATA" --work "$W-seed$seed" --seed "$seed" "$@"
done
python3 tools/classify_recipe.py eval --data "$DATA" --work "$W" --reuse-models --ensemble "$W-seed1,$W-seed2" "$@"
