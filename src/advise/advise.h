#pragma once
// Advise: recommendations computed from what Frugal knows (runs and what they used, the catalog,
// the bills). Each rule is a small function over the store that says what it saw, shows its
// evidence (the numbers, and a query that shows them in `frugal sql`), prices its saving per
// month and says how to act. OptScale's FinOps rules are the bar. Stored, so the server and the
// dashboard show them; a dismissed one stays dismissed.
#include <string>
#include <vector>

#include "core/error.h"
#include "core/money.h"
#include "core/time.h"
#include "store/store.h"

namespace frugal::advise {

struct Evidence {
  std::string name;   // "peak GPU memory"
  std::string value;  // "11.2 GiB of 40 GiB"
};

struct Recommendation {
  std::string id;              // stable across computations: the rule and a hash of the target
  std::string rule;            // see rule_names()
  std::string team;            // the team it concerns; "" when it spans teams
  std::string target;          // what to change: "project detector on p4d.24xlarge (us-east-1)"
  std::string finding;         // what was seen, one sentence
  std::vector<Evidence> evidence;
  std::string query;           // SQL that shows the evidence (`frugal sql "..."`)
  Money monthly_saving;        // per 30 days at the window's rate
  double confidence = 0;       // 0..1: how sure the saving is
  std::string action;          // how to act
};

struct Options {
  TimePoint since{};
  TimePoint until{};
  std::string team{};                 // "" = every team
  double memory_headroom = 0.2;       // rightsizing keeps this much GPU memory spare
  double commitment_discount = 0.3;   // what a 1-year commitment takes off on-demand
};

// The rules, in the order they run: rightsize, idle_gpu, underused_gpu, spot, cheapest_offer,
// transfer, commitment, failed_runs, early_stop, repeated_stage, idle_instance, idle_partition,
// autoscale_pool.
const std::vector<std::string>& rule_names();

// Every rule over the window, ranked by monthly saving, largest first.
Result<std::vector<Recommendation>> compute(store::Store& store, const Options& options);

// Stores what compute found: open recommendations of the same scope (the team, or all) that were
// not found again are removed; a dismissed one stays dismissed and is not shown again.
Result<void> save(store::Store& store, const std::vector<Recommendation>& found, const std::string& team,
                  TimePoint now);

// The stored open recommendations ("" = all teams), ranked by monthly saving.
Result<std::vector<Recommendation>> open_recommendations(store::Store& store, const std::string& team);

// Dismisses one (why is kept with it). Unknown id → not_found; an empty why → invalid.
Result<void> dismiss(store::Store& store, const std::string& id, const std::string& why, TimePoint now);

// Imports AWS's Spot Instance Advisor feed (spot-advisor-data.json: savings and interruption
// bands per region, OS and instance type) into spot_advisor, replacing what was there; the spot
// rule reads its interruption band as the risk. A malformed file changes nothing.
struct SpotAdvisorStats {
  std::size_t rows = 0;
  std::size_t regions = 0;
};
Result<SpotAdvisorStats> import_spot_advisor(store::Store& store, const std::string& path, TimePoint now);

}  // namespace frugal::advise
