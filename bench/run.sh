#!/usr/bin/env bash
# bench/run.sh — raftkv against etcd 3.4 on this machine: the same load, one run, side by side.
#
#   bench/run.sh            everything: the HTTP ceiling, etcd, raftkv, then 1,000,000 keys
#   bench/run.sh quick      shorter runs (5 s), no 1,000,000-key load: to try the script
#
# Both clusters have 3 members on loopback with durable writes (fsync on; raftkv answers a write
# once a majority has it on disk). They run in turn, never at once, and the load tester runs on
# the same machine, so CPU per request is what the numbers compare. Every scenario is aimed at
# the leader of each cluster. Results land in $BENCH_OUT (default target/bench): one JSON per
# run, report.md (a table ready for BENCHMARKS.md) and bench.png (throughput and p99 per scenario).
#
# Environment: BENCH_OUT, BENCH_DURATION (default 15s), BENCH_WARMUP (default 3s),
# BENCH_OPEN_RATE (open-loop writes per second, default 2000), BENCH_JIT_WARMUP (default 20s:
# load raftkv gets before its first measured run, so the JVM has compiled its hot paths).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
MODE=${1:-full}
OUT=${BENCH_OUT:-$ROOT/target/bench}
DURATION=${BENCH_DURATION:-15s}
WARMUP=${BENCH_WARMUP:-3s}
OPEN_RATE=${BENCH_OPEN_RATE:-2000}
JIT_WARMUP=${BENCH_JIT_WARMUP:-20s}
if [[ $MODE == quick ]]; then DURATION=5s; WARMUP=2s; JIT_WARMUP=10s; fi
JAR=$ROOT/target/raftkv.jar
RAFTKV_BASE=9600          # raft 9601.., clients 10601.., gateway 10600
CEILING_PORT=18999
export ETCD_BASE_PORT=12379  # etcd clients 12380..12382

# name | load options (every run also gets: --keys 10000 --value-size 100, the duration, warm-up)
SCENARIOS=(
  "write-c1|--clients 1 --read-fraction 0"
  "write-c16|--clients 16 --read-fraction 0"
  "write-c64|--clients 64 --read-fraction 0"
  "write-c256|--clients 256 --read-fraction 0"
  "read-c64|--clients 64 --read-fraction 1 --consistency linearizable"
  "mix90-c64|--clients 64 --read-fraction 0.9 --consistency linearizable"
  "open-write|--rate $OPEN_RATE --read-fraction 0"
)

say() { echo "== $*" >&2; }
die() { echo "bench/run.sh: $*" >&2; exit 1; }

STARTED=()   # "kind:arg" of what to stop on exit
cleanup() {
  for item in "${STARTED[@]}"; do
    case $item in
      ceiling:*) kill "${item#ceiling:}" 2>/dev/null || true ;;
      etcd:*) bench/etcd-cluster.sh stop "${item#etcd:}" >/dev/null 2>&1 || true ;;
      raftkv:*) RAFTKV_DATA=${item#raftkv:} RAFTKV_BASE_PORT=$RAFTKV_BASE ./cluster.sh stop >/dev/null 2>&1 || true ;;
    esac
  done
}
trap cleanup EXIT

load() { java -jar "$JAR" load "$@"; }

run_scenarios() { # system target url
  local system=$1 target=$2 url=$3 entry name opts
  for entry in "${SCENARIOS[@]}"; do
    name=${entry%%|*}
    opts=${entry#*|}
    say "$system: $name"
    # shellcheck disable=SC2086
    load --target "$target" --url "$url" $opts --keys 10000 --value-size 100 \
      --duration "$DURATION" --warmup "$WARMUP" --label "$system $name" \
      --json "$OUT/$system--$name.json" >"$OUT/$system--$name.txt" 2>"$OUT/$system--$name.progress" \
      || die "the load tester failed on $system $name; see $OUT/$system--$name.progress"
    tail -n 12 "$OUT/$system--$name.txt" >&2
  done
}

raftkv_leader_url() {
  local id
  for id in 1 2 3; do
    local leader
    leader=$(curl -sf "http://127.0.0.1:$((RAFTKV_BASE + 1000 + id))/v1/cluster" \
      | sed -n 's/.*"leaderId":\([0-9]*\).*/\1/p') || continue
    if [[ -n $leader && $leader != 0 ]]; then
      echo "http://127.0.0.1:$((RAFTKV_BASE + 1000 + leader))"; return
    fi
  done
  die "no raftkv leader"
}

etcd_leader_url() {
  local i status member leader
  for i in 1 2 3; do
    status=$(curl -sf -X POST "http://127.0.0.1:$((ETCD_BASE_PORT + i))/v3/maintenance/status" -d '{}') || continue
    member=$(sed -n 's/.*"member_id":"\([0-9]*\)".*/\1/p' <<<"$status")
    leader=$(sed -n 's/.*"leader":"\([0-9]*\)".*/\1/p' <<<"$status")
    if [[ -n $member && $member == "$leader" ]]; then
      echo "http://127.0.0.1:$((ETCD_BASE_PORT + i))"; return
    fi
  done
  die "no etcd leader"
}

node_rss_mb() { awk '/VmRSS/ {printf "%.0f", $2 / 1024}' "/proc/$1/status"; }

# ---------------------------------------------------------------------------------------------
[[ -f $JAR ]] || { say "building $JAR"; mvn -q -B -DskipTests package; }
bench/etcd-cluster.sh install
rm -rf "$OUT"; mkdir -p "$OUT"
{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr)"
  echo "java: $(java -version 2>&1 | sed -n 1p)"
  echo "etcd: $(etcd --version | sed -n 1p)"
  echo "raftkv: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "duration: $DURATION per scenario after a $WARMUP warm-up; raftkv JIT warm-up $JIT_WARMUP"
} >"$OUT/environment.txt"
cat "$OUT/environment.txt" >&2

