#!/usr/bin/env bash
# The floor under issue 18's two write bars, measured in one run: how fast could any server built
# on this transport and this store go on this machine? Three parts, each measured alone:
#   - wrk itself: its CPU a request (it shares the 2 cores with the server);
#   - the transport: bench/http_transport's bare Beast app (frugal's transport, N = 2 threads, as
#     `frugal serve`), answering the same requests with `{}`: its CPU a request;
#   - the store: store_floor.cpp, SQLite alone inserting the same points into frugal's own schema
#     with a prepared statement, in commits as large as the load allows (16 for 16 connections of
#     single points, 4,000 for 4 connections of 1,000-point batches): its CPU a point.
# A server that reads the request through Beast and stores the point durably does at least the
# work of the last two, and wrk does its own, so on C cores no such server can serve more than
#     C / (wrk + transport + store)      requests (or points) a second,
# and SQLite writes through one connection at a time, so no server stores more points a second than
# 1 / store. frugal itself is measured beside them, and nginx for the ratio the bar is set in.
#
#   bench/server/floor.sh [BUILD_DIR]        (SECONDS_EACH=5 for each wrk run)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=nginx.sh
source "$here/nginx.sh"
root="$(cd "$here/../.." && pwd)"
frugal="$(cd "${1:-$root/build}" && pwd)/frugal"
secs="${SECONDS_EACH:-5}"
cores=$(nproc)
ticks=$(getconf CLK_TCK)
for tool in wrk nginx curl g++ sqlite3; do
  command -v "$tool" >/dev/null || { echo "bench/server/floor: $tool is not installed (make deps)"; exit 1; }
done
tmp="$(mktemp -d)"
chmod 755 "$tmp"  # nginx's workers (nobody, when run as root) must read the file
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT

g++ -std=c++23 -O2 -Wall -Wextra -Werror -I"$root/src" -o "$tmp/store_floor" "$here/store_floor.cpp" \
  "$root/src/store/sqlite_checkpointer.cpp" -lsqlite3 -lfmt
g++ -std=c++23 -O2 -Wall -Wextra -Werror -o "$tmp/beast_server" "$root/bench/http_transport/beast_server.cpp" -lpthread

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
# measure PID URL CONNECTIONS LUA → "requests/s wrk_us server_us" (CPU a request, microseconds);
# fails unless every answer was a 2xx.
measure() {
  local pid="$1" url="$2" conns="$3" lua="$4" before after out n wrk_cpu
  before=$(cpu_ticks "$pid")
  out=$( { /usr/bin/time -f "wrk-cpu %U %S" wrk -t2 -c"$conns" -d"${secs}s" ${lua:+-s "$lua"} "$url"; } 2>&1)
  after=$(cpu_ticks "$pid")
  if grep -q "Non-2xx" <<<"$out"; then echo "bench/server/floor: errors from $url: $(grep Non-2xx <<<"$out")" >&2; exit 1; fi
  n=$(sed -n 's/^ *\([0-9]*\) requests in.*/\1/p' <<<"$out")
  wrk_cpu=$(sed -n 's/^wrk-cpu \(.*\) \(.*\)$/\1 \2/p' <<<"$out")
  awk -v rps="$(sed -n 's/^Requests\/sec: *//p' <<<"$out")" -v n="$n" -v w="$wrk_cpu" -v s=$((after - before)) -v t="$ticks" \
    'BEGIN { split(w, c, " "); printf "%.0f %.1f %.1f", rps, (c[1] + c[2]) * 1e6 / n, s * 1e6 / t / n }'
}

# nginx, a 64-byte file: the ratio of the bar.
start_nginx "$tmp"
pids+=("$nginx_pid")
read -r nginx_rps _ _ <<<"$(measure "$nginx_pid" "$nginx_url" 16 "")"
kill "$nginx_pid"

# frugal serve, with a token and a run for the Lua scripts (the bare app ignores both).
export FRUGAL_HOME="$tmp/home"
"$frugal" serve --listen 127.0.0.1:0 --rate 0 2>"$tmp/serve.log" &
server=$!
pids+=($server)
for _ in $(seq 100); do grep -q serving "$tmp/serve.log" 2>/dev/null && break; sleep 0.05; done
url="http://127.0.0.1:$(sed -n 's/.*http:\/\/127.0.0.1:\([0-9]*\).*/\1/p' "$tmp/serve.log")"
export TOKEN=$("$frugal" token create --role agent --team bench 2>/dev/null)
export RUN=$(curl -sf -X POST -H "Authorization: Bearer $TOKEN" -d '{"name":"bench"}' "$url/api/v1/runs" | sed 's/[^0-9]//g')

