// The small readers every importer and flag leans on: exact Money, UTC instants, durations, the
// streaming CSV reader and the NaN/Infinity rewriting of JSON. The first byte picks one; the rest is
// its text. A value that parses must read back the same from its own text.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/csv_reader.h"
#include "core/money.h"
#include "core/time.h"
#include "fuzz_support.h"
#include "util/strings.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace frugal;
  if (size < 1) return 0;
  std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 5) {
    case 0:
      if (auto m = Money::parse(text)) {
        auto again = Money::parse(m->to_string(0));
        if (!again || *again != *m) fuzz::broken("Money does not read back its own text: " + m->to_string(0));
        (void)m->to_fixed(2);
        if (m->fits_nanos()) (void)m->nanos_rounded();
      }
      break;
    case 1:
      if (auto t = parse_utc(text)) {
        auto again = parse_utc(format_utc(*t));
        if (!again || *again != *t) fuzz::broken("an instant does not read back its own text: " + format_utc(*t));
        (void)month_start(*t);
        (void)next_month_start(*t);
      }
      break;
    case 2:
      (void)parse_duration(text);
      (void)parse_time_bound(text, fuzz::fixed_now(), "--since");
      break;
    case 3: {
      auto reader = CsvReader::from_string(std::string(text), "fuzz.csv");
      std::size_t records = 0;
      for (;;) {
        auto more = reader.next();
        if (!more || !*more) break;
        for (auto field : reader.fields())
          if (field.data() == nullptr && !field.empty()) fuzz::broken("a field without storage");
        if (++records > text.size() + 1) fuzz::broken("more records than bytes");
      }
      break;
    }
    default:
      (void)util::quote_non_finite_json(text);
      (void)util::parse_non_finite(text);
      break;
  }
  return 0;
}
