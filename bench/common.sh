# shellcheck shell=bash
# bench/common.sh — what bench/run.sh and bench/compare.sh share. Sourced (not run) by both,
# after they cd to the repository root.
#
#   ROOT, JAR           this checkout and its target/raftkv.jar
#   say, die            progress on stderr ("== ..."); an error, then exit 1
#   revision            this checkout as 'git describe --always --dirty', the stamp of results
#   build_jar           build $JAR when it is missing or a source is newer than it, saying why
#   load ARGS           the load tester of $JAR
#   raftkv_cluster ARGS cluster.sh of $CLUSTER_TREE (default this checkout), with data in
#                       $CLUSTER_DATA, ports from $CLUSTER_BASE: both set by the script. It never
#                       rebuilds that tree's jar behind the script's back (RAFTKV_NO_REBUILD=1)
#   raftkv_leader_url   the client URL of the leader of that cluster (nodes 1..3)
#   raftkv_follower_url the client URL of a node of that cluster that does not lead
#   STARTED, stop_last  what to stop, "kind:arg", latest last: pid:PID, etcd:DIR,
#                       raftkv:TREE, worktree:DIR. stop_last stops the latest and forgets it;
#                       on exit, whatever is left is stopped, latest first.

ROOT=$(pwd)
JAR=$ROOT/target/raftkv.jar
SCRIPT=bench/${0##*/}

say() { echo "== $*" >&2; }
die() { echo "$SCRIPT: $*" >&2; exit 1; }

revision() { git describe --always --dirty 2>/dev/null || echo unknown; }

# Why $JAR must be built, or nothing: it is missing, or a file under src/ or pom.xml is newer
# than it (the same test as stale_reason in cluster.sh).
jar_stale_reason() {
  [[ -f $JAR ]] || { echo "it is missing"; return 0; }
  local newer
  newer=$(find src pom.xml -newer "$JAR" -print -quit 2>/dev/null) || true
  [[ -z $newer ]] || echo "$newer is newer than ${JAR#"$ROOT"/}"
}

build_jar() {
  local why
  why=$(jar_stale_reason)
  [[ -n $why ]] || return 0
  say "building $JAR: $why"
  command -v mvn >/dev/null || die "Maven is missing: install it (apt-get install maven) or build the jar elsewhere"
  mvn -q -B -DskipTests package || die "the build failed; run 'mvn -DskipTests package' to see why"
}

# BENCH_LOAD_TLS: more load tester options for a TLS or token cluster (--cacert, --token-file);
# BENCH_SCHEME (http or https) and BENCH_CURL_OPTS (--cacert FILE) for the scripts' own curls.
# shellcheck disable=SC2086 # the options are words on purpose
load() { java -jar "$JAR" load ${BENCH_LOAD_TLS:-} "$@"; }
# shellcheck disable=SC2086
bcurl() { curl ${BENCH_CURL_OPTS:-} "$@"; }

raftkv_cluster() {
  RAFTKV_DATA=$CLUSTER_DATA RAFTKV_BASE_PORT=$CLUSTER_BASE RAFTKV_NO_REBUILD=1 \
    "${CLUSTER_TREE:-$ROOT}/cluster.sh" "$@"
}

raftkv_leader_url() {
  local id leader
  for id in 1 2 3; do
    leader=$(bcurl -sf "${BENCH_SCHEME:-http}://127.0.0.1:$((CLUSTER_BASE + 1000 + id))/v1/cluster" \
      | sed -n 's/.*"leaderId":\([0-9]*\).*/\1/p') || continue
    if [[ -n $leader && $leader != 0 ]]; then
      echo "${BENCH_SCHEME:-http}://127.0.0.1:$((CLUSTER_BASE + 1000 + leader))"; return
    fi
  done
  die "no raftkv leader"
}

raftkv_follower_url() {
  local leader id
  leader=$(raftkv_leader_url)
  for id in 1 2 3; do
    if [[ $leader != "${BENCH_SCHEME:-http}://127.0.0.1:$((CLUSTER_BASE + 1000 + id))" ]]; then
      echo "${BENCH_SCHEME:-http}://127.0.0.1:$((CLUSTER_BASE + 1000 + id))"; return
    fi
  done
}

million_keys() { # system target url: load 1,000,000 keys of 100 bytes
  local system=$1 target=$2 url=$3
  say "$system: loading 1,000,000 keys of 100 bytes (${BENCH_MILLION_CLIENTS:-256} clients)"
  load --target "$target" --url "$url" --clients "${BENCH_MILLION_CLIENTS:-256}" --read-fraction 0 \
    --key-dist sequential --keys 1000000 --requests 1000000 --value-size 100 \
    --key-prefix million/ --label "$system load 1M" >"$OUT/$system-million.txt" \
    2>"$OUT/$system-million.progress"
  grep -E '^(all|RESULT)' "$OUT/$system-million.txt" >&2
}

elapsed_ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }

node_rss_mb() { awk '/VmRSS/ {printf "%.0f", $2 / 1024}' "/proc/$1/status"; }

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

STARTED=()
undo() { # undo ITEM: stop what ITEM says was started
  case $1 in
    pid:*) kill "${1#pid:}" ;;
    etcd:*) bench/etcd-cluster.sh stop "${1#etcd:}" ;;
    raftkv:*) CLUSTER_TREE=${1#raftkv:} raftkv_cluster stop ;;
    worktree:*) git worktree remove --force "${1#worktree:}" ;;
  esac
}
stop_last() { undo "${STARTED[-1]}" >/dev/null; unset 'STARTED[-1]'; }
cleanup() {
  local i
  for ((i = ${#STARTED[@]} - 1; i >= 0; i--)); do undo "${STARTED[i]}" >/dev/null 2>&1 || true; done
}
trap cleanup EXIT
