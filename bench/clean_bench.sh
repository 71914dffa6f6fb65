#!/usr/bin/env bash
# End-to-end speed and memory of `podclean clean` (decode, analyse, cut,
# encode) on long 44.1 kHz stereo files made by looping data/sample-episode.mp3
# (speech with pauses; issue 16 asks >= 700x on the 1 h WAV, flat memory 1 h vs
# 3 h). Prints wall time, real-time factor and peak memory (max RSS).
# Usage: bash bench/clean_bench.sh [WORK_DIR]   (needs sox with MP3 support and GNU time)
set -euo pipefail
sox -h | grep -q "AUDIO FILE FORMATS:.* mp3" || { echo "clean_bench: sox cannot read or write MP3: apt-get install libsox-fmt-mp3" >&2; exit 1; }
cd "$(dirname "$0")/.."
W=${1:-/tmp/podclean-clean-bench}
mkdir -p "$W"
P=build/podclean
make_long() {  # $1 hours, $2 output
  [ -f "$2" ] && return
  [ -f "$W/one-stereo.wav" ] || sox data/sample-episode.mp3 -r 44100 -c 2 -b 16 "$W/one-stereo.wav"
  local reps=$(python3 -c "import math; print(math.ceil($1 * 3600 / $(soxi -D "$W/one-stereo.wav")) + 1)")
  sox "$W/one-stereo.wav" "$2" repeat $((reps - 1)) trim 0 $(($1 * 3600))
}
make_long 1 "$W/hour-stereo.wav"
make_long 3 "$W/three-hours-stereo.wav"
[ -f "$W/hour-stereo.mp3" ] || sox "$W/hour-stereo.wav" -C 128 "$W/hour-stereo.mp3"
run() {  # $1 label, $2 input, $3 audio seconds, rest: extra options
  local label=$1 input=$2 seconds=$3; shift 3
  rm -rf "$W/out"
  /usr/bin/time -f "%e %M" -o "$W/time.txt" $P clean "$input" -o "$W/out" --quiet "$@" >/dev/null
  read -r wall rss < "$W/time.txt"
  python3 -c "print(f'{\"$label\":34s} {$wall:7.2f} s  {$seconds/$wall:7.0f}x real time  peak {$rss/1024:6.1f} MB')"
}
echo "podclean clean, $(nproc) cores, $(date -u +%F)"
/usr/bin/time -f "%M" -o "$W/time.txt" $P --version >/dev/null
echo "baseline: the binary alone (LibTorch, BLAS loaded) peaks at $(( $(cat "$W/time.txt") / 1024 )) MB"
run "1 h WAV 44.1 kHz stereo, neural" "$W/hour-stereo.wav" 3600
run "1 h WAV 44.1 kHz stereo, energy" "$W/hour-stereo.wav" 3600 --method energy
run "1 h MP3 44.1 kHz stereo, neural" "$W/hour-stereo.mp3" 3600
run "3 h WAV 44.1 kHz stereo, neural" "$W/three-hours-stereo.wav" 10800
