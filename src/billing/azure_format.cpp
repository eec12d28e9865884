// Azure cost details and EA exports ("actual cost" view). Two spellings are in use: EA files say
// Cost / BillingCurrency, newer ones CostInBillingCurrency / BillingCurrencyCode, and MCA files write
// the same names in camelCase; columns are matched case-insensitively to take all of them.
//
// Choices where the published FOCUS rules (focus_converters' azure.csv) leave room:
// - Two views of one month (the file's cost_view, billing.h): in the actual view EffectiveCost =
//   BilledCost = the cost column. In the amortized view the cost column is the amortized cost:
//   EffectiveCost = it; BilledCost = 0 where the actual view bills nothing (usage a commitment
//   covered, and unused commitment), the cost column otherwise; a commitment's purchase there has
//   EffectiveCost 0, its cost being spread over the usage. ChargeWriter::merge_views joins them.
// - ListCost = PayGPrice × Quantity, multiplied exactly, for usage rows; rows of other types
//   (purchases, refunds) carry no pay-as-you-go price, so their ListCost is their BilledCost.
// - BillingPeriodEndDate and Date name whole days, the end inclusive (09/30/2023); FOCUS ends are
//   exclusive, so BillingPeriodEnd and ChargePeriodEnd are the next midnight (UTC).
// - ChargeCategory: Refund → Credit, UnusedReservation / UnusedSavingsPlan → Usage (as the rules),
//   anything unknown → Adjustment. PricingCategory: OnDemand → Standard, Spot → Dynamic,
//   Reservation / SavingsPlan → Committed.
// - ServiceName = MeterCategory ("Virtual Machines"), ConsumedService when empty; RegionId =
//   ResourceLocation in lower case, since exports mix "EastUS2" and "eastus2".
// - Tags come as "k": "v" pairs without braces; they are wrapped into a JSON object.
#include <fmt/format.h>

#include <chrono>

#include "billing/column_map.h"
#include "util/strings.h"

namespace frugal::billing {
namespace {

std::string_view charge_category(std::string_view type) {
  if (type == "Usage" || type == "UnusedReservation" || type == "UnusedSavingsPlan") return "Usage";
  if (type == "Purchase") return "Purchase";
  if (type == "Tax") return "Tax";
  if (type == "Refund" || type == "Credit") return "Credit";
  return "Adjustment";
}

std::string_view pricing_category(std::string_view model) {
  if (model.empty()) return {};
  if (util::iequals(model, "OnDemand")) return "Standard";
  if (util::iequals(model, "Spot")) return "Dynamic";
  if (util::iequals(model, "Reservation") || util::iequals(model, "SavingsPlan") ||
      util::iequals(model, "Savings Plan"))
    return "Committed";
  return "Other";
}

class AzureFormat final : public BillFormat {
 public:
  std::string_view name() const override { return "azure"; }
  bool has_cost_views() const override { return true; }
  void set_cost_view(std::string_view view) override { m_amortized = view == "amortized"; }
  std::string other_view_row() const override { return m_other_view_row; }

  bool matches(const HeaderIndex& h) const override {
    return h.find_icase("MeterCategory") && h.find_icase("ChargeType") &&
           (h.find_icase("CostInBillingCurrency") || h.find_icase("Cost"));
  }

