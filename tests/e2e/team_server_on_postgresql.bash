# The team server on PostgreSQL: two `frugal serve` processes share one database; a run written
# through one is read through the other; the database restarts while a job streams its metrics
# and nothing acknowledged is lost; an unreachable database is an error naming host and port;
# `frugal sql` reads the BI views and writes nothing. A PostgreSQL server of its own, so that
# restarting it disturbs no other test.
pg_server="$(cd "$(dirname "$0")/../pg" && pwd)/pg_server.sh"
source "$(dirname "$0")/lib.bash"
chmod 755 "$WORK"  # initdb runs as nobody when the tests run as root
"$pg_server" start "$WORK/pg" >/dev/null 2>pg.err || fail "start PostgreSQL: $(cat pg.err)"
[[ -s "$WORK/pg/url" ]] || { echo "SKIP: $(cat pg.err)"; exit 200; }
db=$(cat "$WORK/pg/url")
trap 'kill $server_a $server_b 2>/dev/null || true; "$pg_server" stop "$WORK/pg" >/dev/null 2>&1; rm -rf "$WORK"' EXIT
export FRUGAL_DB="$db"

# Unreachable: a clear error naming where it looked, before anything else happens.
run_status "$FRUGAL" --db "postgresql://frugal@127.0.0.1:1/frugal" serve --listen 127.0.0.1:0
[[ "$STATUS" -ne 0 ]] || fail "serve started without its database"
expect_contains "$ERR" "cannot connect to PostgreSQL at 127.0.0.1:1" "the error names host and port"

admin=$("$FRUGAL" token create --role admin 2>/dev/null)
agent=$("$FRUGAL" token create --role agent --team vision 2>/dev/null)
start_server() {  # NAME: starts a server on a free port, sets ${NAME}_port and server_${NAME}
  "$FRUGAL" serve --listen 127.0.0.1:0 2>"server-$1.log" &
  printf -v "server_$1" '%s' $!
  for _ in $(seq 100); do grep -q serving "server-$1.log" 2>/dev/null && break; sleep 0.05; done
  printf -v "port_$1" '%s' "$(sed -n 's/.*http:\/\/127.0.0.1:\([0-9]*\).*/\1/p' "server-$1.log" | tail -1)"
}
start_server a
start_server b
[[ -n "$port_a" && -n "$port_b" ]] || fail "servers did not start: $(cat server-a.log server-b.log)"
api() { curl -sS -H "Authorization: Bearer $admin" "http://127.0.0.1:$1$2"; }

# Written through A, read through B.
FRUGAL_SERVER="http://127.0.0.1:$port_a" FRUGAL_TOKEN="$agent" "$FRUGAL" run --name first --hourly-usd 36 -- true \
  2>agent.err || fail "agent run: $(cat agent.err)"
expect_contains "$(api "$port_b" /api/v1/runs)" '"name":"first"' "server B sees the run sent to server A"

# The database restarts while a job streams 40 points to A in batches: the agent's sends fail for
# a moment and are retried; at the end every point is there once.
FRUGAL_SERVER="http://127.0.0.1:$port_a" FRUGAL_TOKEN="$agent" "$FRUGAL" run --name during-restart \
  --send-every 100ms --metric 'loss=loss ([0-9.]+)' -- \
  sh -c 'for i in $(seq 1 40); do echo "loss 0.$i"; sleep 0.05; done' >/dev/null 2>restart.err &
job=$!
sleep 0.5
"$pg_server" restart "$WORK/pg" >/dev/null || fail "restart PostgreSQL"
wait "$job" || fail "the job failed with the database: $(cat restart.err)"
if ls "$FRUGAL_HOME"/spool/*.db >/dev/null 2>&1; then  # what the restart refused waits in the spool
  FRUGAL_SERVER="http://127.0.0.1:$port_a" FRUGAL_TOKEN="$agent" "$FRUGAL" sync 2>sync.err || fail "sync: $(cat sync.err)"
fi
sql_one() { "$FRUGAL" sql --format csv "$1" | tail -1; }
expect_eq "$(sql_one "SELECT count(*), count(DISTINCT step) FROM metrics m JOIN runs r ON r.id = m.run_id WHERE r.name = 'during-restart'")" \
  "40,40" "every point of the job that ran through the restart, once"
expect_eq "$(sql_one "SELECT status FROM runs WHERE name = 'during-restart'")" "finished" "and it ended"
# Both servers kept working after the restart.
expect_contains "$(api "$port_b" /api/v1/runs)" '"name":"during-restart"' "server B after the restart"
FRUGAL_SERVER="http://127.0.0.1:$port_b" FRUGAL_TOKEN="$agent" "$FRUGAL" run --name after -- true 2>after.err \
  || fail "a run through B after the restart: $(cat after.err)"
expect_eq "$(sql_one "SELECT count(*) FROM runs")" "3" "three runs, none twice"

# frugal sql: the views BI tools read; writes refused.
expect_eq "$(sql_one "SELECT count(*) FROM v_run_costs WHERE team = 'vision'")" "3" "v_run_costs"
expect_eq "$(sql_one "SELECT sum(runs) FROM v_leaderboard WHERE dimension = 'team' AND key = 'vision'")" "3" "v_leaderboard"
run_status "$FRUGAL" sql "DELETE FROM runs"
[[ "$STATUS" -ne 0 ]] || fail "frugal sql deleted runs"
expect_contains "$ERR" "read-only" "the refusal says why"
run_status "$FRUGAL" sql "SELECT token_hash FROM tokens"
[[ "$STATUS" -ne 0 ]] || fail "frugal sql read the token hashes"
expect_eq "$(sql_one "SELECT count(*) FROM runs")" "3" "nothing was deleted"
