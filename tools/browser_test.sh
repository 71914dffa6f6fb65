#!/usr/bin/env bash
# Browser tests (not part of ctest: they need Debian's chromium and
# playwright-core from npm). Installs both if missing, then checks the
# labelling page and the classify timeline in headless chromium, and that
# podclean reads the labels the page exports. Screenshots go to OUT_DIR.
# Usage: bash tools/browser_test.sh [OUT_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=$(realpath -m "${1:-/tmp/podclean-browser-test}")
mkdir -p "$OUT"
command -v chromium >/dev/null || { SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo; $SUDO apt-get install -y -qq chromium >/dev/null; }
[ -d tools/browser-test/node_modules/playwright-core ] || (cd tools/browser-test && npm install --no-audit --no-fund >/dev/null)
P=build/podclean
printf '0.5\t1.5\tspeech\n' > "$OUT/start.txt"
$P label-export --editor "$OUT/page.html" data/sample-episode.mp3 "$OUT/start.txt" --labels speech,breath,click --quiet
$P classify data/sample-episode.mp3 --plot "$OUT/timeline.svg" --quiet > /dev/null
node tools/browser-test/editor_test.mjs "$OUT/page.html" "$OUT/timeline.svg" "$OUT"
# what the page exported is a label track podclean reads
$P label-export "$OUT/edited.txt" --audio data/sample-episode.mp3 -o "$OUT/edited.npy" --quiet
echo "browser tests passed; screenshots in $OUT"
