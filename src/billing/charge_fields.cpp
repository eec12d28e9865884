#include "billing/charge_fields.h"

namespace frugal::billing {

const std::array<FieldSpec, k_field_count>& field_specs() {
  using K = FieldKind;
  static const std::array<FieldSpec, k_field_count> specs = {{
      {Field::provider_name, "ProviderName", "provider_name", K::text, true},
      {Field::publisher_name, "PublisherName", "publisher_name", K::text, false},
      {Field::invoice_issuer_name, "InvoiceIssuerName", "invoice_issuer_name", K::text, false},
      {Field::billing_account_id, "BillingAccountId", "billing_account_id", K::text, false},
      {Field::billing_account_name, "BillingAccountName", "billing_account_name", K::text, false},
      {Field::billing_account_type, "BillingAccountType", "billing_account_type", K::text, false},
      {Field::sub_account_id, "SubAccountId", "sub_account_id", K::text, false},
      {Field::sub_account_name, "SubAccountName", "sub_account_name", K::text, false},
      {Field::sub_account_type, "SubAccountType", "sub_account_type", K::text, false},
      {Field::billing_currency, "BillingCurrency", "billing_currency", K::text, true},
      {Field::billing_period_start, "BillingPeriodStart", "billing_period_start", K::time, true},
      {Field::billing_period_end, "BillingPeriodEnd", "billing_period_end", K::time, true},
      {Field::charge_period_start, "ChargePeriodStart", "charge_period_start", K::time, true},
      {Field::charge_period_end, "ChargePeriodEnd", "charge_period_end", K::time, true},
      {Field::charge_category, "ChargeCategory", "charge_category", K::text, false},
      {Field::charge_class, "ChargeClass", "charge_class", K::text, false},
      {Field::charge_description, "ChargeDescription", "charge_description", K::text, false},
      {Field::charge_frequency, "ChargeFrequency", "charge_frequency", K::text, false},
      {Field::billed_cost, "BilledCost", "billed_cost", K::money, true},
      {Field::effective_cost, "EffectiveCost", "effective_cost", K::money, false},
      {Field::list_cost, "ListCost", "list_cost", K::money, false},
      {Field::contracted_cost, "ContractedCost", "contracted_cost", K::money, false},
      {Field::list_unit_price, "ListUnitPrice", "list_unit_price", K::unit_price, false},
      {Field::contracted_unit_price, "ContractedUnitPrice", "contracted_unit_price", K::unit_price, false},
      {Field::pricing_category, "PricingCategory", "pricing_category", K::text, false},
      {Field::pricing_quantity, "PricingQuantity", "pricing_quantity", K::quantity, false},
      {Field::pricing_unit, "PricingUnit", "pricing_unit", K::text, false},
      {Field::consumed_quantity, "ConsumedQuantity", "consumed_quantity", K::quantity, false},
      {Field::consumed_unit, "ConsumedUnit", "consumed_unit", K::text, false},
      {Field::region_id, "RegionId", "region_id", K::text, false},
      {Field::region_name, "RegionName", "region_name", K::text, false},
      {Field::availability_zone, "AvailabilityZone", "availability_zone", K::text, false},
      {Field::resource_id, "ResourceId", "resource_id", K::text, false},
      {Field::resource_name, "ResourceName", "resource_name", K::text, false},
      {Field::resource_type, "ResourceType", "resource_type", K::text, false},
      {Field::service_category, "ServiceCategory", "service_category", K::text, false},
      {Field::service_name, "ServiceName", "service_name", K::text, false},
      {Field::sku_id, "SkuId", "sku_id", K::text, false},
      {Field::sku_price_id, "SkuPriceId", "sku_price_id", K::text, false},
      {Field::commitment_discount_id, "CommitmentDiscountId", "commitment_discount_id", K::text, false},
      {Field::commitment_discount_name, "CommitmentDiscountName", "commitment_discount_name", K::text, false},
      {Field::commitment_discount_category, "CommitmentDiscountCategory", "commitment_discount_category", K::text, false},
      {Field::commitment_discount_status, "CommitmentDiscountStatus", "commitment_discount_status", K::text, false},
      {Field::commitment_discount_type, "CommitmentDiscountType", "commitment_discount_type", K::text, false},
      {Field::tags, "Tags", "tags", K::tags, false},
  }};
  return specs;
}

}  // namespace frugal::billing
