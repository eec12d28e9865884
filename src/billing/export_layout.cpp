#include "billing/export_layout.h"

#include <algorithm>
#include <fmt/format.h>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <tuple>

namespace frugal::billing {
namespace {

using Json = nlohmann::json;

bool ends_with(std::string_view s, std::string_view tail) {
  return s.size() >= tail.size() && s.substr(s.size() - tail.size()) == tail;
}

std::string parent_of(const std::string& key) {
  auto slash = key.rfind('/');
  return slash == std::string::npos ? std::string() : key.substr(0, slash);
}

std::string base_of(const std::string& key) {
  auto slash = key.rfind('/');
  return slash == std::string::npos ? key : key.substr(slash + 1);
}

bool is_period_folder(const std::string& name) {
  static const std::regex period(R"(\d{8}-\d{8})");
  return std::regex_match(name, period);
}

std::string text_at(const Json& j, std::initializer_list<const char*> path) {
  const Json* at = &j;
  for (const char* name : path) {
    if (!at->is_object() || !at->contains(name)) return "";
    at = &(*at)[name];
  }
  return at->is_string() ? at->get<std::string>() : (at->is_null() ? "" : at->dump());
}

// One manifest of a known layout.
struct Manifest {
  std::string key;
  std::string layout;   // "AWS CUR 1.0", "AWS Data Exports", "Azure export"
  std::string export_name;
  std::string period;
  std::string version;  // assemblyId, executionId, runId
  // Orders versions of one period: larger is newer.
  std::tuple<int, std::string, std::string, std::string> rank;
  std::vector<std::string> refs;  // as the manifest writes them
};

Result<std::optional<Manifest>> read_manifest(const ExportObject& object, const std::string& text) {
  Json j = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object())
    return fail(ErrorCode::invalid, fmt::format("{}: a manifest that is not a JSON object", object.key));
  Manifest m;
  m.key = object.key;
  auto strings = [&](const Json& list, const char* field) -> Result<void> {
    if (!list.is_array()) return fail(ErrorCode::invalid, fmt::format("{}: {} is not a list", object.key, field));
    for (const auto& item : list) {
      if (item.is_string()) m.refs.push_back(item.get<std::string>());
      else if (item.is_object() && item.contains("blobName") && item["blobName"].is_string())
        m.refs.push_back(item["blobName"].get<std::string>());
      else return fail(ErrorCode::invalid, fmt::format("{}: an entry of {} names no file", object.key, field));
    }
    return {};
  };
  if (j.contains("assemblyId") && j.contains("reportKeys")) {
    m.layout = "AWS CUR 1.0";
    m.export_name = text_at(j, {"reportName"});
    m.period = text_at(j, {"billingPeriod", "start"});
    m.version = text_at(j, {"assemblyId"});
    // AWS rewrites the manifest in the period's own folder to name the current assembly.
    m.rank = {is_period_folder(base_of(parent_of(object.key))) ? 1 : 0, object.modified, "", object.key};
    FRUGAL_CHECK(strings(j["reportKeys"], "reportKeys"));
  } else if (j.contains("executionId") && j.contains("dataFiles")) {
    m.layout = "AWS Data Exports";
    m.export_name = text_at(j, {"exportArn"});
    if (m.export_name.empty()) m.export_name = text_at(j, {"exportName"});
    m.period = text_at(j, {"billingPeriod", "start"});
    if (m.period.empty()) {
      static const std::regex partition(R"(BILLING_PERIOD=([0-9-]+))");
      std::smatch match;
      if (std::regex_search(object.key, match, partition)) m.period = match[1];
    }
    m.version = text_at(j, {"executionId"});
    m.rank = {0, object.modified, "", object.key};
    FRUGAL_CHECK(strings(j["dataFiles"], "dataFiles"));
  } else if (j.contains("blobs") && (j.contains("runInfo") || j.contains("exportConfig"))) {
    m.layout = "Azure export";
    m.export_name = text_at(j, {"exportConfig", "exportName"});
    m.period = text_at(j, {"runInfo", "startDate"});
    m.version = text_at(j, {"runInfo", "runId"});
    m.rank = {0, text_at(j, {"runInfo", "submittedTime"}), object.modified, object.key};
    FRUGAL_CHECK(strings(j["blobs"], "blobs"));
  } else {
    return std::optional<Manifest>();
  }
  if (m.period.empty())
    return fail(ErrorCode::invalid, fmt::format("{}: an {} manifest without its billing period", object.key, m.layout));
  return std::optional<Manifest>(std::move(m));
}

bool is_manifest(const std::string& key) {
  std::string base = base_of(key);
  return ends_with(base, "-Manifest.json") || base == "manifest.json" || base == "_manifest.json";
}

// The listed key a manifest's reference names: a manifest writes bucket-relative keys or s3://
// URIs, and the tree may be rooted anywhere along them, so they match at a '/' boundary, either
// one a suffix of the other. Among several, the one nearest the manifest.
std::optional<std::string> resolve(std::string ref, const std::vector<std::string>& keys, const std::string& manifest) {
  if (ref.starts_with("s3://")) {
    auto slash = ref.find('/', 5);
    ref = slash == std::string::npos ? "" : ref.substr(slash + 1);
  }
  while (ref.starts_with("/")) ref.erase(0, 1);
  auto at_boundary = [](const std::string& longer, const std::string& shorter) {
    return longer == shorter || (ends_with(longer, shorter) && longer[longer.size() - shorter.size() - 1] == '/');
  };
  std::optional<std::string> best;
  std::size_t best_shared = 0;
  for (const auto& key : keys) {
    if (ref.empty() || !(at_boundary(ref, key) || at_boundary(key, ref))) continue;
    std::size_t shared = 0;
    while (shared < key.size() && shared < manifest.size() && key[shared] == manifest[shared]) ++shared;
    if (!best || shared > best_shared) {
      best = key;
      best_shared = shared;
    }
  }
  return best;
}

}  // namespace

