# `frugal bill import s3://bucket/prefix/` against a real S3 server (s3rver on loopback): an AWS
# CUR 1.0 report and AWS Data Exports (FOCUS .csv.gz, CUR 2.0 .csv.zst) as AWS lays them out
# (tests/fixtures/bill_exports); only the newest CUR assembly counts, a second walk downloads and
# imports nothing, and an object delivered again with new bytes replaces its rows.
source "$(dirname "$0")/lib.bash"
root="$(cd "$(dirname "$0")/../.." && pwd)"
start_s3rver billing-bucket
s3put() {  # local file, key
  curl -sf -X PUT -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" --aws-sigv4 "aws:amz:us-east-1:s3" --user S3RVER:S3RVER \
    --data-binary "@$1" "$FRUGAL_S3_ENDPOINT/billing-bucket/$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$2")" \
    >/dev/null || fail "upload of $2"
}
fixtures="$root/tests/fixtures/bill_exports"
for tree in aws_cur1 data_exports; do
  (cd "$fixtures/$tree" && find . -type f | sed 's|^\./||') | while read -r key; do s3put "$fixtures/$tree/$key" "$key"; done
done

run_status "$FRUGAL" bill import s3://billing-bucket/
expect_eq "$STATUS" 0 "the walk: $ERR"
expect_contains "$OUT" "3 billing periods (their newest versions), 4 files imported, 0 unchanged, 1 files of older versions left out" "summary"
expect_contains "$OUT" "s3://billing-bucket/cur/hourly/20231101-20231201/bbbb2222-0000-4000-8000-000000000002/hourly-00002.csv.gz: format aws_cur, 15 rows" "recorded by URL"
expect_eq "$(sql "SELECT count(*) FROM charges")" "65" "30 CUR rows of the newest assembly, 25 FOCUS, 10 CUR 2.0"
expect_eq "$(sql "SELECT count(*) FROM imports WHERE file LIKE '%aaaa1111%'")" "0" "the older assembly is not imported"
expect_eq "$(sql "SELECT count(*) FROM imports WHERE source_etag = ''")" "0" "every import keeps its ETag"

run_status "$FRUGAL" bill import s3://billing-bucket/
expect_eq "$STATUS" 0 "the second walk: $ERR"
expect_contains "$OUT" "0 files imported, 4 unchanged" "nothing again"
expect_eq "$(sql "SELECT count(*) FROM imports")" "4" "no new imports"

# Data Exports overwrites a period's file: the same rows, stored anew (new bytes, a new ETag).
focus_key="exports/focus1/data/BILLING_PERIOD=2024-09/focus1-00001.csv.gz"
gzip -dc "$fixtures/data_exports/$focus_key" | gzip -1 >refreshed.csv.gz
s3put refreshed.csv.gz "$focus_key"
run_status "$FRUGAL" bill import s3://billing-bucket/exports/
expect_eq "$STATUS" 0 "the walk after the refresh: $ERR"
expect_contains "$OUT" "1 files imported, 1 unchanged" "only the changed object"
expect_contains "$OUT" "replacing 25 earlier rows of the same periods" "its rows replaced"
expect_eq "$(sql "SELECT count(*) FROM charges")" "65" "replaced, not added"
