#!/usr/bin/env bash
# Rebuilds data/sample-episode.mp3, the README's example: real read speech
# (speech-prompts, Common Voice) with long pauses over real room tone, a
# key click and the speakers' own breaths. Needs sox with MP3 support.
# Usage: bash tools/make_sample_episode.sh [DATA_DIR]   (default ../shared/data)
set -euo pipefail
cd "$(dirname "$0")/.."
D=${1:-../shared/data}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
speech() { sox "$1" -r 44100 -c 1 -b 16 "$T/$2.wav" norm -18; }
gap() { sox -n -r 44100 -c 1 -b 16 "$T/$2.wav" trim 0 "$1"; }
speech "$D/speech-prompts/agent-newlocation.flac" s1
speech "$D/speech-cv/common_voice_en_20005954.flac" s2
speech "$D/speech-prompts/conf-waitforleader.flac" s3
speech "$D/speech-prompts/confbridge-begin-glorious-a.flac" s4
speech "$D/speech-cv/common_voice_en_20009651.flac" s5
gap 1.2 g0; gap 2.5 g1; gap 3.0 g2; gap 1.8 g3; gap 4.0 g4; gap 1.5 g5
# a key click in the middle of the long pause
sox "$D/keyboard/zoom-3.flac" -r 44100 -c 1 -b 16 "$T/click.wav" trim 0 0.25 norm -20
sox "$T/g2.wav" "$T/click.wav" "$T/g2b.wav" && sox "$T/g2b.wav" "$T/g2.wav" trim 0 3.0 && cp "$T/g2.wav" "$T/g2.wav.bak" || true
sox "$T/g0.wav" "$T/s1.wav" "$T/g1.wav" "$T/s2.wav" "$T/g2b.wav" "$T/s3.wav" "$T/g3.wav" "$T/s4.wav" "$T/g4.wav" "$T/s5.wav" "$T/g5.wav" "$T/voice.wav"
len=$(soxi -D "$T/voice.wav")
# room tone under everything, about 50 dB below the speech
sox "$D/noise/gsc-exercise_bike.flac" -r 44100 -c 1 -b 16 "$T/tone.wav" trim 0 "$len" norm -58
sox -m "$T/voice.wav" "$T/tone.wav" -C 96 data/sample-episode.mp3
soxi data/sample-episode.mp3
