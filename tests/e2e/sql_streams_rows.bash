# `frugal sql` prints rows as they come: 10,000,000 rows piped into `head` stop at once in a few
# MB; a whole 1,000,000-row result keeps memory flat in every format (the table sized from its
# first 1,000 rows); JSON stays one document; an error part-way leaves the output visibly cut; and a
# printf that would write a gigabyte fails at once, naming the memory limit.
source "$(dirname "$0")/lib.bash"

rows() { echo "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1) SELECT i, 'some text' AS t FROM n"; }
"$FRUGAL" sql "SELECT 1" >/dev/null  # creates the database

# peak_kb: the peak RSS (KB) of the last `measured` command; empty without GNU time.
measured() {
  if [[ -x /usr/bin/time ]]; then /usr/bin/time -f %M -o "$WORK/.rss" "$@"; else "$@"; fi
}
peak_kb() { [[ -s "$WORK/.rss" ]] && tail -n 1 "$WORK/.rss" || true; }
expect_small() {  # expect_small WHAT: the last measured command stayed under 50 MB
  local kb
  kb=$(peak_kb)
  if [[ -z "$kb" ]]; then echo "note: /usr/bin/time (GNU time) is absent; $1's memory is not measured"; return; fi
  if [[ "${FRUGAL_SANITIZED:-0}" == 1 ]]; then echo "note: sanitized build; $1's memory ($kb KB) is ASan's, not checked"; return; fi
  [[ "$kb" -lt 51200 ]] || fail "$1: peak RSS ${kb} KB, expected under 50 MB (rows held rather than streamed?)"
}

{ measured "$FRUGAL" sql --format csv "$(rows 10000000)" || true; } | head -n 5 >"$WORK/head"
expect_eq "$(cat "$WORK/head")" $'i,t\n1,some text\n2,some text\n3,some text\n4,some text' "the first rows"
expect_small "10,000,000 rows into head"

for format in csv table json; do
  rm -f "$WORK/.rss"
  measured "$FRUGAL" sql --format "$format" "$(rows 1000000)" >"$WORK/all.$format"
  expect_small "1,000,000 rows as $format"
done
expect_eq "$(wc -l <"$WORK/all.csv")" 1000001 "every csv row"
expect_eq "$(sed -n '2p;1000001p' "$WORK/all.csv")" $'1,some text\n1000000,some text' "csv rows in order"
# The table's columns are sized from its first 1,000 rows; a wider number later is printed whole.
expect_eq "$(sed -n '1p;2p;1001p;1000001p' "$WORK/all.table")" \
  $'   i  t\n   1  some text\n1000  some text\n1000000  some text' "table sized from its first rows"
python3 -c 'import json, sys; rows = json.load(open(sys.argv[1])); assert len(rows) == 1000000 and rows[-1] == {"i": 1000000, "t": "some text"}, rows[-1]' \
  "$WORK/all.json" || fail "the json output is one document with every row"

# An error part-way: the rows printed stay, the status and the message say the output is not whole.
run_status "$FRUGAL" sql --format json --timeout 200ms "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x FROM c"
[[ "$STATUS" -ne 0 ]] || fail "an endless query ran to the end"
expect_contains "$ERR" "time limit of 200 ms" "the time limit is named"
[[ "$OUT" == "["* && "$OUT" != *"]" ]] || fail "a cut JSON document is left unclosed: ${OUT: -40}"

# SQLite's printf writes `%.*c` one character at a time, in one step no time limit can stop.
rm -f "$WORK/.rss"
run_status measured "$FRUGAL" sql --timeout 3s "SELECT printf('%.*c', 1000000000, 'x')"
expect_eq "$STATUS" 1 "a printf past the memory limit fails"
expect_contains "$ERR" "over the query's memory limit of 256 MiB" "the memory limit is named"
expect_small "the printf bomb"