  Result<void> bind(const HeaderIndex& h) override {
    m_cost = FRUGAL_TRY(Column::require(h, {"CostInBillingCurrency", "Cost"}));
    m_currency = FRUGAL_TRY(Column::require(h, {"BillingCurrencyCode", "BillingCurrency"}));
    m_period_start = FRUGAL_TRY(Column::require(h, {"BillingPeriodStartDate"}));
    m_period_end = FRUGAL_TRY(Column::require(h, {"BillingPeriodEndDate"}));
    m_date = FRUGAL_TRY(Column::require(h, {"Date", "UsageDate"}));
    m_charge_type = FRUGAL_TRY(Column::require(h, {"ChargeType"}));
    m_account = Column::find(h, {"BillingAccountId"});
    m_account_name = Column::find(h, {"BillingAccountName"});
    m_subscription = Column::find(h, {"SubscriptionId", "SubscriptionGuid"});
    m_subscription_name = Column::find(h, {"SubscriptionName"});
    m_publisher = Column::find(h, {"PublisherName"});
    m_frequency = Column::find(h, {"Frequency"});
    m_product = Column::find(h, {"ProductName", "Product"});
    m_quantity = Column::find(h, {"Quantity"});
    m_unit = Column::find(h, {"UnitOfMeasure"});
    m_payg_price = Column::find(h, {"PayGPrice"});
    m_unit_price = Column::find(h, {"UnitPrice"});
    m_pricing_model = Column::find(h, {"PricingModel"});
    m_location = Column::find(h, {"ResourceLocation"});
    m_zone = Column::find(h, {"AvailabilityZone"});
    m_resource_id = Column::find(h, {"ResourceId"});
    m_resource_name = Column::find(h, {"ResourceName"});
    m_meter_category = Column::find(h, {"MeterCategory"});
    m_consumed_service = Column::find(h, {"ConsumedService"});
    m_meter_id = Column::find(h, {"MeterId"});
    m_benefit_id = Column::find(h, {"benefitId"});
    m_benefit_name = Column::find(h, {"benefitName"});
    m_tags = Column::find(h, {"Tags"});
    return {};
  }

  Result<void> map(const Fields& f, ChargeRow& row) override {
    row[Field::provider_name] = "Microsoft";
    row[Field::invoice_issuer_name] = "Microsoft";
    row[Field::publisher_name] = m_publisher.in(f);
    row[Field::billing_account_id] = m_account.in(f);
    row[Field::billing_account_name] = m_account_name.in(f);
    row[Field::sub_account_id] = m_subscription.in(f);
    row[Field::sub_account_name] = m_subscription_name.in(f);
    row[Field::billing_currency] = FRUGAL_TRY(m_currency.required_in(f));
    FRUGAL_CHECK(m_period_start.time_in(f));
    row[Field::billing_period_start] = m_period_start.in(f);
    row[Field::billing_period_end] = m_period_end_text = format_utc(FRUGAL_TRY(day_after(m_period_end, f)));
    row[Field::charge_period_start] = m_date.in(f);
    row[Field::charge_period_end] = m_date_end_text = format_utc(FRUGAL_TRY(day_after(m_date, f)));

    std::string_view type = FRUGAL_TRY(m_charge_type.required_in(f));
    row[Field::charge_category] = charge_category(type);
    row[Field::charge_frequency] = m_frequency.in(f);
    row[Field::charge_description] = m_product.in(f);

    std::string_view cost = FRUGAL_TRY(m_cost.checked_amount_in(f));
    if (cost.empty()) return std::unexpected(m_cost.error("empty, but every row needs a cost"));
    const bool committed = pricing_category(m_pricing_model.in(f)) == "Committed";
    const bool unused = type == "UnusedReservation" || type == "UnusedSavingsPlan";
    const bool purchase = (type == "Purchase" || type == "Refund") && committed;
    row[Field::billed_cost] = cost;
    row[Field::effective_cost] = cost;
    if (m_amortized) {
      if (unused || (type == "Usage" && committed)) row[Field::billed_cost] = "0";
      if (purchase) row[Field::effective_cost] = "0";
    } else if (m_other_view_row.empty() &&
               (unused || (type == "Usage" && committed && cost.find_first_of("123456789") != std::string_view::npos))) {
      // The actual view bills nothing for these: this is the amortized view.
      m_other_view_row = unused ? fmt::format("ChargeType {}", type)
                                : fmt::format("usage covered by a commitment (PricingModel {}) costing {}",
                                              m_pricing_model.in(f), cost);
    }
    row[Field::list_cost] = FRUGAL_TRY(list_cost(f, type, cost));
    row[Field::list_unit_price] = FRUGAL_TRY(m_payg_price.checked_amount_in(f));
    row[Field::contracted_unit_price] = FRUGAL_TRY(m_unit_price.checked_amount_in(f));

    row[Field::pricing_category] = pricing_category(m_pricing_model.in(f));
    row[Field::pricing_quantity] = m_quantity.in(f);
    row[Field::pricing_unit] = m_unit.in(f);
    row[Field::consumed_quantity] = m_quantity.in(f);
    row[Field::consumed_unit] = m_unit.in(f);
    if (std::string_view location = m_location.in(f); !location.empty())
      row[Field::region_id] = m_region_text = util::to_lower(location);
    row[Field::availability_zone] = m_zone.in(f);
    row[Field::resource_id] = m_resource_id.in(f);
    row[Field::resource_name] = m_resource_name.in(f);
    std::string_view meter_category = m_meter_category.in(f);
    row[Field::service_name] = meter_category.empty() ? m_consumed_service.in(f) : meter_category;
    row[Field::sku_id] = m_meter_id.in(f);
    map_commitment(f, row, type);

    // "k": "v" pairs without braces; exports that add them are taken as they are.
    if (std::string_view tags = m_tags.in(f); !util::trim(tags).empty()) {
      tags = util::trim(tags);
      row[Field::tags] =
          tags.starts_with('{') ? tags : std::string_view(m_tags_text = "{" + std::string(tags) + "}");
    }
    return {};
  }

