// FOCUS 1.0–1.2 exports: the columns already have the names we keep, so mapping is by name.
#include <fmt/format.h>

#include "billing/bill_format.h"

namespace frugal::billing {
namespace {

class FocusFormat final : public BillFormat {
 public:
  std::string_view name() const override { return "focus"; }

  bool matches(const HeaderIndex& h) const override {
    return h.find_icase("BilledCost") && h.find_icase("ChargePeriodStart") && h.find_icase("BillingPeriodStart");
  }

  Result<void> bind(const HeaderIndex& h) override {
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
    return {};
  }

 private:
  std::array<std::optional<std::size_t>, k_field_count> m_columns{};
};

}  // namespace

std::unique_ptr<BillFormat> make_focus_format() { return std::make_unique<FocusFormat>(); }

}  // namespace frugal::billing
