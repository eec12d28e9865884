# `frugal run --server`: the job never waits on or fails with the tracking server. Stopped mid-run,
# the server gets nothing; the run waits in a spool and `frugal sync` sends it later: once, even
# when the same spool is sent again (idempotency keys), with every metric point.
source "$(dirname "$0")/lib.bash"
server_home="$WORK/server-home"
agent=$(FRUGAL_HOME="$server_home" "$FRUGAL" token create --role agent --team vision 2>/dev/null)
start_server() {
  FRUGAL_HOME="$server_home" "$FRUGAL" serve --listen "127.0.0.1:${port:-0}" 2>>server.log &
  server=$!
  for _ in $(seq 100); do [[ "$(grep -c serving server.log 2>/dev/null)" -ge "${1:-1}" ]] && break; sleep 0.05; done
  port=$(sed -n 's/.*http:\/\/127.0.0.1:\([0-9]*\).*/\1/p' server.log | tail -1)
}
start_server 1
trap 'kill $server 2>/dev/null || true; rm -rf "$WORK"' EXIT
export FRUGAL_SERVER="http://127.0.0.1:$port" FRUGAL_TOKEN="$agent"
server_sql() { FRUGAL_HOME="$server_home" "$FRUGAL" sql --format csv "$1" | tail -1; }

# While the job runs, the server shows it running, with its full batches of points.
"$FRUGAL" run --send-every 200ms --sample-every 200ms --metric 'loss=loss ([0-9.]+)' -- \
  sh -c 'i=0; while [ $i -lt 1500 ]; do i=$((i+1)); echo "loss 0.$i"; done; sleep 2' >/dev/null 2>live.err &
job=$!
for _ in $(seq 60); do
  [[ "$(server_sql "SELECT count(*) FROM metrics")" -ge 1000 ]] && break
  sleep 0.05
done
expect_eq "$(server_sql "SELECT status FROM runs")" "running" "the running job is on the server"
# 1,000 (a full batch), or 1,500 when the poll above, slow under a sanitizer on a busy machine,
# looked only after the rest followed at the next send; never a part of a batch.
points=$(server_sql "SELECT count(*) FROM metrics")
[[ "$points" == 1000 || "$points" == 1500 ]] || fail "its points arrive in full batches while it runs: expected 1000 or 1500, got $points"
wait "$job" || fail "the live job: $(cat live.err)"
expect_eq "$(server_sql "SELECT count(*), min(status) FROM runs")" "1,finished" "then it ended there"
expect_eq "$(server_sql "SELECT count(*), count(DISTINCT step) FROM metrics")" "1500,1500" "every point once"
[[ -z "$(ls "$FRUGAL_HOME"/spool/ 2>/dev/null)" ]] || fail "the sent spool is gone"
base_runs=1 base_points=1500

# The server goes away while the job runs: the job finishes as if nothing happened.
( sleep 0.6; kill -TERM "$server" ) &
run_status "$FRUGAL" run --hourly-usd 36 --metric 'loss=loss ([0-9.]+)' -- \
  sh -c 'for i in $(seq 1 20); do echo "loss 0.$i"; sleep 0.05; done'
expect_eq "$STATUS" 0 "the job's status, server or not"
expect_contains "$ERR" "sent by \`frugal sync\`" "the user is told the run waits in a spool"
wait "$server" || true
spool=$(ls "$FRUGAL_HOME"/spool/*.db)
[[ -f "$spool" ]] || fail "a spool is kept"
# What the runner measured travels with the run (as a GPU job's summary would).
sqlite3 "$spool" "UPDATE runs SET gpu_util_mean = 41.5, gpu_util_peak = 90, gpu_util_p95 = 77, gpu_mem_peak_bytes = 123456789, \
  idle_gpu_seconds = 12.5, idle_cost_nanos = 2500000, cpu_bound = 1, saved_nanos = 7000000" || fail "edit the spool"
cp "$spool" spool-copy.db

start_server 2
run_status "$FRUGAL" sync
expect_eq "$STATUS" 0 "sync: $ERR"
expect_contains "$ERR" "1 run(s) sent (20 metric points" "sync reports what it sent"
[[ ! -e "$spool" ]] || fail "a sent spool is deleted"
expect_eq "$(server_sql "SELECT count(*), min(status), min(team) FROM runs WHERE id > $base_runs")" "1,finished,vision" "the run arrived, ended"
expect_eq "$(server_sql "SELECT count(*) FROM metrics")" "$((base_points + 20))" "every point arrived"
expect_eq "$(server_sql "SELECT gpu_util_mean, gpu_util_peak, gpu_util_p95, gpu_mem_peak_bytes, idle_gpu_seconds, idle_cost_nanos, cpu_bound, saved_nanos FROM runs WHERE id > $base_runs")" \
  "41.5,90,77,123456789,12.5,2500000,1,7000000" "the run's measured summary arrived"

# The same spool again (as if the first sync's answers were lost): nothing is counted twice.
cp spool-copy.db "$spool"
run_status "$FRUGAL" sync
expect_eq "$STATUS" 0 "a second sync: $ERR"
expect_eq "$(server_sql "SELECT count(*) FROM runs")" "$((base_runs + 1))" "no second run"
expect_eq "$(server_sql "SELECT count(*) FROM metrics")" "$((base_points + 20))" "no point twice"
expect_eq "$(server_sql "SELECT cost_nanos FROM runs WHERE id > $base_runs")" "$("$FRUGAL" --db spool-copy.db sql --format csv "SELECT cost_nanos FROM runs" | tail -1)" \
  "the server meters the cost the agent metered"

# A run the server refuses for good (a team the agent token does not hold: 403) is moved to
# spool/dead with the reason beside it, and blocks no later sync.
run_status "$FRUGAL" run --team nlp -- true
expect_eq "$STATUS" 0 "the job's status, refused or not"
expect_contains "$ERR" "refused the run for good" "the user is told the server refused it"
dead=$(ls "$FRUGAL_HOME"/spool/dead/*.db)
[[ -f "$dead" ]] || fail "the refused spool is kept in spool/dead"
expect_contains "$(cat "${dead%.db}.reason")" "HTTP 403" "the reason is beside it"
[[ -z "$(ls "$FRUGAL_HOME"/spool/*.db 2>/dev/null)" ]] || fail "the refused spool no longer waits in spool/"
run_status "$FRUGAL" sync
expect_eq "$STATUS" 0 "a later sync is not blocked by it: $ERR"
expect_contains "$ERR" "1 spool(s) the server refused for good are kept in" "sync reports the refused spool"

# A server down from the start, and a bad token: the job still runs; the spool waits.
kill -TERM "$server"; wait "$server" || true
run_status "$FRUGAL" run -- true
expect_eq "$STATUS" 0 "no server at all"
run_status env FRUGAL_TOKEN=frugal_0000000000000000000000000000000000000000 "$FRUGAL" run -- true
expect_eq "$STATUS" 0 "a refused token"
expect_eq "$(ls "$FRUGAL_HOME"/spool/*.db | wc -l)" "2" "both runs wait"
run_status "$FRUGAL" run --server localhost:1 -- true
expect_eq "$STATUS" 2 "a server URL without a scheme is a usage error"
echo ok
