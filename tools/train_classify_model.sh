#!/usr/bin/env bash
# Rebuilds classify's default: models/classify-default.pt,
# models/classify-default-seed1.pt and models/classify-default-seed2.pt, three
# runs of one recipe (seeds 0, 1 and 2) whose
# probabilities classify averages (speech / music / noise on 1 s windows;
# silence comes from classify's level gate). Every source of
# tools/classify_recipe.py: shared data plus Debian voice and music packages
# (fetched with apt-get download). bench/classify_eval.sh measures the same
# recipe on held-out sources. About 35 minutes a seed on a 2-core machine.
# Usage: bash tools/train_classify_model.sh [DATA_DIR] [WORK_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${1:-../shared/data}
W=${2:-/tmp/podclean-classify-recipe}
for seed in 0 1 2; do
  name=classify-default$([ "$seed" = 0 ] || echo "-seed$seed")
  python3 tools/classify_recipe.py train --data "$DATA" --work "$W" --seed "$seed" -o "$W/$name.pt"
  cp "$W/$name.pt" "models/$name.pt"
  cp "$W/$name.pt.log" "models/$name.train-log.txt"
done
