# A real Prometheus (Debian's 2.42, basic auth) that scraped a simulated GPU cluster (tests/e2e/k8s/:
# kube-state-metrics, DCGM exporter and cAdvisor series over three hours; README.md there has every
# pod): `frugal k8s import` records each job's attempt as a run with its exact cost, the 8-GPU job
# that used two is flagged with its 6 idle GPUs and their cost, the pod recreated under its name is
# one job with two attempts, spot nodes are priced as spot, importing again or in overlapping
# windows adds nothing twice, the autoscaling saving matches a hand computation, and a Prometheus
# that refuses or is gone is an error that names it and imports nothing.
source "$(dirname "$0")/lib.bash"

here="$(cd "$(dirname "$0")" && pwd)"
# The timeline starts on an hour, four hours ago, so its three hours are whole pool-hours.
export FRUGAL_PROM_T0=$(( $(date +%s) / 3600 * 3600 - 4 * 3600 ))
source "$here/k8s/prometheus.sh"
k8s_prometheus_start "$WORK/prom" || { (($? == 200)) && exit 200; fail "no Prometheus"; }
trap 'k8s_prometheus_stop; rm -rf "$WORK"' EXIT

at() { date -u -d "@$(( T0 + $1 * 60 ))" +%Y-%m-%dT%H:%M:%SZ; }  # minutes after T0
printf '%s' "$PROM_PASSWORD" >"$WORK/prom.password"
import() {  # FROM_MINUTE TO_MINUTE [more flags]
  local from=$1 to=$2
  shift 2
  "$FRUGAL" k8s import --prometheus "$PROM_URL" --cluster lab --since "$(at "$from")" --until "$(at "$to")" \
    --step 60s --basic-auth-user "$PROM_USER" --basic-auth-password-file "$WORK/prom.password" "$@"
}

# --- credentials and a Prometheus that is gone ---------------------------------------------------------
run_status "$FRUGAL" k8s import --prometheus "$PROM_URL" --cluster lab --since "$(at 0)" --until "$(at 180)" --step 60s
((STATUS != 0)) || fail "an import without Prometheus' password succeeded"
expect_contains "$ERR" "Prometheus at $PROM_URL refused the request (HTTP 401)" "no credentials"
dead_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
run_status "$FRUGAL" k8s import --prometheus "http://127.0.0.1:$dead_port" --cluster lab --since "$(at 0)" --until "$(at 180)"
((STATUS != 0)) || fail "an import from a Prometheus that is not there succeeded"
expect_contains "$ERR" "Prometheus at http://127.0.0.1:$dead_port" "a Prometheus that is gone is named"
expect_eq "$(sql "SELECT count(*) FROM runs")" "0" "failed imports recorded nothing"

# A Prometheus behind a proxy that takes a bearer token (as kube-rbac-proxy or a managed Prometheus
# does): the token goes in the Authorization header, read from a file, never from the command line.
cat >"$WORK/bearer_proxy.py" <<'PY'
import http.server, json, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        ok = self.headers.get("Authorization") == "Bearer t0ken-from-file"
        body = json.dumps({"status": "success", "data": {"resultType": "matrix", "result": []}} if ok
                          else {"status": "error", "errorType": "unauthorized", "error": "no token"}).encode()
        self.send_response(200 if ok else 401)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args): pass
server = http.server.HTTPServer(("127.0.0.1", 0), H)
print(server.server_address[1], flush=True)
server.serve_forever()
PY
python3 "$WORK/bearer_proxy.py" >"$WORK/proxy.port" &
proxy=$!
for _ in $(seq 50); do [[ -s "$WORK/proxy.port" ]] && break; sleep 0.1; done
printf 't0ken-from-file\n' >"$WORK/token"
run_status "$FRUGAL" k8s import --prometheus "http://127.0.0.1:$(cat "$WORK/proxy.port")" --cluster lab --bearer-token-file "$WORK/token"
kill "$proxy"
((STATUS == 0)) || fail "the bearer token was not sent: $ERR"
expect_contains "$OUT" "0 pods read" "an empty cluster behind the proxy"

# --- the whole timeline ---------------------------------------------------------------------------------
out=$(import 0 180)
expect_contains "$out" "7 pods read" "every pod that ran"
expect_contains "$out" "6 new runs" "six jobs' attempts"
expect_contains "$out" "6 pool-hours" "three whole hours of two pools"
expect_contains "$out" "idle GPUs: llm-pretrain (research, run" "the 8-GPU job is flagged"
expect_contains "$out" "6 of its 8 GPUs sat idle the whole time, 9.0 idle GPU-hours, \$27.96" "its idle GPUs and their cost"

