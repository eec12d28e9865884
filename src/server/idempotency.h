#pragma once
// Private to src/server: Idempotency-Key for the JSON API's writes, so an agent that sends a
// request again (its answer was lost) has it applied once. Keys are scoped by the token's team and
// the route, so one client's key never answers for another's request, nor another kind of write.
#include <cstdint>
#include <optional>
#include <string_view>

#include "server/routes.h"

namespace frugal::server {

// Claims `call`'s key for `run_id` inside a write job: false when the key was seen before (the
// request was applied then, and must not be again). No key: always true.
Result<bool> claim_key(const Call& call, store::Store& s, std::int64_t run_id, std::string_view route);

// The run a seen key created, if any.
Result<std::optional<std::int64_t>> run_of_key(const Call& call, store::Store& s, std::string_view route);

}  // namespace frugal::server
