#!/usr/bin/env bash
# The core tests (everything but LibTorch) built with AddressSanitizer and
# UndefinedBehaviorSanitizer under build-asan/, run as one process; any report
# fails. Their CLI tests run build/podclean (plain Release: LibTorch is not
# built with sanitizers), so run tools/setup.sh or tools/test.sh first.
# Usage: bash tools/test-asan.sh
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x build/podclean ] || { echo "test-asan.sh: build/podclean missing; run tools/setup.sh first" >&2; exit 1; }
# -O1 -g1: quick to build, line numbers in reports, and assert() left on.
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE="-O1 -g1" -DPODCLEAN_SANITIZE=ON \
  -DPODCLEAN_TEST_BINARY="$PWD/build/podclean" >/dev/null
replays=()
for f in fuzz/fuzz_*.cpp; do replays+=("$(basename "$f" .cpp)_replay"); done
cmake --build build-asan -j"$(nproc)" --target core_tests "${replays[@]}"
export ASAN_OPTIONS=detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
build-asan/core_tests --order lex
for r in "${replays[@]}"; do  # the fuzz corpora, seeds and past findings
  log=build-asan/$r.log
  "build-asan/$r" "fuzz/corpus/${r%_replay}" >"$log" 2>&1 || { cat "$log" >&2; exit 1; }
  echo "$r: $(tail -1 "$log")"
done
echo "test-asan.sh: core tests clean under ASan + UBSan" >&2
