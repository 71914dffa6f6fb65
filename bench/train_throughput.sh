#!/usr/bin/env bash
# Training throughput (examples and frames per second) of each model family,
# 3 epochs each, 2 threads: conv2d and gru on FSDD clips (1 s, 101 frames of
# MFCC 20), conv1d on the clean model's frame dataset (8 s windows, 800 frames).
# Usage: [PODCLEAN=path] bash bench/train_throughput.sh [FSDD_DIR] [WORK_DIR]
# (run tools/train_clean_model.sh first for the conv1d dataset)
set -euo pipefail
cd "$(dirname "$0")/.."
FSDD=${1:-../shared/data/fsdd/recordings}
W=${2:-/tmp/podclean-throughput}
P=${PODCLEAN:-build/podclean}  # PODCLEAN=another build, to compare
mkdir -p "$W"
[ -f "$W/fsdd/manifest.json" ] || $P prep "$FSDD" -o "$W/fsdd" --label-from-name '{label}_{group}_{index}' --test-groups jackson \
  --features mfcc --n-mfcc 20 --n-mels 40 --fmax 4000 --top-db 80 --trim-db 40 --clip-seconds 1.0 --cmn --quiet
run() {  # $1 arch, $2 dataset, rest: options
  local arch=$1 ds=$2; shift 2
  $P train "$ds" --arch "$arch" --epochs 3 --patience 100 --threads 2 -o "$W/$arch.pt" --quiet "$@"
  python3 - "$W/$arch.metrics.json" "$ds/manifest.json" "$arch" <<'PY'
import json, sys
m, d, arch = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), sys.argv[3]
n, frames = d["splits"]["train"]["count"], d["example_frames"]
sec = sum(e["seconds"] for e in m["history"]) / len(m["history"])
print(f"{arch:7s} {m['parameters']:8d} params  {n / sec:8.0f} examples/s  {n * frames / sec:10.0f} frames/s  ({frames} frames each)")
PY
}
run conv2d "$W/fsdd" --channels 16
run gru "$W/fsdd" --channels 32 --hidden 64 --layers 1
if [ -f /tmp/podclean-clean-model/ds-train/manifest.json ]; then
  run conv1d /tmp/podclean-clean-model/ds-train --channels 32 --layers 5
else
  echo "conv1d: run tools/train_clean_model.sh first"
fi
