#!/usr/bin/env bash
# Installs podclean's build and run-time dependencies from Debian and builds
# it in Release under build/. Safe to run again. Usage: bash tools/setup.sh
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
PACKAGES=(
  build-essential cmake pkg-config
  libsndfile1-dev libfftw3-dev libsoxr-dev
  libtorch-dev libopenblas0-openmp
  libgoogle-perftools-dev  # tcmalloc: LibTorch's allocations without glibc's page faults (CMakeLists.txt)
  libgloo-dev  # the Gloo headers of LibTorch's c10d ProcessGroupGloo (train --nproc, WORLD_SIZE)
  libcli11-dev libspdlog-dev nlohmann-json3-dev catch2
  portaudio19-dev
  libpocketsphinx-dev pocketsphinx-en-us  # listen --phrase-check: an English acoustic model of real voices
  chromium  # the browser tests (tools/browser_test.sh)
  # listen's microphone test (a private sound server; PortAudio reaches it through ALSA's pulse
  # plugin) and prep --tts-keyword's voices
  pulseaudio pulseaudio-utils libasound2-plugins espeak-ng flite
  festival festvox-kallpc16k festvox-kdlpc16k festvox-us-slt-hts festvox-ca-ona-hts festvox-czech-dita
  festvox-czech-krb festvox-czech-machac festvox-czech-ph festvox-suopuhe-lj festvox-suopuhe-mv
  festvox-italp16k festvox-itapc16k festvox-ru
  clang libclang-rt-14-dev  # tools/fuzz.sh: libFuzzer and the sanitizers' runtimes
  sox libsox-fmt-all  # the model recipes (tools/*_recipe.py, train_*_model.sh) and bench/ mix and convert with it
)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# playwright-core (drives chromium in the browser tests), as pinned in its lock file
[ -d tools/browser-test/node_modules/playwright-core ] || (cd tools/browser-test && npm ci --no-audit --no-fund --loglevel=error)
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)"
echo "setup: built build/podclean" >&2
