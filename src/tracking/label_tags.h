#pragma once
// Private to tracking/: the tags that are labels of a run, in one table, so a tag sets the same
// label whichever client sent it (MLflow's tags, arcee's, `frugal run --tag`, the JSON API).
#include <optional>
#include <string>
#include <string_view>

#include "core/error.h"
#include "tracking/tracking.h"

namespace frugal::tracking {

struct LabelTag {
  std::string_view tag;     // "frugal.team"
  std::string_view column;  // its column in `runs`: "team"
};

// The label `tag` sets, if it is a label tag.
std::optional<LabelTag> label_tag(std::string_view tag);

// The field of `run` (labels, or the name) a label tag sets.
std::string& label_field(RunStart& run, const LabelTag& label);

// Upserts `tags` as they are, labels untouched: start_run's insert already carries the labels
// its tags name. Errors: invalid for an empty or over-long key.
Result<void> store_tags(store::Store& store, std::int64_t run_id, const KeyValues& tags);

// The one rule for a writer of one team: it writes that team's runs only. Errors: forbidden,
// naming `what` ("team", "tag 'frugal.team'").
Result<void> check_team(const Writer& writer, const std::string& team, std::string_view what);

}  // namespace frugal::tracking
