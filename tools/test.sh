#!/usr/bin/env bash
# Runs every test: Catch2 through ctest, then the browser tests. Usage: bash tools/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cmake --build build -j"$(nproc)"
ctest --test-dir build --output-on-failure -j"$(nproc)"
bash tools/browser_test.sh
