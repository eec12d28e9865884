#pragma once
// Private to src/server: MLflow's log-batch body read into points, params and tags. Two readers
// that must agree: the tree reader (the body parsed whole, each field checked and named in its
// error) and the plain reader, which reads the shape clients send straight from nlohmann's SAX
// events. A tree of 1,000 metrics is thousands of allocations, built and freed per request: the
// plain reader takes a tenth to a fifth off the route's CPU (docs/benchmarks.md). The plain reader declines anything it does not
// fully understand, and the tree reader then answers, so errors are the tree reader's alone.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "server/routes.h"
#include "tracking/tracking.h"

namespace frugal::server {

inline constexpr std::size_t k_batch_metrics = 1000, k_batch_params = 100, k_batch_tags = 100, k_batch_total = 1000;

struct MetricBatch {
  std::string run_id;  // run_id, else run_uuid; may be empty (the caller refuses it)
  std::vector<tracking::MetricPoint> metrics;
  tracking::KeyValues params, tags;
};

// The batch read from a parsed body; `now` stands for a metric sent without a timestamp.
// Errors: invalid, naming the field (metrics[3].value) and what it should be.
Result<MetricBatch> read_batch_tree(const json& body, TimePoint now);

// The same batch straight from the text, for bodies of the plain shape only: an object of run_id or
// run_uuid (strings), metrics (objects of key, value, timestamp, step) and params and tags (objects
// of key and value), within the counts above; any other member holding a scalar is skipped, as the
// tree reader skips it. Anything else (a null, a wrong type, a missing or overlong key, a repeated
// member, a nested container, malformed JSON) → nullopt: read it with read_batch_tree.
std::optional<MetricBatch> read_batch_plain(std::string_view body, TimePoint now);

// One metric of an MLflow body (log-metric's body, or an element of log-batch's metrics), `path`
// naming it in errors. Errors: invalid, naming the field.
Result<tracking::MetricPoint> metric_point(const json& m, const std::string& path, TimePoint now);

// An optional MLflow time in ms, within the years our text form holds (1970 to 9999).
Result<std::optional<TimePoint>> ms_field(const json& object, const std::string& name, const std::string& path);

// The array `name` of {key, value} objects (tags, params), at most `limit`.
Result<tracking::KeyValues> key_values(const json& body, const char* name, std::size_t limit);

}  // namespace frugal::server
