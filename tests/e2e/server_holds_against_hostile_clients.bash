# frugal serve against hostile and slow clients on loopback (issue 18): three chunked bombs without
# a token and one over the body limit, 300 slowloris connections while /healthz and writes keep
# answering, 10,000 idle keep-alive connections and the cap per client address; the server's memory
# stays under 200 MB throughout. tests/e2e/server/hostile_clients.py does the talking.
source "$(dirname "$0")/lib.bash"
here="$(cd "$(dirname "$0")" && pwd)"

admin=$("$FRUGAL" token create --role admin --name ops 2>/dev/null)
agent=$("$FRUGAL" token create --role agent --team vision 2>/dev/null)
"$FRUGAL" serve --listen 127.0.0.1:0 --rate 0 --max-body-mb 1 2>server.log &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$WORK"' EXIT
for _ in $(seq 100); do grep -q "serving" server.log 2>/dev/null && break; sleep 0.05; done
port=$(sed -n 's/.*http:\/\/127.0.0.1:\([0-9]*\).*/\1/p' server.log | tail -1)
[[ -n "$port" ]] || fail "server did not start: $(cat server.log)"

FRUGAL_URL="http://127.0.0.1:$port" SERVER_PID=$server ADMIN=$admin AGENT=$agent \
  timeout 150 python3 "$here/server/hostile_clients.py" || fail "hostile clients (above)"
kill -TERM "$server"
wait "$server" || fail "the server did not stop cleanly after the attacks"
