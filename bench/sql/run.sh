#!/usr/bin/env bash
# Streaming SQL results (issue 18): peak memory of `frugal sql` printing 10,000,000 rows, and of
# `frugal serve` answering POST /api/v1/sql for the same query with max_rows 10,000; then the
# printf bomb (a 1,000,000,000-byte string) against the server's 5 s limit.
#
#   bench/sql/run.sh [BUILD_DIR]          (FRUGAL=/path/to/frugal overrides the binary)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
build="${1:-$root/build}"
frugal="${FRUGAL:-$build/frugal}"
[[ -x /usr/bin/time ]] || { echo "GNU time is not installed (apt-get install time)" >&2; exit 1; }
tmp="$(mktemp -d)"
export FRUGAL_HOME="$tmp/home"
server=""
trap '[[ -n "$server" ]] && kill "$server" 2>/dev/null; rm -rf "$tmp"' EXIT
rows="WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n LIMIT 10000000) SELECT i, 'some text' FROM n"
bomb="SELECT printf('%.*c', 1000000000, 'x')"
"$frugal" sql "SELECT 1" >/dev/null  # creates the database

for format in ${FORMATS-csv json table}; do
  /usr/bin/time -f "%M %e" -o "$tmp/time" "$frugal" sql --format "$format" "$rows" >/dev/null
  read -r kb s <"$tmp/time"
  echo "frugal sql --format $format (10,000,000 rows > /dev/null): peak RSS $((kb / 1024)) MB, $s s"
done
{ /usr/bin/time -f "%M %e" -o "$tmp/time" "$frugal" sql --format csv "$rows" || true; } | head -n 5 >/dev/null
read -r kb s < <(tail -n 1 "$tmp/time")
echo "frugal sql --format csv | head -n 5: peak RSS $((kb / 1024)) MB, $s s"
set +e
/usr/bin/time -f "%M %e" -o "$tmp/time" "$frugal" sql --timeout 3s "$bomb" >/dev/null 2>"$tmp/err"
set -e
read -r kb s < <(tail -n 1 "$tmp/time")
echo "frugal sql printf bomb: peak RSS $((kb / 1024)) MB, $s s: $(head -n 1 "$tmp/err")"

token=$("$frugal" token create --role admin 2>/dev/null)
"$frugal" serve --listen 127.0.0.1:0 --rate 0 2>"$tmp/server.log" &
server=$!
for _ in $(seq 200); do grep -q serving "$tmp/server.log" && break; sleep 0.05; done
port=$(sed -n 's/.*http:\/\/127.0.0.1:\([0-9]*\).*/\1/p' "$tmp/server.log" | tail -1)
hwm() { awk '/VmHWM/ {print int($2 / 1024)}' "/proc/$server/status"; }
post() {
  python3 -c 'import json,sys; print(json.dumps({"sql": sys.argv[1], "max_rows": 10000}))' "$1" >"$tmp/body"
  curl -s -o "$tmp/reply" -w "%{http_code} %{time_total}" -H "Authorization: Bearer $token" \
    -H "Content-Type: application/json" --data-binary "@$tmp/body" "http://127.0.0.1:$port/api/v1/sql"
  echo
}
before=$(hwm)
read -r code s < <(post "$rows")
summary=$(python3 -c 'import json,sys; b=json.load(open(sys.argv[1])); print(len(b.get("rows",[])), "rows, truncated:", b.get("truncated"))' "$tmp/reply")
echo "POST /api/v1/sql (10,000,000 rows, max_rows 10000): HTTP $code in $s s, $summary; server peak RSS $before MB -> $(hwm) MB"
before=$(hwm)
read -r code s < <(post "$bomb")
echo "POST /api/v1/sql printf bomb: HTTP $code in $s s: $(head -c 200 "$tmp/reply"); server peak RSS $before MB -> $(hwm) MB"
