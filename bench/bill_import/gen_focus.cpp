// gen_focus: scales the real FOCUS sample (1,000 rows) to N rows with fresh ids and dates, for the
// bill-import benchmark and the crash test. Row i copies sample row i % 1000, with its charge hour
// moved into the DAYS days before now (billing periods follow: the calendar month of the charge),
// a fresh Id, a resource id spread over 5,000 resources, and a "team" tag from 40 teams.
//   gen_focus SAMPLE.csv OUT.csv N [DAYS=30]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fmt/format.h>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/csv_reader.h"

using namespace frugal;

namespace {

std::string quoted(std::string_view v) {
  std::string out = "\"";
  for (char c : v) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string sql_time(TimePoint t) {  // the sample's own form: "2024-09-18 22:00:00"
  std::string iso = format_utc(t);
  return iso.substr(0, 10) + " " + iso.substr(11, 8);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    fmt::print(stderr, "usage: gen_focus SAMPLE.csv OUT.csv N [DAYS]\n");
    return 2;
  }
  auto reader = CsvReader::open(argv[1]);
  if (!reader) {
    fmt::print(stderr, "gen_focus: {}\n", reader.error().message);
    return 1;
  }
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  for (;;) {
    auto more = reader->next();
    if (!more || !*more) break;
    std::vector<std::string> fields(reader->fields().begin(), reader->fields().end());
    if (header.empty()) header = fields;
    else rows.push_back(std::move(fields));
  }
  auto column = [&](std::string_view name) {
    for (std::size_t i = 0; i < header.size(); ++i)
      if (header[i] == name) return i;
    fmt::print(stderr, "gen_focus: no column {}\n", name);
    std::exit(1);
  };
  const std::size_t c_id = column("Id"), c_cps = column("ChargePeriodStart"), c_cpe = column("ChargePeriodEnd"),
                    c_bps = column("BillingPeriodStart"), c_bpe = column("BillingPeriodEnd"),
                    c_res = column("ResourceId"), c_tags = column("Tags");
  // Columns the sample leaves unquoted (numbers and NULL) stay unquoted.
  std::vector<bool> numeric(header.size(), false);
  for (const char* n : {"BilledCost", "ConsumedQuantity", "ContractedCost", "ContractedUnitPrice", "EffectiveCost",
                        "ListCost", "PricingQuantity", "Id"})
    numeric[column(n)] = true;
  long n = std::atol(argv[3]);
  long days = argc > 4 ? std::atol(argv[4]) : 30;
  std::FILE* out = std::fopen(argv[2], "wb");
  if (!out) return 1;
  std::string line;
  for (std::size_t i = 0; i < header.size(); ++i) line += (i ? "," : "") + quoted(header[i]);
  std::fputs((line + "\n").c_str(), out);
  using namespace std::chrono;
  TimePoint end = TimePoint{floor<hours>(SystemClock().now())};
  std::int64_t span_hours = days * 24;
  for (long i = 0; i < n; ++i) {
    const auto& src = rows[static_cast<std::size_t>(i) % rows.size()];
    TimePoint start = end - hours(span_hours) + hours(span_hours * i / n);
    year_month_day ymd{floor<std::chrono::days>(start)};
    TimePoint month = TimePoint{sys_days{ymd.year() / ymd.month() / 1}};
    TimePoint next_month = TimePoint{sys_days{(ymd.year() / ymd.month() / 1) + months(1)}};
    line.clear();
    for (std::size_t c = 0; c < src.size(); ++c) {
      if (c) line += ',';
      std::string_view v = src[c];
      if (c == c_id) line += std::to_string(i + 1);
      else if (c == c_cps) line += quoted(sql_time(start));
      else if (c == c_cpe) line += quoted(sql_time(start + hours(1)));
      else if (c == c_bps) line += quoted(sql_time(month));
      else if (c == c_bpe) line += quoted(sql_time(next_month));
      else if (c == c_res && v != "NULL" && !v.empty()) line += quoted(fmt::format("{}-{}", v, i % 5000));
      else if (c == c_tags) {
        std::string team = fmt::format("\"team\": \"team{}\"", (i * 7919) % 40);
        if (v == "NULL" || v.empty() || v == "{}") line += quoted("{" + team + "}");
        else line += quoted("{" + team + ", " + std::string(v.substr(1)));
      } else if (v == "NULL" || (numeric[c] && !v.empty())) line += v;
      else if (v.empty()) line += "";
      else line += quoted(v);
    }
    line += '\n';
    std::fwrite(line.data(), 1, line.size(), out);
  }
  std::fclose(out);
  return 0;
}
