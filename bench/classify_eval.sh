#!/usr/bin/env bash
# classify on sources it never trained on: leave-sources-out folds (each
# LibriSpeech speaker, voice set, music track and noise recording is held out
# in one of 4 folds), per-source and pooled per-second accuracy, and boundary
# error on assembled files. About 20 minutes a fold on an idle 2-core machine.
# Usage: bash bench/classify_eval.sh [DATA_DIR] [WORK_DIR] [extra tools/classify_recipe.py options]
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${1:-../shared/data}
W=${2:-/tmp/podclean-classify-recipe}
shift $(( $# > 2 ? 2 : $# ))
exec python3 tools/classify_recipe.py eval --data "$DATA" --work "$W" "$@"
