# `frugal cache run`: a miss runs the stage and stores its outputs; the same inputs restore them
# without running; a changed input or parameter runs again; a failed stage caches nothing; two
# processes missing the same key at once run it once.
source "$(dirname "$0")/lib.bash"

mkdir -p raw
echo "1,2" > raw/a.csv
cat > prep.sh <<'SH'
#!/bin/sh
echo ran >> "$PWD/runs.log"
mkdir -p prep
cat raw/*.csv > prep/all.csv
echo "size=$1" > prep/meta.txt
SH
chmod +x prep.sh

stage() { "$FRUGAL" cache run --in raw --in prep.sh --param size="$1" --out prep -- ./prep.sh "$1"; }

run_status stage 224
expect_eq "$STATUS" 0 "first run"
expect_contains "$ERR" "cache miss" "first run is a miss"
expect_eq "$(wc -l < runs.log)" 1 "stage ran once"

rm -rf prep
run_status stage 224
expect_eq "$STATUS" 0 "second run"
expect_contains "$ERR" "cache hit" "same inputs hit"
expect_eq "$(wc -l < runs.log)" 1 "a hit does not run the stage"
expect_eq "$(cat prep/all.csv)" "1,2" "restored output"
expect_eq "$(cat prep/meta.txt)" "size=224" "restored second output"

run_status stage 256
expect_contains "$ERR" "cache miss" "a changed parameter misses"
expect_eq "$(wc -l < runs.log)" 2 "stage ran again for a new parameter"

echo "3,4" > raw/b.csv
run_status stage 256
expect_contains "$ERR" "cache miss" "a new input file misses"
expect_eq "$(cat prep/all.csv)" "$(printf '1,2\n3,4')" "new output"

run_status "$FRUGAL" cache run --in raw --out prep --explain -- ./prep.sh 1
expect_contains "$ERR" "key input: in-entry 5:a.csv" "--explain lists each input file"

# A failed stage stores nothing and passes its status through.
run_status "$FRUGAL" cache run --in raw --out nothing -- sh -c 'exit 3'
expect_eq "$STATUS" 3 "failed stage status"
expect_contains "$ERR" "nothing cached" "failed stage message"
run_status "$FRUGAL" cache run --in raw --out nothing -- sh -c 'exit 3'
expect_contains "$ERR" "cache miss" "a failed stage is not a hit later"

run_status "$FRUGAL" cache run --in missing-folder --out prep -- true
expect_eq "$STATUS" 2 "missing input is a usage error"
expect_contains "$ERR" "missing-folder" "the error names the input"

# Two processes missing the same key at once: the stage runs once, both succeed.
cat > slow.sh <<'SH'
#!/bin/sh
echo ran >> "$PWD/slow.log"
sleep 1
mkdir -p slow-out && echo done > slow-out/x
SH
chmod +x slow.sh
"$FRUGAL" cache run --in slow.sh --out slow-out -- ./slow.sh 2>a.err &
first=$!
"$FRUGAL" cache run --in slow.sh --out slow-out -- ./slow.sh 2>b.err &
second=$!
wait "$first" || fail "first concurrent stage failed: $(cat a.err)"
wait "$second" || fail "second concurrent stage failed: $(cat b.err)"
expect_eq "$(wc -l < slow.log)" 1 "concurrent misses ran the stage once"
expect_contains "$(cat a.err b.err)" "cache hit" "the waiting process hit"

# A priced hit says what it saved, and the report counts it: a 1 s stage at $3600/h is $1.
run_status "$FRUGAL" cache run --in slow.sh --out slow-out --hourly-usd 3600 -- ./slow.sh
expect_contains "$ERR" "cache hit" "priced hit"
expect_contains "$ERR" 'of compute and $1.' "a hit names the money it saved"
run_status "$FRUGAL" report --since 1d
expect_contains "$OUT" "saved by cache: 3 hits" "the report counts cache hits"
run_status "$FRUGAL" sql "SELECT kind, count(*) FROM cache_events GROUP BY kind ORDER BY kind"
expect_contains "$OUT" "hit" "hits recorded"
run_status "$FRUGAL" cache run --in slow.sh --out slow-out --instance-type p4d.24xlarg -- ./slow.sh
expect_eq "$STATUS" 2 "an unknown instance type is refused before anything runs"
expect_contains "$ERR" "did you mean" "close matches offered"

run_status "$FRUGAL" --format csv cache ls
expect_eq "$STATUS" 0 "cache ls"
expect_eq "$(tail -n +2 <<<"$OUT" | wc -l)" 5 "five entries listed (three prep stages, --explain, slow)"
key=$(tail -n +2 <<<"$OUT" | head -1 | cut -d, -f1)
run_status "$FRUGAL" cache rm "$key"
expect_eq "$STATUS" 0 "cache rm"
run_status "$FRUGAL" cache rm ../../etc
expect_eq "$STATUS" 2 "a key that is not hex is refused"

run_status "$FRUGAL" --format csv cache stats
expect_eq "$STATUS" 0 "cache stats"
expect_eq "$(tail -n +2 <<<"$OUT" | cut -d, -f1)" 4 "four entries after rm"

run_status "$FRUGAL" cache gc --max-size 5X
expect_eq "$STATUS" 2 "a bad size is a usage error"
expect_contains "$ERR" "--max-size '5X'" "the error names the flag and value"

# Under a 1-byte bound, gc evicts everything; the next run of a stage is a miss again.
run_status "$FRUGAL" cache gc --max-size 1
expect_eq "$STATUS" 0 "cache gc"
expect_contains "$ERR" "evicted 4 entries" "gc evicts all entries over the bound"
run_status stage 224
expect_contains "$ERR" "cache miss" "an evicted entry misses"
echo ok
