# With --metric, the job's output goes through frugal byte for byte (no newline added, binary kept,
# stderr kept apart), and the matching lines become metrics.
source "$(dirname "$0")/lib.bash"

printf 'epoch 1 val_loss: 0.5\nnoise \001\002\377\nepoch 2 val_loss: 0.4\nno newline at the end' > expected.out
printf 'warn: val_loss: 9.9\n' > expected.err
"$FRUGAL" run --metric 'val_loss=val_loss: ([0-9.]+)' -- sh -c 'cat expected.out; cat expected.err >&2' >got.out 2>got.err
cmp expected.out got.out || fail "stdout changed on its way through"
cmp expected.err got.err || fail "stderr changed on its way through"
expect_eq "$(sql "SELECT group_concat(value, ' ') FROM (SELECT value FROM metrics ORDER BY value)")" "0.4 0.5 9.9" \
  "metrics from both streams"

# A Python job: its print()s arrive as it prints them (PYTHONUNBUFFERED), and it stops early.
if command -v python3 >/dev/null; then
  run_status "$FRUGAL" run --hourly-usd 1 --metric 'acc=acc=([0-9.]+)' --stop-when 'acc max patience=2' -- \
    python3 -c 'import time
for i in range(50):
    print(f"step {i} acc={0.5 if i > 2 else 0.1 * i}"); time.sleep(0.02)'
  expect_eq "$(sql "SELECT status FROM runs ORDER BY id DESC LIMIT 1")" "stopped_early" "python job stopped"
  [[ "$(echo "$OUT" | wc -l)" -lt 20 ]] || fail "the job ran on after the stop: $(echo "$OUT" | wc -l) lines"
  # A stop is frugal's doing: it says so even off a terminal, with the rule, the cost and the status.
  expect_contains "$ERR" "frugal: run $(sql "SELECT max(id) FROM runs") stopped early, acc max patience=2" "the stop names its rule"
  expect_contains "$ERR" "; exit status $STATUS" "the stop names the exit status frugal returns"
  expect_contains "$ERR" "cost \$0.0" "the stop names the cost"
fi

# A budget stop: exit 77 and one line naming the limit, what was spent and the cost.
run_status "$FRUGAL" run --hourly-usd 36000 --max-usd 1 --sample-every 50ms -- sleep 5
expect_eq "$STATUS" 77 "a job over its --max-usd"
expect_contains "$ERR" "stopped by its budget, max-usd \$1.00 reached" "the budget stop names the limit"
expect_contains "$ERR" "(instance at \$36000.00/h from --hourly-usd); exit status 77" "the budget stop names the price and the status"
