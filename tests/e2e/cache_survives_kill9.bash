# A `frugal cache run` killed with kill -9 while its stage runs leaves no entry and no held lock:
# the next run of the same stage is a miss that runs and stores it. An --out that would let a hit
# delete the working folder or an input is refused before anything runs.
source "$(dirname "$0")/lib.bash"

touch slow-flag
stage='if [ -e slow-flag ]; then echo started > started; exec sleep 30; fi; mkdir -p out && echo v > out/x'
"$FRUGAL" cache run --out out -- sh -c "$stage" >first.out 2>first.err &
frugal_pid=$!
for _ in $(seq 200); do [[ -e started ]] && break; sleep 0.05; done
[[ -e started ]] || fail "the stage did not start: $(cat first.err)"
kill -9 "$frugal_pid"
wait "$frugal_pid" 2>/dev/null || true
rm slow-flag

run_status "$FRUGAL" --format csv cache ls
expect_eq "$(tail -n +2 <<<"$OUT" | wc -l)" 0 "no entry after kill -9"
run_status timeout 20 "$FRUGAL" cache run --out out -- sh -c "$stage"
expect_eq "$STATUS" 0 "the next run (not stuck on the dead process's lock): $ERR"
expect_contains "$ERR" "cache miss" "the next run is a miss"
expect_eq "$(cat out/x)" "v" "its output"
run_status "$FRUGAL" cache run --out out -- sh -c "$stage"
expect_contains "$ERR" "cache hit" "then a hit"

mkdir -p data && echo keep > data/input.csv
run_status "$FRUGAL" cache run --in data/input.csv --out . -- true
expect_eq "$STATUS" 2 "--out . is refused"
expect_contains "$ERR" "working folder" "the reason"
run_status "$FRUGAL" cache run --in data/input.csv --out data -- true
expect_eq "$STATUS" 2 "an --out holding an input is refused"
expect_eq "$(cat data/input.csv)" "keep" "the input is untouched"

# Bad flags are refused before the stage runs, each naming what is wrong.
run_status "$FRUGAL" cache run --in data/input.csv -- sh -c 'echo ran >> ran.log'
expect_eq "$STATUS" 2 "no --out"
expect_contains "$ERR" "--out" "names the missing flag"
run_status "$FRUGAL" cache run --param size --out o -- sh -c 'echo ran >> ran.log'
expect_eq "$STATUS" 2 "--param without ="
expect_contains "$ERR" "--param" "names the flag"
run_status "$FRUGAL" cache run --hourly-usd cheap --out o -- sh -c 'echo ran >> ran.log'
expect_eq "$STATUS" 2 "--hourly-usd not a number"
expect_contains "$ERR" "--hourly-usd" "names the flag"
run_status "$FRUGAL" cache run --max-size 5X --out o -- sh -c 'echo ran >> ran.log'
expect_eq "$STATUS" 2 "--max-size not a size"
[[ ! -e ran.log ]] || fail "a refused stage ran"
echo ok
