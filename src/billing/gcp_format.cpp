// Google Cloud standard billing export, as CSV: the BigQuery table with its records flattened to
// dotted columns ("service.description", "invoice.month"; "service_description" is accepted too),
// its repeated fields as JSON text (credits, labels) and timestamps as BigQuery prints them
// ("2024-09-18 07:00:00 UTC").
//
// Choices where the published FOCUS rules (focus_converters' gcp.csv) leave room:
// - BilledCost = cost + Σ credits[].amount: Google's invoice total is Σ cost + Σ credits, and one
//   CSV row cannot become a row per credit. EffectiveCost = BilledCost (no amortisation here).
//   ListCost = cost_at_list, or the gross cost (before credits) where the export lacks it.
// - Billing period = invoice.month in Pacific time, as Google cuts invoices (and as the rules
//   say): 202409 → 2024-09-01T07:00Z to 2024-10-01T07:00Z.
// - ChargeCategory from cost_type: regular → Usage, tax → Tax, adjustment and rounding_error →
//   Adjustment. PricingCategory for usage: Spot/Preemptible SKUs → Dynamic, rows with a committed
//   use discount credit → Committed, else Standard.
// - Tags = labels ([{"key": "team", "value": "vision"}]) as a JSON object; project labels are not
//   merged in.
#include <fmt/format.h>
#include <chrono>

#include "billing/bill_values.h"
#include "billing/column_map.h"

namespace frugal::billing {
namespace {

using Pairs = std::vector<std::pair<std::string, std::string>>;

// The objects of a JSON array of flat objects, each as its own text, for parse_tags.
Result<std::vector<std::string_view>> split_objects(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  auto bad = [&](std::string_view why) {
    return fail(ErrorCode::invalid, fmt::format("not a JSON array of objects ({} at offset {})", why, i));
  };
  auto skip_ws = [&] {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\n' || s[i] == '\r' || s[i] == '\t')) ++i;
  };
  skip_ws();
  if (i >= s.size() || s[i] != '[') return bad("no opening bracket");
  ++i;
  skip_ws();
  if (i < s.size() && s[i] == ']') return out;
  for (;;) {
    skip_ws();
    if (i >= s.size() || s[i] != '{') return bad("expected an object");
    std::size_t start = i, depth = 0;
    bool in_string = false;
    for (; i < s.size(); ++i) {
      char c = s[i];
      if (in_string) {
        if (c == '\\')
          ++i;
        else if (c == '"')
          in_string = false;
      } else if (c == '"') {
        in_string = true;
      } else if (c == '{') {
        ++depth;
      } else if (c == '}' && --depth == 0) {
        break;
      }
    }
    if (i >= s.size()) return bad("unterminated object");
    out.push_back(s.substr(start, ++i - start));
    skip_ws();
    if (i < s.size() && s[i] == ',') {
      ++i;
      continue;
    }
    if (i < s.size() && s[i] == ']') break;
    return bad("expected ',' or ']'");
  }
  ++i;
  skip_ws();
  if (i != s.size()) return bad("text after the array");
  return out;
}

std::string_view find_value(const Pairs& pairs, std::string_view key) {
  for (const auto& [k, v] : pairs)
    if (k == key) return v;
  return {};
}

// Midnight in Los Angeles on the 1st of a month, in UTC: daylight time covers the 1st of April to
// November (it starts on the second Sunday of March and ends on the first Sunday of November).
TimePoint pacific_month_start(int y, unsigned m) {
  using namespace std::chrono;
  int offset_h = (m >= 4 && m <= 11) ? 7 : 8;
  return TimePoint{sys_days{year{y} / month{m} / day{1}}} + hours(offset_h);
}

std::string_view strip_utc(std::string_view v) { return v.ends_with(" UTC") ? v.substr(0, v.size() - 4) : v; }

class GcpFormat final : public BillFormat {
 public:
  std::string_view name() const override { return "gcp"; }

  bool matches(const HeaderIndex& h) const override {
    return h.find_icase("billing_account_id") && h.find_icase("cost") && h.find_icase("usage_start_time") &&
           (h.find_icase("invoice.month") || h.find_icase("invoice_month"));
  }

