#!/usr/bin/env bash
# cluster.sh — run a local raftkv cluster: N nodes and one standalone front end (gateway).
#
#   ./cluster.sh start [N] [--tls] [--auth]
#                            build if needed, start N nodes (default 3, or the cluster already
#                            in the data directory, as members were added and removed) and a gateway,
#                            wait for a leader, print the endpoints. "If needed": the jar is
#                            missing, or a file under src/ or pom.xml is newer than it.
#                            --tls and --auth count when the cluster is first made (later its
#                            configuration decides): --tls makes a local CA and a certificate per
#                            node and the gateway in DATA/tls (scripts/tls-certs.sh), and every
#                            port speaks TLS (curl --cacert DATA/tls/ca.pem https://...); --auth
#                            makes clients present a token: DATA/auth holds admin.token,
#                            read-write.token and read.token. ./raftkv finds both by itself.
#   ./cluster.sh stop [ID]   stop every process this script started (or only node ID; a
#                            leader hands leadership over first)
#   ./cluster.sh status      what runs, and each node's view of the cluster
#   ./cluster.sh kill ID     SIGKILL node ID          ./cluster.sh restart ID   start it again
#   ./cluster.sh pause ID    SIGSTOP node ID          ./cluster.sh resume ID    SIGCONT
#   ./cluster.sh logs ID     the node's log (ID may be "gateway")
#   ./cluster.sh add ID      start a new node ID, add it as a learner, promote it to voter
#                            once it has caught up
#   ./cluster.sh remove ID   remove node ID from the configuration, then stop it
#   ./cluster.sh transfer ID hand leadership to node ID
#   ./cluster.sh clean       remove all data (asks first only if the cluster is running)
#
# Environment: RAFTKV_DATA (default ./data), RAFTKV_JAVA_OPTS (default -Xmx1g),
# RAFTKV_BASE_PORT (default 7100: node i gets raft port BASE+i, client port BASE+1000+i,
# the gateway BASE+1000), RAFTKV_NODE_ARGS (more arguments for every node, e.g.
# "--set tuning.groupCommit=false"), RAFTKV_NO_REBUILD=1 (build the jar only if it is missing,
# not when it is older than the sources: the bench scripts set it once they have built it).
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$(pwd)
DATA=${RAFTKV_DATA:-$ROOT/data}
JAR=$ROOT/target/raftkv.jar
BASE=${RAFTKV_BASE_PORT:-7100}
JAVA_OPTS=${RAFTKV_JAVA_OPTS:--Xmx1g}
NODE_ARGS=${RAFTKV_NODE_ARGS:-}
# the configurations name certificate files by absolute paths (a relative RAFTKV_DATA is under ROOT)
DATA_ABS=$DATA
[[ $DATA_ABS == /* ]] || DATA_ABS=$ROOT/$DATA

die() { echo "cluster.sh: $*" >&2; exit 1; }
pidfile() { echo "$DATA/run/$1.pid"; }
is_running() { local f; f=$(pidfile "$1"); [[ -f $f ]] && kill -0 "$(cat "$f")" 2>/dev/null; }
# is_paused ID: ID runs and is stopped (SIGSTOP). /proc/PID/stat reads "PID (NAME) STATE ...",
# and NAME may hold spaces and parentheses: the state is the first field after the last ')'.
is_paused() {
  local f stat
  f=$(pidfile "$1")
  [[ -f $f ]] || return 1
  { stat=$(<"/proc/$(cat "$f")/stat"); } 2>/dev/null || return 1
  stat=${stat##*) }
  [[ ${stat%% *} == [Tt] ]]
}
node_name() { if [[ $1 == gateway ]]; then echo gateway; else echo "node $1"; fi; }
client_port() { if [[ $1 == gateway ]]; then echo $((BASE + 1000)); else echo $((BASE + 1000 + $1)); fi; }
node_ids() { ls "$DATA/conf" 2>/dev/null | sed -n 's/^node\([0-9]*\)\.json$/\1/p' | sort -n; }

# A cluster made with --tls has $DATA/tls (its CA and certificates), one made with --auth
# $DATA/auth (its tokens); every request of this script goes through kcurl, to scheme()://.
tls_on() { [[ -d $DATA/tls ]]; }
auth_on() { [[ -d $DATA/auth ]]; }
scheme() { if tls_on; then echo https; else echo http; fi; }
kcurl() {
  local opts=()
  tls_on && opts+=(--cacert "$DATA/tls/ca.pem")
  if auth_on; then
    # the admin token goes in through a pipe, not on the command line (which 'ps' shows to all)
    curl "${opts[@]}" -H @<(printf 'Authorization: Bearer %s\n' "$(cat "$DATA/auth/admin.token")") "$@"
  else
    curl "${opts[@]}" "$@"
  fi
}

# Why the jar must be built, or nothing: it is missing, or a source is newer than it (the same
# test as jar_stale_reason in bench/common.sh, which this script does not source: it stands alone).
stale_reason() {
  [[ -f $JAR ]] || { echo "it is missing"; return 0; }
  [[ ${RAFTKV_NO_REBUILD:-} == 1 ]] && return 0
  local newer
  newer=$(find src pom.xml -newer "$JAR" -print -quit 2>/dev/null) || true
  [[ -z $newer ]] || echo "$newer is newer than ${JAR#"$ROOT"/}"
}

# restart ID: the other processes run from the jar, so it is built only when missing; a newer
# source is only pointed out (a rebuild under running processes would leave mixed code).
build_for_restart() {
  if [[ -f $JAR ]]; then
    local why
    why=$(stale_reason)
    [[ -z $why ]] || echo "Note: $why; restarting with the jar as it is ('./cluster.sh stop' and 'start' rebuild)" >&2
    return 0
  fi
  build_if_needed
}

build_if_needed() {
  local why
  why=$(stale_reason)
  [[ -n $why ]] || return 0
  if [[ -f $JAR ]]; then
    echo "Rebuilding the jar: $why (takes a minute)..." >&2
  else
    echo "Building $JAR (first start only; takes a minute)..." >&2
  fi
  command -v mvn >/dev/null || die "Maven is missing: install it (apt-get install maven) or build the jar elsewhere"
  mvn -q -B -DskipTests package || die "the build failed; run 'mvn -DskipTests package' to see why"
}

write_configs() {
  local n=$1 i members="" role tls="" auth=""
  if auth_on; then
    auth=$',\n  "auth": {"enabled": true, "tokens": ['
    for role in admin read-write read; do
      local name=local-admin hash
      [[ $role == read-write ]] && name=local-writer
      [[ $role == read ]] && name=local-reader
      hash=$(sha256sum < "$DATA/auth/$role.token" | cut -d' ' -f1)
      auth+="{\"name\": \"$name\", \"role\": \"$role\", \"sha256\": \"$hash\"}"
      [[ $role == read ]] || auth+=", "
    done
    auth+="]}"
  fi
  # the configurations hold the cluster token, which opens the Raft ports (and, with --auth,
  # is an admin's token): this user's only
  mkdir -p "$DATA/conf"
  chmod 700 "$DATA/conf"
  for ((i = 1; i <= n; i++)); do
    members+="    {\"id\": $i, \"host\": \"127.0.0.1\", \"raftPort\": $((BASE + i)), \"clientPort\": $((BASE + 1000 + i))}"
    ((i < n)) && members+=$',\n'
  done
  for id in $(seq 0 "$n"); do
    local file="$DATA/conf/node$id.json" port=0 dir="$DATA/node$id"
    if ((id == 0)); then file="$DATA/conf/gateway.json"; port=$((BASE + 1000)); dir=""; fi
    if tls_on; then
      local cert="$DATA_ABS/tls/node$id"
      ((id == 0)) && cert="$DATA_ABS/tls/gateway"
      tls=$',\n  "tls": {"enabled": true, "certFile": "'"$cert.pem"'", "keyFile": "'"$cert-key.pem"'", "caFile": "'"$DATA_ABS/tls/ca.pem"'"}'
    fi
    cat > "$file" <<JSON
{
  "nodeId": $id,
  "dataDir": "$dir",
  "bindHost": "127.0.0.1",
  "gatewayPort": $port,
  "members": [
$members
  ],
  "clusterToken": "local-cluster-$(cat "$DATA/run/token")",
  "tickMs": 50,
  "electionTicks": 10,
  "heartbeatTicks": 2,
  "limits": {"maxKeyBytes": 1024, "maxValueBytes": 1048576, "maxInflightRequests": 10000, "requestTimeoutMs": 5000}$tls$auth
}
JSON
  done
}

launch() { # launch ID: start node ID (or the gateway) in the background
  local id=$1 kind=node conf="$DATA/conf/node$1.json"
  local args=$NODE_ARGS
  # a node added by 'add' joins the cluster through the members it was told of
  [[ -f $DATA/conf/node$id.join ]] && args+=" --join $(cat "$DATA/conf/node$id.join")"
  if [[ $id == gateway ]]; then kind=gateway; conf="$DATA/conf/gateway.json"; args=""; fi
  [[ -f $conf ]] || die "no configuration $conf: run './cluster.sh start' first"
  is_running "$id" && { echo "$id is already running (pid $(cat "$(pidfile "$id")"))"; return; }
  mkdir -p "$DATA/logs" "$DATA/run"
  (
    close_inherited_fds
    # shellcheck disable=SC2086
    exec nohup java $JAVA_OPTS -jar "$JAR" "$kind" --config "$conf" $args >> "$DATA/logs/$id.log" 2>&1 < /dev/null
  ) &
  echo $! > "$(pidfile "$id")"
}

# A node outlives this script, so it must not keep open what the caller left open: run as
# 'flock LOCK ./cluster.sh start', the nodes would otherwise hold LOCK until they stop.
close_inherited_fds() {
  local fd
  for fd in /proc/"$BASHPID"/fd/*; do
    fd=${fd##*/}
    if [[ $fd =~ ^[0-9]+$ ]] && ((fd > 2)) && [[ -L /proc/$BASHPID/fd/$fd ]]; then exec {fd}>&-; fi
  done
}

