#!/usr/bin/env bash
# A data-parallel job whose rank never comes, hangs or dies ends with a clear
# error and a non-zero exit within --dist-timeout, never a hang (issue 15).
# Usage: rank_dies.sh PODCLEAN FSDD_DIR
set -euo pipefail
P=$1 FSDD=$2
W=$(mktemp -d /tmp/podclean-rank-dies.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done; rm -rf "$W"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
"$P" prep "$FSDD" -o "$W/ds" --label-from-name '{label}_{group}_{index}' --n-mels 32 --val 0.25 --test 0 --quiet
TRAIN=("$W/ds" --arch gru --channels 8 --hidden 16 --layers 1 --epochs 100000 --patience 100000 --batch-size 4 --threads 1)
port=$((20000 + $$ % 20000))
wait_for_epoch() {  # rank 0 has written its first checkpoint: all ranks are training
  for _ in $(seq 600); do [ -f "$W/$1.last.pt" ] && return 0; sleep 0.1; done
  fail "no epoch finished in 60 s"
}
# $1 pid, $2 log, $3 longest wait (s), $4 what the message must say
expect_failure() {
  local start=$SECONDS rc=0
  while kill -0 "$1" 2>/dev/null; do
    [ $((SECONDS - start)) -le "$3" ] || fail "still running after $3 s: $(cat "$2")"
    sleep 0.2
  done
  wait "$1" || rc=$?
  [ "$rc" -ne 0 ] || fail "exit status 0: $(cat "$2")"
  grep -q -- "$4" "$2" || fail "no '$4' in: $(cat "$2")"
  echo "ok: exit $rc after $((SECONDS - start)) s: $(tail -1 "$2")"
}

# 1. Rank 1 never starts: rank 0 gives up at the rendezvous.
WORLD_SIZE=2 RANK=0 MASTER_PORT=$port "$P" train "${TRAIN[@]}" -o "$W/a.pt" --dist-timeout 3 >"$W/a.log" 2>&1 &
pids+=($!)
expect_failure $! "$W/a.log" 30 "could not meet the other ranks"

# 2. Rank 1 hangs (stopped) mid-training: rank 0's collective times out.
export WORLD_SIZE=2 MASTER_PORT=$((port + 1))
RANK=0 "$P" train "${TRAIN[@]}" -o "$W/b.pt" --dist-timeout 4 >"$W/b0.log" 2>&1 & r0=$!
RANK=1 "$P" train "${TRAIN[@]}" -o "$W/b.pt" --dist-timeout 4 >"$W/b1.log" 2>&1 & r1=$!
pids+=("$r0" "$r1")
wait_for_epoch b
kill -STOP "$r1"
expect_failure "$r0" "$W/b0.log" 30 "died or was silent for over 4 s"
kill -9 "$r1"

# 3. Rank 1 is killed: rank 0 sees the connection drop at once (timeout 60 s).
export MASTER_PORT=$((port + 2))
RANK=0 "$P" train "${TRAIN[@]}" -o "$W/c.pt" --dist-timeout 60 >"$W/c0.log" 2>&1 & r0=$!
RANK=1 "$P" train "${TRAIN[@]}" -o "$W/c.pt" --dist-timeout 60 >"$W/c1.log" 2>&1 & r1=$!
pids+=("$r0" "$r1")
wait_for_epoch c
kill -9 "$r1"
expect_failure "$r0" "$W/c0.log" 30 "summing over ranks failed"
unset WORLD_SIZE MASTER_PORT

# 4. --nproc: a killed rank ends the job, the launcher stops the other rank.
"$P" train "${TRAIN[@]}" -o "$W/d.pt" --nproc 2 >"$W/d.log" 2>&1 & launcher=$!
pids+=("$launcher")
wait_for_epoch d
children=$(pgrep -P "$launcher" | tr '\n' ' ')
[ "$(echo $children | wc -w)" -eq 2 ] || fail "expected 2 ranks under --nproc, got: $children"
kill -9 "$(echo $children | cut -d' ' -f2)"
expect_failure "$launcher" "$W/d.log" 30 "rank 1 of 2 was killed by signal 9; stopped the other ranks"
for c in $children; do ! kill -0 "$c" 2>/dev/null || fail "rank process $c still running"; done
# 5. The launcher itself is killed (a scheduler, say): its ranks do not live on.
"$P" train "${TRAIN[@]}" -o "$W/e.pt" --nproc 2 >"$W/e.log" 2>&1 & launcher=$!
pids+=("$launcher")
wait_for_epoch e
children=$(pgrep -P "$launcher" | tr '\n' ' ')
pids+=($children)
kill -9 "$launcher"
for _ in $(seq 100); do
  alive=0 && for c in $children; do kill -0 "$c" 2>/dev/null && alive=1; done
  [ $alive = 0 ] && break
  sleep 0.1
done
[ $alive = 0 ] || fail "ranks $children outlived their killed launcher by 10 s"
echo "ok: the ranks of a killed launcher ended"
echo "all ok"