say "the ceiling: a trivial Vert.x HTTP server, one request per operation"
java -jar "$JAR" http-ceiling --port $CEILING_PORT >"$OUT/ceiling.log" 2>&1 &
STARTED+=("ceiling:$!")
for _ in $(seq 100); do curl -sf -o /dev/null "http://127.0.0.1:$CEILING_PORT/" && break; sleep 0.1; done
run_scenarios ceiling raftkv "http://127.0.0.1:$CEILING_PORT"
kill "${STARTED[-1]#ceiling:}"; unset 'STARTED[-1]'

say "etcd: 3 members"
bench/etcd-cluster.sh start "$OUT/etcd" >&2
STARTED+=("etcd:$OUT/etcd")
run_scenarios etcd etcd "$(etcd_leader_url)"
bench/etcd-cluster.sh stop "$OUT/etcd"; unset 'STARTED[-1]'

say "raftkv: 3 nodes"
RAFTKV_DATA=$OUT/raftkv RAFTKV_BASE_PORT=$RAFTKV_BASE ./cluster.sh start >&2
STARTED+=("raftkv:$OUT/raftkv")
LEADER=$(raftkv_leader_url)
say "raftkv: JIT warm-up, $JIT_WARMUP of writes and of reads (not recorded)"
load --url "$LEADER" --clients 64 --read-fraction 0 --duration "$JIT_WARMUP" --warmup 0s >/dev/null 2>&1
load --url "$LEADER" --clients 64 --read-fraction 0.5 --duration "$JIT_WARMUP" --warmup 0s >/dev/null 2>&1
run_scenarios raftkv raftkv "$LEADER"

if [[ $MODE != quick ]]; then
  say "raftkv: loading 1,000,000 keys of 100 bytes"
  load --url "$LEADER" --clients 256 --read-fraction 0 --key-dist sequential --keys 1000000 \
    --requests 1000000 --warmup 0s --label "raftkv load 1M" --json "$OUT/raftkv--load-1m.json" \
    >"$OUT/raftkv--load-1m.txt" 2>"$OUT/raftkv--load-1m.progress"
  {
    for id in 1 2 3; do
      pid=$(cat "$OUT/raftkv/run/$id.pid")
      echo "node $id: RSS $(node_rss_mb "$pid") MiB, data $(du -sm "$OUT/raftkv/node$id" | cut -f1) MiB"
    done
    follower=1
    [[ $LEADER == *:$((RAFTKV_BASE + 1001)) ]] && follower=2
    applied=$(curl -sf "http://127.0.0.1:$((RAFTKV_BASE + 1000 + follower))/v1/cluster" | sed -n 's/.*"appliedIndex":\([0-9]*\).*/\1/p')
    RAFTKV_DATA=$OUT/raftkv RAFTKV_BASE_PORT=$RAFTKV_BASE ./cluster.sh kill $follower >/dev/null
    t0=$(date +%s%N)
    RAFTKV_DATA=$OUT/raftkv RAFTKV_BASE_PORT=$RAFTKV_BASE ./cluster.sh restart $follower >/dev/null
    until now=$(curl -sf "http://127.0.0.1:$((RAFTKV_BASE + 1000 + follower))/v1/cluster" \
        | sed -n 's/.*"appliedIndex":\([0-9]*\).*/\1/p') && [[ -n $now && $now -ge $applied ]]; do
      sleep 0.05
    done
    t1=$(date +%s%N)
    echo "node $follower restarted (SIGKILL, then start) and applied its $applied entries again in $(( (t1 - t0) / 1000000 )) ms"
    echo "node $follower after restart: RSS $(node_rss_mb "$(cat "$OUT/raftkv/run/$follower.pid")") MiB"
  } | tee "$OUT/raftkv--1m-keys.txt" >&2
fi
RAFTKV_DATA=$OUT/raftkv RAFTKV_BASE_PORT=$RAFTKV_BASE ./cluster.sh stop >/dev/null; unset 'STARTED[-1]'

say "report"
java -jar "$JAR" bench-report --dir "$OUT" --markdown "$OUT/report.md" --plot "$OUT/bench.png"
echo "Results: $OUT/report.md and $OUT/bench.png" >&2