bool is_data_file(const std::string& key) {
  std::string base = base_of(key);
  for (auto tail : {".csv", ".csv.gz", ".csv.zst", ".csv.zip", ".gz", ".zst", ".zip", ".parquet"})
    if (ends_with(base, tail)) return true;
  return false;
}

Result<ExportPlan> plan_export(const std::vector<ExportObject>& objects,
                               const std::function<Result<std::string>(const std::string&)>& read_text) {
  ExportPlan plan;
  std::vector<std::string> data_keys;
  std::map<std::string, const ExportObject*> by_key;
  std::vector<Manifest> manifests;
  for (const auto& o : objects) {
    by_key[o.key] = &o;
    if (is_manifest(o.key)) {
      std::string text = FRUGAL_TRY(read_text(o.key));
      auto m = FRUGAL_TRY(read_manifest(o, text));
      if (m) manifests.push_back(std::move(*m));
    } else if (is_data_file(o.key)) {
      data_keys.push_back(o.key);
    }
  }
  std::sort(data_keys.begin(), data_keys.end());
  std::set<std::string> taken;

  if (!manifests.empty()) {
    // The newest manifest of each (layout, export, period).
    std::map<std::tuple<std::string, std::string, std::string>, const Manifest*> current;
    for (const auto& m : manifests) {
      auto& slot = current[{m.layout, m.export_name, m.period}];
      if (!slot || slot->rank < m.rank) slot = &m;
    }
    for (const auto& [id, m] : current) {
      ExportGroup group;
      group.what = fmt::format("{} {}, period {}, version {} ({})", m->layout, m->export_name.empty() ? "-" : m->export_name,
                               m->period, m->version.empty() ? "-" : m->version, m->key);
      for (const auto& ref : m->refs) {
        auto key = resolve(ref, data_keys, m->key);
        if (!key) {
          plan.missing.push_back(fmt::format("{}: lists {}, which is not there", m->key, ref));
          continue;
        }
        if (taken.insert(*key).second) group.keys.push_back(*key);
      }
      if (!group.keys.empty()) plan.groups.push_back(std::move(group));
    }
    for (const auto& key : data_keys)
      if (!taken.contains(key)) plan.superseded.push_back(key);
    return plan;
  }

  // No manifest: a plain folder. Each folder's files are one group; of a period folder's files,
  // only the newest (Azure's older exports add one file per run there).
  std::map<std::string, std::vector<std::string>> by_folder;
  for (const auto& key : data_keys) by_folder[parent_of(key)].push_back(key);
  for (auto& [folder, keys] : by_folder) {
    ExportGroup group;
    group.what = fmt::format("folder {}", folder.empty() ? "." : folder);
    if (is_period_folder(base_of(folder)) && keys.size() > 1) {
      auto newest = std::max_element(keys.begin(), keys.end(), [&](const std::string& a, const std::string& b) {
        return std::tie(by_key[a]->modified, a) < std::tie(by_key[b]->modified, b);
      });
      group.what += ", the newest file of the period";
      for (const auto& key : keys)
        if (key != *newest) plan.superseded.push_back(key);
      group.keys.push_back(*newest);
    } else {
      group.keys = keys;
    }
    plan.groups.push_back(std::move(group));
  }
  return plan;
}

}  // namespace frugal::billing
