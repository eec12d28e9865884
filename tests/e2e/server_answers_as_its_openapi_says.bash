# The OpenAPI document at /api/openapi.json is one a code generator can use, and true: it is valid
# OpenAPI 3.0.3 (@apidevtools/swagger-parser, pinned in package.json), documents every route, and
# each route called as it documents answers a documented status with a body its schema allows,
# refusals included (401, 403, 404, 409, 413, 429): tests/e2e/server/openapi_check.js.
source "$(dirname "$0")/lib.bash"
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
if [[ ! -d "$root/node_modules/@apidevtools/swagger-parser" || ! -d "$root/node_modules/ajv" ]] || ! command -v node >/dev/null; then
  echo "SKIP: @apidevtools/swagger-parser and ajv are not installed (npm ci at the repository root installs them)"
  exit 200
fi
export ADMIN=$("$FRUGAL" token create --role admin --name openapi 2>/dev/null)
export AGENT=$("$FRUGAL" token create --role agent --team vision 2>/dev/null)
export MEMBER=$("$FRUGAL" token create --role member --team vision 2>/dev/null)
# A bill, so that the cost routes answer lines and the days the bills cover (not only null).
if [[ -f "$SHARED_DATA/focus/focus_sample_1000.csv" ]]; then
  "$FRUGAL" bill import "$SHARED_DATA/focus/focus_sample_1000.csv" >/dev/null 2>&1 || fail "the sample bill did not import"
fi
# One server without a rate limit for the calls, one that takes a request a second for the 429.
"$FRUGAL" serve --listen 127.0.0.1:0 --rate 0 --max-body-mb 1 2>server.log &
server=$!
"$FRUGAL" serve --listen 127.0.0.1:0 --rate 1 2>rate.log &
rate_server=$!
trap 'kill $server $rate_server 2>/dev/null || true; rm -rf "$WORK"' EXIT
port_of() { sed -n 's/.*http:\/\/127.0.0.1:\([0-9]*\).*/\1/p' "$1" | tail -1; }
for _ in $(seq 100); do [[ -n "$(port_of server.log)" && -n "$(port_of rate.log)" ]] && break; sleep 0.05; done
[[ -n "$(port_of server.log)" && -n "$(port_of rate.log)" ]] || fail "the servers did not start: $(cat server.log rate.log)"
export FRUGAL_URL="http://127.0.0.1:$(port_of server.log)" RATE_URL="http://127.0.0.1:$(port_of rate.log)"
export BODY_LIMIT_BYTES=$((1 << 20))
NODE_PATH="$root/node_modules" node "$here/server/openapi_check.js" || fail "the OpenAPI document and the server part (above)"
kill -0 "$server" 2>/dev/null || fail "the server died: $(tail -5 server.log)"
echo ok
