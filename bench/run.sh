#!/usr/bin/env bash
# bench/run.sh — raftkv against etcd 3.4 on this machine: the same load, one run, side by side.
#
#   bench/run.sh            every scenario: the HTTP ceiling, etcd, raftkv
#   bench/run.sh quick      shorter runs: to try the script (~6 minutes)
#
# 1,000,000 keys, restarts, snapshots and long runs (memory and disk over time) are measured by
# bench/lifetime.sh.
#
# Both clusters have 3 members on loopback with durable writes (fsync on; raftkv answers a write
# once a majority has it on disk). They run in turn, never at once, and the load tester runs on
# the same machine, so CPU per request is what the numbers compare. Every scenario is aimed at
# the leader of each cluster. Results land in $BENCH_OUT (default target/bench): one JSON per
# run, report.md (a table ready for BENCHMARKS.md) and bench.png (throughput and p99 per scenario).
# target/raftkv.jar is built first when it is missing or older than a source, and the results
# are stamped with this checkout's 'git describe --always --dirty' (environment.txt).
#
# Warm-up, the same for every system: before its first measured run each system gets
# $BENCH_PRELOAD of writes and half that of reads (64 clients, not recorded), which fills the
# 10,000 keys and lets a JVM compile its hot paths (a fresh JVM on 2 cores needs tens of seconds
# under load to reach its steady speed; Go's etcd needs none, and loses nothing by it). Every run
# then starts with $BENCH_WARMUP of unrecorded load, because each run is a fresh load-tester JVM.
#
# Environment: BENCH_OUT, BENCH_DURATION (default 15s), BENCH_WARMUP (default 8s),
# BENCH_PRELOAD (default 40s), BENCH_OPEN_RATE (open-loop writes per second, default 2000).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/common.sh
source bench/common.sh
MODE=${1:-full}
OUT=${BENCH_OUT:-$ROOT/target/bench}
QUICK=0
[[ $MODE == quick ]] && QUICK=1
DURATION=${BENCH_DURATION:-$( ((QUICK)) && echo 5s || echo 15s)}
WARMUP=${BENCH_WARMUP:-$( ((QUICK)) && echo 4s || echo 8s)}
PRELOAD=${BENCH_PRELOAD:-$( ((QUICK)) && echo 20 || echo 40)}
OPEN_RATE=${BENCH_OPEN_RATE:-2000}
PRELOAD=${PRELOAD%s}
CLUSTER_BASE=9600         # raftkv: raft 9601.., clients 10601.., gateway 10600
CLUSTER_DATA=$OUT/raftkv
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

preload() { # system target url: the warm-up every system gets before it is measured
  local system=$1 target=$2 url=$3
  say "$system: warm-up, ${PRELOAD}s of writes and $((PRELOAD / 2))s of reads (not recorded)"
  load --target "$target" --url "$url" --clients 64 --read-fraction 0 --keys 10000 \
    --value-size 100 --duration "${PRELOAD}s" --warmup 0s >"$OUT/$system-preload.txt" 2>&1
  load --target "$target" --url "$url" --clients 64 --read-fraction 1 --keys 10000 \
    --value-size 100 --duration "$((PRELOAD / 2))s" --warmup 0s >>"$OUT/$system-preload.txt" 2>&1
}

