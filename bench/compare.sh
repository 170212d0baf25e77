#!/usr/bin/env bash
# bench/compare.sh — the same raftkv scenarios against several builds, one after another:
# the before/after figures of an optimisation.
#
#   bench/compare.sh BUILD [BUILD...]
#   e.g. bench/compare.sh HEAD~3 HEAD
#        bench/compare.sh HEAD HEAD:tuning.groupCommit=false HEAD:tuning.maxInflightAppends=1
#
# A BUILD is a git revision, optionally with ':field=value' settings for every node (as
# 'node --set field=value'). Each revision is built in a temporary git worktree and run as a
# 3-node cluster (cluster.sh of that revision, fsync on), warmed up like bench/run.sh does, then
# measured with this checkout's load tester: writes with 1 and 64 clients, linearizable reads
# with 64. The table goes to stdout and to $BENCH_OUT/compare.md (default target/bench-compare).
#
# Environment: BENCH_OUT, BENCH_DURATION (default 15s), BENCH_WARMUP (default 8s),
# BENCH_PRELOAD (default 40, seconds of writes before measuring; half that of reads).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
(($#)) || { sed -n '2,17p' "$0"; exit 2; }
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

declare -A TREES   # sha -> its built worktree, reused by every build of that revision
RUNNING=""         # the worktree whose cluster runs now
stop_cluster() {
  [[ -n $RUNNING ]] || return 0
  RAFTKV_DATA=$OUT/data RAFTKV_BASE_PORT=$BASE "$RUNNING/cluster.sh" stop >/dev/null 2>&1 || true
  RUNNING=""
}
cleanup() {
  stop_cluster
  for tree in "${TREES[@]}"; do git worktree remove --force "$tree" >/dev/null 2>&1 || true; done
}
trap cleanup EXIT

load() { java -jar "$JAR" load --keys 10000 --value-size 100 "$@"; }

table="| build | scenario | ok/s | p50 ms | p99 ms | errors |"$'\n'"| --- | --- | ---: | ---: | ---: | ---: |"$'\n'
for build in "$@"; do
  rev=${build%%:*}
  settings=""
  if [[ $build == *:* ]]; then
    IFS=':' read -r -a parts <<<"${build#*:}"
    for s in "${parts[@]}"; do settings+=" --set $s"; done
  fi
  sha=$(git rev-parse --short "$rev") || die "unknown revision $rev"
  tag=$sha${build#"$rev"}
  tag=${tag//[:=\/]/_}
  if [[ -z ${TREES[$sha]:-} ]]; then
    tree=$(mktemp -d /tmp/raftkv-compare-XXXXXX)
    rmdir "$tree"
    git worktree add --detach -q "$tree" "$sha"
    TREES[$sha]=$tree
    say "$sha: building"
    (cd "$tree" && { mvn -q -B -o -DskipTests package >/dev/null 2>&1 || mvn -q -B -DskipTests package; })
  fi
  TREE=${TREES[$sha]}
  rm -rf "$OUT/data"
  RAFTKV_DATA=$OUT/data RAFTKV_BASE_PORT=$BASE RAFTKV_NODE_ARGS=$settings \
    "$TREE/cluster.sh" start >/dev/null
  RUNNING=$TREE
  leader=$(curl -sf "http://127.0.0.1:$((BASE + 1001))/v1/cluster" | sed -n 's/.*"leaderId":\([0-9]*\).*/\1/p')
  url="http://127.0.0.1:$((BASE + 1000 + leader))"
  say "$build ($sha): warm-up, ${PRELOAD}s of writes and $((PRELOAD / 2))s of reads"
  load --url "$url" --clients 64 --read-fraction 0 --duration "${PRELOAD}s" --warmup 0s >/dev/null 2>&1
  load --url "$url" --clients 64 --read-fraction 1 --duration "$((PRELOAD / 2))s" --warmup 0s >/dev/null 2>&1
  for entry in "${SCENARIOS[@]}"; do
    name=${entry%%|*}
    say "$build ($sha): $name"
    # shellcheck disable=SC2086
    load --url "$url" ${entry#*|} --duration "$DURATION" --warmup "$WARMUP" \
      >"$OUT/$tag-$name.txt" 2>/dev/null
    read -r _ _ ok _ okps p50 _ p99 _ < <(grep '^all' "$OUT/$tag-$name.txt")
    errors=$(awk '$1 == "all" {print $4}' "$OUT/$tag-$name.txt")
    table+="| $build ($sha) | $name | $(printf "%.0f" "$okps") | $p50 | $p99 | $errors |"$'\n'
    grep '^all' "$OUT/$tag-$name.txt" >&2
  done
  stop_cluster
done
echo "$table" | tee "$OUT/compare.md"
