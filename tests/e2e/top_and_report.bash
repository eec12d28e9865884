# Leaderboards and the report over real runs.
source "$(dirname "$0")/lib.bash"

"$FRUGAL" run --team vision --user ada --model yolo --dataset coco --hourly-usd 3600 -- sleep 0.3
"$FRUGAL" run --team vision --user bob --model yolo --dataset coco --hourly-usd 3600 -- sh -c 'sleep 0.1; exit 1' || true
"$FRUGAL" run --team nlp --user cy --model bert --dataset wiki --hourly-usd 3600 -- sleep 0.1

# vision runs a cached stage twice: the second is a hit that saves its compute at $1/s.
for _ in 1 2; do
  FRUGAL_USER=ada "$FRUGAL" cache run --team vision --hourly-usd 3600 --out prep.out -- sh -c 'sleep 0.2; echo prepped > prep.out' \
    2>>cache.err || fail "cache run: $(cat cache.err)"
done
expect_contains "$(cat cache.err)" "cache hit" "the second run hits"

run_status "$FRUGAL" top --by team --since 30d --format csv
expect_eq "$STATUS" 0 "top"
expect_eq "$(echo "$OUT" | head -1)" "rank,team,cost_usd,share,gpu_hours,runs,failures,hours,idle_gpu_cost_usd,saved_by_cache_usd" "header"
expect_eq "$(echo "$OUT" | sed -n 2p | cut -d, -f1,2,6,7)" "1,vision,2,1" "vision ranks first"
expect_eq "$(echo "$OUT" | sed -n 3p | cut -d, -f1,2,6,7)" "2,nlp,1,0" "nlp second"
saved=$(echo "$OUT" | sed -n 2p | cut -d, -f10)
awk -v s="$saved" 'BEGIN { exit !(s >= 0.2 && s < 5) }' || fail "vision saved the stage's compute at \$1/s, got [$saved]"
expect_eq "$(echo "$OUT" | sed -n 3p | cut -d, -f10)" "0.00" "nlp saved nothing"

for by in user project model dataset experiment; do
  run_status "$FRUGAL" top --by "$by" --format json
  expect_eq "$STATUS" 0 "top --by $by"
done
run_status "$FRUGAL" top --by user --metric runs --format csv
expect_eq "$(echo "$OUT" | wc -l)" "4" "three users and a header"

run_status "$FRUGAL" top --since 2020-01-01 --until 2020-02-01
expect_contains "$OUT" "(no rows)" "empty period"

run_status "$FRUGAL" report --since 30d
expect_eq "$STATUS" 0 "report"
expect_contains "$OUT" "3 runs" "totals line"
expect_contains "$OUT" "1 failed" "failure count"
expect_contains "$OUT" "== costliest jobs ==" "costliest section"
expect_contains "$OUT" "saved by cache: 1 hit," "the report shows what the cache saved"
run_status "$FRUGAL" report --format json
expect_contains "$OUT" '"failures"' "json sections"
expect_contains "$OUT" '"failed_runs": 1' "json totals"
