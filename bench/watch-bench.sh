#!/usr/bin/env bash
# bench/watch-bench.sh — what watches and leases cost raftkv: one throwaway 3-node cluster
# (cluster.sh, fsync on, in a temporary data directory on free ports), measured with
# 'raftkv watch-bench' in one go:
#
#   a. baseline: writes alone (64 closed-loop writers to the leader, keys wb/0..wb/999)
#   b. the same writes with 10,000 watchers on a follower (the realistic placement: watchers on
#      followers, writes to the leader); server CPU is the follower's
#   c. (--leader-watchers) the same with the 10,000 watchers on the leader
#   d. 10,000 leases of 10 s kept alive every ttl/3 on the leader; server CPU is the leader's
#
# then a table: write throughput with watchers against the baseline, delivery latency, events
# missing, disconnected watchers, keep-alive rate and CPU per keep-alive.
#
#   bench/watch-bench.sh [--leader-watchers] [--no-leases]
#
# The nodes run with limits.maxConnections=12000 and watch.maxWatchers=12000 (10,000 watchers
# exceed both defaults). Each phase prints its report and a 'RESULT key=value ...' line; all of
# it, the table (watch-bench.md) and the nodes' logs land in $BENCH_OUT (default
# target/bench-watch). The cluster is stopped (by the pids in its run directory) and its data
# removed on exit, whatever happens.
#
# Environment: BENCH_OUT, BENCH_DURATION (default 20s), BENCH_WARMUP (default 5s),
# BENCH_PRELOAD (default 20, seconds of writes that warm the nodes' JIT before phase a),
# WATCHERS (10000), KEYS (1000), CLIENTS (64), LEASES (10000), WATCH_BENCH_JAVA_OPTS (the
# benchmark client's JVM options, default none).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/common.sh
source bench/common.sh
OUT=${BENCH_OUT:-$ROOT/target/bench-watch}
DURATION=${BENCH_DURATION:-20s}
WARMUP=${BENCH_WARMUP:-5s}
PRELOAD=${BENCH_PRELOAD:-20}
WATCHERS=${WATCHERS:-10000}
KEYS=${KEYS:-1000}
CLIENTS=${CLIENTS:-64}
LEASES=${LEASES:-10000}
LEADER_WATCHERS=0
RUN_LEASES=1
for arg in "$@"; do
  case $arg in
    --leader-watchers) LEADER_WATCHERS=1 ;;
    --no-leases) RUN_LEASES=0 ;;
    *) awk 'NR > 1 { if (!/^#/) exit; print }' "$0"; exit 2 ;;
  esac
done

# 10,000 streams need 10,000 descriptors in the client and in the node that serves them: the
# nodes and the client inherit this shell's limit (the JVM raises its soft limit to the hard one)
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
[[ $(ulimit -n) == unlimited ]] || (($(ulimit -n) >= WATCHERS + 2000)) \
  || die "the open-file limit is $(ulimit -n) (hard $(ulimit -Hn)); $WATCHERS watchers need more"

# A base port whose cluster ports (raft BASE+1.., clients BASE+1001.., gateway BASE+1000) are free.
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_base() {
  local base p ok
  for base in 9500 9520 9540 9560 9580 9420 9440 9460 9480; do
    ok=1
    for p in $((base + 1)) $((base + 2)) $((base + 3)) $((base + 1000)) $((base + 1001)) \
        $((base + 1002)) $((base + 1003)); do
      port_free "$p" || { ok=0; break; }
    done
    ((ok)) && { echo "$base"; return; }
  done
  die "no free base port for a cluster"
}

watch_bench() { # NAME ARGS...: one phase; its report to stdout and $OUT/NAME.txt
  local name=$1
  shift
  say "$name"
  # a failed phase is reported and the next ones still run: the table shows '-' for it
  # shellcheck disable=SC2086
  java ${WATCH_BENCH_JAVA_OPTS:-} -jar "$JAR" watch-bench --label "$name" --keys "$KEYS" \
    --clients "$CLIENTS" --duration "$DURATION" --warmup "$WARMUP" "$@" | tee "$OUT/$name.txt" \
    || say "$name: watch-bench failed (exit status ${PIPESTATUS[0]})"
  grep -q '^RESULT ' "$OUT/$name.txt" || say "$name: no RESULT line (see above)"
}

field() { # NAME PHASE: a field of that phase's RESULT line ('-' when absent)
  local v
  v=$(sed -n "s/^RESULT .* $1=\([^ ]*\).*/\1/p" "$OUT/$2.txt" 2>/dev/null)
  echo "${v:--}"
}

