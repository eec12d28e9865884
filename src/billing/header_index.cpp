#include "billing/bill_format.h"
#include "util/strings.h"

namespace frugal::billing {

HeaderIndex::HeaderIndex(const std::vector<std::string_view>& header) {
  for (std::size_t i = 0; i < header.size(); ++i) {
    std::string name(util::trim(header[i]));
    m_names.push_back(name);
    m_exact.emplace(name, i);
    m_lower.emplace(util::to_lower(name), i);
  }
}

std::optional<std::size_t> HeaderIndex::find(std::string_view name) const {
  auto it = m_exact.find(std::string(name));
  if (it == m_exact.end()) return std::nullopt;
  return it->second;
}

std::optional<std::size_t> HeaderIndex::find_icase(std::string_view name) const {
  auto it = m_lower.find(util::to_lower(name));
  if (it == m_lower.end()) return std::nullopt;
  return it->second;
}

}  // namespace frugal::billing
