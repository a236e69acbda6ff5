#!/usr/bin/env bash
# Cache-serving throughput of the CD²N node next to nginx, on loopback (docs/measurements.md).
#
#   scripts/bench/cdn-serve.sh [cess-node binary]      (needs wrk and nginx: apt install wrk nginx)
#
# Starts a dev chain, a retrieval node (//Alice, registers itself) with --bench-unmetered (cached
# files served without tickets, loopback only) whose cache holds one random file per size, and
# an nginx (own process, temp config, free port) serving the same bytes; runs wrk against both
# and prints requests/s, MiB/s and the ratio. SIZES (bytes, default "4096 1048576"), DURATION
# (default 10s), CONNECTIONS (default 32), THREADS (default 2) override.
set -euo pipefail
BIN=${1:-${CESS_NODE_BIN:-$(dirname "$0")/../../target/release/cess-node}}
SIZES=${SIZES:-"4096 1048576"}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
WORK=$(mktemp -d /tmp/cdn-bench.XXXXXX)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
RPC=$(free_port); CDN=$(free_port); NGX=$(free_port)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

"$BIN" --dev --tmp --rpc-port "$RPC" --no-prometheus --no-telemetry --no-mdns \
  --listen-addr /ip4/127.0.0.1/tcp/0 >"$WORK/chain.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 120); do curl -s -o /dev/null "http://127.0.0.1:$RPC" && break; sleep 1; done

mkdir -p "$WORK/cdn/cache" "$WORK/www"
# nginx workers run as an unprivileged user when started as root: let them read the files.
chmod 755 "$WORK" "$WORK/www"
declare -A HASH
for size in $SIZES; do
  head -c "$size" /dev/urandom >"$WORK/www/f$size"
  HASH[$size]=0x$(sha256sum "$WORK/www/f$size" | cut -c1-64)
  chmod 644 "$WORK/www/f$size"
  cp "$WORK/www/f$size" "$WORK/cdn/cache/${HASH[$size]}"
done

"$BIN" cdn run --kind retrieval --data-dir "$WORK/cdn" --rpc "http://127.0.0.1:$RPC" --suri //Alice \
  --listen "127.0.0.1:$CDN" --bench-unmetered --log warn >"$WORK/cdn.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 180); do curl -sf -o /dev/null "http://127.0.0.1:$CDN/status" && break; sleep 1; done

cat >"$WORK/nginx.conf" <<NGINX
worker_processes $THREADS;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  client_body_temp_path $WORK/nginx-body;
  proxy_temp_path $WORK/nginx-proxy;
  fastcgi_temp_path $WORK/nginx-fastcgi;
  uwsgi_temp_path $WORK/nginx-uwsgi;
  scgi_temp_path $WORK/nginx-scgi;
  server { listen 127.0.0.1:$NGX; root $WORK/www; }
}
NGINX
nginx -c "$WORK/nginx.conf" -g 'daemon off;' &
PIDS+=($!)
sleep 1

rate() { # url → "requests/s MiB/s"
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" "$1" | awk '
    /Requests\/sec/ { r = $2 }
    /Transfer\/sec/ { v = $2; u = substr(v, length(v) - 1); n = v + 0;
      if (u == "GB") n *= 1024; else if (u == "KB") n /= 1024; else if (u != "MB") n /= 1048576; t = n }
    END { printf "%.0f %.1f\n", r, t }'
}
printf '%-10s %14s %10s %14s %10s %8s\n' size cdn-req/s cdn-MiB/s nginx-req/s nginx-MiB/s ratio
for size in $SIZES; do
  curl -sf -o "$WORK/check" "http://127.0.0.1:$CDN/file/${HASH[$size]}" || { tail -5 "$WORK/cdn.log"; exit 1; }
  cmp -s "$WORK/check" "$WORK/www/f$size" || { echo "the node served other bytes"; tail -5 "$WORK/cdn.log"; exit 1; }
  read -r cr cm < <(rate "http://127.0.0.1:$CDN/file/${HASH[$size]}")
  read -r nr nm < <(rate "http://127.0.0.1:$NGX/f$size")
  printf '%-10s %14s %10s %14s %10s %8s\n' "$size" "$cr" "$cm" "$nr" "$nm" \
    "$(python3 -c "print(f'{$cr/$nr:.2f}')")"
done
