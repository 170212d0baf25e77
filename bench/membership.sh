#!/usr/bin/env bash
# bench/membership.sh — membership changes and leadership transfer, measured on this machine:
#
#   1. 32 clients write through the gateway (closed loop, 10 s, 2 s of warm-up; with
#      MEMBERSHIP_VIA=nodes, to the three nodes instead, whose followers forward); 4 s into the
#      measured period the leader either hands leadership to a follower ('cluster.sh transfer')
#      or is SIGKILLed ('cluster.sh kill'). Of the gaps with no successful write that the load
#      tester reports, the longest that ended within 5 s after the event is the event's (a
#      stall of this shared machine elsewhere in the run is not). $MEMBERSHIP_ROUNDS (default 3) rounds of each, alternating, each on a
#      fresh 3-node cluster; medians and their ratio.
#   2. A cluster holding 1,000,000 keys of 100 bytes: the time from 'cluster.sh add 4' (start
#      the node, add it as a learner) until it is promoted to voter, and how it caught up
#      (InstallSnapshot or the log).
#   3. As 1, but the leader freezes ('cluster.sh pause', SIGSTOP; resumed 4 s later): the gap a
#      frozen leader costs the writers, against the election timeout (500-1000 ms by default).
#
#   bench/membership.sh          all parts (about 6 minutes)
#   bench/membership.sh 1        only the parts named
#
# Results land in $BENCH_OUT (default target/bench-membership): membership.md (the numbers) and
# the load tester's output of every run.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/common.sh
source bench/common.sh
OUT=${BENCH_OUT:-$ROOT/target/bench-membership}
ROUNDS=${MEMBERSHIP_ROUNDS:-3}
CLUSTER_BASE=9900         # raft 9901.., clients 10901.., gateway 10900
CLUSTER_DATA=$OUT/raftkv
GATEWAY=http://127.0.0.1:$((CLUSTER_BASE + 1000))
NODES=http://127.0.0.1:$((CLUSTER_BASE + 1001)),http://127.0.0.1:$((CLUSTER_BASE + 1002)),http://127.0.0.1:$((CLUSTER_BASE + 1003))
VIA=${MEMBERSHIP_VIA:-gateway}
[[ $VIA == gateway || $VIA == nodes ]] || die "MEMBERSHIP_VIA is gateway or nodes, not '$VIA'"
CLIENT_URLS=$GATEWAY
[[ $VIA == nodes ]] && CLIENT_URLS=$NODES
PARTS=("$@")
((${#PARTS[@]})) || PARTS=(1 2 3)

wants() { [[ " ${PARTS[*]} " == *" $1 "* ]]; }
report() { echo "$*" | tee -a "$OUT/membership.md" >&2; }
median() { sort -n | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
leader_id() { local url; url=$(raftkv_leader_url); echo $(( ${url##*:} - CLUSTER_BASE - 1000 )); }

fresh_raftkv() {
  raftkv_cluster stop >/dev/null 2>&1 || true
  raftkv_cluster clean >/dev/null 2>&1 || true
  raftkv_cluster start >/dev/null
}

# gap KIND ROUND: the longest gap without a successful write (ms) that ended within 5 s after
# one transfer or kill
gap() {
  local kind=$1 round=$2 leader target file="$OUT/$1-$2.txt"
  fresh_raftkv
  load --url "$CLIENT_URLS" --clients 32 --read-fraction 0 --duration 10s --warmup 2s \
    --label "$kind round $round" >"$file" 2>/dev/null &
  local pid=$!
  STARTED+=("pid:$pid")
  sleep 6
  leader=$(leader_id)
  target=$(( leader % 3 + 1 ))
  local event
  event=$(date +%s%3N)
  case $kind in
    transfer) raftkv_cluster transfer "$target" >/dev/null ;;
    kill) raftkv_cluster kill "$leader" >/dev/null ;;
    pause) raftkv_cluster pause "$leader" >/dev/null ;;
  esac
  [[ $kind == pause ]] && { sleep 4; raftkv_cluster resume "$leader" >/dev/null; }
  wait "$pid" || true
  unset 'STARTED[-1]'
  awk -v from="$event" -v to=$((event + 5000)) \
    '/^  write gap/ && $NF >= from && $NF <= to && $3 > max { max = $3 } END { print max + 0 }' "$file"
}

mkdir -p "$OUT"
: >"$OUT/membership.md"
build_jar
STARTED+=("raftkv:$ROOT")
report "# raftkv membership benchmark, $(revision), $(date -u +%Y-%m-%d), $(nproc) cores"

if wants 1; then
  say "part 1: write gaps, $ROUNDS rounds of leadership transfer and of SIGKILL of the leader"
  transfers=() kills=()
  for ((r = 1; r <= ROUNDS; r++)); do
    transfers+=("$(gap transfer "$r")")
    say "round $r: transfer ${transfers[-1]} ms"
    kills+=("$(gap kill "$r")")
    say "round $r: kill ${kills[-1]} ms"
  done
  t=$(printf '%s\n' "${transfers[@]}" | median)
  k=$(printf '%s\n' "${kills[@]}" | median)
  report ""
  report "## Longest gap without a successful write (32 clients, via $VIA)"
  report ""
  report "| event | rounds (ms) | median (ms) |"
  report "| --- | --- | --- |"
  report "| leadership transfer (\`cluster.sh transfer\`) | ${transfers[*]} | $t |"
  report "| SIGKILL of the leader (\`cluster.sh kill\`) | ${kills[*]} | $k |"
  report ""
  report "transfer / kill: $(awk -v t="$t" -v k="$k" 'BEGIN {printf "%.3f", t / k}')"
fi

if wants 2; then
  say "part 2: adding a member to a cluster holding 1,000,000 keys"
  fresh_raftkv
  # straight to the leader: through the gateway every write carries a request id the gateway
  # made up, and 1,000,000 of them in a minute are more than requestIds.maxMemoryBytes holds
  million_keys raftkv raftkv "$(raftkv_leader_url)"
  start=$(date +%s%N)
  raftkv_cluster add 4 >"$OUT/add.txt"
  ms=$(elapsed_ms "$start")
  # promotable means its log is durable up to the commit index; applying it takes a while longer
  commit=$(curl -sf "$(raftkv_leader_url)/v1/cluster" | grep -o '"commitIndex":[0-9]*' | cut -d: -f2)
  until (( $(curl -sf "http://127.0.0.1:$((CLUSTER_BASE + 1004))/v1/cluster" \
      | grep -o '"appliedIndex":[0-9]*' | cut -d: -f2) >= commit )); do sleep 0.1; done
  applied_ms=$(elapsed_ms "$start")
  status=$(curl -sf "http://127.0.0.1:$((CLUSTER_BASE + 1004))/v1/cluster")
  received=$(grep -o '"received":[0-9]*' <<<"$status" | cut -d: -f2)
  keys=$(grep -o '"keys":[0-9]*' <<<"$status" | cut -d: -f2)
  report ""
  report "## Adding a member to a cluster holding 1,000,000 keys"
  report ""
  report "\`cluster.sh add 4\` until node 4 is a voter (its log durable within 1,000 entries of"
  report "the commit index): $ms ms; until it has applied everything committed then: $applied_ms ms"
  report "($keys keys; snapshots received: $received)."
fi
if wants 3; then
  say "part 3: write gaps, $ROUNDS rounds of a frozen leader (SIGSTOP, resumed 4 s later)"
  pauses=()
  for ((r = 1; r <= ROUNDS; r++)); do
    pauses+=("$(gap pause "$r")")
    say "round $r: pause ${pauses[-1]} ms"
  done
  report ""
  report "## Longest gap without a successful write when the leader freezes (32 clients, via $VIA)"
  report ""
  report "| event | rounds (ms) | median (ms) |"
  report "| --- | --- | --- |"
  report "| SIGSTOP of the leader (\`cluster.sh pause\`) | ${pauses[*]} | $(printf '%s\n' "${pauses[@]}" | median) |"
fi
say "results in $OUT/membership.md"
