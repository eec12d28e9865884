#pragma once
// Query results as text, for tests that compare what a store holds on both backends in one string.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "store/store.h"

namespace frugal::testing {

// The first cell of the first row as text ("" when there is no row); a failed query fails the test.
inline std::string first_cell(store::Store& s, const std::string& sql) {
  auto r = s.query(sql);
  EXPECT_TRUE(r) << r.error().message;
  return r && !r->rows.empty() ? store::as_text(r->rows[0][0]) : "";
}

// Every row's cells joined by ' ', rows by ';'.
inline std::string all_rows(store::Store& s, const std::string& sql) {
  auto r = s.query(sql);
  EXPECT_TRUE(r) << r.error().message;
  std::string out;
  for (const auto& row : r ? r->rows : std::vector<store::Row>{}) {
    if (!out.empty()) out += ';';
    for (std::size_t i = 0; i < row.size(); ++i) out += (i ? " " : "") + store::as_text(row[i]);
  }
  return out;
}

}  // namespace frugal::testing
