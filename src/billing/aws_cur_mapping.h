#pragma once
// AwsCurMapping: an AWS Cost and Usage Report mapped onto FOCUS. CUR 1.0 (lineItem/UnblendedCost) and
// CUR 2.0 (line_item_unblended_cost) carry the same data under different spellings, so one mapping
// serves both, given the spelling (AwsCurColumns). Private to billing/.
//
// Choices where the published FOCUS rules (focus_converters' aws-cur.csv) leave room:
// - BilledCost = UnblendedCost. The rules prefer NetUnblendedCost when present, but discounts
//   (EdpDiscount, BundledDiscount, ...) are line items of their own, so the unblended column summed
//   over every line is the invoice; mixing in net costs would count those discounts twice.
// - EffectiveCost follows the rules' amortised view: covered usage takes SavingsPlanEffectiveCost or
//   reservation/EffectiveCost, RIFee and SavingsPlanRecurringFee keep only their unused part,
//   SavingsPlanNegation, SavingsPlanUpfrontFee and RI upfront fees become 0. Where the export lacks
//   the column a rule needs, EffectiveCost = BilledCost.
// - ListCost = pricing/publicOnDemandCost for usage (BilledCost when it is empty); tax, fees and
//   credits have no on-demand price, so their ListCost is their BilledCost.
// - ChargeCategory: Credit and Refund → Credit (FOCUS 1.0 has the category; the preview-era rules
//   said Adjustment), discount types → Usage as the rules say, unknown types → Adjustment.
// - ChargeFrequency comes from the line item type (usage is Usage-Based), not from bill/BillType,
//   which the rules use but which says how the bill was cut, not how the charge recurs.
// - PricingCategory: SpotUsage usage types → Dynamic; covered usage and pricing/term Reserved →
//   Committed; OnDemand → Standard; otherwise (free tier, non-usage) null.
// - ServiceName is the product name ("AWS Glue"), or the product code when the row has none.
// - Tags: resource tags with the "user:" (CUR 2.0: "user_") prefix removed; "aws:" tags keep theirs.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "billing/column_map.h"

namespace frugal::billing {

// How one CUR version spells the columns the mapping reads. An empty name: the version has none.
struct AwsCurColumns {
  std::string_view format;  // the format's name: aws_cur, aws_cur2
  std::string_view payer_account_id, payer_account_name, invoicing_entity, billing_period_start,
      billing_period_end;
  std::string_view usage_account_id, usage_account_name, line_item_type, usage_start, usage_end;
  std::string_view product_code, usage_type, availability_zone, resource_id, usage_amount, currency_code;
  std::string_view unblended_cost, description, legal_entity;
  std::string_view product_name, product_map, region, region_code, location, sku;
  std::string_view rate_code, rate_id, public_on_demand_cost, public_on_demand_rate, term, unit;
  std::string_view reservation_arn, reservation_effective_cost, reservation_unused_amortized_fee,
      reservation_unused_recurring_fee;
  std::string_view savings_plan_arn, savings_plan_effective_cost, savings_plan_total_commitment,
      savings_plan_used_commitment;
  std::string_view tag_column_prefix;  // CUR 1.0: one column per tag, "resourceTags/user:team"
  std::string_view tag_map;            // CUR 2.0: one JSON map column, {"user_team": "vision"}
  std::string_view user_tag_prefix;    // removed from tag keys: "user:" or "user_"
};

class AwsCurMapping final : public BillFormat {
 public:
  // REQUIRES: `columns` outlives the mapping (the dialects keep theirs as constants).
  explicit AwsCurMapping(const AwsCurColumns& columns) : m_names(columns) {}

  std::string_view name() const override { return m_names.format; }
  bool matches(const HeaderIndex& header) const override;
  Result<void> bind(const HeaderIndex& header) override;
  Result<void> map(const Fields& fields, ChargeRow& row) override;

 private:
  Result<std::string_view> effective_cost(const Fields& fields, std::string_view type,
                                          std::string_view billed);
  Result<void> map_tags(const Fields& fields, ChargeRow& row);
  Result<std::string_view> service_name(const Fields& fields);

  const AwsCurColumns& m_names;
  Column m_payer, m_payer_name, m_invoicing_entity, m_period_start, m_period_end;
  Column m_usage_account, m_usage_account_name, m_type, m_usage_start, m_usage_end;
  Column m_product_code, m_usage_type, m_zone, m_resource_id, m_usage_amount, m_currency;
  Column m_unblended, m_description, m_legal_entity;
  Column m_product_name, m_product_map, m_region, m_region_code, m_location, m_sku;
  Column m_rate_code, m_rate_id, m_on_demand_cost, m_on_demand_rate, m_term, m_unit;
  Column m_ri_arn, m_ri_effective, m_ri_unused_fee, m_ri_unused_recurring;
  Column m_sp_arn, m_sp_effective, m_sp_total, m_sp_used;
  Column m_tag_map;
  std::vector<std::pair<std::string, std::size_t>> m_tag_columns;  // key without prefix, position

  // Text the row points into, owned until the next map().
  std::string m_effective_text, m_tags_text, m_service_text;
  std::vector<std::pair<std::string, std::string>> m_tags;
};

}  // namespace frugal::billing
