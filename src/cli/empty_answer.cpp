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
  auto imports = billing::list_imports(store);
  if (!imports) return;
  std::string first, last;
  for (const auto& i : *imports) {
    if (i.live_rows == 0) continue;
    if (first.empty() || i.billing_period_start < first) first = i.billing_period_start;
    if (last.empty() || i.billing_period_end > last) last = i.billing_period_end;
  }
  if (first.empty()) {
    explain_empty("no bills imported yet", "import one with `frugal bill import FILE` (FOCUS, AWS CUR, Azure, GCP, OCI)");
    return;
  }
  // Billing periods end exclusively (the next month's first instant): the last day they cover is
  // the day before, as the dashboard says; --until is exclusive too, so it takes the end itself.
  auto end = parse_utc(last);
  std::string last_day = end ? format_utc(*end - std::chrono::days(1)).substr(0, 10) : last.substr(0, 10);
  explain_empty(fmt::format("no charges from {} until {}; the imported bills cover {} to {}", format_utc(since),
                            format_utc(until), first.substr(0, 10), last_day),
                fmt::format("widen the window, e.g. --since {} --until {}", first.substr(0, 10), last.substr(0, 10)));
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
