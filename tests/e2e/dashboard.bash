# The web dashboard in a real browser: Debian's chromium, headless, driven by playwright-core,
# against `frugal serve` on loopback with a seeded store. Each page loads with no console error,
# shows the API's numbers, keeps its filters in the URL, downloads the CSV it shows, and a missing
# or expired token brings the login back. Screenshots land in $ARTIFACTS (build/test-artifacts).
source "$(dirname "$0")/lib.bash"
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
chromium=$(command -v chromium || command -v chromium-browser || true)
if [[ -z "$chromium" || ! -d "$root/node_modules/playwright-core" ]] || ! command -v node >/dev/null; then
  echo "SKIP: chromium or playwright-core is missing (make deps; npm ci)"
  exit 200
fi
"$FRUGAL" serve --help >/dev/null
export ADMIN=$("$FRUGAL" token create --role admin 2>/dev/null)
export MEMBER=$("$FRUGAL" token create --role member --team vision 2>/dev/null)
export EXPIRED=$("$FRUGAL" token create --role admin --expires 1s 2>/dev/null)

# A store worth looking at: runs of two teams (one failed), metric curves, GPU samples, quotas.
curve='i=0; while [ $i -lt 300 ]; do i=$((i+1)); echo "step $i loss 0.$((1000 - i))"; done'
"$FRUGAL" run --team vision --user ada --project detector --model yolo --hourly-usd 32.77 --gpus 8 \
  --metric 'loss=loss ([0-9.]+)' -- sh -c "$curve" >/dev/null
"$FRUGAL" run --team vision --user bob --project detector --model yolo --hourly-usd 4.1 -- sleep 0.2
"$FRUGAL" run --team nlp --user cy --project chat --model llama --hourly-usd 12 -- sh -c 'exit 3' || true
"$FRUGAL" run --team nlp --user cy --project chat --instance-type g5.12xlarge --spot -- sleep 0.3
# Watched long enough for host samples (CPU, memory) and no GPU: the run page says so.
"$FRUGAL" run --team vision --user ada --project detector --sample-every 100ms -- \
  python3 -c 'import time; b = bytearray(20 << 20); t = time.time() + 1.5
while time.time() < t: pass' >/dev/null
# An experiment to weigh quality against cost: acc rises as each run goes on; prices and durations
# make some runs dominated (a cheaper one did as well), and one never reports acc at all.
sweep() {  # NAME HOURLY_USD SECONDS FINAL_ACC
  "$FRUGAL" run --experiment sweep --name "$1" --team vision --user ada --project detector --hourly-usd "$2" \
    --metric 'acc=acc ([0-9.]+)' --stop-when 'acc max patience=1000' -- sh -c "echo acc 0.3; sleep $3; echo acc $4" >/dev/null
}
sweep trial-cheap 1 0.05 0.5
sweep trial-good 10 0.2 0.9
sweep trial-best 40 0.5 0.95
sweep trial-waste 100 0.3 0.8
sweep trial-pricey 60 0.4 0.85
"$FRUGAL" run --experiment sweep --name trial-silent --team vision --user ada --project detector --hourly-usd 10 \
  --metric 'acc=acc ([0-9.]+)' --stop-when 'acc max patience=1000' -- sleep 0.1
"$FRUGAL" quota set --team vision --monthly-usd 5000 >/dev/null
"$FRUGAL" quota set --team nlp --monthly-usd 0.000001 >/dev/null
if [[ -f "$SHARED_DATA/focus/focus_sample_1000.csv" ]]; then
  "$FRUGAL" bill import "$SHARED_DATA/focus/focus_sample_1000.csv" >/dev/null 2>&1
  export HAS_BILLS=1
fi
# Advice to show: the failing command three times over, and what the rules find in it all.
for _ in 1 2 3; do "$FRUGAL" run --allow-over-quota --team nlp --user cy --project chat --hourly-usd 12 -- sh -c 'exit 3' 2>/dev/null || true; done
"$FRUGAL" advise >/dev/null
sleep 1.1  # the 1 s token has expired

"$FRUGAL" serve --listen 127.0.0.1:0 2>server.log &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$WORK"' EXIT
for _ in $(seq 100); do grep -q serving server.log 2>/dev/null && break; sleep 0.05; done
export FRUGAL_URL="http://127.0.0.1:$(sed -n 's/.*http:\/\/127.0.0.1:\([0-9]*\).*/\1/p' server.log)"
python3 - <<PY
import json, urllib.request
req = urllib.request.Request("$FRUGAL_URL/api/v1/runs/1/samples", method="POST",
    data=json.dumps({"samples": [{"time": f"2026-11-26T10:00:{i:02d}Z", "gpu_index": g, "gpu_util_pct": 40 + 10 * g + i,
                                  "gpu_mem_bytes": (g + 2) << 30} for i in range(30) for g in range(2)]}).encode(),
    headers={"Authorization": "Bearer $ADMIN"})
urllib.request.urlopen(req).read()
for i in range(60):  # enough runs for a second page of the runs list
    urllib.request.urlopen(urllib.request.Request("$FRUGAL_URL/api/v1/runs", method="POST",
        data=json.dumps({"name": f"sweep-{i}", "team": "vision", "started_at": "2026-11-20T10:00:00Z"}).encode(),
        headers={"Authorization": "Bearer $ADMIN"})).read()
PY
export CHROMIUM="$chromium" ARTIFACTS="${ARTIFACTS:-$root/build/test-artifacts/dashboard}"
mkdir -p "$ARTIFACTS"
NODE_PATH="$root/node_modules" node "$here/dashboard/check.js" || fail "dashboard checks (above); screenshots in $ARTIFACTS"
echo ok
