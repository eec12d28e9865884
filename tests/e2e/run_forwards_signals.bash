# A signal sent to `frugal run` reaches the job's whole process group, and the job's own exit
# status comes back.
source "$(dirname "$0")/lib.bash"

"$FRUGAL" run --hourly-usd 1 -- sh -c 'trap "echo got-term; exit 42" TERM; echo ready; while :; do sleep 0.05; done' \
  >"$WORK/job.out" 2>&1 &
pid=$!
for _ in $(seq 100); do grep -q ready "$WORK/job.out" 2>/dev/null && break; sleep 0.05; done
grep -q ready "$WORK/job.out" || fail "job never started"
kill -TERM "$pid"
set +e
wait "$pid"
status=$?
set -e
expect_eq "$status" 42 "job's exit status after SIGTERM"
expect_contains "$(cat "$WORK/job.out")" "got-term" "job saw the forwarded SIGTERM"
expect_eq "$(sql "SELECT status, exit_code FROM runs")" "failed,42" "recorded end"
