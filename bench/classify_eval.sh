#!/usr/bin/env bash
# classify on sources it never trained on: leave-sources-out folds (each
# LibriSpeech speaker, voice set, music track and noise recording is held out
# in one of 4 folds), per-source and pooled per-second accuracy, and boundary
# error on assembled files. The shipped default averages two runs of the recipe
# (seeds 0 and 1), so every fold trains both: WORK_DIR holds seed 0's models,
# WORK_DIR-seed1 seed 1's, and the last table scores the two averaged. About 20
# minutes a fold and seed on an idle 2-core machine.
# Usage: bash bench/classify_eval.sh [DATA_DIR] [WORK_DIR] [extra tools/classify_recipe.py options]
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${1:-../shared/data}
W=$(realpath -m "${2:-/tmp/podclean-classify-recipe}")
shift $(( $# > 2 ? 2 : $# ))
python3 tools/classify_recipe.py eval --data "$DATA" --work "$W" "$@"
mkdir -p "$W-seed1"
[ -e "$W-seed1/stage" ] || ln -s "$W/stage" "$W-seed1/stage"  # the converted sources, shared
python3 tools/classify_recipe.py eval --data "$DATA" --work "$W-seed1" --seed 1 "$@"
python3 tools/classify_recipe.py eval --data "$DATA" --work "$W" --reuse-models --ensemble "$W-seed1" "$@"
