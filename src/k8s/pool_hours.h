#pragma once
// Private to k8s/: the node pools' hours of an import's window, written to k8s_pool_hours.
#include <map>
#include <optional>
#include <string>

#include "k8s/k8s.h"

namespace frugal::k8s {

// Writes (replacing what an earlier import wrote) every whole hour of the window for each pool of
// `cluster`'s nodes. `prices`: each node's unit prices, none when not priced. Returns the rows written.
Result<std::size_t> write_pool_hours(store::Store& store, const Cluster& cluster, const std::string& name,
                                     const std::map<std::string, std::optional<UnitPrices>>& prices);

}  // namespace frugal::k8s
