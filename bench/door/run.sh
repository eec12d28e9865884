#!/usr/bin/env bash
# The one door for run data (issue 16) must not cost what it unified: a build before the change and
# one after, side by side in one run, on the two figures it could move.
#   1. `frugal run -- true` (a whole run recorded: insert, params, tags, finish), hyperfine, both
#      builds and bare `true` in one hyperfine invocation, each build with its own FRUGAL_HOME.
#   2. `frugal serve` under wrk: MLflow log-metric (16 connections) and log-batch of 1000 points
#      (4 connections), the two builds' servers measured in turn A B A B, each on its own store.
#
#   bench/door/run.sh BEFORE_BUILD_DIR AFTER_BUILD_DIR      (ROUNDS=2, SECONDS_EACH=5, RUNS=200)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
before="$(cd "$1" && pwd)/frugal"
after="$(cd "$2" && pwd)/frugal"
rounds="${ROUNDS:-2}" secs="${SECONDS_EACH:-5}" runs="${RUNS:-200}"
for tool in hyperfine wrk; do command -v $tool >/dev/null || { echo "bench/door: $tool is not installed (make deps)"; exit 1; }; done
tmp="$(mktemp -d)"
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$tmp"' EXIT

echo "== frugal run -- true: before, after, bare =="
for side in before after; do
  mkdir -p "$tmp/$side"
  FRUGAL_HOME="$tmp/$side" "${!side}" run --team bench --instance-type g5.xlarge -- true
done
hyperfine -N --warmup 20 --runs "$runs" --export-json "$tmp/run.json" \
  -n bare "env FRUGAL_HOME=$tmp/before true" \
  -n before "env FRUGAL_HOME=$tmp/before $before run --team bench --instance-type g5.xlarge --tag a=b --param lr=0.1 -- true" \
  -n after "env FRUGAL_HOME=$tmp/after $after run --team bench --instance-type g5.xlarge --tag a=b --param lr=0.1 -- true" \
  >/dev/null
python3 - "$tmp/run.json" <<'PY'
import json, sys
r = {x["command"]: x["median"] * 1000 for x in json.load(open(sys.argv[1]))["results"]}
print(f"median: bare {r['bare']:.2f} ms, before {r['before']:.2f} ms (+{r['before'] - r['bare']:.2f}), "
      f"after {r['after']:.2f} ms (+{r['after'] - r['bare']:.2f}); after/before {r['after'] / r['before']:.3f}")
PY

echo "== frugal serve under wrk: before and after in turn =="
declare -A url token run
for side in before after; do
  home="$tmp/serve-$side"
  FRUGAL_HOME="$home" "${!side}" serve --listen 127.0.0.1:0 --rate 0 2>"$tmp/$side.log" &
  pids+=($!)
  for _ in $(seq 100); do grep -q serving "$tmp/$side.log" 2>/dev/null && break; sleep 0.05; done
  port=$(sed -n 's/.*http:\/\/127.0.0.1:\([0-9]*\).*/\1/p' "$tmp/$side.log")
  url[$side]="http://127.0.0.1:$port"
  token[$side]=$(FRUGAL_HOME="$home" "${!side}" token create --role agent --team bench 2>/dev/null)
  run[$side]=$(curl -sf -X POST -H "Authorization: Bearer ${token[$side]}" -d '{"name":"bench"}' "${url[$side]}/api/v1/runs" | sed 's/[^0-9]//g')
done
rps() { sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p'; }
p99() { sed -n 's/^ *99% *\(.*\)$/\1/p'; }
declare -A metric batch
for round in $(seq "$rounds"); do
  for side in before after; do
    out=$(TOKEN=${token[$side]} RUN=${run[$side]} wrk -t2 -c16 -d"${secs}s" --latency -s "$here/../server/log_metric.lua" "${url[$side]}/api/2.0/mlflow/runs/log-metric")
    if grep -q Non-2xx <<<"$out"; then echo "bench/door: $side log-metric had errors" >&2; exit 1; fi
    echo "round $round $side log-metric: $(rps <<<"$out") req/s (p99 $(p99 <<<"$out"))"
    metric[$side]="${metric[$side]:-} $(rps <<<"$out")"
    out=$(TOKEN=${token[$side]} RUN=${run[$side]} wrk -t2 -c4 -d"${secs}s" --latency -s "$here/../server/log_batch.lua" "${url[$side]}/api/2.0/mlflow/runs/log-batch")
    if grep -q Non-2xx <<<"$out"; then echo "bench/door: $side log-batch had errors" >&2; exit 1; fi
    echo "round $round $side log-batch of 1000: $(rps <<<"$out") batches/s (p99 $(p99 <<<"$out"))"
    batch[$side]="${batch[$side]:-} $(rps <<<"$out")"
  done
done
python3 - "${metric[before]}" "${metric[after]}" "${batch[before]}" "${batch[after]}" <<'PY'
import statistics, sys
mb, ma, bb, ba = ([float(x) for x in a.split()] for a in sys.argv[1:5])
print(f"log-metric median: before {statistics.median(mb):.0f} req/s, after {statistics.median(ma):.0f} req/s, "
      f"after/before {statistics.median(ma) / statistics.median(mb):.3f}")
print(f"log-batch median: before {statistics.median(bb) * 1000:.0f} points/s, after {statistics.median(ba) * 1000:.0f} points/s, "
      f"after/before {statistics.median(ba) / statistics.median(bb):.3f}")
PY
