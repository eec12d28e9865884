# Bad input gets a clear error that names what is wrong, and nothing is lost.
source "$(dirname "$0")/lib.bash"

run_status "$FRUGAL" run --instance-type p4d.24xlage -- true
expect_eq "$STATUS" 2 "unknown instance type"
expect_contains "$ERR" "p4d.24xlarge" "suggests the close match"
expect_eq "$(sql "SELECT count(*) FROM runs")" "0" "refused run not recorded"

run_status "$FRUGAL" top --since "last week"
expect_eq "$STATUS" 2 "invalid --since"
expect_contains "$ERR" "--since 30d" "shows a duration example"
expect_contains "$ERR" "--since 2026-11-01" "shows a date example"

run_status "$FRUGAL" run --tag novalue -- true
expect_eq "$STATUS" 2 "tag without ="
expect_contains "$ERR" "--tag" "names the flag"

echo "my precious notes" > notes.db
run_status "$FRUGAL" --db notes.db top
expect_eq "$STATUS" 2 "foreign file refused"
expect_contains "$ERR" "not a Frugal database" "explains the refusal"
expect_eq "$(cat notes.db)" "my precious notes" "foreign file untouched"

head -c 4096 /dev/urandom > random.db
printf 'SQLite format 3\0' | dd of=random.db conv=notrunc status=none
before=$(sha256sum random.db)
run_status "$FRUGAL" --db random.db sql "SELECT 1"
[[ "$STATUS" -ne 0 ]] || fail "corrupt database accepted"
expect_eq "$(sha256sum random.db)" "$before" "corrupt file untouched"

# A mistyped database path is an error, not an empty store: nothing is made, no folder, no file.
run_status "$FRUGAL" --db "$WORK/no/such/dir/x.db" top
expect_eq "$STATUS" 2 "a --db in a folder that does not exist"
expect_contains "$ERR" "--db $WORK/no/such/dir/x.db: no folder $WORK/no/such/dir" "names the path and the missing folder"
[[ ! -e "$WORK/no" ]] || fail "the folder of a mistyped --db was made"
run_status env FRUGAL_DB=typo.db "$FRUGAL" sql "SELECT count(*) FROM runs"
expect_eq "$STATUS" 2 "a FRUGAL_DB that names no database, read"
expect_contains "$ERR" "typo.db (env FRUGAL_DB): no database there yet" "names the path and where it came from"
[[ ! -e typo.db ]] || fail "a read made the mistyped database"
run_status "$FRUGAL" --db fresh.db run -- true
expect_eq "$STATUS" 0 "a command that records makes a --db in a folder that exists"
[[ -f fresh.db ]] || fail "fresh.db was not made"

# Typos get a did-you-mean, and a job's flag given without `--` says where the `--` goes.
run_status "$FRUGAL" rnu
expect_eq "$STATUS" 2 "a mistyped command"
expect_eq "$ERR" "frugal: \`frugal\` has no command 'rnu'; did you mean run?" "did you mean run"
run_status "$FRUGAL" run --instance-typ p3.2xlarge -- true
expect_contains "$ERR" "\`frugal run\` has no flag --instance-typ; did you mean --instance-type" "did you mean --instance-type"
run_status "$FRUGAL" run python3 train.py --epochs 3
expect_eq "$STATUS" 2 "a job's flag before any --"
expect_contains "$ERR" "put \`--\` before the job's command" "says where the -- goes"
run_status "$FRUGAL" bill improt x.csv
expect_contains "$ERR" "\`frugal bill\` has no command 'improt'; did you mean import?" "did you mean import"
run_status "$FRUGAL" cache
expect_contains "$ERR" "\`frugal cache\` needs a command: run," "a command without its subcommand lists them"

run_status "$FRUGAL" run -- frugal-no-such-program
expect_eq "$STATUS" 127 "missing program, as a shell says"
expect_contains "$ERR" "frugal-no-such-program" "names the program"

run_status "$FRUGAL" run --format xml -- true
expect_eq "$STATUS" 2 "bad --format"

