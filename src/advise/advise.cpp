#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "advise/rules.h"
#include "util/display.h"
#include "util/strings.h"

namespace frugal::advise {

std::string Context::team_filter(std::string_view column) const {
  return options.team.empty() ? std::string() : fmt::format(" AND {} = ?", column);
}

void Context::bind_team(std::vector<store::Value>& params) const {
  if (!options.team.empty()) params.emplace_back(options.team);
}

Result<const WindowRuns*> Context::runs() const {
  if (!window) window = FRUGAL_TRY(read_window_runs(*this));
  return &*window;
}

Money Context::monthly(Money over_window) const {
  // Scaled in whole seconds: exact for every window a user can type.
  auto seconds = static_cast<std::int64_t>(std::llround(days * 86'400));
  return seconds > 0 ? over_window.scaled(std::int64_t{30} * 86'400, seconds) : over_window;
}

std::string recommendation_id(std::string_view rule, std::string_view target) {
  // FNV-1a: short and stable; ids only need to tell a few thousand recommendations apart.
  std::uint64_t h = util::fnv1a(target);
  return fmt::format("{}-{:08x}", rule, static_cast<std::uint32_t>(h ^ (h >> 32)));
}

std::string usd(Money m) {
  // To the cent from $1, two significant digits below (util/display.h): a sub-cent idle cost
  // reads $0.0042, not $0.00.
  std::string digits = util::display::money(m.to_string());
  bool negative = digits.starts_with('-');
  auto point = digits.find('.');
  return (negative ? "-$" : "$") + util::display::group_thousands(digits.substr(negative ? 1 : 0, point - (negative ? 1 : 0))) +
         digits.substr(point);
}

std::string percent(double fraction) { return fmt::format("{:.0f}%", fraction * 100); }

std::string sql_literal(std::string_view text) {
  std::string out = "'";
  for (char ch : text) out += ch == '\'' ? std::string("''") : std::string(1, ch);
  return out + "'";
}

const std::vector<std::string>& rule_names() {
  static const std::vector<std::string> names = {"rightsize", "idle_gpu", "underused_gpu", "spot", "cheapest_offer",
                                                 "transfer", "commitment", "failed_runs", "early_stop",
                                                 "repeated_stage", "idle_instance", "idle_partition", "autoscale_pool"};
  return names;
}

Result<std::vector<Recommendation>> compute(store::Store& store, const Options& options) {
  if (options.until <= options.since) return fail(ErrorCode::invalid, "advise: --since must be before --until");
  Context c{store, options, format_utc(options.since), format_utc(options.until),
            std::chrono::duration<double>(options.until - options.since).count() / 86'400.0};
  std::vector<Recommendation> out;
  for (Rule rule : {rightsize, idle_gpus, spot, cheapest_offer, transfer, data_locality, commitments, failed_runs,
                    early_stop, idle_instances, idle_partitions, autoscale_pools})
    FRUGAL_CHECK(rule(c, out));
  std::erase_if(out, [](const Recommendation& r) { return r.monthly_saving <= Money{}; });
  std::stable_sort(out.begin(), out.end(),
                   [](const Recommendation& a, const Recommendation& b) { return a.monthly_saving > b.monthly_saving; });
  return out;
}

}  // namespace frugal::advise
