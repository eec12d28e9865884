#include "tracking/label_tags.h"

#include <array>
#include <fmt/format.h>

namespace frugal::tracking {
namespace {

constexpr std::array<LabelTag, 6> k_label_tags = {{
    {"frugal.team", "team"},
    {"frugal.project", "project"},
    {"frugal.model", "model"},
    {"frugal.dataset", "dataset"},
    {"mlflow.user", "username"},
    {"mlflow.runName", "name"},
}};

}  // namespace

std::optional<LabelTag> label_tag(std::string_view tag) {
  for (const auto& label : k_label_tags)
    if (label.tag == tag) return label;
  return std::nullopt;
}

std::string& label_field(RunStart& run, const LabelTag& label) {
  if (label.column == "team") return run.labels.team;
  if (label.column == "project") return run.labels.project;
  if (label.column == "model") return run.labels.model;
  if (label.column == "dataset") return run.labels.dataset;
  if (label.column == "username") return run.labels.user;
  return run.name;
}

Result<void> check_team(const Writer& writer, const std::string& team, std::string_view what) {
  if (!writer.team || team == *writer.team) return {};
  return fail(ErrorCode::forbidden,
              fmt::format("{} '{}': this token writes runs of team '{}' only", what, team, *writer.team));
}

}  // namespace frugal::tracking
