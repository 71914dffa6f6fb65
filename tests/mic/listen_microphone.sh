#!/usr/bin/env bash
# End to end: `podclean listen` on the default microphone of a real sound
# server. Starts a private PulseAudio whose default source is the monitor of
# a null sink, points ALSA's default device at it (the pulse plugin of
# libasound2-plugins: Debian's PortAudio 19.6 has no PulseAudio host API of
# its own, so PortAudio -> ALSA "default" -> PulseAudio), plays wake-word
# recordings into the sink with paplay and checks that listen, reading the
# microphone in real time, reports each keyword.
# Usage: listen_microphone.sh PODCLEAN KEYWORD_DIR. Exit 77 (ctest: skipped)
# only when no sound server can be started here.
set -u
PODCLEAN=$1
KEYWORDS=$2
skip() { echo "SKIP: $*" >&2; exit 77; }
fail() { echo "FAIL: $*" >&2; [ -f "$T/listen.err" ] && sed 's/^/  listen: /' "$T/listen.err" >&2
  [ -f "$T/pulse.log" ] && tail -20 "$T/pulse.log" | sed 's/^/  pulseaudio: /' >&2; exit 1; }
for tool in pulseaudio pactl paplay; do
  command -v $tool >/dev/null || skip "$tool is not installed (tools/setup.sh installs pulseaudio and pulseaudio-utils)"
done
[ -e /usr/lib/x86_64-linux-gnu/alsa-lib/libasound_module_pcm_pulse.so ] || ls /usr/lib/*/alsa-lib/libasound_module_pcm_pulse.so >/dev/null 2>&1 \
  || skip "ALSA's pulse plugin is not installed (libasound2-plugins)"

T=$(mktemp -d)
PA_PID="" LISTEN_PID=""
cleanup() {
  [ -n "$LISTEN_PID" ] && kill "$LISTEN_PID" 2>/dev/null
  [ -n "$PA_PID" ] && kill "$PA_PID" 2>/dev/null && wait "$PA_PID" 2>/dev/null
  rm -rf "$T"
}
trap cleanup EXIT
# A private server: its own runtime dir, socket and cookie, no D-Bus, never exits on idle.
export HOME=$T XDG_RUNTIME_DIR=$T/run XDG_CONFIG_HOME=$T/config PULSE_SERVER=unix:$T/run/native
unset DISPLAY DBUS_SESSION_BUS_ADDRESS PULSE_SINK PULSE_SOURCE
mkdir -p "$T/run" "$T/config"
printf 'pcm.!default { type pulse }\nctl.!default { type pulse }\n' > "$T/.asoundrc"
# -n: no default.pa (no hardware, no D-Bus modules); as root it only warns without --system.
pulseaudio --daemonize=no -n --exit-idle-time=-1 --use-pid-file=no --disable-shm=yes \
  --log-target=file:"$T/pulse.log" \
  -L "module-native-protocol-unix auth-anonymous=1 socket=$T/run/native" \
  -L "module-null-sink sink_name=feed rate=16000 channels=1" &
PA_PID=$!
for _ in $(seq 50); do pactl info >/dev/null 2>&1 && break; sleep 0.2; done
pactl info >/dev/null 2>&1 || { cat "$T/pulse.log" >&2 2>/dev/null; skip "PulseAudio could not be started here"; }
pactl set-default-source feed.monitor || fail "could not make feed.monitor the default source"

"$PODCLEAN" listen --list-devices > "$T/devices.txt" 2> "$T/listen.err" || fail "listen --list-devices failed"
grep -q "(default)" "$T/devices.txt" || fail "no default input device; listen sees: $(cat "$T/devices.txt")"

"$PODCLEAN" listen --json > "$T/detections.jsonl" 2> "$T/listen.err" &
LISTEN_PID=$!
# Wait until listen's capture stream is connected to the server.
for _ in $(seq 100); do [ -n "$(pactl list short source-outputs)" ] && break; sleep 0.1; done
[ -n "$(pactl list short source-outputs)" ] || fail "listen never opened the microphone"
sleep 0.5
for f in "$KEYWORDS"/alexa-*.flac "$KEYWORDS"/computer-*.flac "$KEYWORDS"/jarvis-*.flac; do
  paplay --device=feed "$f" || fail "paplay $f failed"
  sleep 0.5
done
sleep 1.5  # the last word's detection comes up to ~0.3 s after it
kill -INT "$LISTEN_PID"
wait "$LISTEN_PID"
rc=$?
LISTEN_PID=""
[ $rc -eq 0 ] || fail "listen exited with $rc after SIGINT"
echo "detections:" && cat "$T/detections.jsonl"
grep -q "listened" "$T/listen.err" || fail "listen printed no summary"
for k in alexa computer jarvis; do
  n=$(grep -c "\"keyword\": \"$k\"" "$T/detections.jsonl")
  [ "$n" -eq 1 ] || fail "'$k' detected $n times through the microphone (expected once)"
done
echo "listen heard alexa, computer and jarvis through PulseAudio's default source"
