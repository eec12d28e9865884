#pragma once
// Short FOCUS files for tests, made whole: the columns FOCUS 1.0–1.2 make mandatory that a test's
// header leaves out are appended, with values that change no total (EffectiveCost, ListCost and
// ContractedCost repeat the row's BilledCost; the names repeat ProviderName; the rest are empty).
// A text that is not FOCUS (no BilledCost, ChargePeriodStart, BillingPeriodStart) is left as is.
#include <algorithm>
#include <array>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace frugal::testing {

inline constexpr std::array<std::string_view, 21> k_focus_mandatory = {
    "BilledCost",         "BillingAccountId", "BillingAccountName", "BillingCurrency",   "BillingPeriodEnd",
    "BillingPeriodStart", "ChargeCategory",   "ChargeClass",        "ChargeDescription", "ChargePeriodEnd",
    "ChargePeriodStart",  "ContractedCost",   "EffectiveCost",      "InvoiceIssuerName", "ListCost",
    "PricingQuantity",    "PricingUnit",      "ProviderName",       "PublisherName",     "ServiceCategory",
    "ServiceName"};

// The fields of one CSV line; empty when its quoting is broken (the test means it to be).
inline std::vector<std::string> split_csv_line(std::string_view line) {
  std::vector<std::string> out(1);
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"')
        out.back() += '"', ++i;
      else if (c == '"')
        quoted = false;
      else
        out.back() += c;
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      out.emplace_back();
    } else {
      out.back() += c;
    }
  }
  if (quoted) return {};
  return out;
}

inline std::string with_focus_mandatory(const std::string& csv) {
  std::istringstream in(csv);
  std::string line, out;
  std::vector<std::string> header, missing;
  bool first = true;
  while (std::getline(in, line)) {
    if (first) {
      first = false;
      header = split_csv_line(line);
      auto has = [&](std::string_view c) {
        return std::find(header.begin(), header.end(), c) != header.end();
      };
      if (!has("BilledCost") || !has("ChargePeriodStart") || !has("BillingPeriodStart")) return csv;
      for (auto c : k_focus_mandatory)
        if (!has(c)) missing.emplace_back(c);
      out += line;
      for (const auto& c : missing) out += "," + c;
      out += "\n";
      continue;
    }
    out += line;
    if (!line.empty()) {
      std::vector<std::string> fields = split_csv_line(line);
      auto value = [&](std::string_view column) -> std::string {
        auto at = std::find(header.begin(), header.end(), column);
        std::size_t i = static_cast<std::size_t>(at - header.begin());
        return at != header.end() && fields.size() == header.size() ? fields[i] : std::string();
      };
      for (const auto& c : missing) {
        if (c == "EffectiveCost" || c == "ListCost" || c == "ContractedCost")
          out += "," + value("BilledCost");
        else if (c == "InvoiceIssuerName" || c == "PublisherName")
          out += "," + value("ProviderName");
        else if (c == "ChargeCategory")
          out += ",Usage";
        else if (c == "ServiceCategory")
          out += ",Other";
        else
          out += ",";
      }
    }
    out += "\n";
  }
  if (!csv.empty() && csv.back() != '\n' && !out.empty()) out.pop_back();
  return out;
}

}  // namespace frugal::testing
