// Oracle Cloud (OCI) cost reports: hourly rows, costs with up to 18 decimals (often written as
// 2.32376E-9), one column per defined tag ("tags/<namespace>.<key>").
//
// Choices where the published FOCUS rules (focus_converters' oci.csv) leave room or disagree:
// - BilledCost = EffectiveCost = ListCost = cost/myCost. The rules take BilledCost from
//   cost/myCostOverage, which is empty on every row of real reports; a report has no list price.
// - BillingAccountId = lineItem/tenantId (the tenancy), SubAccountId / SubAccountName = the
//   compartment. The rules use the subscription id as the account; a tenancy is what users name.
// - The report has no billing period: it is the calendar month (UTC) of lineItem/intervalUsageStart.
// - Every row is usage: ChargeCategory Usage, ChargeFrequency Usage-Based; lineItem/isCorrection
//   true → ChargeClass Correction.
// - Tags keep their namespace ("Oracle-Tags.CreatedBy"): keys of different namespaces may collide.
#include "billing/bill_values.h"
#include "billing/column_map.h"
#include "util/strings.h"

namespace frugal::billing {
namespace {

constexpr std::string_view k_tag_prefix = "tags/";

class OciFormat final : public BillFormat {
 public:
  std::string_view name() const override { return "oci"; }

  bool matches(const HeaderIndex& h) const override {
    return h.find_icase("cost/myCost") && h.find_icase("lineItem/intervalUsageStart") &&
           h.find_icase("lineItem/referenceNo");
  }

  Result<void> bind(const HeaderIndex& h) override {
    m_cost = FRUGAL_TRY(Column::require(h, {"cost/myCost"}));
    m_currency = FRUGAL_TRY(Column::require(h, {"cost/currencyCode"}));
    m_start = FRUGAL_TRY(Column::require(h, {"lineItem/intervalUsageStart"}));
    m_end = FRUGAL_TRY(Column::require(h, {"lineItem/intervalUsageEnd"}));
    m_tenant = Column::find(h, {"lineItem/tenantId"});
    m_compartment = Column::find(h, {"product/compartmentId"});
    m_compartment_name = Column::find(h, {"product/compartmentName"});
    m_service = Column::find(h, {"product/service"});
    m_region = Column::find(h, {"product/region"});
    m_domain = Column::find(h, {"product/availabilityDomain"});
    m_resource_id = Column::find(h, {"product/resourceId"});
    m_quantity = Column::find(h, {"usage/billedQuantity"});
    m_sku = Column::find(h, {"cost/productSku"});
    m_description = Column::find(h, {"product/Description"});
    m_unit_price = Column::find(h, {"cost/unitPrice"});
    m_unit = Column::find(h, {"cost/skuUnitDescription"});
    m_correction = Column::find(h, {"lineItem/isCorrection"});
    m_tag_columns.clear();
    for (std::size_t i = 0; i < h.names().size(); ++i) {
      std::string_view name = h.names()[i];
      if (name.starts_with(k_tag_prefix))
        m_tag_columns.emplace_back(std::string(name.substr(k_tag_prefix.size())), i);
    }
    return {};
  }

  Result<void> map(const Fields& f, ChargeRow& row) override {
    row[Field::provider_name] = "Oracle";
    row[Field::invoice_issuer_name] = "Oracle";
    row[Field::publisher_name] = "Oracle";
    row[Field::billing_account_id] = m_tenant.in(f);
    row[Field::sub_account_id] = m_compartment.in(f);
    row[Field::sub_account_name] = m_compartment_name.in(f);
    row[Field::billing_currency] = FRUGAL_TRY(m_currency.required_in(f));

    TimePoint start = FRUGAL_TRY(m_start.time_in(f));
    FRUGAL_CHECK(m_end.time_in(f));
    TimePoint month = month_start(start);
    if (month != m_month) {  // rows of one report share a month: format it once
      m_month = month;
      m_period_start_text = format_utc(month);
      m_period_end_text = format_utc(next_month_start(month));
    }
    row[Field::billing_period_start] = m_period_start_text;
    row[Field::billing_period_end] = m_period_end_text;
    row[Field::charge_period_start] = m_start.in(f);
    row[Field::charge_period_end] = m_end.in(f);
    row[Field::charge_category] = "Usage";
    row[Field::charge_frequency] = "Usage-Based";
    if (util::iequals(m_correction.in(f), "true")) row[Field::charge_class] = "Correction";
    row[Field::charge_description] = m_description.in(f);

    std::string_view cost = FRUGAL_TRY(m_cost.checked_amount_in(f));
    if (cost.empty()) return std::unexpected(m_cost.error("empty, but every row needs a cost"));
    row[Field::billed_cost] = cost;
    row[Field::effective_cost] = cost;
    row[Field::list_cost] = cost;
    row[Field::contracted_unit_price] = FRUGAL_TRY(m_unit_price.checked_amount_in(f));
    row[Field::pricing_quantity] = m_quantity.in(f);
    row[Field::pricing_unit] = m_unit.in(f);
    row[Field::consumed_quantity] = m_quantity.in(f);
    row[Field::consumed_unit] = m_unit.in(f);
    row[Field::region_id] = m_region.in(f);
    row[Field::availability_zone] = m_domain.in(f);
    row[Field::resource_id] = m_resource_id.in(f);
    row[Field::service_name] = m_service.in(f);
    row[Field::sku_id] = m_sku.in(f);

    m_tags.clear();
    for (const auto& [key, at] : m_tag_columns) {
      if (!is_null_text(f[at])) m_tags.emplace_back(key, std::string(f[at]));
    }
    if (!m_tags.empty()) row[Field::tags] = m_tags_text = tags_json(m_tags);
    return {};
  }

 private:
  Column m_cost, m_currency, m_start, m_end, m_tenant, m_compartment, m_compartment_name, m_service;
  Column m_region, m_domain, m_resource_id, m_quantity, m_sku, m_description, m_unit_price, m_unit,
      m_correction;
  std::vector<std::pair<std::string, std::size_t>> m_tag_columns;  // key after "tags/", position
  TimePoint m_month{TimePoint::min()};
  // Text the row points into, owned until the next map().
  std::string m_period_start_text, m_period_end_text, m_tags_text;
  std::vector<std::pair<std::string, std::string>> m_tags;
};

}  // namespace

std::unique_ptr<BillFormat> make_oci_format() { return std::make_unique<OciFormat>(); }

}  // namespace frugal::billing