wait_for_leader() {
  local deadline=$((SECONDS + 60)) id
  echo -n "Waiting for a leader"
  while ((SECONDS < deadline)); do
    for id in $(node_ids); do
      if kcurl -fsS --max-time 1 "$(scheme)://127.0.0.1:$(client_port "$id")/v1/cluster" 2>/dev/null \
          | grep -q '"role":"LEADER"'; then
        echo " — node $id leads."
        return 0
      fi
    done
    echo -n "."
    sleep 0.5
  done
  echo
  die "no leader after 60 s; see './cluster.sh logs ID' (logs in $DATA/logs)"
}

# make_security N WANT_TLS WANT_AUTH: for a cluster being made, the CA and certificates of N nodes
# and the gateway in $DATA/tls, and the tokens in $DATA/auth (what write_configs then names). What
# a start that stopped before its configurations were written left is replaced.
make_security() {
  local n=$1 i role certs=$ROOT/scripts/tls-certs.sh
  mkdir -p "$DATA"
  if (($2)); then
    [[ -x $certs ]] || die "$certs is missing: it makes the certificates of --tls"
    "$certs" ca "$DATA/tls" >/dev/null || die "making the CA in $DATA/tls failed"
    for ((i = 1; i <= n; i++)); do
      "$certs" member "$DATA/tls" "$i" >/dev/null || die "making node $i's certificate failed"
    done
    "$certs" gateway "$DATA/tls" >/dev/null || die "making the gateway's certificate failed"
    echo "TLS: a local CA and certificates for the nodes and the gateway are in $DATA/tls."
  else
    rm -rf "$DATA/tls"
  fi
  if (($3)); then
    mkdir -p "$DATA/auth"
    chmod 700 "$DATA/auth"
    for role in admin read-write read; do
      [[ -s $DATA/auth/$role.token ]] && continue
      (
        umask 077
        printf '%s' "rkv_$(head -c 32 /dev/urandom | base64 -w0 | tr '+/' '-_' | tr -d '=')" > "$DATA/auth/$role.token"
      )
    done
    echo "Auth: clients need a token; an admin, a read-write and a read token are in $DATA/auth."
  else
    rm -rf "$DATA/auth"
  fi
}

