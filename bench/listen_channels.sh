#!/usr/bin/env bash
# Other microphones and rooms for listen's held-out streams: copies of a streams folder
# (tools/train_listen_model.sh makes them) through four fixed channels made with sox, whose
# filters, reverb and codecs share no code with the channel chain that training may use
# (src/prep/channel_chain.cpp), so a model cannot have learned this test's exact colouring:
#   phone   300-3400 Hz at 8 kHz through the GSM 06.10 codec (a mobile call)
#   room    a reverberant room (sox reverb 70 %, large room), 6 dB quieter
#   far     a far microphone: heavy reverb with little direct sound, 4 kHz top, 20 dB quieter
#   laptop  a small mic: 250 Hz - 6 kHz with a 3 kHz presence peak, then MP3 at 32 kbps
# (sox -R: its dither is seeded, so a second run makes the same samples)
# The labels (keywords.csv, negatives.csv) are copied unchanged: every channel keeps the timing.
# Usage: bash bench/listen_channels.sh STREAMS_DIR OUT_DIR [COUNT]
#   (COUNT: only the first COUNT streams, by name; default all)
#   then python3 bench/listen_bench.py OUT_DIR/phone ... (one folder per channel).
set -euo pipefail
in=$1 out=$2 count=${3:-0}
channel() {  # channel NAME IN_WAV OUT_WAV; fails if sox does (xargs then exits non-zero)
  local tmp rc=0
  tmp=$(mktemp -d)
  case $1 in
    phone) sox -R -V1 "$2" -r 8000 "$tmp/a.gsm" sinc 300-3400 && sox -R -V1 "$tmp/a.gsm" -r 16000 -e signed -b 16 "$3" ;;
    room) sox -R -V1 "$2" "$3" reverb 70 50 100 100 0 0 gain -6 ;;
    far) sox -R -V1 "$2" "$3" reverb 100 50 100 100 20 -3 lowpass 4000 gain -20 ;;
    laptop) sox -R -V1 "$2" -C 32 "$tmp/a.mp3" highpass 250 lowpass 6000 equalizer 3000 1q 8 gain -n -3 &&
      sox -R -V1 "$tmp/a.mp3" -r 16000 -e signed -b 16 "$3" trim 1105s ;;  # LAME's delay at 16 kHz
  esac || rc=$?
  rm -rf "$tmp"
  return $rc
}
export -f channel
for name in phone room far laptop; do
  mkdir -p "$out/$name"
  cp "$in"/*.csv "$out/$name/"
  wavs=("$in"/*.wav)
  [ "$count" -gt 0 ] && wavs=("${wavs[@]:0:$count}")
  for wav in "${wavs[@]}"; do echo "$name $wav $out/$name/$(basename "$wav")"; done
done | xargs -P "${JOBS:-2}" -n 3 bash -c 'channel "$@"' _
echo "made $out/{phone,room,far,laptop}"
