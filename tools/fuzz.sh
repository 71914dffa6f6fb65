#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/, clang, ASan + UBSan) under build-fuzz/
# and runs each for SECONDS, starting from the seed corpus in fuzz/corpus/.
# Prints executions and findings per target; exits 1 if any target found
# something (the inputs are kept in fuzz/findings/; a crash, sanitizer
# report, timeout or out-of-memory each end that target's run).
# Usage: bash tools/fuzz.sh SECONDS [TARGET...]   (default: every fuzz/fuzz_*.cpp)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:?usage: tools/fuzz.sh SECONDS [TARGET...]}
shift
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for f in fuzz/fuzz_*.cpp; do targets+=("$(basename "$f" .cpp)"); done
fi
if [ ! -f build-fuzz/CMakeCache.txt ]; then
  CC=clang CXX=clang++ cmake -S . -B build-fuzz -DPODCLEAN_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
cmake --build build-fuzz -j"$(nproc)" --target "${targets[@]}" >/dev/null
mkdir -p fuzz/findings
failed=0
printf '%-20s %8s %12s %10s %8s\n' target seconds executions exec/s findings
for t in "${targets[@]}"; do
  work=build-fuzz/corpus/$t
  mkdir -p "$work" "fuzz/corpus/$t"
  log=build-fuzz/$t.log
  before=$(ls fuzz/findings | grep -c "^$t-" || true)
  # One process per target (fork mode restarted and re-symbolised so often that
  # it ran 10-50x fewer inputs); a finding ends that target's run.
  "build-fuzz/fuzz/$t" "$work" "fuzz/corpus/$t" -max_total_time="$seconds" -max_len=131072 -timeout=10 \
    -rss_limit_mb=2048 -artifact_prefix="fuzz/findings/$t-" -print_funcs=0 -print_final_stats=1 >"$log" 2>&1 || true
  after=$(ls fuzz/findings | grep -c "^$t-" || true)
  execs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+).*/\1/p' "$log" | tail -1)
  found=$((after - before))
  printf '%-20s %8s %12s %10s %8s\n' "$t" "$seconds" "${execs:-0}" "$(( ${execs:-0} / seconds ))" "$found"
  if [ "$found" -gt 0 ]; then
    failed=1
    ls fuzz/findings | grep "^$t-" | sed 's/^/    fuzz\/findings\//'
  fi
done
exit $failed
