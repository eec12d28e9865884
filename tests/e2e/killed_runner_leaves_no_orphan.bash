# `kill -9` of `frugal run` kills its job too (no orphan runs on unmetered); the next frugal marks
# the run lost instead of leaving it "running" forever, and stops what the job left in the background.
source "$(dirname "$0")/lib.bash"

"$FRUGAL" run --hourly-usd 1 --sample-every 50ms -- sh -c 'sleep 30 & echo $! > grandchild.pid; echo $$ > job.pid; exec sleep 30' &
runner=$!
for _ in $(seq 100); do [[ -s job.pid && -s grandchild.pid ]] && break; sleep 0.05; done
job=$(cat job.pid)
grandchild=$(cat grandchild.pid)
kill -0 "$job" || fail "job not running"
sleep 0.2  # a sample or two
kill -9 "$runner"
wait "$runner" 2>/dev/null || true
for _ in $(seq 40); do kill -0 "$job" 2>/dev/null || break; sleep 0.05; done
if kill -0 "$job" 2>/dev/null; then
  kill -9 "$job" "$grandchild"
  fail "the job outlived its runner"
fi
expect_eq "$(sql "SELECT status FROM runs")" "running" "before any other frugal ran"

"$FRUGAL" run --hourly-usd 1 -- true
expect_eq "$(sql "SELECT status FROM runs WHERE id = 1")" "lost" "the next run marks it lost"
[[ "$(sql "SELECT ended_at IS NOT NULL AND duration_ms >= 0 FROM runs WHERE id = 1")" == "1" ]] || fail "lost run has no end"
for _ in $(seq 40); do kill -0 "$grandchild" 2>/dev/null || break; sleep 0.05; done
if kill -0 "$grandchild" 2>/dev/null; then
  kill -9 "$grandchild"
  fail "the job's background process survived the sweep"
fi
