#!/usr/bin/env bash
# The dashboard's heaviest read: a run's curve of 1,000,000 metric points, downsampled by the
# server to 800 buckets of min and max (GET /api/v1/runs/{id}/series). Bar (issue 7): the curve is
# drawn in under 1 s; this measures the server's part, beside the time to read the raw points with
# sqlite3 in the same run (the floor for any answer that looks at every point).
#
#   bench/dashboard/run.sh [BUILD_DIR]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
frugal="$(cd "${1:-$root/build}" && pwd)/frugal"
tmp="$(mktemp -d)"
export FRUGAL_HOME="$tmp/home"
"$frugal" serve --listen 127.0.0.1:0 --rate 0 2>"$tmp/serve.log" &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$tmp"' EXIT
for _ in $(seq 100); do grep -q serving "$tmp/serve.log" 2>/dev/null && break; sleep 0.05; done
url="http://127.0.0.1:$(sed -n 's/.*http:\/\/127.0.0.1:\([0-9]*\).*/\1/p' "$tmp/serve.log")"
token=$("$frugal" token create --role admin 2>/dev/null)
python3 - "$url" "$token" <<'PY'
import http.client, json, math, sys, time, urllib.parse
url, token = urllib.parse.urlparse(sys.argv[1]), sys.argv[2]
c = http.client.HTTPConnection(url.hostname, url.port)
def call(method, path, body=None):
    c.request(method, path, body=json.dumps(body) if body is not None else None, headers={"Authorization": "Bearer " + token})
    r = c.getresponse(); data = r.read()
    assert r.status // 100 == 2, (r.status, data[:200])
    return json.loads(data)
run = call("POST", "/api/v1/runs", {"name": "curve", "team": "bench"})["id"]
for b in range(1000):
    call("POST", f"/api/v1/runs/{run}/metrics",
         {"metrics": [{"key": "loss", "value": 2 * math.exp(-s / 2e5) + 0.01 * math.sin(s), "step": s} for s in range(b * 1000, (b + 1) * 1000)]})
best = 1e9
for _ in range(5):
    t = time.perf_counter()
    out = call("GET", f"/api/v1/runs/{run}/series?key=loss&buckets=800")
    best = min(best, time.perf_counter() - t)
assert out["points"] == 1_000_000 and len(out["x"]) == 800, out["points"]
print(f"series of 1,000,000 points in 800 buckets: {best * 1000:.0f} ms (best of 5)")
PY
if command -v sqlite3 >/dev/null; then
  start=$(date +%s%N)
  sqlite3 "$FRUGAL_HOME/frugal.db" "SELECT count(*), min(value), max(value) FROM metrics WHERE run_id = 1 AND key = 'loss'" >/dev/null
  echo "sqlite3 reading the same 1,000,000 points once: $((($(date +%s%N) - start) / 1000000)) ms"
fi
