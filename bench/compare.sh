#!/usr/bin/env bash
# bench/compare.sh — the same raftkv scenarios against several builds, one after another:
# the before/after figures of an optimisation.
#
#   bench/compare.sh REV [REV...]      e.g. bench/compare.sh HEAD~3 HEAD
#
# Each REV is built in a temporary git worktree and run as a 3-node cluster (cluster.sh of that
# revision, fsync on), warmed up like bench/run.sh does, then measured with this checkout's load
# tester: writes with 1 and 64 clients, linearizable reads with 64. The table goes to stdout and
# to $BENCH_OUT/compare.md (default target/bench-compare).
#
# Environment: BENCH_OUT, BENCH_DURATION (default 15s), BENCH_WARMUP (default 8s),
# BENCH_PRELOAD (default 40, seconds of writes before measuring; half that of reads).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
(($#)) || { sed -n '2,12p' "$0"; exit 2; }
OUT=${BENCH_OUT:-$ROOT/target/bench-compare}
DURATION=${BENCH_DURATION:-15s}
WARMUP=${BENCH_WARMUP:-8s}
PRELOAD=${BENCH_PRELOAD:-40}
BASE=9700
JAR=$ROOT/target/raftkv.jar
SCENARIOS=("write-c1|--clients 1 --read-fraction 0" "write-c64|--clients 64 --read-fraction 0"
  "read-c64|--clients 64 --read-fraction 1")

say() { echo "== $*" >&2; }
die() { echo "bench/compare.sh: $*" >&2; exit 1; }
[[ -f $JAR ]] || { say "building the load tester ($JAR)"; mvn -q -B -DskipTests package; }
mkdir -p "$OUT"

TREE=""
cleanup() {
  [[ -n $TREE && -d $TREE ]] || return 0
  RAFTKV_DATA=$OUT/data RAFTKV_BASE_PORT=$BASE "$TREE/cluster.sh" stop >/dev/null 2>&1 || true
  git worktree remove --force "$TREE" >/dev/null 2>&1 || true
}
trap cleanup EXIT

load() { java -jar "$JAR" load --keys 10000 --value-size 100 "$@"; }

table="| build | scenario | ok/s | p50 ms | p99 ms | errors |"$'\n'"| --- | --- | ---: | ---: | ---: | ---: |"$'\n'
for rev in "$@"; do
  sha=$(git rev-parse --short "$rev") || die "unknown revision $rev"
  TREE=$(mktemp -d /tmp/raftkv-compare-XXXXXX)
  rmdir "$TREE"
  git worktree add --detach -q "$TREE" "$sha"
  say "$rev ($sha): building"
  (cd "$TREE" && mvn -q -B -o -DskipTests package >/dev/null 2>&1 || mvn -q -B -DskipTests package)
  rm -rf "$OUT/data"
  RAFTKV_DATA=$OUT/data RAFTKV_BASE_PORT=$BASE "$TREE/cluster.sh" start >/dev/null
  leader=$(curl -sf "http://127.0.0.1:$((BASE + 1001))/v1/cluster" | sed -n 's/.*"leaderId":\([0-9]*\).*/\1/p')
  url="http://127.0.0.1:$((BASE + 1000 + leader))"
  say "$rev ($sha): warm-up, ${PRELOAD}s of writes and $((PRELOAD / 2))s of reads"
  load --url "$url" --clients 64 --read-fraction 0 --duration "${PRELOAD}s" --warmup 0s >/dev/null 2>&1
  load --url "$url" --clients 64 --read-fraction 1 --duration "$((PRELOAD / 2))s" --warmup 0s >/dev/null 2>&1
  for entry in "${SCENARIOS[@]}"; do
    name=${entry%%|*}
    say "$rev ($sha): $name"
    # shellcheck disable=SC2086
    load --url "$url" ${entry#*|} --duration "$DURATION" --warmup "$WARMUP" \
      >"$OUT/$sha-$name.txt" 2>/dev/null
    read -r _ _ ok _ okps p50 _ p99 _ < <(grep '^all' "$OUT/$sha-$name.txt")
    errors=$(awk '$1 == "all" {print $4}' "$OUT/$sha-$name.txt")
    table+="| $rev ($sha) | $name | $(printf "%.0f" "$okps") | $p50 | $p99 | $errors |"$'\n'
    grep '^all' "$OUT/$sha-$name.txt" >&2
  done
  cleanup
  TREE=""
done
echo "$table" | tee "$OUT/compare.md"
