#!/usr/bin/env bash
# The server's CPU time per MLflow log-metric request (16 keep-alive connections, wrk on loopback),
# for one or more frugal binaries in turn: an A/B that a noisy shared machine does not blur as much
# as requests/s does (what the server itself burns, from /proc/PID/stat, over the requests served).
#
#   bench/server/cpu_per_request.sh BINARY [BINARY...]      (SECONDS_EACH=4 to change)
#   ROUTE=log-batch bench/server/cpu_per_request.sh ...      (1000 points a request, 4 connections)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
secs="${SECONDS_EACH:-4}"
route="${ROUTE:-log-metric}"
connections=16
[ "$route" = log-batch ] && connections=4
ticks=$(getconf CLK_TCK)
for frugal in "$@"; do
  tmp="$(mktemp -d)"
  export FRUGAL_HOME="$tmp"
  "$frugal" serve --listen 127.0.0.1:0 --rate 0 2>"$tmp/log" &
  server=$!
  for _ in $(seq 100); do grep -q serving "$tmp/log" 2>/dev/null && break; sleep 0.05; done
  port=$(sed -n 's/.*http:\/\/127.0.0.1:\([0-9]*\).*/\1/p' "$tmp/log")
  export TOKEN=$("$frugal" token create --role agent --team bench 2>/dev/null)
  export RUN=$(curl -sf -X POST -H "Authorization: Bearer $TOKEN" -d '{"name":"bench"}' "http://127.0.0.1:$port/api/v1/runs" | sed 's/[^0-9]//g')
  before=$(awk '{ print $14 + $15 }' "/proc/$server/stat")
  out=$(wrk -t2 -c"$connections" -d"${secs}s" -s "$here/${route//-/_}.lua" "http://127.0.0.1:$port/api/2.0/mlflow/runs/$route")
  after=$(awk '{ print $14 + $15 }' "/proc/$server/stat")
  if grep -q "Non-2xx" <<<"$out"; then echo "$frugal: errors in the run" >&2; exit 1; fi
  n=$(sed -n 's/^ *\([0-9]*\) requests in.*/\1/p' <<<"$out")
  echo "$frugal: $(sed -n 's/^Requests\/sec: *//p' <<<"$out") req/s, server CPU $(( (after - before) * 1000000 / ticks / n )) us a request"
  kill "$server"; wait "$server" 2>/dev/null || true; rm -rf "$tmp"
done
