#pragma once
// Private to src/server: request bodies as Python's json.dumps writes them, for the routes whose
// clients send its output unchanged (OptScale arcee's): a diverged loss is a bare NaN, Infinity or
// -Infinity, tokens that JSON lacks. These are read as the strings "NaN", "Infinity" and
// "-Infinity" (what number_field takes, as MLflow writes them). Every other route reads strict JSON
// (parse_body), so a bare NaN there is a 400.
#include "server/routes.h"

namespace frugal::server {

// The body as JSON, bare non-finite numbers read as strings; invalid → an error naming the position.
Result<json> parse_body_lenient(const Call& call);

}  // namespace frugal::server