cmd_start() {
  # without N, a cluster already in $DATA starts as it was (members added or removed included)
  local existing n="" arg want_tls=0 want_auth=0
  for arg in "$@"; do
    case $arg in
      --tls) want_tls=1 ;;
      --auth) want_auth=1 ;;
      -*) die "start takes [N] [--tls] [--auth], got '$arg'" ;;
      *) [[ -z $n ]] || die "start takes one node count, got '$n' and '$arg'"; n=$arg ;;
    esac
  done
  existing=0
  [[ -d $DATA/conf ]] && existing=$(node_ids | wc -l)
  n=${n:-$((existing > 0 ? existing : 3))}
  [[ $n =~ ^[0-9]+$ ]] && ((n >= 1 && n <= 9)) || die "start takes a node count from 1 to 9, got '$n'"
  for id in $(node_ids) gateway; do is_running "$id" && die "the cluster is already running ('./cluster.sh status'; './cluster.sh stop' first)"; done
  if ((existing > 0 && existing != n)); then
    die "$DATA holds a cluster of $existing nodes; './cluster.sh start' starts it, './cluster.sh clean' first to start $n"
  fi
  # a cluster that exists keeps what its configurations say
  if ((existing > 0 && want_tls)) && ! tls_on; then
    die "$DATA holds a cluster without TLS; './cluster.sh clean' first to start one with --tls"
  fi
  if ((existing > 0 && want_auth)) && ! auth_on; then
    die "$DATA holds a cluster without authentication; './cluster.sh clean' first to start one with --auth"
  fi
  build_if_needed
  mkdir -p "$DATA/run"
  chmod 700 "$DATA/run"
  [[ -f $DATA/run/token ]] || od -An -N8 -tx8 /dev/urandom | tr -d ' \n' > "$DATA/run/token"
  if ((existing == 0)); then
    make_security "$n" "$want_tls" "$want_auth"
    write_configs "$n"
  fi
  echo "Starting $n nodes and a gateway (data and logs under $DATA)..."
  for id in $(node_ids); do launch "$id"; done
  launch gateway
  wait_for_leader
  local s gw curl_ex=curl ca_q auth_q
  s=$(scheme)
  gw="$s://127.0.0.1:$(client_port gateway)"
  cat <<TXT

