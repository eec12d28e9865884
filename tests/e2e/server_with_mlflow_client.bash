# `frugal serve` driven by a third-party MLflow client (the npm `mlflow` package, pinned in
# package.json): experiments, runs, params, tags, metrics, search and errors as a Node script
# would use them.
source "$(dirname "$0")/lib.bash"
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
if [[ ! -d "$root/node_modules/mlflow" ]] || ! command -v node >/dev/null; then
  echo "SKIP: the npm mlflow client is not installed (npm ci at the repository root installs it)"
  exit 200
fi
export AGENT=$("$FRUGAL" token create --role agent --team vision 2>/dev/null)
export MEMBER=$("$FRUGAL" token create --role member --team vision 2>/dev/null)
"$FRUGAL" serve --listen 127.0.0.1:0 2>server.log &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$WORK"' EXIT
for _ in $(seq 100); do grep -q serving server.log 2>/dev/null && break; sleep 0.05; done
export FRUGAL_URL="http://127.0.0.1:$(sed -n 's/.*http:\/\/127.0.0.1:\([0-9]*\).*/\1/p' server.log)"
NODE_PATH="$root/node_modules" node "$here/server/mlflow_client.js" || fail "the MLflow client (above)"
run_status "$FRUGAL" sql --format csv "SELECT team, project, model, username, status FROM runs"
expect_eq "$(tail -1 <<<"$OUT")" "vision,node,gbm,bo,finished" "the client's run, labelled and ended"
echo ok
