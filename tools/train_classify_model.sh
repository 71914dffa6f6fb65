#!/usr/bin/env bash
# Rebuilds models/classify-default.pt (speech / music / noise on 1 s windows;
# silence comes from classify's level gate) from every source of
# tools/classify_recipe.py: shared data plus Debian voice and music packages
# (fetched with apt-get download). bench/classify_eval.sh measures the same
# recipe on held-out sources. Usage: bash tools/train_classify_model.sh [DATA_DIR] [WORK_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${1:-../shared/data}
W=${2:-/tmp/podclean-classify-recipe}
python3 tools/classify_recipe.py train --data "$DATA" --work "$W" -o "$W/classify-default.pt"
cp "$W/classify-default.pt" models/classify-default.pt
cp "$W/classify-default.pt.log" models/classify-default.train-log.txt
