# `frugal sql` answers any read-only query in table, CSV or JSON, and refuses every write.
source "$(dirname "$0")/lib.bash"

"$FRUGAL" run --team vision --hourly-usd 3600 -- sleep 0.1
"$FRUGAL" run --team nlp --hourly-usd 3600 -- true
run_status "$FRUGAL" sql "SELECT team, sum(cost_usd) > 0 AS spent FROM runs GROUP BY team ORDER BY team" --format csv
expect_eq "$OUT" $'team,spent\nnlp,1\nvision,1' "csv output"
run_status "$FRUGAL" sql "SELECT team FROM runs ORDER BY id" --format json
expect_contains "$OUT" '"team": "vision"' "json output"
run_status "$FRUGAL" sql "SELECT 1 AS one, 'x' AS name"
expect_contains "$OUT" "one  name" "table output has a header"

for stmt in "DELETE FROM runs" "UPDATE runs SET team = 'x'" "DROP TABLE runs" \
            "ATTACH DATABASE '$WORK/evil.db' AS e" "PRAGMA journal_mode = DELETE" \
            "INSERT INTO tags VALUES (1, 'a', 'b')" "CREATE TABLE t (x)" "VACUUM"; do
  run_status "$FRUGAL" sql "$stmt"
  [[ "$STATUS" -ne 0 ]] || fail "write allowed: $stmt"
  expect_contains "$ERR" "frugal:" "error message for $stmt"
done
[[ ! -e "$WORK/evil.db" ]] || fail "ATTACH created a file"
expect_eq "$(sql "SELECT count(*) FROM runs")" "2" "nothing changed"

run_status "$FRUGAL" sql "SELEC nonsense"
expect_eq "$STATUS" 2 "syntax error is a usage error"
expect_contains "$ERR" "syntax error" "sqlite's message is shown"

run_status "$FRUGAL" sql --schema
expect_contains "$OUT" "## runs" "schema printed"
expect_eq "$OUT" "$(cat "$(dirname "$0")/../../docs/schema.md")" "--schema equals docs/schema.md"

# A query runs at most --timeout (60 s by default); a bad duration names the flag.
run_status "$FRUGAL" sql --timeout 20ms "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c"
[[ "$STATUS" -ne 0 ]] || fail "an endless query ran to the end"
expect_contains "$ERR" "time limit of 20 ms" "the limit is named"
run_status "$FRUGAL" sql --timeout soon "SELECT 1"
expect_eq "$STATUS" 2 "bad --timeout"
expect_contains "$ERR" "--timeout 'soon'" "names the flag and the value"
