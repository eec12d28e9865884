#include "billing/bill_format.h"

namespace frugal::billing {

// Detection takes the first match. FOCUS comes first: a file with BilledCost, ChargePeriodStart and
// BillingPeriodStart is FOCUS whatever provider columns it adds (x_ columns), and no native export
// has those names. The native formats' telltale columns do not overlap, so their order is free.
std::vector<std::unique_ptr<BillFormat>> make_formats() {
  std::vector<std::unique_ptr<BillFormat>> formats;
  formats.push_back(make_focus_format());
  formats.push_back(make_aws_cur_format());
  formats.push_back(make_aws_cur2_format());
  formats.push_back(make_azure_format());
  formats.push_back(make_gcp_format());
  formats.push_back(make_oci_format());
  return formats;
}

}  // namespace frugal::billing
