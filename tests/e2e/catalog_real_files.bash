# Importing the real SkyPilot catalogs and comparing providers.
source "$(dirname "$0")/lib.bash"
require_shared_data price_catalog/skypilot_format/gcp_vms.csv

cat_dir="$SHARED_DATA/price_catalog/skypilot_format"
run_status "$FRUGAL" catalog import "$cat_dir/gcp_vms.csv" "$cat_dir/azure_vms.csv" "$cat_dir/lambda_vms.csv"
expect_eq "$STATUS" 0 "import: $ERR"
expect_contains "$OUT" "gcp" "gcp imported"

run_status "$FRUGAL" catalog cheapest --gpu A100 --count 8 --format csv
expect_eq "$STATUS" 0 "cheapest: $ERR"
expect_contains "$OUT" "gcp," "gcp combination priced"
expect_contains "$OUT" "azure," "azure offer"

run_status "$FRUGAL" catalog list --gpu H100 --max-usd 100 --format csv
expect_eq "$STATUS" 0 "list"
[[ $(echo "$OUT" | wc -l) -gt 1 ]] || fail "no H100 offers under \$100/h"

# Re-importing the same file changes nothing.
before=$(sql "SELECT count(*), sum(price_nanos) FROM catalog")
"$FRUGAL" catalog import "$cat_dir/lambda_vms.csv" >/dev/null
expect_eq "$(sql "SELECT count(*), sum(price_nanos) FROM catalog")" "$before" "re-import is idempotent"

# An imported price now meters runs.
"$FRUGAL" run --instance-type gpu_8x_a100 --provider lambda -- true
expect_contains "$(sql "SELECT price_source FROM runs")" "lambda_vms.csv" "priced from the import"
