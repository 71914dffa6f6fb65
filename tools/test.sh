#!/usr/bin/env bash
# Runs every test (Catch2, through ctest). Usage: bash tools/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cmake --build build -j"$(nproc)"
ctest --test-dir build --output-on-failure -j"$(nproc)"