run_status "$FRUGAL" run --hourly-usd 12,5 -- true
expect_eq "$STATUS" 2 "bad price"
expect_contains "$ERR" "--hourly-usd" "names the flag"

# The server and agent flags.
run_status "$FRUGAL" serve --listen nonsense:port
expect_eq "$STATUS" 2 "bad --listen"
expect_contains "$ERR" "--listen 'nonsense:port'" "names the flag and value"
run_status "$FRUGAL" serve --listen 127.0.0.1:70000
expect_eq "$STATUS" 2 "a port out of range"
for bad in 0 abc 3600001; do
  run_status "$FRUGAL" serve --sql-timeout-ms "$bad"
  expect_eq "$STATUS" 2 "--sql-timeout-ms $bad refused"
  expect_contains "$ERR" "--sql-timeout-ms" "names the flag ($bad)"
done
run_status "$FRUGAL" token create --role root
expect_eq "$STATUS" 2 "an unknown role"
expect_contains "$ERR" "expected agent, member or admin" "says what a role can be"
run_status "$FRUGAL" token create --role admin --expires soon
expect_eq "$STATUS" 2 "a bad --expires"
expect_contains "$ERR" "--expires" "names the flag"
run_status "$FRUGAL" token revoke 999
expect_eq "$STATUS" 2 "revoking an unknown token"
expect_contains "$ERR" "no such token" "says so"
run_status "$FRUGAL" run --server http://127.0.0.1:1 -- true
expect_eq "$STATUS" 2 "--server without a token"
expect_contains "$ERR" "--token" "says what is missing"
run_status "$FRUGAL" run --server http://127.0.0.1:1 --token t --send-every 1ms -- true
expect_eq "$STATUS" 2 "a --send-every too short"
expect_contains "$ERR" "--send-every '1ms'" "names the flag and value"
run_status "$FRUGAL" sync
expect_eq "$STATUS" 2 "sync without a server"
expect_contains "$ERR" "--server" "says what is missing"
run_status "$FRUGAL" data get --attempts 0 file:///etc/hostname
expect_eq "$STATUS" 2 "--attempts out of range"
# frugal k8s import: the flags it needs, a step that cannot make whole hours, credentials in a URL.
run_status "$FRUGAL" k8s import
expect_eq "$STATUS" 2 "k8s import without a Prometheus"
expect_contains "$ERR" "--prometheus" "says what is missing"
run_status "$FRUGAL" k8s import --prometheus http://127.0.0.1:1 --step 7s
expect_eq "$STATUS" 2 "a step that does not divide an hour"
expect_contains "$ERR" "--step 7s" "names the flag and value"
run_status "$FRUGAL" k8s import --prometheus http://frugal:secret@127.0.0.1:1
expect_eq "$STATUS" 2 "credentials in the URL"
expect_contains "$ERR" "--basic-auth-password-file" "says where they go"
[[ "$ERR" != *secret* ]] || fail "the password was echoed: $ERR"
run_status "$FRUGAL" k8s import --prometheus http://127.0.0.1:1 --basic-auth-user frugal
expect_eq "$STATUS" 2 "a user without a password"
expect_contains "$ERR" "FRUGAL_K8S_BASIC_AUTH_PASSWORD" "says where the password comes from"
# frugal value: the direction, the margin, the experiment.
run_status "$FRUGAL" value --experiment sweep --metric val_acc:lower
expect_eq "$STATUS" 2 "a direction other than max or min"
expect_contains "$ERR" "max or min" "says which"
run_status "$FRUGAL" value --experiment sweep --metric val_acc:max --within 150
expect_eq "$STATUS" 2 "--within out of range"
expect_contains "$ERR" "--within 150" "names the flag and value"
run_status "$FRUGAL" value --metric val_acc:max
expect_eq "$STATUS" 2 "value without an experiment or --by"
expect_contains "$ERR" "--experiment" "says what is missing"
run_status "$FRUGAL" value --metric val_acc:max --by team
expect_eq "$STATUS" 2 "--by something other than project or model"
expect_contains "$ERR" "project or model" "says which"
echo ok
