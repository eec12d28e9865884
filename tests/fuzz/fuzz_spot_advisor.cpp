// AWS's Spot Instance Advisor feed (spot-advisor-data.json) as `frugal catalog spot-advisor`
// imports it. Each import is rolled back.
#include <cstddef>
#include <cstdint>
#include <string>

#include "advise/advise.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace frugal;
  std::string path = fuzz::write_input("spot-advisor-data.json", {reinterpret_cast<const char*>(data), size});
  auto& store = fuzz::scratch_store();
  fuzz::rolled_back(store, [&] { (void)advise::import_spot_advisor(store, path, fuzz::fixed_now()); });
  return 0;
}
