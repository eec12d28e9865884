// AWS CUR 2.0 (Data Exports): a fixed snake_case schema; resource tags in one map column
// ("resource_tags", {"user_team": "vision"}), product attributes beyond the fixed columns in another
// ("product", where the product name lives). The mapping itself is AwsCurMapping's.
#include "billing/aws_cur_mapping.h"

namespace frugal::billing {
namespace {

constexpr AwsCurColumns k_cur2_columns = {
    .format = "aws_cur2",
    .payer_account_id = "bill_payer_account_id",
    .payer_account_name = "bill_payer_account_name",
    .invoicing_entity = "bill_invoicing_entity",
    .billing_period_start = "bill_billing_period_start_date",
    .billing_period_end = "bill_billing_period_end_date",
    .usage_account_id = "line_item_usage_account_id",
    .usage_account_name = "line_item_usage_account_name",
    .line_item_type = "line_item_line_item_type",
    .usage_start = "line_item_usage_start_date",
    .usage_end = "line_item_usage_end_date",
    .product_code = "line_item_product_code",
    .usage_type = "line_item_usage_type",
    .availability_zone = "line_item_availability_zone",
    .resource_id = "line_item_resource_id",
    .usage_amount = "line_item_usage_amount",
    .currency_code = "line_item_currency_code",
    .unblended_cost = "line_item_unblended_cost",
    .description = "line_item_line_item_description",
    .legal_entity = "line_item_legal_entity",
    .product_name = "product_product_name",  // not in the fixed schema; exports that flatten it
    .product_map = "product",
    .region = "product_region",
    .region_code = "product_region_code",
    .location = "product_location",
    .sku = "product_sku",
    .rate_code = "pricing_rate_code",
    .rate_id = "pricing_rate_id",
    .public_on_demand_cost = "pricing_public_on_demand_cost",
    .public_on_demand_rate = "pricing_public_on_demand_rate",
    .term = "pricing_term",
    .unit = "pricing_unit",
    .reservation_arn = "reservation_reservation_a_r_n",
    .reservation_effective_cost = "reservation_effective_cost",
    .reservation_unused_amortized_fee = "reservation_unused_amortized_upfront_fee_for_billing_period",
    .reservation_unused_recurring_fee = "reservation_unused_recurring_fee",
    .savings_plan_arn = "savings_plan_savings_plan_a_r_n",
    .savings_plan_effective_cost = "savings_plan_savings_plan_effective_cost",
    .savings_plan_total_commitment = "savings_plan_total_commitment_to_date",
    .savings_plan_used_commitment = "savings_plan_used_commitment",
    .tag_column_prefix = "",
    .tag_map = "resource_tags",
    .user_tag_prefix = "user_",
};

}  // namespace

std::unique_ptr<BillFormat> make_aws_cur2_format() { return std::make_unique<AwsCurMapping>(k_cur2_columns); }

}  // namespace frugal::billing
