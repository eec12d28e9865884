#pragma once
// BillFormat: one export format (FOCUS, AWS CUR, Azure, GCP, OCI) mapped onto the FOCUS-shaped
// ChargeRow. The importer detects the format from the header, binds it once, then maps each row.
// Private to billing/.
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "billing/charge_fields.h"
#include "core/error.h"

namespace frugal::billing {

// Column positions by header name.
class HeaderIndex {
 public:
  explicit HeaderIndex(const std::vector<std::string_view>& header);
  std::optional<std::size_t> find(std::string_view name) const;
  // Case-insensitive lookup, for formats whose producers vary the case.
  std::optional<std::size_t> find_icase(std::string_view name) const;
  bool has(std::string_view name) const { return find(name).has_value(); }
  const std::vector<std::string>& names() const { return m_names; }

 private:
  std::vector<std::string> m_names;
  std::unordered_map<std::string, std::size_t> m_exact;
  std::unordered_map<std::string, std::size_t> m_lower;
};

class BillFormat {
 public:
  virtual ~BillFormat() = default;
  virtual std::string_view name() const = 0;
  // True when the header is this format's (its telltale columns are there).
  virtual bool matches(const HeaderIndex& header) const = 0;
  // Prepares for a file with this header. A missing required column → "column X: missing".
  virtual Result<void> bind(const HeaderIndex& header) = 0;
  // Fills `row` from one record (same width as the header). Values may point into `fields` or
  // into storage the format owns until the next call. Errors name the column: "column X: ...".
  virtual Result<void> map(const std::vector<std::string_view>& fields, ChargeRow& row) = 0;

  // Formats whose exports come as two views of the same spend (Azure: "actual" and "amortized")
  // map each its own way; the view is set before bind(). Others have one view and ignore it.
  virtual bool has_cost_views() const { return false; }
  virtual void set_cost_view(std::string_view) {}
  // A row that belongs to the other view, described ("ChargeType UnusedReservation"), or "": a
  // file taken as the actual view that holds amortized rows is refused, never half-merged.
  virtual std::string other_view_row() const { return {}; }
};

// Every known format, most specific first.
std::vector<std::unique_ptr<BillFormat>> make_formats();

std::unique_ptr<BillFormat> make_focus_format();
std::unique_ptr<BillFormat> make_aws_cur_format();   // CUR 1.0: lineItem/UnblendedCost, ...
std::unique_ptr<BillFormat> make_aws_cur2_format();  // CUR 2.0 (Data Exports): line_item_unblended_cost, ...
std::unique_ptr<BillFormat> make_azure_format();     // Azure cost details / EA exports
std::unique_ptr<BillFormat> make_gcp_format();       // GCP standard billing export (CSV)
std::unique_ptr<BillFormat> make_oci_format();       // OCI cost reports

// Null as bills write it: empty or the literal NULL.
inline bool is_null_text(std::string_view v) { return v.empty() || v == "NULL" || v == "null"; }

}  // namespace frugal::billing
