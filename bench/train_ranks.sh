#!/usr/bin/env bash
# Data-parallel scaling on this host: training examples per second of one
# rank and of two ranks (train --nproc 2), one thread each, the same global
# batch (each of BATCHES, default 32 and 128: two ranks take half each), for
# conv2d and gru on FSDD clips (MFCC 20, 1 s). Each setting
# runs REPEATS times (alternating) and the best run counts, as other work on
# the machine only ever slows a run down; the load average is printed too.
# On a loaded machine two ranks cannot get two cores, so the script also prints
# the CPU seconds (user + system, all ranks) per 1000 examples of the whole run,
# which load barely changes: equal CPU per example means the second rank adds
# no work of its own, and two free cores would give close to twice the rate.
# Usage: bash bench/train_ranks.sh [FSDD_DIR] [WORK_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
FSDD=${1:-../shared/data/fsdd/recordings}
W=${2:-/tmp/podclean-train-ranks}
P=build/podclean
EPOCHS=${EPOCHS:-4} REPEATS=${REPEATS:-2} BATCHES=${BATCHES:-"32 128"}
mkdir -p "$W"
[ -f "$W/fsdd/manifest.json" ] || $P prep "$FSDD" -o "$W/fsdd" --label-from-name '{label}_{group}_{index}' --test-groups jackson \
  --features mfcc --n-mfcc 20 --n-mels 40 --fmax 4000 --top-db 80 --trim-db 40 --clip-seconds 1.0 --cmn --quiet
rate() {  # examples/s of a finished run, from rank 0's metrics; the first epoch (warm-up) left out
  python3 - "$W/$1.metrics.json" "$W/fsdd/manifest.json" <<'PY'
import json, sys
h, n = json.load(open(sys.argv[1]))["history"][1:], json.load(open(sys.argv[2]))["splits"]["train"]["count"]
print(f"{n * len(h) / sum(e['seconds'] for e in h):.0f}")
PY
}
echo "host: $(nproc) cores; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
printf "%-7s %5s %14s %14s %8s %20s\n" arch batch "1 rank ex/s" "2 ranks ex/s" ratio "CPU s/1000 ex (1, 2)"
for arch in conv2d gru; do for batch in $BATCHES; do
  case $arch in
    conv2d) opts="--arch conv2d --channels 16 --layers 3" ;;
    gru) opts="--arch gru --channels 32 --hidden 64 --layers 1" ;;
  esac
  best1=0 best2=0 cpu1=1e9 cpu2=1e9
  for _ in $(seq "$REPEATS"); do
    for ranks in 1 2; do
      /usr/bin/time -f "%U %S" -o "$W/time" $P train "$W/fsdd" $opts --epochs "$EPOCHS" --patience 100 --batch-size "$batch" \
        --threads 1 --nproc $ranks -o "$W/$arch-$ranks.pt" --quiet
      r=$(rate "$arch-$ranks")
      cpu=$(python3 -c "
import json
u, s = map(float, open('$W/time').read().split()[-2:])
n = json.load(open('$W/fsdd/manifest.json'))['splits']['train']['count']
print(f'{1000 * (u + s) / (n * $EPOCHS):.2f}')")
      if [ $ranks = 1 ]; then [ "$r" -gt "$best1" ] && best1=$r; cpu1=$(python3 -c "print(min($cpu1, $cpu))")
      else [ "$r" -gt "$best2" ] && best2=$r; cpu2=$(python3 -c "print(min($cpu2, $cpu))"); fi
    done
  done
  printf "%-7s %5s %14s %14s %7sx %20s\n" "$arch" "$batch" "$best1" "$best2" "$(python3 -c "print(f'{$best2 / $best1:.2f}')")" "$cpu1, $cpu2"
done; done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
