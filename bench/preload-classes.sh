#!/usr/bin/env bash
# bench/preload-classes.sh — regenerates src/main/resources/raftkv/preload-classes.txt: the classes
# a node and a gateway load from the jar while they start and serve their first requests, which
# raftkv.cli.ClassPreloader loads before the event loops start. Run it after upgrading a
# dependency or adding a package; it starts a scratch cluster on ports 7900-7903 and 8900-8903.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=src/main/resources/raftkv/preload-classes.txt
SCRATCH=$(mktemp -d /tmp/raftkv-preload-XXXXXX)
export RAFTKV_DATA=$SCRATCH RAFTKV_BASE_PORT=7900
export RAFTKV_JAVA_OPTS="-Xmx1g -Draftkv.noPreload=true -Xlog:class+load=info:file=$SCRATCH/classes-%p.txt"
trap './cluster.sh stop >/dev/null 2>&1 || true; rm -rf "$SCRATCH"' EXIT
echo "preload-classes: starting a scratch cluster in $SCRATCH" >&2
./cluster.sh start 3 >/dev/null
urls=http://127.0.0.1:8900,http://127.0.0.1:8901,http://127.0.0.1:8902,http://127.0.0.1:8903
echo "preload-classes: serving a few requests through $urls" >&2
java -jar target/raftkv.jar load --url "$urls" --clients 8 --duration 3s --warmup 0s >/dev/null 2>&1
for url in ${urls//,/ }; do
  curl -s "$url/v1/kv?prefix=b" >/dev/null; curl -s "$url/v1/cluster" >/dev/null
  curl -s "$url/ready" >/dev/null; curl -s "$url/metrics" >/dev/null; curl -s "$url/ui/" >/dev/null
  curl -s -m 2.5 "$url/ui/events" >/dev/null || true # a stream: two events, then cut off
done
./cluster.sh stop >/dev/null
{
  echo "# Classes a node or gateway loads from its jar while it starts and serves its first requests:"
  echo "# raftkv.cli.ClassPreloader loads them on the main thread before the event loops start, so that"
  echo "# the first-time class loading does not block an event loop. Regenerate: bench/preload-classes.sh"
  cat "$SCRATCH"/classes-*.txt | grep 'source: jar\|source: file' | awk '{print $2}' \
    | grep -v '\$\$Lambda\|^raftkv\.bench\.\|^picocli\.\|^raftkv\.cli\.' | sort -u
} >"$OUT"
echo "preload-classes: $(grep -vc '^#' "$OUT") classes listed in $OUT" >&2