# The processes of the system under test, "label:pid": their CPU time is read around each run.
MEASURED=()
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
cpu_snapshot() { local p; for p in "${MEASURED[@]}"; do echo "${p%%:*} $(cpu_ticks "${p#*:}")"; done; }
# CPU seconds each process used during a run, as JSON for bench-report
cpu_json() { # before-file after-file
  join "$1" "$2" | awk -v tck="$(getconf CLK_TCK)" '
    BEGIN { printf "{" } { printf "%s\"%s\": %.3f", (NR > 1 ? ", " : ""), $1, ($3 - $2) / tck }
    END { print "}" }'
}
# raftkv's own counters (fsyncs, Raft requests per peer) from every node's /v1/cluster
raftkv_stats() { local id; for id in 1 2 3; do curl -sf "http://127.0.0.1:$((CLUSTER_BASE + 1000 + id))/v1/cluster" || echo '{}'; echo; done; }

run_scenarios() { # system target url
  local system=$1 target=$2 url=$3 entry name opts
  for entry in "${SCENARIOS[@]}"; do
    name=${entry%%|*}
    opts=${entry#*|}
    say "$system: $name"
    cpu_snapshot | sort >"$OUT/.cpu-before"
    [[ $system == raftkv ]] && raftkv_stats >"$OUT/$system--$name.stats-before.jsonl"
    # shellcheck disable=SC2086
    load --target "$target" --url "$url" $opts --keys 10000 --value-size 100 \
      --duration "$DURATION" --warmup "$WARMUP" --label "$system $name" \
      --json "$OUT/$system--$name.json" >"$OUT/$system--$name.txt" 2>"$OUT/$system--$name.progress" \
      || die "the load tester failed on $system $name; see $OUT/$system--$name.progress"
    cpu_snapshot | sort >"$OUT/.cpu-after"
    cpu_json "$OUT/.cpu-before" "$OUT/.cpu-after" >"$OUT/$system--$name.cpu.json"
    [[ $system == raftkv ]] && raftkv_stats >"$OUT/$system--$name.stats-after.jsonl"
    tail -n 12 "$OUT/$system--$name.txt" >&2
  done
}

# ---------------------------------------------------------------------------------------------
build_jar
bench/etcd-cluster.sh install
rm -rf "$OUT"; mkdir -p "$OUT"
{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr)"
  echo "java: $(java -version 2>&1 | sed -n 1p)"
  echo "etcd: $(etcd --version | sed -n 1p)"
  echo "raftkv: $(revision)"
  echo "duration: $DURATION per scenario after a $WARMUP warm-up; every system first gets ${PRELOAD}s of writes and $((PRELOAD / 2))s of reads"
} >"$OUT/environment.txt"
cat "$OUT/environment.txt" >&2

say "the ceiling: a trivial Vert.x HTTP server, one request per operation"
java -jar "$JAR" http-ceiling --port $CEILING_PORT >"$OUT/ceiling.log" 2>&1 &
STARTED+=("pid:$!")
MEASURED=("server:$!")
for _ in $(seq 100); do curl -sf -o /dev/null "http://127.0.0.1:$CEILING_PORT/" && break; sleep 0.1; done
preload ceiling raftkv "http://127.0.0.1:$CEILING_PORT"
run_scenarios ceiling raftkv "http://127.0.0.1:$CEILING_PORT"
stop_last

say "etcd: 3 members"
STARTED+=("etcd:$OUT/etcd")
bench/etcd-cluster.sh start "$OUT/etcd" >&2
ETCD_LEADER=$(etcd_leader_url)
MEASURED=("member1:$(cat "$OUT/etcd/e1.pid")" "member2:$(cat "$OUT/etcd/e2.pid")" "member3:$(cat "$OUT/etcd/e3.pid")")
preload etcd etcd "$ETCD_LEADER"
run_scenarios etcd etcd "$ETCD_LEADER"
stop_last

say "raftkv: 3 nodes"
STARTED+=("raftkv:$ROOT")
raftkv_cluster start >&2
LEADER=$(raftkv_leader_url)
MEASURED=("node1:$(cat "$OUT/raftkv/run/1.pid")" "node2:$(cat "$OUT/raftkv/run/2.pid")" "node3:$(cat "$OUT/raftkv/run/3.pid")")
preload raftkv raftkv "$LEADER"
run_scenarios raftkv raftkv "$LEADER"

stop_last

say "report"
java -jar "$JAR" bench-report --dir "$OUT" --markdown "$OUT/report.md" --plot "$OUT/bench.png"
echo "Results: $OUT/report.md and $OUT/bench.png" >&2
