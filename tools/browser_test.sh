#!/usr/bin/env bash
# Browser tests, in headless Debian chromium driven by playwright-core
# (tools/setup.sh installs both; tools/test.sh runs this after ctest):
#  - the labelling page (label-export --editor) and the classify timeline;
#  - the review page (clean --review) on a generated one-hour episode: opens
#    in under 5 s, zooms, edits with undo / redo, and its export, applied with
#    clean --apply-cuts, gives the output duration the page promised.
# Screenshots and the pages go to OUT_DIR.
# Usage: bash tools/browser_test.sh [OUT_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=$(realpath -m "${1:-/tmp/podclean-browser-test}")
mkdir -p "$OUT"
if ! command -v chromium >/dev/null || [ ! -d tools/browser-test/node_modules/playwright-core ]; then
  echo "browser tests: chromium or playwright-core missing: run tools/setup.sh" >&2
  exit 1
fi
P=build/podclean
step() { echo "== $1 ($(( $(date +%s) - START )) s)"; }
START=$(date +%s)

step "labelling page and classify timeline"
printf '0.5\t1.5\tspeech\n' > "$OUT/start.txt"
$P label-export --editor "$OUT/page.html" data/sample-episode.mp3 "$OUT/start.txt" --labels speech,breath,click --quiet
$P classify data/sample-episode.mp3 --plot "$OUT/timeline.svg" --quiet > /dev/null
node tools/browser-test/editor_test.mjs "$OUT/page.html" "$OUT/timeline.svg" "$OUT"
# what the page exported is a label track podclean reads
$P label-export "$OUT/edited.txt" --audio data/sample-episode.mp3 -o "$OUT/edited.npy" --quiet

step "review page: a one-hour episode"
MARKER=1802  # the 1 kHz marker tone the test looks for
[ -f "$OUT/hour.wav" ] || build/make_long_episode data/sample-episode.mp3 "$OUT/hour.wav" 3600 $MARKER
step "clean --review"
$P clean "$OUT/hour.wav" --review "$OUT/hour.html" --quiet > /dev/null
echo "page: $(( $(stat -c %s "$OUT/hour.html") / 1000 )) kB"
step "in chromium"
mkdir -p "$OUT/review"
node tools/browser-test/review_test.mjs "$OUT/hour.html" "$OUT/review" $MARKER
step "the export, applied"
rm -rf "$OUT/applied"
line=$($P clean "$OUT/hour.wav" -o "$OUT/applied" --apply-cuts "$OUT/review/edited.json" --quiet)
got=$($P clean "$OUT/applied/hour.wav" --dry-run --method energy --quiet | cut -f3 | cut -d' ' -f1)  # its real length
want=$(cat "$OUT/review/expected_output_s.txt")
echo "$line"
awk -v got="$got" -v want="$want" 'BEGIN { d = got - want; if (d < 0) d = -d;
  printf "%s output %s s, the page expected %s s\n", (d <= 0.02 ? "ok  " : "FAIL"), got, want; exit d > 0.02 }'
# the Audacity label track applies the same, and label-export reads both
line_txt=$($P clean "$OUT/hour.wav" --dry-run --apply-cuts "$OUT/review/edited.txt" --quiet | cut -f3 | cut -d" " -f4)
awk -v got="$line_txt" -v want="$want" 'BEGIN { d = got - want; if (d < 0) d = -d;
  printf "%s label track: output %s s\n", (d <= 0.02 ? "ok  " : "FAIL"), got; exit d > 0.02 }'
$P label-export "$OUT/review/edited.json" -o "$OUT/review/edited.TextGrid" --quiet
$P label-export "$OUT/review/edited.txt" --audio "$OUT/hour.wav" -o "$OUT/review/edited.npy" --quiet
step "done"
echo "browser tests passed; screenshots in $OUT"
