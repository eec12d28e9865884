#pragma once
// The normalized charge: one value per FOCUS column we keep. Every format adapter fills a
// ChargeRow; the writer validates and converts it. Private to billing/.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace frugal::billing {

enum class FieldKind {
  text,        // stored as is (NULL when empty)
  money,       // exact decimal → X_nanos + X_attos
  unit_price,  // exact decimal, validated, stored as text
  quantity,    // decimal, stored as REAL
  time,        // any accepted date/time form → ISO-8601 UTC text
  tags,        // JSON object text
};

enum class Field : std::uint8_t {
  provider_name, publisher_name, invoice_issuer_name,
  billing_account_id, billing_account_name, billing_account_type,
  sub_account_id, sub_account_name, sub_account_type,
  billing_currency, billing_period_start, billing_period_end, charge_period_start, charge_period_end,
  charge_category, charge_class, charge_description, charge_frequency,
  billed_cost, effective_cost, list_cost, contracted_cost,
  list_unit_price, contracted_unit_price,
  pricing_category, pricing_quantity, pricing_unit, consumed_quantity, consumed_unit,
  region_id, region_name, availability_zone,
  resource_id, resource_name, resource_type,
  service_category, service_name, sku_id, sku_price_id,
  commitment_discount_id, commitment_discount_name, commitment_discount_category,
  commitment_discount_status, commitment_discount_type,
  tags,
  count
};

inline constexpr std::size_t k_field_count = static_cast<std::size_t>(Field::count);

struct FieldSpec {
  Field field;
  std::string_view focus_name;  // "BilledCost"
  std::string_view column;      // "billed_cost" (money columns add _nanos/_attos)
  FieldKind kind;
  bool required;                // a row without it is malformed
};

// In Field order.
const std::array<FieldSpec, k_field_count>& field_specs();
inline const FieldSpec& spec(Field f) { return field_specs()[static_cast<std::size_t>(f)]; }

// One charge as the adapter saw it: views into the CSV record or into `scratch` storage the adapter
// owns. An empty view means null.
struct ChargeRow {
  std::array<std::string_view, k_field_count> values{};
  std::string_view& operator[](Field f) { return values[static_cast<std::size_t>(f)]; }
  std::string_view operator[](Field f) const { return values[static_cast<std::size_t>(f)]; }
  void clear() { values.fill({}); }
};

}  // namespace frugal::billing