bport=$(free_port)
"$tmp/beast_server" "$bport" 2 &
beast=$!
pids+=($beast)
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$bport/healthz" >/dev/null && break; sleep 0.05; done
burl="http://127.0.0.1:$bport/api/2.0/mlflow/runs"

read -r beast_rps wrk_beast beast_cpu <<<"$(measure $beast "$burl/log-metric" 16 "$here/log_metric.lua")"
read -r frugal_rps wrk_frugal frugal_cpu <<<"$(measure $server "$url/api/2.0/mlflow/runs/log-metric" 16 "$here/log_metric.lua")"
# the bare app answers every POST with a "key" in it on this path, a batch too
read -r beast_bps wrk_beast_b beast_cpu_b <<<"$(measure $beast "$burl/log-metric" 4 "$here/log_batch.lua")"
read -r frugal_bps wrk_frugal_b frugal_cpu_b <<<"$(measure $server "$url/api/2.0/mlflow/runs/log-batch" 4 "$here/log_batch.lua")"
kill $beast $server

# The store alone, on a fresh store of the same schema (made by this frugal) with one run.
floor_store() {  # GROUP ROWS → "writer all": CPU a row, microseconds, of the writing thread and of all
  local dir
  dir=$(mktemp -d -p "$tmp")
  FRUGAL_HOME="$dir" "$frugal" run -- true 2>/dev/null
  "$tmp/store_floor" "$dir/frugal.db" 1 "$1" "$2" | sed -n 's/.*: \([0-9.]*\) us CPU a row writing, \([0-9.]*\) us with checkpoints.*/\1 \2/p'
}
read -r writer_16 store_16 <<<"$(floor_store 16 200000)"
read -r writer_4000 store_4000 <<<"$(floor_store 4000 1000000)"

awk -v c="$cores" -v nginx="$nginx_rps" \
  -v brps="$beast_rps" -v wb="$wrk_beast" -v bc="$beast_cpu" -v frps="$frugal_rps" -v wf="$wrk_frugal" -v fc="$frugal_cpu" \
  -v bbps="$beast_bps" -v wbb="$wrk_beast_b" -v bcb="$beast_cpu_b" -v fbps="$frugal_bps" -v wfb="$wrk_frugal_b" -v fcb="$frugal_cpu_b" \
  -v s16="$store_16" -v s4000="$store_4000" -v w16="$writer_16" -v w4000="$writer_4000" 'BEGIN {
  printf "cores: %d; nginx, a 64-byte file, 16 connections: %d req/s; the bar, 30%% of it: %d req/s\n", c, nginx, 0.3 * nginx
  printf "\nsingle log-metric, 16 connections                  req/s   %% of nginx   wrk CPU/req   server CPU/req\n"
  printf "  bare Beast app (answers {})                   %9d   %9.1f%%   %8.1f us   %9.1f us\n", brps, 100 * brps / nginx, wb, bc
  printf "  frugal serve                                  %9d   %9.1f%%   %8.1f us   %9.1f us\n", frps, 100 * frps / nginx, wf, fc
  printf "  SQLite alone, a point in commits of 16 (its writing thread %.1f us)              %9.1f us\n", w16, s16
  floor = wb + bc + s16
  printf "  floor: %d cores / (%.1f + %.1f + %.1f us) = %d req/s = %.1f%% of nginx; one writer: %d req/s (the bar: 30%%)\n", c, wb, bc, s16, c * 1e6 / floor, 100 * c * 1e6 / floor / nginx, 1e6 / w16
  printf "\nlog-batch of 1,000 points, 4 connections            points/s   wrk CPU/point   server CPU/point\n"
  printf "  bare Beast app (answers {})                   %9d   %10.2f us   %11.2f us\n", 1000 * bbps, wbb / 1000, bcb / 1000
  printf "  frugal serve                                  %9d   %10.2f us   %11.2f us\n", 1000 * fbps, wfb / 1000, fcb / 1000
  printf "  SQLite alone, a point in commits of 4,000 (its writing thread %.2f us)       %9.2f us\n", w4000, s4000
  printf "  floor, one writer: 1 / %.2f us = %d points/s; all cores: %d / (%.2f + %.2f + %.2f us) = %d points/s (the bar: 600,000)\n", w4000, 1e6 / w4000, c, wbb / 1000, bcb / 1000, s4000, c * 1e6 / (wbb / 1000 + bcb / 1000 + s4000)
}'
