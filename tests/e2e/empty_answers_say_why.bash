# An empty answer says why it is empty and which command fills it (on stderr; stdout stays the bare
# table): no runs yet, a window that misses the stored runs or the imported bills, cost that no tag
# allocates, a reconcile with no run naming its instance.
source "$(dirname "$0")/lib.bash"
bill="$(cd "$(dirname "$0")/../fixtures/billing" && pwd)/gcp_billing_export.csv"

run_status "$FRUGAL" top --by team
expect_contains "$ERR" "no runs recorded yet; record one with \`frugal run -- COMMAND\`" "no runs at all"
run_status "$FRUGAL" costs --by provider
expect_contains "$ERR" "no bills imported yet; import one with \`frugal bill import FILE\`" "no bills at all"

run_status "$FRUGAL" run --team vision -- true
run_status "$FRUGAL" top --by team --since 2020-01-01 --until 2020-02-01
expect_eq "$STATUS" 0 "an empty window is no error"
expect_contains "$OUT" "(no rows)" "the table says it is empty"
expect_contains "$ERR" "no runs started from 2020-01-01T00:00:00.000Z until 2020-02-01T00:00:00.000Z, of the 1 run stored" "the window misses the runs"
expect_contains "$ERR" "widen the window, e.g. --since $(date -u +%Y-%m-%d)" "and says how to reach them"
run_status "$FRUGAL" report --since 2020-01-01 --until 2020-02-01
expect_contains "$ERR" "no runs started from 2020-01-01" "report explains its empty window too"

run_status "$FRUGAL" bill import "$bill"
expect_eq "$STATUS" 0 "the bill imports: $ERR"
run_status "$FRUGAL" costs --by provider --since 2000-01-01 --until 2000-02-01
expect_contains "$ERR" "no charges from 2000-01-01T00:00:00.000Z until 2000-02-01T00:00:00.000Z; the imported bills cover" "the window misses the bills"
expect_contains "$ERR" "widen the window, e.g. --since " "and says which dates hold them"
run_status "$FRUGAL" costs --by project --since 2000-01-01
expect_contains "$ERR" "of the cost carries no project" "unallocated cost is explained"
expect_contains "$ERR" "frugal bill map --project-tag" "with the command that allocates it"

run_status "$FRUGAL" bill reconcile
expect_contains "$ERR" "frugal run --instance-id ID -- COMMAND" "reconcile says runs must name their instance"

run_status "$FRUGAL" --format csv top --by team --since 2020-01-01 --until 2020-02-01
expect_eq "$OUT" "rank,team,cost_usd,share,gpu_hours,runs,failures,hours,idle_gpu_cost_usd,saved_by_cache_usd" "stdout stays the bare CSV"
