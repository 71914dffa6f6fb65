#!/usr/bin/env bash
# The review page (clean --review) on long episodes made by looping
# data/sample-episode.mp3: time and peak memory to write the page, its size,
# and in headless chromium how fast it opens, redraws and zooms
# (tools/browser-test/review_bench.mjs). Needs GNU time, chromium and
# playwright-core (tools/setup.sh). Usage: bash bench/review_bench.sh [WORK_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
W=${1:-/tmp/podclean-review-bench}
mkdir -p "$W"
echo "podclean clean --review, $(nproc) cores, $(date -u +%F)"
for hours in 1 3; do
  [ -f "$W/$hours.wav" ] || build/make_long_episode data/sample-episode.mp3 "$W/$hours.wav" $((hours * 3600))
  /usr/bin/time -f "%e %U %M" -o "$W/time.txt" build/podclean clean "$W/$hours.wav" --review "$W/$hours.html" --quiet > /dev/null
  read -r wall user rss < "$W/time.txt"
  echo "$hours h: page $(awk -v b="$(stat -c %s "$W/$hours.html")" 'BEGIN { printf "%.1f", b / 1e6 }') MB, written in $wall s ($user s CPU), peak $(( rss / 1024 )) MB;" \
       "in chromium: $(node tools/browser-test/review_bench.mjs "$W/$hours.html")"
done