  Result<void> bind(const HeaderIndex& h) override {
    m_cost = FRUGAL_TRY(Column::require(h, {"cost"}));
    m_currency = FRUGAL_TRY(Column::require(h, {"currency"}));
    m_start = FRUGAL_TRY(Column::require(h, {"usage_start_time"}));
    m_end = FRUGAL_TRY(Column::require(h, {"usage_end_time"}));
    m_invoice_month = FRUGAL_TRY(Column::require(h, {"invoice.month", "invoice_month"}));
    m_account = Column::find(h, {"billing_account_id"});
    m_service = Column::find(h, {"service.description", "service_description"});
    m_sku = Column::find(h, {"sku.id", "sku_id"});
    m_sku_description = Column::find(h, {"sku.description", "sku_description"});
    m_project = Column::find(h, {"project.id", "project_id"});
    m_project_name = Column::find(h, {"project.name", "project_name"});
    m_labels = Column::find(h, {"labels"});
    m_region = Column::find(h, {"location.region", "location_region"});
    m_location = Column::find(h, {"location.location", "location_location"});
    m_zone = Column::find(h, {"location.zone", "location_zone"});
    m_resource_name = Column::find(h, {"resource.name", "resource_name"});
    m_resource_id = Column::find(h, {"resource.global_name", "resource_global_name"});
    m_cost_at_list = Column::find(h, {"cost_at_list"});
    m_usage_amount = Column::find(h, {"usage.amount", "usage_amount"});
    m_usage_unit = Column::find(h, {"usage.unit", "usage_unit"});
    m_pricing_amount = Column::find(h, {"usage.amount_in_pricing_units", "usage_amount_in_pricing_units"});
    m_pricing_unit = Column::find(h, {"usage.pricing_unit", "usage_pricing_unit"});
    m_credits = Column::find(h, {"credits"});
    m_cost_type = Column::find(h, {"cost_type"});
    m_seller = Column::find(h, {"seller_name"});
    return {};
  }

  Result<void> map(const Fields& f, ChargeRow& row) override {
    row[Field::provider_name] = "Google Cloud";
    row[Field::invoice_issuer_name] = "Google Cloud";
    std::string_view seller = m_seller.in(f);
    row[Field::publisher_name] = seller.empty() ? std::string_view("Google Cloud") : seller;
    row[Field::billing_account_id] = m_account.in(f);
    row[Field::sub_account_id] = m_project.in(f);
    row[Field::sub_account_name] = m_project_name.in(f);
    row[Field::billing_currency] = FRUGAL_TRY(m_currency.required_in(f));
    FRUGAL_CHECK(map_invoice_month(f, row));
    row[Field::charge_period_start] = FRUGAL_TRY(time_text(m_start, f));
    row[Field::charge_period_end] = FRUGAL_TRY(time_text(m_end, f));

    std::string_view cost_type = m_cost_type.in(f);
    bool usage = cost_type.empty() || cost_type == "regular";
    row[Field::charge_category] = usage ? "Usage" : cost_type == "tax" ? "Tax" : "Adjustment";
    if (usage) row[Field::charge_frequency] = "Usage-Based";
    std::string_view sku_description = m_sku_description.in(f);
    row[Field::charge_description] = sku_description;

    auto cost = FRUGAL_TRY(m_cost.amount_in(f));
    if (!cost) return std::unexpected(m_cost.error("empty, but every row needs a cost"));
    bool committed = false;
    Money credits = FRUGAL_TRY(sum_credits(f, committed));
    std::string_view cost_text = m_cost.in(f);
    std::string_view billed =
        credits == Money{} ? cost_text : std::string_view(m_billed_text = amount_text(*cost + credits));
    row[Field::billed_cost] = billed;
    row[Field::effective_cost] = billed;
    std::string_view at_list = FRUGAL_TRY(m_cost_at_list.checked_amount_in(f));
    row[Field::list_cost] = at_list.empty() ? cost_text : at_list;

    if (usage) {
      bool spot = sku_description.find("Spot") != std::string_view::npos ||
                  sku_description.find("Preemptible") != std::string_view::npos;
      row[Field::pricing_category] = spot ? "Dynamic" : committed ? "Committed" : "Standard";
    }
    row[Field::pricing_quantity] = m_pricing_amount.in(f);
    row[Field::pricing_unit] = m_pricing_unit.in(f);
    row[Field::consumed_quantity] = m_usage_amount.in(f);
    row[Field::consumed_unit] = m_usage_unit.in(f);
    std::string_view region = m_region.in(f);
    row[Field::region_id] = region.empty() ? m_location.in(f) : region;
    row[Field::availability_zone] = m_zone.in(f);
    row[Field::resource_id] = m_resource_id.in(f);
    row[Field::resource_name] = m_resource_name.in(f);
    row[Field::service_name] = m_service.in(f);
    row[Field::sku_id] = m_sku.in(f);
    return map_labels(f, row);
  }

