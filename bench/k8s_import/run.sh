#!/usr/bin/env bash
# Times `frugal k8s import` of a generated week of a 100-node, 800-GPU cluster at 30 s out of a real
# Prometheus (2.42, the blocks written by load.sh), side by side with the peer: Prometheus itself
# answering the same raw range queries, sent one after another by curl to /dev/null (each metric
# in day-sized query_range calls at the step: Prometheus answers at most 11,000 points a series, a
# week at 30 s is 20,160). frugal's figure includes its own work on top of those answers (parsing
# the JSON, joining pods to GPUs, storing runs), so frugal / peer says how much that adds.
# The bar (issue): the week imported in under 30 s.
#
#   bench/k8s_import/run.sh [BUILD_DIR] [DATA_DIR]
#   DATA_DIR defaults to /tmp/frugal-k8s-bench/<cluster>; NODES, GPUS_PER_NODE, DAYS or HOURS,
#   STEP, END, SEED as in load.sh (NODES=2 HOURS=2 for a quick try); PORT (default: a free one).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
build="$(cd "${1:-$root/build}" && pwd)"
frugal="$build/frugal"
export NODES="${NODES:-100}" GPUS_PER_NODE="${GPUS_PER_NODE:-8}" STEP="${STEP:-30}" END="${END:-1795824000}" SEED="${SEED:-1}"
span_name="${HOURS:+${HOURS}h}"
span_name="${span_name:-${DAYS:-7}d}"
data="${2:-/tmp/frugal-k8s-bench/n${NODES}-g${GPUS_PER_NODE}-${span_name}-s${STEP}-e${END}-seed${SEED}/tsdb}"
command -v prometheus >/dev/null || { echo "run.sh: prometheus is not installed (apt-get install prometheus)" >&2; exit 1; }
command -v curl >/dev/null || { echo "run.sh: curl is not installed" >&2; exit 1; }

"$here/load.sh" "$data"
eval "$(tr ' ' '\n' <"$data/bench-params" | grep -E '^(start|end|step)=' | sed 's/^/w_/')"
iso() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }
since=$(iso "$w_start") until=$(iso "$w_end")

