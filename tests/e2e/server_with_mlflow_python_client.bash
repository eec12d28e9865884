# `frugal serve` driven by MLflow's own Python client (2.9.2, ../shared/clients/mlflow-2.9.2, run
# by Debian's python3 with Debian's packages): a training job on a team's agent token, a member
# reading, another team seeing nothing (tests/e2e/server/mlflow_python_client.py), on SQLite and,
# where PostgreSQL is installed, on PostgreSQL.
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/lib.bash"
root="$(cd "$here/../.." && pwd)"
client="${MLFLOW_CLIENT:-$root/../shared/clients/mlflow-2.9.2}"
python=/usr/bin/python3
if [[ ! -d "$client/mlflow" ]]; then
  echo "SKIP: MLflow's Python client is absent ($client; ../shared/clients/README.md says what it is)"
  exit 200
fi
if [[ ! -x "$python" ]]; then
  echo "SKIP: Debian's python3 is absent (make deps installs it)"
  exit 200
fi
# The client's imports that Debian packages give (../shared/clients/README.md); make deps installs them.
for module in google.protobuf:python3-protobuf requests:python3-requests yaml:python3-yaml click:python3-click \
  packaging:python3-packaging sqlparse:python3-sqlparse git:python3-git cloudpickle:python3-cloudpickle \
  entrypoints:python3-entrypoints pytz:python3-tz importlib_metadata:python3-importlib-metadata; do
  if ! "$python" -c "import ${module%%:*}" 2>/dev/null; then
    echo "SKIP: the MLflow client needs Debian's ${module#*:} (make deps installs it)"
    exit 200
  fi
done
export PYTHONPATH="$client:$client/stubs"
export GIT_PYTHON_REFRESH=quiet  # the client's git probe, for a job outside a repository

servers=()
pg_server="$root/tests/pg/pg_server.sh"
trap 'kill "${servers[@]}" 2>/dev/null || true; "$pg_server" stop "$WORK/pg" >/dev/null 2>&1; rm -rf "$WORK"' EXIT

# suite NAME: tokens, a server and the client against the store FRUGAL_DB names (none: SQLite).
suite() {
  export ADMIN=$("$FRUGAL" token create --role admin 2>/dev/null)
  export AGENT=$("$FRUGAL" token create --role agent --team vision 2>/dev/null)
  export MEMBER=$("$FRUGAL" token create --role member --team vision 2>/dev/null)
  export NLP_AGENT=$("$FRUGAL" token create --role agent --team nlp 2>/dev/null)
  export NLP_MEMBER=$("$FRUGAL" token create --role member --team nlp 2>/dev/null)
  "$FRUGAL" serve --listen 127.0.0.1:0 2>"server-$1.log" &
  servers+=($!)
  for _ in $(seq 100); do grep -q serving "server-$1.log" 2>/dev/null && break; sleep 0.05; done
  export FRUGAL_URL="http://127.0.0.1:$(sed -n 's/.*http:\/\/127.0.0.1:\([0-9]*\).*/\1/p' "server-$1.log" | tail -1)"
  "$python" "$here/server/mlflow_python_client.py" >"client-$1.out" || { cat "client-$1.out"; fail "MLflow's Python client on $1 (above)"; }
  sed "s/^/$1: /" "client-$1.out"  # the calls covered
  # The job's run, as the rest of Frugal sees it: the agent's team, the label its tag set, ended.
  run_status "$FRUGAL" sql --format csv "SELECT team, project, model, status FROM runs WHERE name = 'train-1'"
  expect_eq "$(tail -1 <<<"$OUT")" "vision,resnet,resnet50,finished" "$1: the training job's run, labelled and ended"
  run_status "$FRUGAL" sql --format csv "SELECT count(*) FROM runs WHERE team IS NULL OR team <> 'vision'"
  expect_eq "$(tail -1 <<<"$OUT")" "0" "$1: no run was written for another team"
  # What each dollar bought, over the runs MLflow's client logged: their values, and without a
  # price they stand apart rather than vanish.
  run_status "$FRUGAL" value --experiment resnet-sweep --metric loss:min --format csv
  expect_eq "$STATUS" 0 "$1: frugal value over the client's experiment: $ERR"
  expect_contains "$(grep ',train-1,' <<<"$OUT")" ",finished,,0.01,99," "$1: train-1's best loss (1/100 at step 99), no price"
  # A full disk (or a closed pipe) is an error that says so, never a short answer that looks whole.
  "$FRUGAL" value --experiment resnet-sweep --metric loss:min --format csv >/dev/full 2>full.err &&
    fail "$1: frugal value into a full disk said it succeeded"
  expect_contains "$(cat full.err)" "value: cannot write the output" "$1: frugal value into a full disk says why"
}

suite sqlite

chmod 755 "$WORK"  # initdb runs as nobody when the tests run as root
"$pg_server" start "$WORK/pg" >/dev/null 2>pg.err || fail "start PostgreSQL: $(cat pg.err)"
if [[ -s "$WORK/pg/url" ]]; then
  export FRUGAL_DB=$(cat "$WORK/pg/url")
  suite postgresql
else
  echo "postgresql: not installed, its pass skipped"
fi
echo ok
