#!/usr/bin/env bash
# bench/lifetime.sh — what lets raftkv run for months (snapshots, log compaction, InstallSnapshot),
# measured on this machine with etcd 3.4 in the same run where etcd has a counterpart:
#
#   1. 1,000,000 distinct keys of 100 bytes loaded into a fresh cluster (etcd, then raftkv):
#      resident memory and data on disk per member; then a follower SIGKILLed and started
#      again: the time until it has applied everything again. For raftkv also the longest
#      event-loop turn while snapshots of that store were written, under the load and once
#      quiet (from /v1/cluster: eventLoop).
#   2. raftkv: a follower 1,000,000 entries behind (SIGKILLed while 1,000,000 overwrites of
#      10,000 keys went in, its entries compacted away): the time until it has caught up
#      through InstallSnapshot.
#   3. raftkv: 64 clients writing with snapshots at the default interval against snapshots off,
#      alternating (on, off, on, off), each on a fresh cluster: throughput and p99.9.
#   4. raftkv: $LIFETIME_OVERWRITES (default 10,000,000) overwrites of 10,000 keys with
#      cluster.sh's default heap (-Xmx1g): resident memory and data on disk after each million.
#
#   bench/lifetime.sh            all of it (about 30 minutes)
#   bench/lifetime.sh 1 3        only the parts named
#
# Results land in $BENCH_OUT (default target/bench-lifetime): lifetime.md (the numbers, ready for
# BENCHMARKS.md), memory.png (mean resident memory of the members against writes while each
# system loads its 1,000,000 keys, sampled every 2 s), memory-overwrites.png (part 4) and the
# load tester's output of every run. Environment: BENCH_OUT,
# LIFETIME_OVERWRITES, BENCH_MILLION_CLIENTS (default 256: clients for the big loads).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/common.sh
source bench/common.sh
OUT=${BENCH_OUT:-$ROOT/target/bench-lifetime}
OVERWRITES=${LIFETIME_OVERWRITES:-10000000}
CLIENTS=${BENCH_MILLION_CLIENTS:-256}
CLUSTER_BASE=9800         # raftkv: raft 9801.., clients 10801.., gateway 10800
CLUSTER_DATA=$OUT/raftkv
export ETCD_BASE_PORT=12479  # etcd clients 12480..12482
PARTS=("$@")
((${#PARTS[@]})) || PARTS=(1 2 3 4)
SNAPSHOTS_OFF="--set snapshots.intervalEntries=1000000000000 --set snapshots.intervalBytes=1000000000000000"

wants() { [[ " ${PARTS[*]} " == *" $1 "* ]]; }
report() { echo "$*" | tee -a "$OUT/lifetime.md" >&2; }

# /v1/cluster of node $1, one field: a number after "$2": (the first one)
field() {
  curl -sf "http://127.0.0.1:$((CLUSTER_BASE + 1000 + $1))/v1/cluster" \
    | grep -o "\"$2\":[0-9.]*" | head -1 | cut -d: -f2
}
pid_of() { cat "$CLUSTER_DATA/run/$1.pid"; }
data_mb() { du -sm "$1" | cut -f1; }

fresh_raftkv() { # [node args]: a new 3-node cluster on empty data
  raftkv_cluster stop >/dev/null 2>&1 || true
  raftkv_cluster clean >/dev/null 2>&1 || true
  RAFTKV_NODE_ARGS=${1:-} raftkv_cluster start >/dev/null
  LEADER=$(raftkv_leader_url)
  LEADER_ID=$(( ${LEADER##*:} - CLUSTER_BASE - 1000 ))
  FOLLOWER=$(( LEADER_ID % 3 + 1 ))
}

writes() { # label clients requests keys [extra]: closed-loop writes at the leader
  local label=$1 clients=$2 requests=$3 keys=$4
  shift 4
  load --url "$LEADER" --clients "$clients" --read-fraction 0 --keys "$keys" \
    --requests "$requests" --value-size 100 --label "$label" "$@" >"$OUT/$label.txt" \
    2>"$OUT/$label.progress" || die "the load tester failed on $label; see $OUT/$label.progress"
}

# Samples the members' mean resident memory against writes every 2 s, until killed.
sample_memory() { # series csv writes-command pid...
  local series=$1 csv=$2 writes_cmd=$3 p w total n
  shift 3
  while true; do
    total=0 n=0
    for p in "$@"; do total=$((total + $(node_rss_mb "$p" 2>/dev/null || echo 0))); n=$((n + 1)); done
    w=$($writes_cmd 2>/dev/null) || w=""
    [[ -n $w ]] && echo "$series,$w,$((total / n))" >>"$csv"
    sleep 2
  done
}
raftkv_writes() { field "$LEADER_ID" commitIndex; }
etcd_writes() {
  curl -sf -X POST "$ETCD_LEADER/v3/maintenance/status" -d '{}' \
    | sed -n 's/.*"raftAppliedIndex":"\([0-9]*\)".*/\1/p'
}

catch_up_ms() { # node target t0: waits until node $1 has applied $2; prints ms since $3
  local now
  until now=$(field "$1" appliedIndex) && [[ -n $now && $now -ge $2 ]]; do
    (($(elapsed_ms "$3") < 300000)) || die "node $1 did not reach index $2 in 5 minutes; see $CLUSTER_DATA/logs/$1.log"
    sleep 0.05
  done
  elapsed_ms "$3"
}

# ---------------------------------------------------------------------------------------------
build_jar
rm -rf "$OUT"; mkdir -p "$OUT"
{
  echo "# Lifetime: snapshots, compaction, InstallSnapshot"
  echo
  echo "date $(date -u +%Y-%m-%dT%H:%M:%SZ); $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo);"
  echo "$(java -version 2>&1 | sed -n 1p); raftkv $(revision); command: bench/lifetime.sh ${PARTS[*]}"
  echo
} >"$OUT/lifetime.md"

if wants 1; then
  bench/etcd-cluster.sh install
  say "1. etcd: 1,000,000 keys"
  STARTED+=("etcd:$OUT/etcd")
  bench/etcd-cluster.sh start "$OUT/etcd" >&2
  ETCD_LEADER=$(etcd_leader_url)
  sample_memory "etcd 3.4" "$OUT/memory.csv" etcd_writes \
    "$(cat "$OUT/etcd/e1.pid")" "$(cat "$OUT/etcd/e2.pid")" "$(cat "$OUT/etcd/e3.pid")" &
  SAMPLER=$!
  million_keys etcd etcd "$ETCD_LEADER"
  kill "$SAMPLER"
  report "## 1. 1,000,000 keys of 100 bytes"
  report
  for i in 1 2 3; do
    report "- etcd member $i: RSS $(node_rss_mb "$(cat "$OUT/etcd/e$i.pid")") MiB, data $(data_mb "$OUT/etcd/e$i.data") MiB"
  done
  member=1
  [[ $ETCD_LEADER == *:$((ETCD_BASE_PORT + 1)) ]] && member=2
  etcd_applied() { curl -sf -X POST "http://127.0.0.1:$((ETCD_BASE_PORT + member))/v3/maintenance/status" -d '{}' \
    | sed -n 's/.*"raftAppliedIndex":"\([0-9]*\)".*/\1/p'; }
  applied=$(etcd_applied)
  bench/etcd-cluster.sh kill "$OUT/etcd" $member
  t0=$(date +%s%N)
  bench/etcd-cluster.sh restart "$OUT/etcd" $member
  until now=$(etcd_applied) && [[ -n $now && $now -ge $applied ]]; do
    (($(elapsed_ms "$t0") < 300000)) || die "etcd member $member did not catch up in 5 minutes; see $OUT/etcd/e$member.log"
    sleep 0.05
  done
  report "- etcd member $member, SIGKILLed and started again, applied index $applied again in $(elapsed_ms "$t0") ms (RSS then $(node_rss_mb "$(cat "$OUT/etcd/e$member.pid")") MiB)"
  stop_last

  say "1. raftkv: 1,000,000 keys"
  STARTED+=("raftkv:$ROOT")
  fresh_raftkv
  sample_memory "raftkv" "$OUT/memory.csv" raftkv_writes \
    "$(pid_of 1)" "$(pid_of 2)" "$(pid_of 3)" &
  SAMPLER=$!
  million_keys raftkv raftkv "$LEADER"
  kill "$SAMPLER"
  java -jar "$JAR" bench-report --memory-csv "$OUT/memory.csv" --memory-plot "$OUT/memory.png" \
    --memory-title "resident memory (mean of the 3 members) while loading 1,000,000 keys"
  for id in 1 2 3; do
    report "- raftkv node $id: RSS $(node_rss_mb "$(pid_of $id)") MiB, data $(data_mb "$CLUSTER_DATA/node$id") MiB, $(field $id taken) snapshots taken, longest event-loop turn while one was written under the load $(field $id maxLagWhileSnapshottingMs) ms"
  done
  # one more snapshot, of the whole store, with light load: crosses the next default interval
  before=$(field "$LEADER_ID" taken)
  writes raftkv-after-1m 16 110000 10000
  for _ in $(seq 600); do [[ $(field "$LEADER_ID" taken) -gt $before ]] && break; sleep 0.1; done
  sleep 1
  report "- raftkv leader: a snapshot of the whole store ($(field "$LEADER_ID" keys) keys, $(field "$LEADER_ID" bytes) bytes) with 16 clients writing: longest event-loop turn while it was written $(field "$LEADER_ID" lastSnapshotMaxLagMs) ms"
  applied=$(field "$FOLLOWER" appliedIndex)
  raftkv_cluster kill "$FOLLOWER" >/dev/null
  t0=$(date +%s%N)
  raftkv_cluster restart "$FOLLOWER" >/dev/null
  report "- raftkv node $FOLLOWER, SIGKILLed and started again, applied its $applied entries again in $(catch_up_ms "$FOLLOWER" "$applied" "$t0") ms (RSS then $(node_rss_mb "$(pid_of "$FOLLOWER")") MiB)"
  report
  stop_last
fi

if wants 2; then
  say "2. raftkv: a follower 1,000,000 entries behind"
  STARTED+=("raftkv:$ROOT")
  fresh_raftkv
  raftkv_cluster kill "$FOLLOWER" >/dev/null
  writes raftkv-behind 256 1000000 10000
  target=$(field "$LEADER_ID" commitIndex)
  t0=$(date +%s%N)
  raftkv_cluster restart "$FOLLOWER" >/dev/null
  ms=$(catch_up_ms "$FOLLOWER" "$target" "$t0")
  report "## 2. A follower 1,000,000 entries behind"
  report
  report "- raftkv node $FOLLOWER, down while 1,000,000 overwrites of 10,000 keys went in (leader's log starts at $(field "$LEADER_ID" firstIndex)), started and caught up to index $target in $ms ms; snapshots received: $(field "$FOLLOWER" received)"
  report
  stop_last
fi

if wants 3; then
  report "## 3. 64 clients writing, snapshots on (default interval) and off"
  report
  report "| run | snapshots | writes/s | p99.9 ms | snapshots taken (leader) |"
  report "| --- | --- | --- | --- | --- |"
  STARTED+=("raftkv:$ROOT")
  for run in 1 2; do
    for mode in on off; do
      say "3. raftkv: 64 clients, snapshots $mode (run $run)"
      args=""
      [[ $mode == off ]] && args=$SNAPSHOTS_OFF
      fresh_raftkv "$args"
      writes "raftkv-c64-$mode-$run-warmup" 64 200000 10000
      writes "raftkv-c64-$mode-$run" 64 600000 10000
      line=$(grep '^all' "$OUT/raftkv-c64-$mode-$run.txt")
      report "| $run | $mode | $(awk '{print $5}' <<<"$line") | $(awk '{print $9}' <<<"$line") | $(field "$LEADER_ID" taken) |"
    done
  done
  report
  stop_last
fi

if wants 4; then
  say "4. raftkv: $OVERWRITES overwrites of 10,000 keys"
  report "## 4. $OVERWRITES overwrites of 10,000 keys (cluster.sh's -Xmx1g)"
  report
  report "| writes | RSS node 1/2/3 MiB | data node 1/2/3 MiB | leader's first index |"
  report "| --- | --- | --- | --- |"
  STARTED+=("raftkv:$ROOT")
  fresh_raftkv
  for ((m = 1; m * 1000000 <= OVERWRITES; m++)); do
    writes "raftkv-overwrite-$m" "$CLIENTS" 1000000 10000
    rss="" data=""
    for id in 1 2 3; do
      rss+="$(node_rss_mb "$(pid_of $id)")/"
      data+="$(data_mb "$CLUSTER_DATA/node$id")/"
    done
    report "| ${m}M | ${rss%/} | ${data%/} | $(field "$LEADER_ID" firstIndex) |"
    for id in 1 2 3; do
      echo "raftkv node $id,$((m * 1000000)),$(node_rss_mb "$(pid_of $id)")" >>"$OUT/memory-overwrites.csv"
    done
  done
  report
  stop_last
  java -jar "$JAR" bench-report --memory-csv "$OUT/memory-overwrites.csv" \
    --memory-plot "$OUT/memory-overwrites.png" \
    --memory-title "raftkv: resident memory per node over $OVERWRITES overwrites of 10,000 keys"
fi
echo "Results: $OUT/lifetime.md" >&2
