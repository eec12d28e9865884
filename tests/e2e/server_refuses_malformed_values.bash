# Every client error is a 4xx: malformed values (numbers beyond a double or an int64, wrong types,
# bad UTF-8, JSON nested 10,000 deep, junk ids in paths and queries) sent to every route of the
# OpenAPI document, as admin, agent and member, are answered below 500, and a 400 says why
# (tests/e2e/server/malformed_values.py). The server still answers afterwards.
source "$(dirname "$0")/lib.bash"
here="$(cd "$(dirname "$0")" && pwd)"

admin=$("$FRUGAL" token create --role admin --name sweep 2>/dev/null)
agent=$("$FRUGAL" token create --role agent --team sweep 2>/dev/null)
member=$("$FRUGAL" token create --role member --team sweep 2>/dev/null)
"$FRUGAL" serve --listen 127.0.0.1:0 --rate 0 --threads 32 2>server.log &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$WORK"' EXIT
for _ in $(seq 100); do grep -q "serving" server.log 2>/dev/null && break; sleep 0.05; done
port=$(sed -n 's/.*http:\/\/127.0.0.1:\([0-9]*\).*/\1/p' server.log | tail -1)
[[ -n "$port" ]] || fail "server did not start: $(cat server.log)"
export FRUGAL_URL="http://127.0.0.1:$port" ADMIN=$admin AGENT=$agent MEMBER=$member
python3 "$here/server/malformed_values.py" || fail "malformed values (above)"
kill -0 "$server" 2>/dev/null || fail "the server died: $(tail -5 server.log)"
echo ok
