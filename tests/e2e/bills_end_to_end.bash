# Real bills of every provider in, exact totals out, re-imports that never double count, costs by
# any dimension, tag allocation, and runs reconciled with their instance's charges.
source "$(dirname "$0")/lib.bash"
require_shared_data focus/focus_sample_1000.csv
bills="$SHARED_DATA/billing_exports"

# For people: amounts to the cent. For programs (--format csv|json): every digit.
run_status "$FRUGAL" bill import "$SHARED_DATA/focus/focus_sample_1000.csv"
expect_eq "$STATUS" 0 "import of the FOCUS sample: $ERR"
expect_contains "$OUT" "AWS 1234567890123 2024-09-01: 942 rows, billed 18.01 USD" "FOCUS AWS total, to the cent"
run_status "$FRUGAL" bill import "$bills/aws_cur_sample_anonymized.csv" "$bills/azure_ea_actual_cost_small.csv" \
  "$bills/azure_ea_export_sample_anonymized.csv" "$bills/oci_cost_report_sample.csv" --format csv
expect_eq "$STATUS" 0 "import of the other real samples: $ERR"
expect_eq "$(head -1 <<<"$OUT")" "file,status,import,format,provider,account,period_start,rows,replaced_rows,skipped_rows,currency,billed,effective,list" "one CSV header"
expect_contains "$OUT" ",imported,2,aws_cur,AWS,123412340534,2023-11-01,1281,0,0,USD,1.6823086974,1.6823086974,3.4361726949" "CUR detected, its total to every digit"
expect_contains "$OUT" ",imported,5,oci," "OCI detected"
expect_eq "$(sql "SELECT count(*) FROM charges")" "2825" "rows of all five files"
run_status "$FRUGAL" --format json bill import "$SHARED_DATA/focus/focus_sample_1000.csv"
expect_contains "$OUT" '"status": "unchanged"' "the global --format reaches bill import: JSON"
run_status "$FRUGAL" bill import "$SHARED_DATA/focus/focus_sample_1000.csv" --format parquet
expect_eq "$STATUS" 2 "an unknown --format is refused"
expect_contains "$ERR" "neither an output format (table, csv, json) nor a bill format (focus" "and the message lists both kinds"

# The same files again: nothing changes.
before=$(sql "SELECT count(*), sum(billed_cost_nanos), sum(billed_cost_attos) FROM charges")
run_status "$FRUGAL" bill import "$SHARED_DATA/focus/focus_sample_1000.csv" "$bills/oci_cost_report_sample.csv"
expect_contains "$OUT" "already imported" "recognised"
expect_eq "$(sql "SELECT count(*), sum(billed_cost_nanos), sum(billed_cost_attos) FROM charges")" "$before" "no double count"

run_status "$FRUGAL" bill imports --format csv
expect_eq "$(echo "$OUT" | wc -l)" "6" "five imports listed"

run_status "$FRUGAL" costs --by provider --since 2023-01-01 --until 2025-01-01 --format csv
expect_contains "$OUT" "AWS,USD,19.6889473158" "AWS across the FOCUS and CUR files"
expect_contains "$OUT" "Microsoft,CAD" "currencies kept apart"
run_status "$FRUGAL" costs --by tag:business_unit --since 2024-09-01 --until 2024-10-01 --format csv
expect_contains "$OUT" "(unallocated)" "rows without the tag are shown"

# Allocation by a tag the sample has.
"$FRUGAL" bill map --team-tag business_unit,Business_Unit >/dev/null
run_status "$FRUGAL" costs --by team --since 2024-09-01 --until 2024-10-01 --format csv
[[ $(echo "$OUT" | grep -vc '^team\|unallocated') -ge 1 ]] || fail "no team allocated: $OUT"

# A run on an instance, reconciled with a bill for that instance.
cat > instance_bill.csv <<CSV
ProviderName,BillingAccountId,BillingCurrency,BillingPeriodStart,BillingPeriodEnd,ChargePeriodStart,ChargePeriodEnd,BilledCost,EffectiveCost,ListCost,ServiceName,ResourceId,BillingAccountName,ChargeCategory,ChargeClass,ChargeDescription,ContractedCost,InvoiceIssuerName,PricingQuantity,PricingUnit,PublisherName,ServiceCategory
AWS,acct,USD,$(date -u +%Y-%m-01),$(date -u -d "$(date -u +%Y-%m-01) +1 month" +%Y-%m-%d),$(date -u -d '-1 hour' +%Y-%m-%dT%H:00:00Z),$(date -u +%Y-%m-%dT%H:00:00Z),10,10,10,EC2,i-0e2e,,Usage,,,10,AWS,1,Hours,AWS,Compute
AWS,acct,USD,$(date -u +%Y-%m-01),$(date -u -d "$(date -u +%Y-%m-01) +1 month" +%Y-%m-%d),$(date -u +%Y-%m-%dT%H:00:00Z),$(date -u -d '+1 hour' +%Y-%m-%dT%H:00:00Z),10,10,10,EC2,i-0e2e,,Usage,,,10,AWS,1,Hours,AWS,Compute
CSV
"$FRUGAL" bill import instance_bill.csv >/dev/null
FRUGAL_INSTANCE_ID=i-0e2e "$FRUGAL" run --hourly-usd 10 -- sleep 0.2
run_status "$FRUGAL" bill reconcile --format csv
expect_eq "$STATUS" 0 "reconcile: $ERR"
expect_contains "$OUT" "i-0e2e,USD,2,20.00" "both hours of the instance billed"
[[ "$(sql "SELECT billed_cost_nanos > 0 FROM runs")" == "1" ]] || fail "run has no billed cost"
run_status "$FRUGAL" report
expect_contains "$OUT" "1 run reconciled with the bill" "report shows the gap"

# A malformed bill names the file, line and column, and changes nothing.
printf 'ProviderName,PublisherName,InvoiceIssuerName,BillingAccountId,BillingAccountName,BillingCurrency,BillingPeriodStart,BillingPeriodEnd,ChargePeriodStart,ChargePeriodEnd,ChargeCategory,ChargeClass,ChargeDescription,BilledCost,EffectiveCost,ListCost,ContractedCost,PricingQuantity,PricingUnit,ServiceCategory,ServiceName\nAWS,AWS,AWS,acct,,USD,2024-09-01,2024-10-01,2024-09-02,2024-09-03,Usage,,,12..5,1,1,1,1,Hours,Compute,EC2\n' > bad.csv
count=$(sql "SELECT count(*) FROM charges")
run_status "$FRUGAL" bill import bad.csv
expect_eq "$STATUS" 2 "malformed bill"
expect_contains "$ERR" "bad.csv:2: column BilledCost" "names file, line and column"
expect_eq "$(sql "SELECT count(*) FROM charges")" "$count" "nothing imported"