raftkv is up.
  Clients:  $gw   (the gateway: it follows the leader)
TXT
  for id in $(node_ids); do echo "  Node $id:   $s://127.0.0.1:$(client_port "$id")   (raft port $((BASE + id)))"; done
  if tls_on; then
    ca_q=$(printf '%q' "$DATA_ABS/tls/ca.pem")
    curl_ex+=" --cacert $ca_q"
    cat <<TXT
TLS:      every port speaks TLS with a certificate of the local CA $ca_q:
          curl --cacert $ca_q $gw/...
TXT
  fi
  if auth_on; then
    auth_q=$(printf '%q' "$DATA_ABS/auth")
    curl_ex+=" -H \"Authorization: Bearer \$(cat $auth_q/read-write.token)\""
    cat <<TXT
Auth:     requests need a token (-H "Authorization: Bearer TOKEN"); three are in $auth_q:
          admin.token (role admin), read-write.token (read-write), read.token (read)
TXT
  fi
  # the command-line client's default endpoints are those of the default ports
  local cli_endpoints=""
  ((BASE == 7100)) || cli_endpoints=" --endpoints $gw"
  cat <<TXT

Try:
  $curl_ex -X PUT --data-binary 'hello' $gw/v1/kv/greeting
  $curl_ex $gw/v1/kv/greeting
  $curl_ex $gw/v1/cluster
  ./raftkv kv get greeting${cli_endpoints}; ./raftkv cluster status${cli_endpoints}
Dashboard: $gw/ui/   (metrics: /metrics on every port above)
Then: ./cluster.sh status | kill 1 | restart 1 | pause 2 | resume 2 | logs 1 | stop
TXT
}

stop_one() {
  local id=$1 f pid
  f=$(pidfile "$id")
  [[ -f $f ]] || return 0
  pid=$(cat "$f")
  if kill -0 "$pid" 2>/dev/null; then
    kill -CONT "$pid" 2>/dev/null || true # a paused process cannot handle SIGTERM
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$f"
}

cmd_stop() {
  local any=0
  for id in gateway $(node_ids); do
    if is_running "$id"; then any=1; echo "Stopping $id"; fi
    stop_one "$id"
  done
  ((any)) || echo "Nothing was running."
}

