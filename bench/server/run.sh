#!/usr/bin/env bash
# frugal serve under wrk on loopback, side by side with nginx serving a small static file (the
# ceiling of HTTP on this machine) in the same run. Bars (issue 18): single log-metric ≥ 30% of
# nginx's requests/s with keep-alive; p99 < 5 ms at 1,000 req/s offered, also while 1,000 idle
# keep-alive connections stay open; log-batch ≥ 600,000 points/s (1000-point batches) with the
# store durable; the server's memory under 200 MB.
#
#   bench/server/run.sh [BUILD_DIR]        (SECONDS_EACH=5 to change)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=nginx.sh
source "$here/nginx.sh"
root="$(cd "$here/../.." && pwd)"
frugal="$(cd "${1:-$root/build}" && pwd)/frugal"
secs="${SECONDS_EACH:-5}"
command -v wrk >/dev/null || { echo "bench/server: wrk is not installed (make deps)"; exit 1; }
tmp="$(mktemp -d)"
chmod 755 "$tmp"  # nginx's workers (nobody, when run as root) must read the file: else every answer is a 403
export FRUGAL_HOME="$tmp/home"
"$frugal" serve --listen 127.0.0.1:0 --rate 0 2>"$tmp/serve.log" &
server=$!
nginx_pid=""
trap 'kill $server 2>/dev/null || true; [[ -n "$nginx_pid" ]] && kill "$nginx_pid" 2>/dev/null; rm -rf "$tmp"' EXIT
for _ in $(seq 100); do grep -q serving "$tmp/serve.log" 2>/dev/null && break; sleep 0.05; done
port=$(sed -n 's/.*http:\/\/127.0.0.1:\([0-9]*\).*/\1/p' "$tmp/serve.log")
url="http://127.0.0.1:$port"
export TOKEN=$("$frugal" token create --role agent --team bench 2>/dev/null)
export RUN=$(curl -sf -X POST -H "Authorization: Bearer $TOKEN" -d '{"name":"bench"}' "$url/api/v1/runs" | sed 's/[^0-9]//g')

rps() { sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p'; }
# A figure counts only if every answer was a 2xx.
all_ok() { if grep -q "Non-2xx" <<<"$1"; then echo "bench/server: errors in the run: $(grep Non-2xx <<<"$1")" >&2; exit 1; fi; }
p99() { sed -n 's/^ *99% *\(.*\)$/\1/p'; }

# nginx: a 64-byte file, the same wrk settings.
if command -v nginx >/dev/null; then
  start_nginx "$tmp"
  nginx_out=$(wrk -t2 -c16 -d"${secs}s" --latency "$nginx_url")
  all_ok "$nginx_out"
  echo "nginx, static 64 B file, 16 connections: $(rps <<<"$nginx_out") req/s (p99 $(p99 <<<"$nginx_out"))"
  kill "$nginx_pid"; nginx_pid=""
fi

single=$(wrk -t2 -c16 -d"${secs}s" --latency -s "$here/log_metric.lua" "$url/api/2.0/mlflow/runs/log-metric")
all_ok "$single"
echo "frugal log-metric, 16 connections: $(rps <<<"$single") req/s (p99 $(p99 <<<"$single"))"
paced=$(PACE_MS=7 wrk -t2 -c15 -d"${secs}s" --latency -s "$here/log_metric.lua" "$url/api/2.0/mlflow/runs/log-metric")
all_ok "$paced"
echo "frugal log-metric at ~1,000 req/s offered (15 connections, 7 ms apart): $(rps <<<"$paced") req/s, p99 $(p99 <<<"$paced")"
python3 "$here/idle_connections.py" 1000 "$url" >"$tmp/idle.log" 2>&1 &
idle=$!
for _ in $(seq 200); do grep -q holding "$tmp/idle.log" 2>/dev/null && break; sleep 0.05; done
crowded=$(PACE_MS=7 wrk -t2 -c15 -d"${secs}s" --latency -s "$here/log_metric.lua" "$url/api/2.0/mlflow/runs/log-metric")
all_ok "$crowded"
echo "the same beside 1,000 idle keep-alive connections ($(cat "$tmp/idle.log")): $(rps <<<"$crowded") req/s, p99 $(p99 <<<"$crowded"); server RSS $(awk '/VmRSS/ { print int($2 / 1024) " MB" }' /proc/$server/status)"
kill "$idle"
batch=$(wrk -t2 -c4 -d"${secs}s" --latency -s "$here/log_batch.lua" "$url/api/2.0/mlflow/runs/log-batch")
all_ok "$batch"
b=$(rps <<<"$batch")
echo "frugal log-batch of 1000 points, 4 connections: $b batches/s = $(awk -v b="$b" 'BEGIN { printf "%d", b * 1000 }') points/s (p99 $(p99 <<<"$batch"))"
stored=$("$frugal" sql --format csv "SELECT count(*) FROM metrics" | tail -1)
echo "points stored: $stored; WAL after the run: $(du -h "$FRUGAL_HOME/frugal.db-wal" | cut -f1); server peak RSS $(awk '/VmHWM/ { print int($2 / 1024) " MB" }' /proc/$server/status)"
