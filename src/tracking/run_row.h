#pragma once
// Private to tracking/: the columns of `runs` a run's start fills, and their values, in one place
// for start_run and the bulk insert of recorded runs (insert_recorded_runs).
#include <string>
#include <string_view>
#include <vector>

#include "store/store.h"
#include "tracking/tracking.h"

namespace frugal::tracking {

// In the order run_start_values gives them.
inline constexpr std::string_view k_run_start_columns =
    "name, experiment, username, team, project, model, dataset, command, host, provider, region, instance_type, "
    "instance_id, pricing, hourly_price_nanos, price_source, gpu_count, instance_gpu_count, started_at";

// The values of k_run_start_columns for `run`, named `name`; empty labels are NULL, the user is not.
std::vector<store::Value> run_start_values(const RunStart& run, const std::string& name);

}  // namespace frugal::tracking