 private:
  // The midnight after the day `c` names: FOCUS period ends are exclusive.
  static Result<TimePoint> day_after(const Column& c, const Fields& f) {
    TimePoint t = FRUGAL_TRY(c.time_in(f));
    return std::chrono::floor<std::chrono::days>(t) + std::chrono::days(1);
  }

  Result<std::string_view> list_cost(const Fields& f, std::string_view type, std::string_view cost) {
    auto price = FRUGAL_TRY(m_payg_price.amount_in(f));
    if (type != "Usage" || !price) return cost;
    auto quantity = FRUGAL_TRY(m_quantity.amount_in(f));
    if (!quantity) return cost;
    auto product = multiply_exact(*price, *quantity);
    if (!product) return std::unexpected(m_payg_price.error(product.error().message));
    return std::string_view(m_list_text = amount_text(*product));
  }

  // Which reservation or savings plan covered the row (benefitId is the commitment's resource id).
  void map_commitment(const Fields& f, ChargeRow& row, std::string_view type) {
    std::string_view id = m_benefit_id.in(f);
    if (id.empty()) return;
    row[Field::commitment_discount_id] = id;
    row[Field::commitment_discount_name] = m_benefit_name.in(f);
    std::string lower = util::to_lower(id);
    if (lower.find("/microsoft.capacity/") != std::string::npos) {
      row[Field::commitment_discount_category] = "Usage";
      row[Field::commitment_discount_type] = "Reservation";
    } else if (lower.find("/microsoft.billingbenefits/") != std::string::npos) {
      row[Field::commitment_discount_category] = "Spend";
      row[Field::commitment_discount_type] = "Savings Plan";
    }
    if (type == "Usage") row[Field::commitment_discount_status] = "Used";
    if (type == "UnusedReservation" || type == "UnusedSavingsPlan")
      row[Field::commitment_discount_status] = "Unused";
  }

  Column m_cost, m_currency, m_period_start, m_period_end, m_date, m_charge_type;
  Column m_account, m_account_name, m_subscription, m_subscription_name, m_publisher, m_frequency, m_product;
  Column m_quantity, m_unit, m_payg_price, m_unit_price, m_pricing_model, m_location, m_zone;
  Column m_resource_id, m_resource_name, m_meter_category, m_consumed_service, m_meter_id;
  Column m_benefit_id, m_benefit_name, m_tags;
  bool m_amortized = false;
  std::string m_other_view_row;
  // Text the row points into, owned until the next map().
  std::string m_period_end_text, m_date_end_text, m_list_text, m_region_text, m_tags_text;
};

}  // namespace

std::unique_ptr<BillFormat> make_azure_format() { return std::make_unique<AzureFormat>(); }

}  // namespace frugal::billing
