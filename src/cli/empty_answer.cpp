// Empty answers, explained: one pattern for all of them (why the answer is empty, then the command
// that fills it), on stderr so that what a script reads from stdout stays the bare table.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "billing/billing.h"
#include "budget/budget.h"
#include "cli/context.h"
#include "core/time.h"
#include "util/display.h"

namespace frugal::cli {

void explain_empty(std::string_view why, std::string_view fill) {
  fmt::print(stderr, "frugal: {}; {}\n", why, fill);
}

void explain_no_runs(store::Store& store, TimePoint since, TimePoint until) {
  auto span = budget::run_span(store);
  if (!span) return;
  if (span->runs == 0) {
    explain_empty("no runs recorded yet", "record one with `frugal run -- COMMAND`, or send them to `frugal serve`");
    return;
  }
  explain_empty(fmt::format("no runs started from {} until {}, of the {} stored (from {} to {})", format_utc(since),
                            format_utc(until), util::display::count(span->runs, "run"), span->first_started.substr(0, 10),
                            span->last_started.substr(0, 10)),
                fmt::format("widen the window, e.g. --since {}", span->first_started.substr(0, 10)));
}

void explain_no_charges(store::Store& store, TimePoint since, TimePoint until) {
  auto span = billing::bill_span(store);
  if (!span) return;
  if (!*span) {
    explain_empty("no bills imported yet", "import one with `frugal bill import FILE` (FOCUS, AWS CUR, Azure, GCP, OCI)");
    return;
  }
  // The same span the dashboard names; --until is exclusive, so it takes the day after the last.
  const billing::BillSpan& s = **span;
  explain_empty(fmt::format("no charges from {} until {}; the imported bills cover {} to {}", format_utc(since),
                            format_utc(until), s.first_day, s.last_day),
                fmt::format("widen the window, e.g. --since {} --until {}", s.first_day, s.end_day));
}

void explain_unallocated(store::Store& store, std::string_view dimension, double share) {
  auto map = billing::tag_map(store);
  if (!map) return;
  std::vector<std::string> keys;
  for (const auto& [d, k] : *map)
    if (d == dimension) keys = k;
  std::string why = fmt::format("{} of the cost carries no {}", util::display::percent(share), dimension);
  if (keys.empty())
    explain_empty(why + " (no tag key is mapped to it)",
                  fmt::format("name the tag key that holds it: `frugal bill map --{}-tag KEY`", dimension));
  else
    explain_empty(fmt::format("{} (none of its tags {})", why, fmt::join(keys, ", ")),
                  fmt::format("add the key those charges carry: `frugal bill map --{}-tag {},KEY`", dimension,
                              fmt::join(keys, ",")));
}

}  // namespace frugal::cli