tmp="$(mktemp -d "${TMPDIR:-/tmp}/frugal-k8s-run.XXXXXX")"
prom_pid=""
cleanup() {
  if [[ -n "$prom_pid" ]]; then kill "$prom_pid" 2>/dev/null || true; wait "$prom_pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
port="${PORT:-$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}"
url="http://127.0.0.1:$port"
printf 'global:\n  scrape_interval: 30s\n' >"$tmp/prometheus.yml"
# --query.lookback-delta=1m: backfilled blocks carry no staleness markers, so without it a series
# that ended (a pod gone, a GPU handed to the next pod) would still answer for 5 min; a scraping
# Prometheus ends it at once. --storage.tsdb.max-block-duration=6h: no compaction of the loaded
# 6 h blocks in the background while we time. --query.max-samples: 200M, so an import that asks
# for more at once (a week of one DCGM metric is ~17M samples) is not refused for it.
prometheus --config.file="$tmp/prometheus.yml" --storage.tsdb.path="$data" --web.listen-address="127.0.0.1:$port" \
  --storage.tsdb.retention.time=10y --storage.tsdb.min-block-duration=2h --storage.tsdb.max-block-duration=6h \
  --query.lookback-delta=1m --query.max-samples=200000000 --query.timeout=10m --log.level=warn \
  >"$tmp/prometheus.log" 2>&1 &
prom_pid=$!
for _ in $(seq 600); do
  curl -sf "$url/-/ready" >/dev/null 2>&1 && break
  kill -0 "$prom_pid" 2>/dev/null || { echo "run.sh: prometheus exited:" >&2; cat "$tmp/prometheus.log" >&2; exit 1; }
  sleep 0.1
done
curl -sf "$url/-/ready" >/dev/null || { echo "run.sh: prometheus not ready after 60 s" >&2; cat "$tmp/prometheus.log" >&2; exit 1; }
echo "prometheus $(prometheus --version 2>&1 | head -1 | cut -d' ' -f3) at $url over $data; window $since .. $until, step ${w_step}s"

# The peer: every raw series the import needs, day by day (the last point of a day is the step
# before the next day's first, so nothing is fetched twice).
metrics=(DCGM_FI_DEV_GPU_UTIL DCGM_FI_DEV_FB_USED DCGM_FI_PROF_GR_ENGINE_ACTIVE
  kube_pod_info kube_pod_labels kube_pod_status_phase kube_pod_container_resource_requests
  kube_pod_start_time kube_pod_completion_time kube_node_labels kube_node_status_capacity
  container_cpu_usage_seconds_total container_memory_working_set_bytes)
query() {  # METRIC FROM TO -> "seconds bytes"
  curl -sf -o /dev/null -w '%{time_total} %{size_download}\n' "$url/api/v1/query_range" \
    --data-urlencode "query=$1" --data-urlencode "start=$2" --data-urlencode "end=$3" --data-urlencode "step=${w_step}s"
}
peer_pass() {  # -> one line per metric: "metric seconds bytes calls"
  local m t from to s b secs bytes calls
  for m in "${metrics[@]}"; do
    secs=0 bytes=0 calls=0
    for ((from = w_start; from < w_end; from += 86400)); do
      to=$((from + 86400 < w_end ? from + 86400 : w_end))
      read -r s b < <(query "$m" "$from" "$((to - w_step))")
      secs=$(python3 -c "print($secs + $s)") bytes=$((bytes + b)) calls=$((calls + 1))
    done
    echo "$m $secs $bytes $calls"
  done
}
peer_pass >/dev/null  # warm the page cache for both sides
peer_pass >"$tmp/peer.txt"

# frugal
f_status="absent"
if "$frugal" k8s import --help 2>&1 | grep -q "k8s import"; then  # (an unknown command prints the top help)
  /usr/bin/time -f "%e %M" -o "$tmp/frugal.time" \
    "$frugal" --db "$tmp/frugal.db" k8s import --prometheus "$url" --since "$since" --until "$until" --step "${w_step}s" \
    >"$tmp/frugal.out" 2>&1 && f_status="ok" || f_status="failed (exit $?)"
  [[ "$f_status" == ok ]] || { echo "run.sh: frugal k8s import $f_status:" >&2; tail -20 "$tmp/frugal.out" >&2; }
else
  echo "run.sh: $frugal has no \`k8s import\` command (yet): timing the peer only" >&2
fi
runs_stored=""
if [[ "$f_status" == ok ]] && command -v sqlite3 >/dev/null; then
  runs_stored=$(sqlite3 "$tmp/frugal.db" "SELECT count(*) FROM runs" 2>/dev/null || true)
fi

python3 - "$tmp/peer.txt" "$tmp/frugal.time" "$f_status" "$data/truth.csv" "$w_start" "$w_end" "$runs_stored" <<'PY'
import csv, os, sys
peer_file, time_file, status, truth, start, end, runs = sys.argv[1:]
start, end = int(start), int(end)
rows = [l.split() for l in open(peer_file)]
print(f"\n{'query_range, day by day':<44} {'calls':>5} {'seconds':>8} {'MB JSON':>9}")
tot_s = tot_b = 0
for m, s, b, c in rows:
    print(f"  {m:<42} {c:>5} {float(s):8.3f} {int(b) / 1e6:9.1f}")
    tot_s += float(s); tot_b += int(b)
print(f"{'peer: Prometheus answering all of them':<44} {'':>5} {tot_s:8.3f} {tot_b / 1e6:9.1f}")
pods = list(csv.DictReader(open(truth)))
jobs = {(p["namespace"], p["job"]) for p in pods}
ended = [p for p in pods if start <= int(p["finished"]) < end]
gpu_h = sum(int(p["gpus"]) * max(0, min(int(p["finished"]), end) - max(int(p["created"]), start)) for p in pods) / 3600
print(f"the cluster: {len(jobs)} jobs, {len(pods)} pods in the window ({len(ended)} ended in it), {gpu_h:,.0f} GPU-hours requested")
if status == "ok":
    secs, kb = open(time_file).read().split()
    secs = float(secs)
    print(f"{'frugal k8s import':<44} {'':>5} {secs:8.2f}   (peak {int(kb) / 1024:.0f} MB{', ' + runs + ' runs stored' if runs else ''})")
    print(f"frugal / peer: {secs / tot_s:.2f}x the time; bar (the week under 30 s): {'met' if secs < 30 else 'NOT met'}")
else:
    print(f"frugal k8s import: {status}")
    sys.exit(2)
PY
