# A second `frugal serve` on a port another server already listens on fails at once, naming the
# address, and the first keeps answering (cpp-httplib set SO_REUSEPORT: both listened, and the
# kernel split connections between them).
source "$(dirname "$0")/lib.bash"
"$FRUGAL" serve --listen 127.0.0.1:0 2>first.log &
first=$!
trap 'kill $first 2>/dev/null || true; rm -rf "$WORK"' EXIT
for _ in $(seq 100); do grep -q serving first.log 2>/dev/null && break; sleep 0.05; done
port=$(sed -n 's/.*http:\/\/127.0.0.1:\([0-9]*\).*/\1/p' first.log)
[[ -n "$port" ]] || fail "the first server did not start: $(cat first.log)"
run_status timeout 10 "$FRUGAL" serve --listen "127.0.0.1:$port"
[[ "$STATUS" -ne 0 && "$STATUS" -ne 124 ]] || fail "a second server on port $port: exit $STATUS (124: it kept serving)"
expect_contains "$ERR" "--listen 127.0.0.1:$port: cannot bind: Address already in use" "the second server's error"
expect_eq "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/healthz")" 200 "the first server still answers"
echo ok
