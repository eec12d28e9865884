# A team over its monthly quota cannot start a run (distinct exit status 77) unless it says
# --allow-over-quota, which is recorded.
source "$(dirname "$0")/lib.bash"

"$FRUGAL" quota set --team vision --monthly-usd 5000 --monthly-gpu-hours 300 >/dev/null
run_status "$FRUGAL" quota list --format csv
expect_contains "$OUT" "team,vision,monthly,5000.00,0.00,300,0,ok" "quota listed with its use"

# One expensive run takes the team past $5000 this month.
"$FRUGAL" run --team vision --hourly-usd 18000001 -- sleep 1
run_status "$FRUGAL" run --team vision --hourly-usd 1 -- touch "$WORK/should-not-exist"
expect_eq "$STATUS" 77 "refused run's exit status"
expect_contains "$ERR" "over quota: team vision" "refusal names the quota"
expect_contains "$ERR" "--allow-over-quota" "refusal says how to proceed"
[[ ! -e "$WORK/should-not-exist" ]] || fail "the refused command ran"

# Other teams are unaffected.
"$FRUGAL" run --team nlp --hourly-usd 1 -- true

run_status "$FRUGAL" run --team vision --hourly-usd 1 --allow-over-quota -- true
expect_eq "$STATUS" 0 "allowed over quota"
expect_contains "$ERR" "running over quota" "warning printed"
expect_eq "$(sql "SELECT count(*) FROM runs WHERE over_quota = 1")" "1" "over-quota run recorded as such"

# Setting one limit keeps the other, and the line says what is stored now, not what was typed.
run_status "$FRUGAL" quota set --team vision --monthly-usd 5000
expect_eq "$OUT" "monthly quota for team vision: \$5000.00, 300 GPU-hours (kept)" "quota set names the limit it kept"
run_status "$FRUGAL" quota set --team vision
expect_eq "$STATUS" 2 "quota set without a limit is a usage error"
run_status "$FRUGAL" quota set --team vision --monthly-usd -5
expect_eq "$STATUS" 2 "negative limit refused"
"$FRUGAL" quota remove --team vision
run_status "$FRUGAL" run --team vision --hourly-usd 1 -- true
expect_eq "$STATUS" 0 "runs again once the quota is removed"
