#include "billing/bill_format.h"

namespace frugal::billing {

std::vector<std::unique_ptr<BillFormat>> make_formats() {
  std::vector<std::unique_ptr<BillFormat>> formats;
  formats.push_back(make_focus_format());
  return formats;
}

}  // namespace frugal::billing
