// FOCUS 1.0–1.2 exports: the columns already have the names we keep, so mapping is by name. A file
// without one of the columns FOCUS makes mandatory is refused, naming it: a missing EffectiveCost
// would otherwise import as zeros and replace a good period.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "billing/bill_format.h"

namespace frugal::billing {
namespace {

// "Feature level: Mandatory" in the column specs of FOCUS 1.0, 1.1 and 1.2 (the same 21 columns in
// all three; FOCUS_Spec tags v1.0, v1.1, v1.2, specification/columns/*.md).
constexpr std::array<std::string_view, 21> k_mandatory = {
    "BilledCost", "BillingAccountId", "BillingAccountName", "BillingCurrency", "BillingPeriodEnd",
    "BillingPeriodStart", "ChargeCategory", "ChargeClass", "ChargeDescription", "ChargePeriodEnd",
    "ChargePeriodStart", "ContractedCost", "EffectiveCost", "InvoiceIssuerName", "ListCost",
    "PricingQuantity", "PricingUnit", "ProviderName", "PublisherName", "ServiceCategory", "ServiceName"};

// FOCUS 1.3 renamed these two; a file may carry either name.
std::string_view renamed_in_1_3(std::string_view name) {
  if (name == "ProviderName") return "ServiceProviderName";
  if (name == "PublisherName") return "HostProviderName";
  return {};
}

// The version a header is, by the columns each version introduced (a CSV export names none).
std::string_view detect_version(const HeaderIndex& h) {
  for (auto c : {"ServiceProviderName", "HostProviderName"})
    if (h.find_icase(c)) return "1.3";
  for (auto c : {"BillingAccountType", "SubAccountType", "InvoiceId", "PricingCurrency"})
    if (h.find_icase(c)) return "1.2";
  for (auto c : {"ServiceSubcategory", "SkuMeter", "SkuPriceDetails", "CapacityReservationId",
                 "CommitmentDiscountQuantity", "CommitmentDiscountUnit"})
    if (h.find_icase(c)) return "1.1";
  return "1.0";
}

class FocusFormat final : public BillFormat {
 public:
  std::string_view name() const override { return "focus"; }

  bool matches(const HeaderIndex& h) const override {
    return h.find_icase("BilledCost") && h.find_icase("ChargePeriodStart") && h.find_icase("BillingPeriodStart");
  }

  Result<void> bind(const HeaderIndex& h) override {
    std::vector<std::string_view> missing;
    for (auto name : k_mandatory) {
      auto renamed = renamed_in_1_3(name);
      if (!h.find_icase(name) && (renamed.empty() || !h.find_icase(renamed))) missing.push_back(name);
    }
    if (!missing.empty())
      return fail(ErrorCode::invalid,
                  fmt::format("column{} {}: missing from the header (FOCUS {} makes {} mandatory)",
                              missing.size() > 1 ? "s" : "", fmt::join(missing, ", "), detect_version(h),
                              missing.size() > 1 ? "them" : "it"));
    for (const auto& s : field_specs()) {
      auto at = h.find_icase(s.focus_name);
      // FOCUS 1.3 renamed ProviderName to ServiceProviderName.
      if (!at && s.field == Field::provider_name) at = h.find_icase("ServiceProviderName");
      if (!at && s.required)
        return fail(ErrorCode::invalid, fmt::format("column {}: missing from the header (FOCUS requires it)", s.focus_name));
      m_columns[static_cast<std::size_t>(s.field)] = at;
    }
    return {};
  }

  Result<void> map(const std::vector<std::string_view>& fields, ChargeRow& row) override {
    for (std::size_t i = 0; i < k_field_count; ++i) {
      if (!m_columns[i]) continue;
      std::string_view v = fields[*m_columns[i]];
      row.values[i] = is_null_text(v) ? std::string_view{} : v;
    }
    // FOCUS makes these mandatory and never null: an empty one is a broken row, not a cost of 0
    // (stored as 0 it would lower every effective or list total without a word). ContractedCost,
    // mandatory too, is left NULL when empty: real exports leave it out on some rows (7 of the
    // 1,000 in the FOCUS sample), and NULL says "not known" where 0 would not.
    for (Field field : {Field::effective_cost, Field::list_cost})
      if (row[field].empty())
        return fail(ErrorCode::invalid,
                    fmt::format("column {}: empty, but FOCUS makes it mandatory and never null (0 if nothing)",
                                field == Field::effective_cost ? "EffectiveCost" : "ListCost"));
    return {};
  }

 private:
  std::array<std::optional<std::size_t>, k_field_count> m_columns{};
};

}  // namespace

std::unique_ptr<BillFormat> make_focus_format() { return std::make_unique<FocusFormat>(); }

}  // namespace frugal::billing
