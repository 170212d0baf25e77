#!/usr/bin/env bash
# bench/compare.sh — the same raftkv scenarios against several builds, one after another:
# the before/after figures of an optimisation.
#
#   bench/compare.sh BUILD [BUILD...]
#   e.g. bench/compare.sh HEAD~3 HEAD
#        bench/compare.sh HEAD HEAD:tuning.groupCommit=false HEAD:tuning.maxInflightAppends=1
#        bench/compare.sh HEAD HEAD+tls HEAD+tls+auth HEAD+tls:tls.engine=openssl
#
# A BUILD is a git revision, optionally with ':field=value' settings for every node (as
# 'node --set field=value'), and '+tls' / '+auth' to start its cluster with 'cluster.sh start
# --tls' / '--auth' (clients then speak HTTPS, trusting the cluster's CA, and send the
# read-write token); the revision's cluster.sh must know these flags. Each revision is built in a temporary git worktree and run as a
# 3-node cluster (cluster.sh of that revision, fsync on), warmed up like bench/run.sh does, then
# measured with this checkout's load tester (target/raftkv.jar, built first when it is missing or
# older than a source): writes with 1 and 64 clients, linearizable reads with 64, all sent to the
# leader, and writes with 64 clients sent to a follower, which forwards them. The table, under
# a line naming the load tester's revision (git describe --always --dirty), goes to stdout and to
# $BENCH_OUT/compare.md (default target/bench-compare).
#
# Environment: BENCH_OUT, BENCH_DURATION (default 15s), BENCH_WARMUP (default 8s),
# BENCH_PRELOAD (default 40, seconds of writes before measuring; half that of reads).
set -euo pipefail
cd "$(dirname "$0")/.."
(($#)) || { awk 'NR > 1 { if (!/^#/) exit; print }' "$0"; exit 2; }
# shellcheck source=bench/common.sh
source bench/common.sh
OUT=${BENCH_OUT:-$ROOT/target/bench-compare}
DURATION=${BENCH_DURATION:-15s}
WARMUP=${BENCH_WARMUP:-8s}
PRELOAD=${BENCH_PRELOAD:-40}
CLUSTER_BASE=9700
CLUSTER_DATA=$OUT/data
SCENARIOS=("write-c1|--clients 1 --read-fraction 0" "write-c64|--clients 64 --read-fraction 0"
  "read-c64|--clients 64 --read-fraction 1" "follower-write-c64|--clients 64 --read-fraction 0")

build_jar
LOAD_TESTER="target/raftkv.jar of $(revision)"
say "load tester: $LOAD_TESTER"
mkdir -p "$OUT"

declare -A TREES   # sha -> its built worktree, reused by every build of that revision

load_10k() { load --keys 10000 --value-size 100 "$@"; }

table="| build | scenario | ok/s | p50 ms | p99 ms | errors |"$'\n'"| --- | --- | ---: | ---: | ---: | ---: |"$'\n'
for build in "$@"; do
  rev=${build%%:*}
  modes=""
  while [[ $rev == *+tls || $rev == *+auth ]]; do modes+=" --${rev##*+}"; rev=${rev%+*}; done
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
    STARTED+=("worktree:$tree")
    say "$sha: building"
    (cd "$tree" && { mvn -q -B -o -DskipTests package >/dev/null 2>&1 || mvn -q -B -DskipTests package; })
  fi
  CLUSTER_TREE=${TREES[$sha]}
  rm -rf "$CLUSTER_DATA"
  STARTED+=("raftkv:$CLUSTER_TREE")
  BENCH_SCHEME=http BENCH_CURL_OPTS="" BENCH_LOAD_TLS=""
  if [[ $modes == *--tls* ]]; then
    BENCH_SCHEME=https BENCH_CURL_OPTS="--cacert $CLUSTER_DATA/tls/ca.pem"
    BENCH_LOAD_TLS="--cacert $CLUSTER_DATA/tls/ca.pem"
  fi
  if [[ $modes == *--auth* ]]; then
    BENCH_LOAD_TLS+=" --token-file $CLUSTER_DATA/auth/read-write.token"
    BENCH_CURL_OPTS+=" -H @$CLUSTER_DATA/curl-auth-header"
  fi
  # shellcheck disable=SC2086
  RAFTKV_NODE_ARGS=$settings raftkv_cluster start $modes >/dev/null
  if [[ $modes == *--auth* ]]; then
    printf 'Authorization: Bearer %s\n' "$(cat "$CLUSTER_DATA/auth/read.token")" \
      > "$CLUSTER_DATA/curl-auth-header"
  fi
  url=$(raftkv_leader_url)
  follower=$(raftkv_follower_url)
  say "$build ($sha): warm-up, ${PRELOAD}s of writes and $((PRELOAD / 2))s of reads"
  load_10k --url "$url" --clients 64 --read-fraction 0 --duration "${PRELOAD}s" --warmup 0s >/dev/null 2>&1
  load_10k --url "$url" --clients 64 --read-fraction 1 --duration "$((PRELOAD / 2))s" --warmup 0s >/dev/null 2>&1
  for entry in "${SCENARIOS[@]}"; do
    name=${entry%%|*}
    say "$build ($sha): $name"
    # shellcheck disable=SC2086
    target=$url
    [[ $name == follower-* ]] && target=$follower
    load_10k --url "$target" ${entry#*|} --duration "$DURATION" --warmup "$WARMUP" \
      >"$OUT/$tag-$name.txt" 2>/dev/null
    read -r _ _ _ _ okps p50 _ p99 _ < <(grep '^all' "$OUT/$tag-$name.txt")
    errors=$(awk '$1 == "all" {print $4}' "$OUT/$tag-$name.txt")
    table+="| $build ($sha) | $name | $(printf "%.0f" "$okps") | $p50 | $p99 | $errors |"$'\n'
    grep '^all' "$OUT/$tag-$name.txt" >&2
  done
  stop_last >/dev/null 2>&1 || true # the cluster
done
printf 'Load tester: %s\n\n%s\n' "$LOAD_TESTER" "$table" | tee "$OUT/compare.md"
