// Slurm accounting: sacct's --parsable2 output (header, jobs, their steps) read, then imported as
// runs. Each import is rolled back. A second import of the same records must add nothing: every
// attempt it reads again is the run it made.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_support.h"
#include "slurm/slurm.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace frugal;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto jobs = slurm::parse_sacct(text, "sacct");
  if (!jobs) return 0;
  for (const auto& job : *jobs) {
    if (!job.started) fuzz::broken("a job that never started was read as one");
    if (job.ended && *job.ended < *job.started) fuzz::broken("a job ends before it starts");
    if (job.nodes < 0 || job.cpus < 0 || job.gpus < 0) fuzz::broken("a negative count");
  }
  auto& store = fuzz::scratch_store();
  fuzz::rolled_back(store, [&] {
    auto first = slurm::import_jobs(store, *jobs, "fuzz");
    if (!first) return;
    auto again = slurm::import_jobs(store, *jobs, "fuzz");
    if (!again) fuzz::broken("a second import of what the first took failed");
    else if (again->added != 0) fuzz::broken("a second import added runs");
  });
  return 0;
}
