#!/usr/bin/env bash
# Runs every test: Catch2 through ctest, then the browser tests. Usage: bash tools/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cmake --build build -j"$(nproc)"
ctest --test-dir build --output-on-failure -j"$(nproc)"
# A ctest entry that matches no Catch2 case passes in silence; refuse it (the
# discovered tests also fail on it: RUNS_A_TEST in CMakeLists.txt).
if grep -E -q "No tests ran|No test cases matched" build/Testing/Temporary/LastTest.log; then
  echo "test.sh: a ctest entry ran no test case (a ';' in a TEST_CASE name?):" >&2
  grep -E -B3 "No tests ran|No test cases matched" build/Testing/Temporary/LastTest.log >&2
  exit 1
fi
bash tools/browser_test.sh
