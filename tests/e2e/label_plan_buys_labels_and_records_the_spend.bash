# `frugal label plan`: the most uncertain items are bought within budget, the confident ones are
# auto-labelled at a threshold shown on human labels, the spend is recorded as a run the cost
# leaderboard counts, and bad input names the file and line and replaces nothing.
source "$(dirname "$0")/lib.bash"

python3 - <<'PY'
# 250 validation items the model gets right at 0.97; 1,000 unlabelled items of every confidence.
with open("preds.csv", "w") as p, open("val.csv", "w") as v:
    p.write("id,cat,dog\n")
    v.write("id,label\n")
    for i in range(250):
        p.write(f"v{i},0.97,0.03\n")
        v.write(f"v{i},cat\n")
    for i in range(1000):
        c = 0.5 + (i % 500) / 1000  # 0.5 .. 0.999
        p.write(f"u{i},{c:.3f},{1 - c:.3f}\n")
PY
run_status "$FRUGAL" label plan --predictions preds.csv --validation val.csv --budget-usd 4 --cost-per-label 0.08 \
  --strategy least-confidence --team vision --project detector --out plan
expect_eq "$STATUS" 0 "plan: $ERR"
expect_contains "$OUT" "50 of 1000 unlabelled items to label for \$4.00" "50 labels at 8 cents"
expect_contains "$OUT" "confidence ≥ 0.97" "the validated threshold"
expect_eq "$(($(wc -l <plan/to_label.csv) - 1))" "50" "to_label.csv holds the budget"
expect_eq "$(sed -n 2p plan/to_label.csv | cut -d, -f2,4)" "u0,0.5" "the least confident first"
auto=$(($(wc -l <plan/auto_labeled.csv) - 1))
expect_eq "$auto" "$(python3 -c 'print(sum(1 for i in range(1000) if round(0.5 + (i % 500) / 1000, 3) >= 0.97))')" \
  "every item at or above the threshold is auto-labelled"
expect_eq "$(python3 -c 'import json; r=json.load(open("plan/report.json")); print(r["spent_usd"], r["saved_usd"], r["auto_labels"]["validation_items_above"])')" \
  "4.00 76.00 250" "the report"

# The spend is a run: the leaderboard counts it for the team.
expect_eq "$(sql "SELECT name || ' ' || status || ' ' || cost_usd FROM runs")" "label plan finished 4.0" "recorded"
run_status "$FRUGAL" top --by team --format csv
expect_contains "$OUT" "vision" "the team's labeling spend is on the leaderboard"

# Bad input: a clear error, exit 2, and the plan already there is untouched.
before=$(cat plan/to_label.csv plan/report.json | md5sum)
printf 'id,cat,dog\na,0.5,0.5\nb,0.7\n' >ragged.csv
run_status "$FRUGAL" label plan --predictions ragged.csv --budget-usd 1 --cost-per-label 0.08 --out plan
expect_eq "$STATUS" 2 "a ragged row"
expect_contains "$ERR" "ragged.csv:3: 2 fields, the header has 3" "names the file and line"
printf 'id,cat,dog\na,0.5,0.4\n' >sum.csv
run_status "$FRUGAL" label plan --predictions sum.csv --budget-usd 1 --cost-per-label 0.08 --out plan
expect_contains "$ERR" "sum.csv:2: the probabilities sum to 0.9, not 1" "probabilities that do not sum to 1"
printf 'id,label\nnobody,cat\n' >unknown.csv
run_status "$FRUGAL" label plan --predictions preds.csv --validation unknown.csv --budget-usd 1 --cost-per-label 0.08 --out plan
expect_contains "$ERR" "id 'nobody' has no prediction" "an unknown id in the validation set"
run_status "$FRUGAL" label plan --predictions preds.csv --budget-usd lots --cost-per-label 0.08 --out plan
expect_eq "$STATUS" 2 "a bad budget"
expect_contains "$ERR" "--budget-usd" "names the flag"
# A budget that buys no label (it crashed with a segfault once), for every ranking strategy.
for strategy in entropy margin least-confidence rare hybrid; do
  run_status "$FRUGAL" label plan --predictions preds.csv --budget-usd 0 --cost-per-label 0.1 --strategy "$strategy" --out plan
  expect_eq "$STATUS" 2 "a budget that buys no label ($strategy)"
  expect_contains "$ERR" "buys no label at \$0.10 a label" "says why ($strategy)"
done
expect_eq "$(cat plan/to_label.csv plan/report.json | md5sum)" "$before" "the plan is untouched"
expect_eq "$(sql "SELECT count(*) FROM runs")" "1" "no run recorded for a refused plan"
