# `frugal advise`: short on-demand jobs are found to fit spot, with their spot price and the Spot
# Advisor's risk; the advice is stored (frugal sql, the server), a dismissed one stays away, and
# bad flags and feeds are explained.
source "$(dirname "$0")/lib.bash"

for i in 1 2 3; do
  "$FRUGAL" run --team vision --project detector --instance-type p3.2xlarge --region us-east-1 -- sleep 0.2 \
    2>/dev/null || fail "run $i"
done
cat >feed.json <<'JSON'
{"ranges": [{"index": 0, "label": "<5%", "max": 5}, {"index": 4, "label": ">20%", "max": 100}],
 "spot_advisor": {"us-east-1": {"Linux": {"p3.2xlarge": {"s": 70, "r": 4}}}}}
JSON
run_status "$FRUGAL" catalog import-spot-advisor feed.json
expect_eq "$STATUS" 0 "import the feed: $ERR"
expect_contains "$OUT" "1 interruption bands in 1 regions" "the import says what it read"

run_status "$FRUGAL" advise --format json
expect_eq "$STATUS" 0 "advise: $ERR"
id=$(python3 -c 'import json,sys; r=[x for x in json.load(sys.stdin) if x["rule"]=="spot"]; print(r[0]["id"] if r else "")' <<<"$OUT")
[[ -n "$id" ]] || fail "no spot advice for short on-demand jobs: $OUT"
spot=$(python3 -c 'import json,sys; r=[x for x in json.load(sys.stdin) if x["rule"]=="spot"][0]; print(r["target"], "|", [e["value"] for e in r["evidence"] if e["name"]=="interruption risk"][0], "|", r["confidence"])' <<<"$OUT")
expect_contains "$spot" "project detector on p3.2xlarge (us-east-1)" "the target"
expect_contains "$spot" "interrupted >20% of the time" "the risk comes from the feed"
expect_contains "$spot" "| 0.35" "a high interruption band means low confidence"
expect_eq "$(sql "SELECT count(*) FROM recommendations WHERE rule = 'spot' AND dismissed_at IS NULL")" "1" "stored"

run_status "$FRUGAL" advise
expect_contains "$OUT" "$id" "the text output shows the id to dismiss"
expect_contains "$OUT" "do: run them on spot" "and how to act"

# Dismissed: kept with its reason, not shown again when computed again.
run_status "$FRUGAL" advise dismiss "$id"
expect_eq "$STATUS" 2 "dismiss without --why"
run_status "$FRUGAL" advise dismiss "$id" --why "deadline next week: no preemptions"
expect_eq "$STATUS" 0 "dismiss: $ERR"
run_status "$FRUGAL" advise --format json
[[ "$OUT" != *"$id"* ]] || fail "a dismissed recommendation came back"
expect_eq "$(sql "SELECT dismissed_why FROM recommendations WHERE id = '$id'")" "deadline next week: no preemptions" "the reason is kept"
run_status "$FRUGAL" advise dismiss spot-00000000 --why x
expect_eq "$STATUS" 2 "unknown id"
expect_contains "$ERR" "no recommendation 'spot-00000000'" "names the id"

# Bad flags and feeds name what is wrong.
run_status "$FRUGAL" advise --commitment-discount 1.5
expect_eq "$STATUS" 2 "bad --commitment-discount"
expect_contains "$ERR" "--commitment-discount 1.5" "names the flag"
run_status "$FRUGAL" advise --since yesterday-ish
expect_eq "$STATUS" 2 "bad --since"
echo '{"ranges": [' >broken.json
run_status "$FRUGAL" catalog import-spot-advisor broken.json
expect_eq "$STATUS" 2 "a truncated feed"
expect_contains "$ERR" "broken.json: not JSON" "names the file"
expect_eq "$(sql "SELECT count(*) FROM spot_advisor")" "1" "and the bands already there stay"
run_status "$FRUGAL" advise --memory-headroom -0.5
expect_eq "$STATUS" 2 "bad --memory-headroom"
expect_contains "$ERR" "--memory-headroom" "names the flag"
