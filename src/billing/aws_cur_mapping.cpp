#include "billing/aws_cur_mapping.h"

#include "billing/bill_values.h"

namespace frugal::billing {
namespace {

struct LineItemKind {
  std::string_view category;   // FOCUS ChargeCategory
  std::string_view frequency;  // FOCUS ChargeFrequency
};

LineItemKind kind_of(std::string_view type) {
  if (type == "Usage" || type == "DiscountedUsage" || type == "SavingsPlanCoveredUsage" ||
      type == "SavingsPlanNegation" || type == "BundledDiscount" || type == "Discount" ||
      type == "PrivateRateDiscount" || type == "EdpDiscount")
    return {"Usage", "Usage-Based"};
  if (type == "Tax") return {"Tax", {}};
  if (type == "RIFee" || type == "SavingsPlanRecurringFee") return {"Purchase", "Recurring"};
  if (type == "Fee" || type == "SavingsPlanUpfrontFee") return {"Purchase", "One-Time"};
  if (type == "Credit" || type == "Refund") return {"Credit", "One-Time"};
  return {"Adjustment", {}};
}

std::string_view pricing_category(std::string_view category, std::string_view type, std::string_view term,
                                  std::string_view usage_type) {
  if (category != "Usage") return {};
  if (usage_type.find("SpotUsage") != std::string_view::npos || term == "Spot") return "Dynamic";
  if (type == "DiscountedUsage" || type == "SavingsPlanCoveredUsage" || type == "SavingsPlanNegation" ||
      term == "Reserved")
    return "Committed";
  if (term == "OnDemand") return "Standard";
  return {};
}

Column optional_column(const HeaderIndex& h, std::string_view name) {
  return name.empty() ? Column{} : Column::find(h, {name});
}

Result<Money> amount_or_zero(const Column& c, const Fields& f) {
  auto m = FRUGAL_TRY(c.amount_in(f));
  return m.value_or(Money{});
}

}  // namespace

bool AwsCurMapping::matches(const HeaderIndex& h) const {
  return h.find_icase(m_names.unblended_cost) && h.find_icase(m_names.billing_period_start) &&
         h.find_icase(m_names.line_item_type);
}

Result<void> AwsCurMapping::bind(const HeaderIndex& h) {
  const AwsCurColumns& n = m_names;
  m_period_start = FRUGAL_TRY(Column::require(h, {n.billing_period_start}));
  m_period_end = FRUGAL_TRY(Column::require(h, {n.billing_period_end}));
  m_usage_start = FRUGAL_TRY(Column::require(h, {n.usage_start}));
  m_usage_end = FRUGAL_TRY(Column::require(h, {n.usage_end}));
  m_unblended = FRUGAL_TRY(Column::require(h, {n.unblended_cost}));
  m_currency = FRUGAL_TRY(Column::require(h, {n.currency_code}));
  m_type = FRUGAL_TRY(Column::require(h, {n.line_item_type}));
  m_payer = optional_column(h, n.payer_account_id);
  m_payer_name = optional_column(h, n.payer_account_name);
  m_invoicing_entity = optional_column(h, n.invoicing_entity);
  m_usage_account = optional_column(h, n.usage_account_id);
  m_usage_account_name = optional_column(h, n.usage_account_name);
  m_product_code = optional_column(h, n.product_code);
  m_usage_type = optional_column(h, n.usage_type);
  m_zone = optional_column(h, n.availability_zone);
  m_resource_id = optional_column(h, n.resource_id);
  m_usage_amount = optional_column(h, n.usage_amount);
  m_description = optional_column(h, n.description);
  m_legal_entity = optional_column(h, n.legal_entity);
  m_product_name = optional_column(h, n.product_name);
  m_product_map = optional_column(h, n.product_map);
  m_region = optional_column(h, n.region);
  m_region_code = optional_column(h, n.region_code);
  m_location = optional_column(h, n.location);
  m_sku = optional_column(h, n.sku);
  m_rate_code = optional_column(h, n.rate_code);
  m_rate_id = optional_column(h, n.rate_id);
  m_on_demand_cost = optional_column(h, n.public_on_demand_cost);
  m_on_demand_rate = optional_column(h, n.public_on_demand_rate);
  m_term = optional_column(h, n.term);
  m_unit = optional_column(h, n.unit);
  m_ri_arn = optional_column(h, n.reservation_arn);
  m_ri_effective = optional_column(h, n.reservation_effective_cost);
  m_ri_unused_fee = optional_column(h, n.reservation_unused_amortized_fee);
  m_ri_unused_recurring = optional_column(h, n.reservation_unused_recurring_fee);
  m_sp_arn = optional_column(h, n.savings_plan_arn);
  m_sp_effective = optional_column(h, n.savings_plan_effective_cost);
  m_sp_total = optional_column(h, n.savings_plan_total_commitment);
  m_sp_used = optional_column(h, n.savings_plan_used_commitment);
  m_tag_map = optional_column(h, n.tag_map);
  m_tag_columns.clear();
  if (!n.tag_column_prefix.empty()) {
    for (std::size_t i = 0; i < h.names().size(); ++i) {
      std::string_view key = h.names()[i];
      if (!key.starts_with(n.tag_column_prefix)) continue;
      key.remove_prefix(n.tag_column_prefix.size());
      if (key.starts_with(n.user_tag_prefix)) key.remove_prefix(n.user_tag_prefix.size());
      m_tag_columns.emplace_back(std::string(key), i);
    }
  }
  return {};
}

Result<std::string_view> AwsCurMapping::effective_cost(const Fields& f, std::string_view type,
                                                       std::string_view billed) {
  auto covered = [&](const Column& c) -> Result<std::string_view> {
    std::string_view v = FRUGAL_TRY(c.checked_amount_in(f));
    return v.empty() ? billed : v;
  };
  if (type == "SavingsPlanCoveredUsage" && m_sp_effective.present()) return covered(m_sp_effective);
  if (type == "DiscountedUsage" && m_ri_effective.present()) return covered(m_ri_effective);
  // Their cost reaches EffectiveCost through the covered usage instead.
  if (type == "SavingsPlanNegation" || type == "SavingsPlanUpfrontFee") return std::string_view("0");
  if (type == "Fee" && !m_ri_arn.in(f).empty()) return std::string_view("0");
  // A recurring commitment fee keeps only the part no usage used.
  if (type == "SavingsPlanRecurringFee" && m_sp_total.present() && m_sp_used.present()) {
    Money unused = FRUGAL_TRY(amount_or_zero(m_sp_total, f)) - FRUGAL_TRY(amount_or_zero(m_sp_used, f));
    return std::string_view(m_effective_text = amount_text(unused));
  }
  if (type == "RIFee" && m_ri_unused_fee.present() && m_ri_unused_recurring.present()) {
    Money unused =
        FRUGAL_TRY(amount_or_zero(m_ri_unused_fee, f)) + FRUGAL_TRY(amount_or_zero(m_ri_unused_recurring, f));
    return std::string_view(m_effective_text = amount_text(unused));
  }
  return billed;
}

Result<void> AwsCurMapping::map_tags(const Fields& f, ChargeRow& row) {
  m_tags.clear();
  for (const auto& [key, at] : m_tag_columns) {
    std::string_view v = f[at];
    if (!is_null_text(v)) m_tags.emplace_back(key, std::string(v));
  }
  if (std::string_view map = m_tag_map.in(f); !map.empty()) {
    auto parsed = parse_tags(map);
    if (!parsed) return std::unexpected(m_tag_map.error(parsed.error().message));
    for (auto& [key, value] : *parsed) {
      if (value.empty()) continue;
      std::string_view k = key;
      if (k.starts_with(m_names.user_tag_prefix)) k.remove_prefix(m_names.user_tag_prefix.size());
      m_tags.emplace_back(std::string(k), std::move(value));
    }
  }
  if (!m_tags.empty()) row[Field::tags] = m_tags_text = tags_json(m_tags);
  return {};
}

Result<std::string_view> AwsCurMapping::service_name(const Fields& f) {
  if (std::string_view name = m_product_name.in(f); !name.empty()) return name;
  // CUR 2.0 keeps the product name in its product map column. The map is large and on every row,
  // so the plain case is read in place and only escaped text takes the full parse.
  if (std::string_view map = m_product_map.in(f); !map.empty()) {
    constexpr std::string_view k_key = "\"product_name\"";
    if (std::size_t at = map.find(k_key); at != std::string_view::npos) {
      std::size_t i = map.find_first_not_of(" \t", at + k_key.size());
      if (i != std::string_view::npos && map[i] == ':') i = map.find_first_not_of(" \t", i + 1);
      std::size_t end = i == std::string_view::npos || map[i] != '"' ? i : map.find_first_of("\"\\", i + 1);
      if (end != std::string_view::npos && map[end] == '"' && end > i + 1)
        return map.substr(i + 1, end - i - 1);
    }
    auto parsed = parse_tags(map);
    if (!parsed) return std::unexpected(m_product_map.error(parsed.error().message));
    for (auto& [key, value] : *parsed) {
      if (key == "product_name" && !value.empty()) return std::string_view(m_service_text = std::move(value));
    }
  }
  return m_product_code.in(f);
}

Result<void> AwsCurMapping::map(const Fields& f, ChargeRow& row) {
  std::string_view type = FRUGAL_TRY(m_type.required_in(f));
  LineItemKind kind = kind_of(type);
  row[Field::provider_name] = "AWS";
  row[Field::publisher_name] = m_legal_entity.in(f);
  row[Field::invoice_issuer_name] = m_invoicing_entity.in(f);
  row[Field::billing_account_id] = m_payer.in(f);
  row[Field::billing_account_name] = m_payer_name.in(f);
  row[Field::sub_account_id] = m_usage_account.in(f);
  row[Field::sub_account_name] = m_usage_account_name.in(f);
  row[Field::billing_currency] = FRUGAL_TRY(m_currency.required_in(f));
  for (const Column* c : {&m_period_start, &m_period_end, &m_usage_start, &m_usage_end})
    FRUGAL_CHECK(c->time_in(f));
  row[Field::billing_period_start] = m_period_start.in(f);
  row[Field::billing_period_end] = m_period_end.in(f);
  row[Field::charge_period_start] = m_usage_start.in(f);
  row[Field::charge_period_end] = m_usage_end.in(f);
  row[Field::charge_category] = kind.category;
  row[Field::charge_frequency] = kind.frequency;
  row[Field::charge_description] = m_description.in(f);

  std::string_view billed = FRUGAL_TRY(m_unblended.checked_amount_in(f));
  if (billed.empty()) return std::unexpected(m_unblended.error("empty, but every row needs a cost"));
  row[Field::billed_cost] = billed;
  row[Field::effective_cost] = FRUGAL_TRY(effective_cost(f, type, billed));
  std::string_view list = billed;
  if (kind.category == "Usage") {
    std::string_view on_demand = FRUGAL_TRY(m_on_demand_cost.checked_amount_in(f));
    if (!on_demand.empty()) list = on_demand;
  }
  row[Field::list_cost] = list;
  row[Field::list_unit_price] = FRUGAL_TRY(m_on_demand_rate.checked_amount_in(f));

  std::string_view term = m_term.in(f), usage_type = m_usage_type.in(f);
  row[Field::pricing_category] = pricing_category(kind.category, type, term, usage_type);
  row[Field::pricing_quantity] = m_usage_amount.in(f);
  row[Field::pricing_unit] = m_unit.in(f);
  row[Field::consumed_quantity] = m_usage_amount.in(f);
  row[Field::consumed_unit] = m_unit.in(f);
  std::string_view region = m_region.in(f);
  row[Field::region_id] = region.empty() ? m_region_code.in(f) : region;
  row[Field::region_name] = m_location.in(f);
  row[Field::availability_zone] = m_zone.in(f);
  row[Field::resource_id] = m_resource_id.in(f);
  row[Field::service_name] = FRUGAL_TRY(service_name(f));
  row[Field::sku_id] = m_sku.in(f);
  std::string_view rate_code = m_rate_code.in(f);
  row[Field::sku_price_id] = rate_code.empty() ? m_rate_id.in(f) : rate_code;

  if (std::string_view sp = m_sp_arn.in(f); !sp.empty()) {
    row[Field::commitment_discount_id] = sp;
    row[Field::commitment_discount_category] = "Spend";
    row[Field::commitment_discount_type] = "Savings Plan";
  } else if (std::string_view ri = m_ri_arn.in(f); !ri.empty()) {
    row[Field::commitment_discount_id] = ri;
    row[Field::commitment_discount_category] = "Usage";
    row[Field::commitment_discount_type] = "Reserved Instance";
  }
  if (type == "DiscountedUsage" || type == "SavingsPlanCoveredUsage")
    row[Field::commitment_discount_status] = "Used";
  return map_tags(f, row);
}

}  // namespace frugal::billing