cmd_status() {
  [[ -d $DATA/conf ]] || { echo "No cluster in $DATA (./cluster.sh start)."; return 0; }
  for id in $(node_ids) gateway; do
    local state="stopped"
    if is_running "$id"; then
      state="running (pid $(cat "$(pidfile "$id")"))"
      is_paused "$id" && state="paused (pid $(cat "$(pidfile "$id")"))"
    fi
    local view=""
    if [[ $id != gateway ]] && is_running "$id"; then
      view=$(kcurl -fsS --max-time 1 "$(scheme)://127.0.0.1:$(client_port "$id")/v1/cluster" 2>/dev/null \
        | grep -o '"role":"[A-Z_]*"\|"term":[0-9]*\|"leaderId":[0-9]*\|"commitIndex":[0-9]*\|"appliedIndex":[0-9]*' \
        | tr '\n' ' ' | tr -d '"') || view="(not answering)"
    fi
    printf "%-8s %-28s %s\n" "$id" "$state" "$view"
  done
}

# The client URL of some running node (the gateway if none answers).
live_url() {
  local id
  for id in $(node_ids); do
    if is_running "$id" && kcurl -fsS --max-time 1 "$(scheme)://127.0.0.1:$(client_port "$id")/health" >/dev/null 2>&1; then
      echo "$(scheme)://127.0.0.1:$(client_port "$id")"; return
    fi
  done
  echo "$(scheme)://127.0.0.1:$(client_port gateway)"
}

