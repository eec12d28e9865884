# One door for run data: NaN, ±Infinity, a tag naming another team, a label set after the start and
# a late sample, sent through Frugal's API, MLflow's API, arcee's API and `frugal run`, are stored
# alike (tests/e2e/server/door_check.py holds the table of cases).
source "$(dirname "$0")/lib.bash"
here="$(cd "$(dirname "$0")" && pwd)"

admin=$("$FRUGAL" token create --role admin --name ops 2>/dev/null)
agent=$("$FRUGAL" token create --role agent --team vision 2>/dev/null)
"$FRUGAL" serve --listen 127.0.0.1:0 --rate 0 2>server.log &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$WORK"' EXIT
for _ in $(seq 100); do grep -q "serving" server.log 2>/dev/null && break; sleep 0.05; done
port=$(sed -n 's/.*http:\/\/127.0.0.1:\([0-9]*\).*/\1/p' server.log | tail -1)
[[ -n "$port" ]] || fail "server did not start: $(cat server.log)"

FRUGAL_URL="http://127.0.0.1:$port" ADMIN=$admin AGENT=$agent python3 "$here/server/door_check.py" || fail "door checks (above)"
