# A `kill -9` in the middle of a bill import leaves the store exactly as before, and the same
# file imports cleanly afterwards.
source "$(dirname "$0")/lib.bash"
require_shared_data focus/focus_sample_1000.csv
: "${GEN_FOCUS:?GEN_FOCUS must point at bench/gen_focus}"

"$FRUGAL" bill import "$SHARED_DATA/focus/focus_sample_1000.csv" >/dev/null
before=$(sql "SELECT count(*), sum(billed_cost_nanos), sum(billed_cost_attos) FROM charges")
rollups_before=$(sql "SELECT count(*), sum(rows), sum(billed_cost_nanos) FROM charge_rollups")

"$GEN_FOCUS" "$SHARED_DATA/focus/focus_sample_1000.csv" big.csv 300000
"$FRUGAL" bill import big.csv >/dev/null 2>&1 &
pid=$!
# Wait until the import has written a good part of its transaction to the WAL, then kill it.
for _ in $(seq 400); do
  size=$(stat -c %s "$FRUGAL_HOME/frugal.db-wal" 2>/dev/null || echo 0)
  (( size > 20000000 )) && break
  kill -0 "$pid" 2>/dev/null || fail "the import finished before it could be killed"
  sleep 0.02
done
kill -9 "$pid"
wait "$pid" 2>/dev/null || true

expect_eq "$(sql "SELECT count(*), sum(billed_cost_nanos), sum(billed_cost_attos) FROM charges")" "$before" "charges as before"
expect_eq "$(sql "SELECT count(*), sum(rows), sum(billed_cost_nanos) FROM charge_rollups")" "$rollups_before" "rollups as before"
expect_eq "$(sql "SELECT count(*) FROM imports")" "1" "no half import recorded"
expect_eq "$(sqlite3 "$FRUGAL_HOME/frugal.db" 'PRAGMA integrity_check')" "ok" "integrity"

run_status "$FRUGAL" bill import big.csv
expect_eq "$STATUS" 0 "re-import after the crash: $ERR"
expect_eq "$(sql "SELECT count(*) FROM charges")" "301000" "all rows after the re-import"
