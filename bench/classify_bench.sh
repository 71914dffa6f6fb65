#!/usr/bin/env bash
# classify: speed (real-time factor) and peak memory on a one-hour file of real
# speech, music and noise. Held-out accuracy: bench/classify_eval.sh.
# Usage: bash bench/classify_bench.sh [DATA_DIR] [WORK_DIR]   (DATA_DIR: ../shared/data)
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${1:-../shared/data}
W=${2:-/tmp/podclean-classify-bench}
P=build/podclean
mkdir -p "$W"
if [ ! -f "$W/hour.wav" ]; then
  # about 10 minutes: all music excerpts, 60 voice prompts, all noise recordings; then x6
  ls "$DATA"/music/*.flac | head -40 > "$W/list.txt"
  ls "$DATA"/speech-prompts/*.flac | head -60 >> "$W/list.txt"
  ls "$DATA"/noise/*.flac >> "$W/list.txt"
  i=0
  while read -r f; do sox "$f" -r 16000 -c 1 -b 16 "$W/part-$(printf %04d $i).wav"; i=$((i+1)); done < "$W/list.txt"
  sox "$W"/part-*.wav "$W/ten.wav"
  sox "$W/ten.wav" "$W/hour.wav" repeat 6
  rm -f "$W"/part-*.wav
fi
seconds=$(soxi -D "$W/hour.wav")
/usr/bin/time -f "%e %M" -o "$W/time.txt" $P classify "$W/hour.wav" --format csv -o "$W/hour.csv"
read -r wall rss < "$W/time.txt"
python3 -c "print(f'classify {$seconds:.0f} s of audio: {$wall:.2f} s wall, {$seconds/$wall:.0f}x real time, peak {$rss/1024:.0f} MB')"
echo "segments: $(($(wc -l < "$W/hour.csv") - 1))"
