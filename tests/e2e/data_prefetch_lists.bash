# `frugal data prefetch LIST` downloads every URL of a list (blank lines and comments skipped) and
# prints nothing on stdout; a list that cannot be read, or a bad URL in it, is an error naming it.
source "$(dirname "$0")/lib.bash"

echo one > one.bin
echo two > two.bin
printf '# shards\nfile://%s/one.bin\n\n  file://%s/two.bin  \n' "$WORK" "$WORK" > list.txt
run_status "$FRUGAL" data prefetch list.txt
expect_eq "$STATUS" 0 "prefetch: $ERR"
expect_eq "$OUT" "" "prefetch prints no paths"
expect_eq "$(grep -c '^frugal: miss' <<<"$ERR")" 2 "two downloads"
run_status "$FRUGAL" --format csv data stats
expect_eq "$(head -1 <<<"$OUT")" "objects,bytes,pinned,pinned_bytes,partial_bytes,hits,hit_bytes,downloads,downloaded_bytes,egress_avoided_usd" "stats header"
expect_eq "$(tail -1 <<<"$OUT" | cut -d, -f1,2,6,8)" "2,8,0,2" "two objects held, two downloads, no hits"
run_status "$FRUGAL" data get "file://$WORK/one.bin"
expect_eq "$(cat "$OUT")" "one" "get after prefetch hits the same copy"
expect_eq "$ERR" "" "a hit is quiet"
run_status "$FRUGAL" --format csv data stats
expect_eq "$(tail -1 <<<"$OUT" | cut -d, -f6,7,10)" "1,4,0.00" "one hit recorded; file:// avoids no egress"

run_status "$FRUGAL" data prefetch no-such-list.txt
expect_eq "$STATUS" 2 "a missing list"
expect_contains "$ERR" "no-such-list.txt" "the error names the list"
printf 'ftp://host/x\n' > bad.txt
run_status "$FRUGAL" data prefetch bad.txt
expect_eq "$STATUS" 2 "a bad URL in the list"
expect_contains "$ERR" "ftp://host/x" "the error names the URL"
run_status "$FRUGAL" data gc --max-size lots
expect_eq "$STATUS" 2 "a bad --max-size"
echo ok
