// AWS Cost and Usage Report 1.0 (legacy CUR): "category/Column" headers, one column per resource
// tag ("resourceTags/user:team"). The mapping itself is AwsCurMapping's.
#include "billing/aws_cur_mapping.h"

namespace frugal::billing {
namespace {

constexpr AwsCurColumns k_cur1_columns = {
    .format = "aws_cur",
    .payer_account_id = "bill/PayerAccountId",
    .payer_account_name = "",
    .invoicing_entity = "bill/InvoicingEntity",
    .billing_period_start = "bill/BillingPeriodStartDate",
    .billing_period_end = "bill/BillingPeriodEndDate",
    .usage_account_id = "lineItem/UsageAccountId",
    .usage_account_name = "",
    .line_item_type = "lineItem/LineItemType",
    .usage_start = "lineItem/UsageStartDate",
    .usage_end = "lineItem/UsageEndDate",
    .product_code = "lineItem/ProductCode",
    .usage_type = "lineItem/UsageType",
    .availability_zone = "lineItem/AvailabilityZone",
    .resource_id = "lineItem/ResourceId",
    .usage_amount = "lineItem/UsageAmount",
    .currency_code = "lineItem/CurrencyCode",
    .unblended_cost = "lineItem/UnblendedCost",
    .description = "lineItem/LineItemDescription",
    .legal_entity = "lineItem/LegalEntity",
    .product_name = "product/ProductName",
    .product_map = "",
    .region = "product/region",
    .region_code = "product/regionCode",
    .location = "product/location",
    .sku = "product/sku",
    .rate_code = "pricing/RateCode",
    .rate_id = "pricing/RateId",
    .public_on_demand_cost = "pricing/publicOnDemandCost",
    .public_on_demand_rate = "pricing/publicOnDemandRate",
    .term = "pricing/term",
    .unit = "pricing/unit",
    .reservation_arn = "reservation/ReservationARN",
    .reservation_effective_cost = "reservation/EffectiveCost",
    .reservation_unused_amortized_fee = "reservation/UnusedAmortizedUpfrontFeeForBillingPeriod",
    .reservation_unused_recurring_fee = "reservation/UnusedRecurringFee",
    .savings_plan_arn = "savingsPlan/SavingsPlanARN",
    .savings_plan_effective_cost = "savingsPlan/SavingsPlanEffectiveCost",
    .savings_plan_total_commitment = "savingsPlan/TotalCommitmentToDate",
    .savings_plan_used_commitment = "savingsPlan/UsedCommitment",
    .tag_column_prefix = "resourceTags/",
    .tag_map = "",
    .user_tag_prefix = "user:",
};

}  // namespace

std::unique_ptr<BillFormat> make_aws_cur_format() { return std::make_unique<AwsCurMapping>(k_cur1_columns); }

}  // namespace frugal::billing
