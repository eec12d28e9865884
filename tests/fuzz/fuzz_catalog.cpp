// Catalog imports: SkyPilot's vms.csv (the file name names the cloud) and the ec2instances.info
// export, with the Python literals of their GpuInfo cells. The first byte picks the file name; the
// rest is the file. Each import is rolled back.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

#include "catalog/catalog.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace frugal;
  if (size < 1) return 0;
  // Names as the catalogs ship them; the provider is inferred from the name, as on the CLI.
  static constexpr std::array<const char*, 6> names = {"gcp_vms.csv",  "aws_vms.csv",  "azure_vms.csv",
                                                        "lambda_vms.csv", "vast_vms.csv", "ec2instances.csv"};
  std::string path = fuzz::write_input(names[data[0] % names.size()], {reinterpret_cast<const char*>(data) + 1, size - 1});
  auto& store = fuzz::scratch_store();
  fuzz::rolled_back(store, [&] {
    auto imported = catalog::import_file(store, path, "", fuzz::fixed_now());
    // Zones fold into regions: a file never stores more prices than it has rows.
    if (imported && imported->instances + imported->accelerators > imported->rows_read)
      fuzz::broken("more prices stored than rows read");
  });
  return 0;
}
