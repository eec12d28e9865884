// Bill imports: every export format's adapter, the CSV reader under it and the exact importer, on
// the bytes of one file. The first byte picks the format (its low seven bits: 0 detects it from the
// header, then known_formats() in order) and whether bad rows are skipped (the high bit); the rest is
// the file. Each import is rolled back.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "billing/billing.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace frugal;
  if (size < 1) return 0;
  static const std::vector<std::string> formats = [] {
    std::vector<std::string> f = {""};  // "": detect from the header, as `frugal bill import` does
    for (auto& name : billing::known_formats()) f.push_back(name);
    return f;
  }();
  billing::ImportOptions options;
  options.format = formats[(data[0] & 0x7f) % formats.size()];
  options.skip_bad_rows = (data[0] & 0x80) ? billing::SkipBadRows::yes : billing::SkipBadRows::no;
  std::string path = fuzz::write_input("bill.csv", {reinterpret_cast<const char*>(data) + 1, size - 1});
  auto& store = fuzz::scratch_store();
  fuzz::rolled_back(store, [&] {
    auto imported = billing::import_bill(store, path, options, fuzz::fixed_now());
    if (imported && imported->rows < 0) fuzz::broken("a negative row count");
  });
  return 0;
}
