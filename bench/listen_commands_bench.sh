#!/usr/bin/env bash
# Voice commands behind the wake word, measured the way issue 19 counts them: of the commands
# said after a detected wake word ("computer … stop"), the share that acts as the right
# command, and the wrong actions per hour. Everything is held out: the commands come from the
# Speech Commands speakers that tools/train_listen_model.sh --commands never trains on (one in
# five, by a checksum of the speaker id), the wake words from the "computer" takes that
# tools/train_listen_model.sh holds out of the default model (prep --subset test).
# Each clip is one held-out "computer" take, 0.1-0.6 s of silence, then one held-out command
# take (each peak-normalised to -3 dBFS, two clips per command take with different wake-word
# takes); prep --task streams places them among held-out negatives over noise and music.
# Usage: bash bench/listen_commands_bench.sh [DATA_DIR] [WORK_DIR] [listen options ...]
#   (DATA_DIR: ../shared/data; WORK_DIR: /tmp/podclean-listen-gated, kept and reused)
# e.g. bash bench/listen_commands_bench.sh ../shared/data /tmp/g --command-threshold 0.4
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=$(realpath "${1:-../shared/data}")
W=${2:-/tmp/podclean-listen-gated}
shift $(( $# < 2 ? $# : 2 ))
if [ ! -f "$W/streams-gated/keywords.csv" ]; then
  STREAMS_ONLY=1 bash tools/train_listen_model.sh --commands "$DATA" "$W"
  python3 - "$DATA/wakewords/computer" "$W/test/keywords" "$W/gated" <<'EOF'
import os, random, subprocess, sys, tempfile
wake_dir, commands_dir, out = sys.argv[1:]
def held_out(name):  # prep's --subset test: FNV-1a of the path under the folder, one in five
    h = 1469598103934665603
    for c in name.encode(): h = ((h ^ c) * 1099511628211) % 2**64
    return h % 5 == 0
wakes = sorted(os.path.join(wake_dir, f) for f in os.listdir(wake_dir) if held_out(f))
rng = random.Random(19)
tmp = tempfile.mkdtemp()
def sox(*args): subprocess.run(["sox", *args], check=True)
n = 0
for word in sorted(os.listdir(commands_dir)):
    os.makedirs(os.path.join(out, word), exist_ok=True)
    for take in sorted(os.listdir(os.path.join(commands_dir, word))):
        for copy in range(2):
            wake, gap = rng.choice(wakes), rng.uniform(0.1, 0.6)
            sox(wake, "-r", "16000", "-c", "1", f"{tmp}/w.wav", "norm", "-3")
            sox("-n", "-r", "16000", "-c", "1", f"{tmp}/g.wav", "trim", "0", f"{gap:.3f}")
            sox(os.path.join(commands_dir, word, take), "-r", "16000", "-c", "1", f"{tmp}/c.wav", "norm", "-3")
            sox(f"{tmp}/w.wav", f"{tmp}/g.wav", f"{tmp}/c.wav", os.path.join(out, word, f"{copy}_{take}"))
            n += 1
print(f"{n} wake-word + command clips from {len(wakes)} held-out wake-word takes")
EOF
  BG="--background $W/background --stream-seconds 60"
  build/podclean prep "$W"/gated/* -o "$W/streams-gated" --task streams --subset test --keyword-subset all \
    --negatives "$W/test/negatives" $BG --streams 30 --keywords-per-minute 6 --negatives-per-minute 8 --seed 6 --quiet
fi
SKIP_CPU=1 python3 bench/listen_bench.py "$W/streams-gated" "$W/streams-background" --gated "$@"
