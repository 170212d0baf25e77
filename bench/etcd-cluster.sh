#!/usr/bin/env bash
# etcd-cluster.sh — a 3-member etcd cluster on loopback, the reference the benchmark compares with.
#
#   bench/etcd-cluster.sh install      install Debian's etcd-server if etcd is missing
#   bench/etcd-cluster.sh start DIR    start 3 members with data under DIR (fsync on, as shipped)
#   bench/etcd-cluster.sh stop DIR     stop the members started with DIR (by their PIDs)
#   bench/etcd-cluster.sh kill DIR I   SIGKILL member I (1..3)
#   bench/etcd-cluster.sh restart DIR I   start member I again on its data
#
# Members listen for clients on 127.0.0.1:ETCD_BASE_PORT+1..3 (default 12379 -> 12380..12382)
# and for peers on ETCD_BASE_PORT+11..13. Only loopback is used.
set -euo pipefail
BASE=${ETCD_BASE_PORT:-12379}

die() { echo "etcd-cluster.sh: $*" >&2; exit 1; }

install_etcd() {
  command -v etcd >/dev/null && return
  echo "Installing etcd from Debian's packages (etcd-server)..."
  local sudo=""
  [[ $(id -u) -ne 0 ]] && sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq etcd-server >/dev/null \
    || die "could not install etcd-server; install it by hand (apt-get install etcd-server)"
  # the package may start a default member of its own on 2379; it is not ours to keep
  if command -v service >/dev/null; then $sudo service etcd stop >/dev/null 2>&1 || true; fi
  command -v etcd >/dev/null || die "etcd-server installed but no etcd binary on PATH"
}

client_url() { echo "http://127.0.0.1:$((BASE + $1))"; }
peer_url() { echo "http://127.0.0.1:$((BASE + 10 + $1))"; }

start() {
  local dir=$1 i cluster=""
  install_etcd
  mkdir -p "$dir"
  for i in 1 2 3; do cluster+="e$i=$(peer_url $i),"; done
  cluster=${cluster%,}
  for i in 1 2 3; do
    if [[ -f $dir/e$i.pid ]] && kill -0 "$(cat "$dir/e$i.pid")" 2>/dev/null; then
      die "member e$i already runs (pid $(cat "$dir/e$i.pid")); run: $0 stop $dir"
    fi
    rm -rf "$dir/e$i.data"
    # kept so that 'restart' starts the member exactly as before, on the data it has
    cat >"$dir/e$i.cmd" <<CMD
exec etcd --name e$i --data-dir "$dir/e$i.data" \\
  --listen-client-urls $(client_url $i) --advertise-client-urls $(client_url $i) \\
  --listen-peer-urls $(peer_url $i) --initial-advertise-peer-urls $(peer_url $i) \\
  --initial-cluster $cluster --initial-cluster-state new \\
  --initial-cluster-token raftkv-bench --log-level warn
CMD
    launch "$dir" "$i"
  done
  local deadline=$((SECONDS + 30))
  until curl -sf -X POST "$(client_url 1)/v3/kv/put" -d '{"key":"cmVhZHk=","value":"MQ=="}' >/dev/null 2>&1; do
    ((SECONDS < deadline)) || die "etcd did not elect a leader in 30 s; see $dir/e1.log"
    sleep 0.2
  done
  echo "etcd $(etcd --version 2>/dev/null | sed -n 's/^etcd Version: //p') on $(client_url 1),$(client_url 2),$(client_url 3)"
}

launch() {
  bash "$1/e$2.cmd" >>"$1/e$2.log" 2>&1 &
  echo $! >"$1/e$2.pid"
}

kill_member() {
  local dir=$1 i=$2
  [[ -f $dir/e$i.pid ]] || die "member e$i was not started with $dir"
  local pid
  pid=$(cat "$dir/e$i.pid")
  kill -9 "$pid" 2>/dev/null || true
  # gone, and its ports with it, before anyone starts it again
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
  rm -f "$dir/e$i.pid"
}

stop() {
  local dir=$1 i pid
  for i in 1 2 3; do
    [[ -f $dir/e$i.pid ]] || continue
    pid=$(cat "$dir/e$i.pid")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$dir/e$i.pid"
  done
}

case ${1:-} in
  install) install_etcd ;;
  start) start "${2:?usage: $0 start DIR}" ;;
  stop) stop "${2:?usage: $0 stop DIR}" ;;
  kill) kill_member "${2:?usage: $0 kill DIR I}" "${3:?usage: $0 kill DIR I}" ;;
  restart) launch "${2:?usage: $0 restart DIR I}" "${3:?usage: $0 restart DIR I}" ;;
  *) sed -n '2,12p' "$0"; exit 2 ;;
esac