# Costs by hand, in nano-dollars. A node's price (built-in catalog) is split as docs/k8s.md says:
# CPUs and memory at OpenCost's rates, the GPUs carry the rest.
costs=$(python3 - <<'PY'
from decimal import Decimal as D, ROUND_HALF_EVEN
def split(node, gpus, cpus, gib, spot):
    cpu, mem = (D("0.006655"), D("0.000892")) if spot else (D("0.031611"), D("0.004237"))
    return (node - cpus * cpu - gib * mem) / gpus, cpu, mem
p4d = split(D("32.7726"), 8, 96, 1152, False)  # on demand
g5 = split(D("1.7016"), 4, 48, 192, True)      # spot
def hourly(unit, gpus, cpus, gib):
    g, c, m = unit
    return (gpus * g + cpus * c + gib * m).quantize(D("1e-9"), ROUND_HALF_EVEN)
def nanos(usd): return int((usd * 10**9).quantize(D(1), ROUND_HALF_EVEN))
runs = {  # name, attempt: (hourly of each pod, minutes)
    ("llm-pretrain", 1): [(hourly(p4d, 8, 32, 256), 90)],
    ("resnet-worker-0", 1): [(hourly(g5, 2, 8, 32), 30)],
    ("resnet-worker-0", 2): [(hourly(g5, 2, 8, 32), 55)],
    ("bert-finetune", 1): [(hourly(g5, 1, 4, 16), 60)],
    ("rl-cluster", 1): [(hourly(g5, 1, 4, 16), 50), (hourly(g5, 1, 4, 16), 50)],
}
for (name, attempt), pods in sorted(runs.items()):
    print(f"{name} {attempt} {nanos(sum(h * m / 60 for h, m in pods))}")
print(f"idle {nanos(6 * D(90) / 60 * p4d[0].quantize(D('1e-9'), ROUND_HALF_EVEN))}")
print(f"saving {nanos(D('1.7016'))}")  # the spot pool's third hour needed no node
PY
)
expect_eq "$(sql "SELECT name || ' ' || attempt || ' ' || cost_nanos FROM runs WHERE status <> 'running' ORDER BY name, attempt")" \
  "$(grep -v '^idle\|^saving' <<<"$costs")" "each ended job's cost, to the nano-dollar"
expect_eq "$(sql "SELECT idle_gpu_seconds || ' ' || idle_cost_nanos FROM runs WHERE name = 'llm-pretrain'")" \
  "32400.0 $(grep '^idle' <<<"$costs" | cut -d' ' -f2)" "six GPUs idle for 90 minutes, at the GPU's share of the node"
expect_eq "$(sql "SELECT name || ' ' || status || ' ' || pricing FROM runs ORDER BY id" | tr '\n' ';')" \
  "bert-finetune finished spot;tokenize running on_demand;llm-pretrain finished on_demand;rl-cluster finished spot;resnet-worker-0 failed spot;resnet-worker-0 finished spot;" \
  "statuses, and spot nodes priced as spot"
expect_eq "$(sql "SELECT r.attempt || ' ' || p.attempt || ' ' || r.name FROM runs r JOIN runs p ON r.parent_run_id = p.id")" \
  "2 1 resnet-worker-0" "the pod recreated under its name is the second attempt of one job"
expect_eq "$(sql "SELECT team || ' ' || project || ' ' || coalesce(model, '-') FROM runs WHERE name = 'rl-cluster'")" \
  "research rl -" "labels mapped to team and project"
expect_eq "$(sql "SELECT count(*) FROM k8s_pods WHERE workload = 'ray/rl-cluster'")" "2" "the Ray cluster's two pods are one run"

# The advisor sees cluster jobs like any other: the idle GPUs, and the pool autoscaling would shrink.
advice=$("$FRUGAL" advise --since "$(at 0)" --until "$(at 180)")
expect_contains "$advice" "idle_gpu" "idle GPUs advised"
expect_contains "$advice" "node pool g5.12xlarge (spot) of Kubernetes cluster lab" "the spot pool advised"
pools=$("$FRUGAL" k8s pools --since "$(at 0)" --until "$(at 180)" --format csv)
saving=$(grep '^saving' <<<"$costs" | cut -d' ' -f2)
expect_contains "$pools" "lab,g5.12xlarge,spot,us-east-1,3,3,2,5.1048,3.214912,$(python3 -c "from decimal import Decimal; print(Decimal($saving) / 10**9)")," \
  "the spot pool: 3 node-hours, 2 needed (its third hour none), what the pods held and what autoscaling saves"
top=$("$FRUGAL" top --by team --since "$(at 0)" --until "$(at 180)" --format csv)
expect_contains "$top" "research" "leaderboards show Kubernetes runs"

# --- again, and in overlapping windows ---------------------------------------------------------------------
before=$(sql "SELECT * FROM runs ORDER BY id")
out=$(import 0 180)
expect_contains "$out" "0 new runs" "the same window again adds nothing"
expect_eq "$(sql "SELECT * FROM runs ORDER BY id")" "$before" "and changes nothing"

export FRUGAL_DB="$WORK/windows.db"
import 0 60 >/dev/null
expect_eq "$(sql "SELECT name || ' ' || status FROM runs WHERE name = 'llm-pretrain'")" "llm-pretrain running" \
  "the first hour sees the 8-GPU job running"
import 30 180 >/dev/null
expect_eq "$(sql "SELECT name || ' ' || attempt || ' ' || status || ' ' || cost_nanos || ' ' || coalesce(idle_gpu_seconds, 0) FROM runs ORDER BY name, attempt")" \
  "$(FRUGAL_DB= sql "SELECT name || ' ' || attempt || ' ' || status || ' ' || cost_nanos || ' ' || coalesce(idle_gpu_seconds, 0) FROM runs ORDER BY name, attempt")" \
  "two overlapping windows come to what one window does, no GPU reading counted twice"
