#!/usr/bin/env bash
# podclean's training throughput against the same loop in Python with Debian's
# python3-torch (bench/train_pytorch.py: same networks, data, batch of 32,
# optimiser, validation and checkpoint per epoch, no augmentation on either
# side), on FSDD clips (MFCC 20, 1 s). Both use LibTorch 1.13 underneath, so
# this measures what the C++ front end saves over the Python one. Best of
# REPEATS alternating runs each; the load average is printed too.
# Usage: bash bench/train_vs_pytorch.sh [FSDD_DIR] [WORK_DIR]   (THREADS=1 by default)
set -euo pipefail
cd "$(dirname "$0")/.."
FSDD=${1:-../shared/data/fsdd/recordings}
W=${2:-/tmp/podclean-train-ranks}  # shares bench/train_ranks.sh's dataset
P=build/podclean
EPOCHS=${EPOCHS:-4} REPEATS=${REPEATS:-2} THREADS=${THREADS:-1}
PY=/usr/bin/python3  # Debian's, where python3-torch is installed
$PY -c "import torch" 2>/dev/null || { echo "needs Debian's python3-torch: apt-get install python3-torch" >&2; exit 1; }
mkdir -p "$W"
[ -f "$W/fsdd/manifest.json" ] || $P prep "$FSDD" -o "$W/fsdd" --label-from-name '{label}_{group}_{index}' --test-groups jackson \
  --features mfcc --n-mfcc 20 --n-mels 40 --fmax 4000 --top-db 80 --trim-db 40 --clip-seconds 1.0 --cmn --quiet
NO_AUGMENT="--time-masks 0 --freq-masks 0 --time-stretch 0 --freq-warp 0 --noise-mix 0"
echo "host: $(nproc) cores, $THREADS thread(s) per run; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
printf "%-7s %16s %16s %8s\n" arch "podclean ex/s" "python ex/s" ratio
for arch in conv2d gru; do
  case $arch in  # the sizes train_pytorch.py builds
    conv2d) opts="--arch conv2d --channels 16 --layers 3 --hidden 64 --kernel 3 --dropout 0.2" ;;
    gru) opts="--arch gru --channels 32 --hidden 64 --layers 1 --kernel 3" ;;
  esac
  best_c=0 best_py=0
  for _ in $(seq "$REPEATS"); do
    $P train "$W/fsdd" $opts $NO_AUGMENT --epochs "$EPOCHS" --patience 100 --batch-size 32 --threads "$THREADS" \
      -o "$W/$arch-vs.pt" --quiet
    r=$(python3 -c "
import json
h = json.load(open('$W/$arch-vs.metrics.json'))['history'][1:]
n = json.load(open('$W/fsdd/manifest.json'))['splits']['train']['count']
print(f'{n * len(h) / sum(e[\"seconds\"] for e in h):.0f}')")
    [ "$r" -gt "$best_c" ] && best_c=$r
    r=$($PY bench/train_pytorch.py "$W/fsdd" "$arch" "$EPOCHS" 32 "$THREADS")
    [ "$r" -gt "$best_py" ] && best_py=$r
  done
  printf "%-7s %16s %16s %7sx\n" "$arch" "$best_c" "$best_py" "$(python3 -c "print(f'{$best_c / $best_py:.2f}')")"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