node_id() { echo $(( ${1##*:} - CLUSTER_BASE - 1000 )); } # the node id of a client URL
node_pid() { cat "$CLUSTER_DATA/run/$1.pid"; }

build_jar
mkdir -p "$OUT"
CLUSTER_BASE=$(free_base)
CLUSTER_DATA=$(mktemp -d /tmp/raftkv-watch-bench-XXXXXX)
finish() {
  cleanup # common.sh: stops the cluster (cluster.sh stop: by the pid files)
  if [[ -d $CLUSTER_DATA/logs ]]; then rm -rf "$OUT/logs"; cp -r "$CLUSTER_DATA/logs" "$OUT/logs"; fi
  rm -rf "$CLUSTER_DATA"
}
trap finish EXIT

say "watch-bench of $(revision): cluster on base port $CLUSTER_BASE, data in $CLUSTER_DATA"
STARTED+=("raftkv:$ROOT")
RAFTKV_NODE_ARGS="--set limits.maxConnections=12000 --set watch.maxWatchers=12000" \
  raftkv_cluster start >"$OUT/cluster-start.txt"

leader=$(raftkv_leader_url)
say "warm-up: ${PRELOAD}s of writes to the leader ($leader), not measured"
load --url "$leader" --clients "$CLIENTS" --read-fraction 0 --keys "$KEYS" --key-prefix wb/ \
  --value-size 8 --duration "${PRELOAD}s" --warmup 0s >/dev/null 2>&1

PHASES=()
# each phase finds the leader afresh: leadership may have moved (it should not; the table says)
leader=$(raftkv_leader_url)
watch_bench baseline --endpoint "$leader" --watchers 0 --server-pid "$(node_pid "$(node_id "$leader")")"
PHASES+=(baseline)

leader=$(raftkv_leader_url)
follower=$(raftkv_follower_url)
watch_bench follower-watchers --endpoint "$follower" --write-endpoint "$leader" \
  --watchers "$WATCHERS" --server-pid "$(node_pid "$(node_id "$follower")")"
PHASES+=(follower-watchers)

if ((LEADER_WATCHERS)); then
  sleep 2 # the follower's 10,000 connections are closing; these go to another node anyway
  leader=$(raftkv_leader_url)
  watch_bench leader-watchers --endpoint "$leader" --watchers "$WATCHERS" \
    --server-pid "$(node_pid "$(node_id "$leader")")"
  PHASES+=(leader-watchers)
fi

if ((RUN_LEASES)); then
  leader=$(raftkv_leader_url)
  watch_bench leases --endpoint "$leader" --leases "$LEASES" \
    --server-pid "$(node_pid "$(node_id "$leader")")"
fi

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0 && a != "-") printf "%.2f", a / b; else print "-" }'; }

base_rate=$(field writes_per_s baseline)
table="Load tester: $(revision); $CLIENTS writers to the leader, keys wb/0..wb/$((KEYS - 1)), $DURATION measured after $WARMUP"$'\n\n'
table+="| phase | watchers open | writes/s | vs baseline | write p99 ms | events/s | delivery p50 ms | p90 ms | p99 ms | max ms | events missing | disconnected | server CPU % |"$'\n'
table+="| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"$'\n'
for p in "${PHASES[@]}"; do
  table+="| $p | $(field watchers_open "$p") | $(field writes_per_s "$p") | $(ratio "$(field writes_per_s "$p")" "$base_rate") | $(field write_p99_ms "$p") | $(field events_per_s "$p") | $(field delivery_p50_ms "$p") | $(field delivery_p90_ms "$p") | $(field delivery_p99_ms "$p") | $(field delivery_max_ms "$p") | $(field events_missing "$p") of $(field events_expected "$p") | $(field disconnected "$p") | $(field server_cpu_pct "$p") |"$'\n'
done
if ((RUN_LEASES)); then
  table+=$'\n'"| leases | granted | keep-alives/s | scheduled/s | p50 ms | p99 ms | lost (404) | errors | leader CPU % | leader CPU ms per keep-alive |"$'\n'
  table+="| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"$'\n'
  table+="| $(field leases leases) | $(field granted leases) | $(field keepalives_per_s leases) | $(field keepalive_target_per_s leases) | $(field keepalive_p50_ms leases) | $(field keepalive_p99_ms leases) | $(field leases_lost leases) | $(field keepalive_errors leases) | $(field server_cpu_pct leases) | $(field cpu_ms_per_keepalive leases) |"$'\n'
fi
table+=$'\n'"Server CPU % is of one core: the follower's in follower-watchers, the leader's otherwise."$'\n'
table+="etcd is left out: an etcd comparison needs its gRPC watch API; the HTTP gateway of etcd 3.4 only streams watches as chunked JSON, not comparable with raftkv's SSE through this client."
if command -v etcd >/dev/null; then
  table+=" ($(etcd --version 2>/dev/null | sed -n 1p) is installed, but no etcd run was made.)"
fi
printf '\n%s\n' "$table" | tee "$OUT/watch-bench.md"