# api METHOD PATH [BODY]: prints the body, returns 0 on 200 (the status is in $API_STATUS)
api() {
  local out body=()
  [[ -n ${3:-} ]] && body=(-H 'Content-Type: application/json' --data "$3")
  out=$(kcurl -sS --max-time 10 -X "$1" -w '\n%{http_code}' "${body[@]}" "$(live_url)$2" 2>&1) || true
  API_STATUS=${out##*$'\n'}
  API_BODY=${out%$'\n'*}
  [[ $API_STATUS == 200 ]]
}

cmd_add() {
  local id=$1 members="" urls="" other first
  [[ $id =~ ^[0-9]+$ ]] && ((id >= 1 && id <= 99)) || die "add takes a node id from 1 to 99, got '$id'"
  [[ -f $DATA/conf/node$id.json ]] && die "node $id exists already"
  [[ -f $DATA/conf/node$id.removed.json ]] && die "node $id was removed; a removed id is not reused: pick a new one"
  [[ -f $DATA/conf/node1.json || -n $(node_ids) ]] || die "no cluster in $DATA: './cluster.sh start' first"
  for other in $(node_ids); do urls+="${urls:+,}$(scheme)://127.0.0.1:$(client_port "$other")"; done
  build_if_needed
  first=$(node_ids | head -1)
  if tls_on; then
    "$ROOT/scripts/tls-certs.sh" member "$DATA/tls" "$id" >/dev/null || die "making node $id's certificate failed"
  fi
  # (on a TLS cluster the copy names node$id's certificate and key instead of node$first's)
  sed -e "s/\"nodeId\": [0-9]*/\"nodeId\": $id/" -e "s#\"dataDir\": \"[^\"]*\"#\"dataDir\": \"$DATA/node$id\"#" \
      -e "s#/node$first\\.pem\"#/node$id.pem\"#" -e "s#/node$first-key\\.pem\"#/node$id-key.pem\"#" \
      -e '/"members": \[/,/\]/d' "$DATA/conf/node$first.json" > "$DATA/conf/node$id.json.tmp"
  # the new node's own file names only itself: it learns the others from the leader's log
  members="    {\"id\": $id, \"host\": \"127.0.0.1\", \"raftPort\": $((BASE + id)), \"clientPort\": $((BASE + 1000 + id))}"
  awk -v m="$members" '/"gatewayPort"/ { print; print "  \"members\": [\n" m "\n  ],"; next } { print }' \
      "$DATA/conf/node$id.json.tmp" > "$DATA/conf/node$id.json"
  rm -f "$DATA/conf/node$id.json.tmp"
  echo "$urls" > "$DATA/conf/node$id.join"
  launch "$id"
  echo "Started node $id (pid $(cat "$(pidfile "$id")")); it asks $urls to add it as a learner."
  local start=$SECONDS deadline=$((SECONDS + ${RAFTKV_ADD_TIMEOUT:-600}))
  echo -n "Waiting for node $id to catch up before promoting it"
  while ((SECONDS < deadline)); do
    if api POST "/v1/members/$id/promote"; then
      echo; echo "Node $id is a voter ($((SECONDS - start)) s after it started)."; return 0
    fi
    is_running "$id" || { echo; die "node $id stopped; see './cluster.sh logs $id'"; }
    echo -n "."
    sleep 1
  done
  echo
  die "node $id was not promoted within ${RAFTKV_ADD_TIMEOUT:-600} s (last answer $API_STATUS: $API_BODY); see './cluster.sh logs $id'"
}

cmd_remove() {
  local id=$1
  api DELETE "/v1/members/$id" || die "removing node $id failed ($API_STATUS): $API_BODY"
  echo "Node $id is no longer a member."
  if is_running "$id"; then stop_one "$id"; echo "Stopped node $id."; fi
  # kept for its logs and data, but no longer started with the others
  mv "$DATA/conf/node$id.json" "$DATA/conf/node$id.removed.json"
}

cmd_transfer() {
  local id=$1
  api POST /v1/leader "{\"to\": $id}" || die "leadership did not move to node $id ($API_STATUS): $API_BODY"
  echo "Node $id leads: $API_BODY"
}

need_id() {
  [[ -n ${1:-} ]] || die "which node? e.g. './cluster.sh $2 1'"
  [[ $1 == gateway || -f $DATA/conf/node$1.json || ( $2 == logs && -f $DATA/conf/node$1.removed.json ) ]] \
    || die "no node '$1' (nodes: $(node_ids | tr '\n' ' '))"
}

signal_one() { # signal_one SIGNAL ID VERB
  local f; f=$(pidfile "$2")
  is_running "$2" || die "$2 is not running"
  kill "-$1" "$(cat "$f")"
  echo "$3 $2 (pid $(cat "$f"))"
}

cmd_pause() {
  local id=$1 pid
  is_running "$id" || die "$id is not running"
  pid=$(cat "$(pidfile "$id")")
  if is_paused "$id"; then echo "$(node_name "$id") is already paused (pid $pid)"; return 0; fi
  signal_one STOP "$id" "Paused"
  # the process stops when it next runs: wait for it, so that a 'resume' right after sees it paused
  for _ in $(seq 1 40); do is_paused "$id" && return 0; sleep 0.05; done
  echo "cluster.sh: $(node_name "$id") got SIGSTOP but is not shown as stopped yet" >&2
}

cmd_resume() {
  local id=$1
  is_running "$id" || die "$id is not running"
  if ! is_paused "$id"; then
    echo "$(node_name "$id") is not paused (running, pid $(cat "$(pidfile "$id")"))"
    return 0
  fi
  signal_one CONT "$id" "Resumed"
}

cmd_clean() {
  local running=0
  for id in $(node_ids) gateway; do is_running "$id" && running=1; done
  if ((running)); then
    if [[ -t 0 ]]; then
      read -r -p "The cluster is running. Stop it and delete $DATA? [y/N] " answer
      [[ $answer == y || $answer == Y ]] || { echo "Nothing removed."; return 0; }
    else
      die "the cluster is running; './cluster.sh stop' first"
    fi
    cmd_stop
  fi
  rm -rf "$DATA"
  echo "Removed $DATA."
}

case ${1:-} in
  start) shift; cmd_start "$@" ;;
  stop) if [[ -n ${2:-} ]]; then need_id "$2" stop; stop_one "$2"; echo "Stopped $2"; else cmd_stop; fi ;;
  add) [[ -n ${2:-} ]] || die "which node id? e.g. './cluster.sh add 4'"; cmd_add "$2" ;;
  remove) need_id "${2:-}" remove; cmd_remove "$2" ;;
  transfer) need_id "${2:-}" transfer; cmd_transfer "$2" ;;
  status) cmd_status ;;
  kill) need_id "${2:-}" kill; signal_one KILL "$2" "Killed"; rm -f "$(pidfile "$2")" ;;
  restart) need_id "${2:-}" restart; build_for_restart; stop_one "$2"; launch "$2"; echo "Restarted $2 (pid $(cat "$(pidfile "$2")"))" ;;
  pause) need_id "${2:-}" pause; cmd_pause "$2" ;;
  resume) need_id "${2:-}" resume; cmd_resume "$2" ;;
  logs) need_id "${2:-}" logs; tail -n "${LINES:-100}" "$DATA/logs/$2.log" ;;
  clean) cmd_clean ;;
  *) awk 'NR > 1 { if (!/^#/) exit; sub(/^# ?/, ""); print }' "$0"; [[ -z ${1:-} || ${1:-} == help || ${1:-} == -h ]] || exit 2 ;;
esac