 private:
  static Result<std::string_view> time_text(const Column& c, const Fields& f) {
    std::string_view v = strip_utc(FRUGAL_TRY(c.required_in(f)));
    if (auto t = parse_bill_time(v); !t) return std::unexpected(c.error(t.error().message));
    return v;
  }

  Result<void> map_invoice_month(const Fields& f, ChargeRow& row) {
    std::string_view v = FRUGAL_TRY(m_invoice_month.required_in(f));
    if (v != m_month_text) {  // rows of one export share a few months: convert each once
      int y = 0;
      unsigned m = 0;
      bool digits = v.size() == 6 && v.find_first_not_of("0123456789") == std::string_view::npos;
      if (digits) {
        y = std::stoi(std::string(v.substr(0, 4)));
        m = static_cast<unsigned>(std::stoi(std::string(v.substr(4))));
      }
      if (!digits || m < 1 || m > 12)
        return std::unexpected(m_invoice_month.error(fmt::format("'{}' is not a month (YYYYMM)", v)));
      m_month_text = v;
      m_period_start_text = format_utc(pacific_month_start(y, m));
      m_period_end_text = format_utc(m == 12 ? pacific_month_start(y + 1, 1) : pacific_month_start(y, m + 1));
    }
    row[Field::billing_period_start] = m_period_start_text;
    row[Field::billing_period_end] = m_period_end_text;
    return {};
  }

  // Σ credits[].amount; `committed` tells whether one of them is a committed use discount.
  Result<Money> sum_credits(const Fields& f, bool& committed) {
    std::string_view text = m_credits.in(f);
    Money total;
    if (text.empty()) return total;
    auto objects = split_objects(text);
    if (!objects) return std::unexpected(m_credits.error(objects.error().message));
    for (std::string_view object : *objects) {
      auto pairs = parse_tags(object);
      if (!pairs) return std::unexpected(m_credits.error(pairs.error().message));
      auto amount = Money::parse(find_value(*pairs, "amount"));
      if (!amount) return std::unexpected(m_credits.error("amount " + amount.error().message));
      total += *amount;
      if (find_value(*pairs, "type").starts_with("COMMITTED_USAGE_DISCOUNT")) committed = true;
    }
    return total;
  }

  Result<void> map_labels(const Fields& f, ChargeRow& row) {
    std::string_view text = m_labels.in(f);
    if (text.empty()) return {};
    m_tags.clear();
    if (text.starts_with('{')) {  // exports that flatten labels to a plain object
      auto pairs = parse_tags(text);
      if (!pairs) return std::unexpected(m_labels.error(pairs.error().message));
      m_tags = std::move(*pairs);
      if (!m_tags.empty()) row[Field::tags] = text;
      return {};
    }
    auto objects = split_objects(text);
    if (!objects) return std::unexpected(m_labels.error(objects.error().message));
    for (std::string_view object : *objects) {
      auto pairs = parse_tags(object);
      if (!pairs) return std::unexpected(m_labels.error(pairs.error().message));
      m_tags.emplace_back(find_value(*pairs, "key"), find_value(*pairs, "value"));
    }
    if (!m_tags.empty()) row[Field::tags] = m_tags_text = tags_json(m_tags);
    return {};
  }

  Column m_cost, m_currency, m_start, m_end, m_invoice_month, m_account, m_service, m_sku, m_sku_description;
  Column m_project, m_project_name, m_labels, m_region, m_location, m_zone, m_resource_name, m_resource_id;
  Column m_cost_at_list, m_usage_amount, m_usage_unit, m_pricing_amount, m_pricing_unit, m_credits,
      m_cost_type;
  Column m_seller;
  // Text the row points into, owned until the next map().
  std::string m_month_text, m_period_start_text, m_period_end_text, m_billed_text, m_tags_text;
  Pairs m_tags;
};

}  // namespace

std::unique_ptr<BillFormat> make_gcp_format() { return std::make_unique<GcpFormat>(); }

}  // namespace frugal::billing
