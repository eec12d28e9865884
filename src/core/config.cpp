#include "core/config.h"

#include <cassert>
#include <cstdlib>
#include <filesystem>
#include <fmt/format.h>
#include <toml++/toml.h>
#include <unistd.h>

namespace frugal {
namespace {

const std::vector<ConfigKey> k_keys = {
    {"db", "FRUGAL_DB", "", "database: an SQLite file, or postgresql://user@host:port/db; default $FRUGAL_HOME/frugal.db"},
    {"home", "FRUGAL_HOME", "", "Frugal's own folder; default ~/.frugal"},
    {"user", "FRUGAL_USER", "", "who runs the job; default $USER"},
    {"team", "FRUGAL_TEAM", "", "team a run is charged to"},
    {"project", "FRUGAL_PROJECT", "", "project a run is charged to"},
    {"model", "FRUGAL_MODEL", "", "model a run trains or serves"},
    {"dataset", "FRUGAL_DATASET", "", "dataset a run reads"},
    {"experiment", "FRUGAL_EXPERIMENT", "", "experiment: the group of runs compared with each other"},
    {"provider", "FRUGAL_PROVIDER", "", "cloud provider (aws, gcp, azure, lambda, ...)"},
    {"region", "FRUGAL_REGION", "", "cloud region of the instance"},
    {"instance_type", "FRUGAL_INSTANCE_TYPE", "", "instance type the job runs on (prices it)"},
    {"instance_id", "FRUGAL_INSTANCE_ID", "", "cloud instance id the job runs on (joins runs to bill charges)"},
    {"format", "FRUGAL_FORMAT", "table", "output format: table, csv or json"},
    {"server", "FRUGAL_SERVER", "", "frugal serve to send runs to (http://host:port); unset: the local database"},
    {"token", "FRUGAL_TOKEN", "", "token for --server (an agent token of the team)"},
    {"cache_max_size", "FRUGAL_CACHE_MAX_SIZE", "", "bound of the computation cache (50G, 512Mi); default unbounded"},
    {"cache_restore", "FRUGAL_CACHE_RESTORE", "link",
     "how a cache hit restores outputs: link (reflink, else a read-only hard link) or copy (reflink, else a full copy)"},
    {"data_max_size", "FRUGAL_DATA_MAX_SIZE", "", "bound of the data cache (50G, 512Mi); default unbounded"},
    {"data_min_free", "FRUGAL_DATA_MIN_FREE", "5%", "share of the data cache's file system kept free, evicting least recently used objects"},
    {"egress_usd_per_gb", "FRUGAL_EGRESS_USD_PER_GB", "aws=0.09,gcp=0.12,azure=0.087",
     "egress price per GB by provider, counted as avoided when the data cache serves a hit (0 for same-region reads)"},
    // [k8s] in a config file: the Prometheus that watches a Kubernetes cluster (frugal k8s import).
    {"k8s.prometheus", "FRUGAL_K8S_PROMETHEUS", "", "Prometheus URL of the Kubernetes cluster (http://prometheus:9090)"},
    {"k8s.cluster", "FRUGAL_K8S_CLUSTER", "", "name of the Kubernetes cluster in Frugal's records (default: the Prometheus host)"},
    {"k8s.bearer_token_file", "FRUGAL_K8S_BEARER_TOKEN_FILE", "", "file holding a bearer token for Prometheus"},
    {"k8s.basic_auth_user", "FRUGAL_K8S_BASIC_AUTH_USER", "", "user for Prometheus' basic authentication"},
    {"k8s.basic_auth_password_file", "FRUGAL_K8S_BASIC_AUTH_PASSWORD_FILE", "", "file holding that user's password"},
    {"k8s.team_label", "FRUGAL_K8S_TEAM_LABEL", "team", "pod label naming a run's team (else its namespace)"},
    {"k8s.project_label", "FRUGAL_K8S_PROJECT_LABEL", "project", "pod label naming a run's project"},
    {"k8s.model_label", "FRUGAL_K8S_MODEL_LABEL", "model", "pod label naming a run's model"},
    {"k8s.dataset_label", "FRUGAL_K8S_DATASET_LABEL", "dataset", "pod label naming a run's dataset"},
    {"k8s.user_label", "FRUGAL_K8S_USER_LABEL", "user", "pod label naming who ran it"},
};

std::string env_or(const Config::Getenv& getenv, std::string_view name, const std::string& fallback) {
  auto v = getenv(name);
  return v && !v->empty() ? *v : fallback;
}

// Reads one TOML file into `out` (only keys not yet set by a stronger layer).
Result<std::map<std::string, std::string>> read_toml(const std::string& path) {
  std::map<std::string, std::string> values;
  toml::table parsed;
  try {  // toml++ is built with exceptions on Debian: its parse errors arrive as one
    parsed = toml::parse_file(path);
  } catch (const toml::parse_error& err) {
    return fail(ErrorCode::invalid, fmt::format("{}:{}: {}", path, err.source().begin.line,
                                                err.description()));
  }
  // A table ([k8s]) holds keys named "k8s.KEY"; the rest are top-level keys.
  std::vector<std::pair<std::string, const toml::node*>> entries;
  for (auto&& [key, node] : parsed) {
    if (const toml::table* section = node.as_table()) {
      for (auto&& [inner, value] : *section) entries.emplace_back(std::string(key.str()) + "." + std::string(inner.str()), &value);
    } else {
      entries.emplace_back(std::string(key.str()), &node);
    }
  }
  for (auto&& [name, node_ptr] : entries) {
    const toml::node& node = *node_ptr;
    bool known = false;
    for (const auto& k : k_keys) known |= k.name == name;
    if (!known)
      return fail(ErrorCode::invalid, fmt::format("{}:{}: unknown key '{}'", path,
                                                  node.source().begin.line, name));
    if (auto s = node.value<std::string>()) values[name] = *s;
    else if (auto i = node.value<std::int64_t>()) values[name] = std::to_string(*i);
    else
      return fail(ErrorCode::invalid, fmt::format("{}:{}: key '{}' must be a string", path,
                                                  node.source().begin.line, name));
  }
  return values;
}

}  // namespace

const std::vector<ConfigKey>& config_keys() { return k_keys; }

Result<Config> Config::load(const std::map<std::string, std::string>& flags, const Getenv& getenv,
                            const std::string& working_dir) {
  Config config;
  for (const auto& k : k_keys) config.m_entries[std::string(k.name)] = {std::string(k.fallback), "default"};
  // Weakest layer first; each later layer overwrites.
  std::string xdg = env_or(getenv, "XDG_CONFIG_HOME", env_or(getenv, "HOME", "") + "/.config");
  std::vector<std::string> files = {xdg + "/frugal/config.toml", working_dir + "/frugal.toml"};
  for (const auto& path : files) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) continue;
    auto values = FRUGAL_TRY(read_toml(path));
    for (auto& [name, value] : values) config.m_entries[name] = {value, path};
  }
  for (const auto& k : k_keys) {
    if (auto v = getenv(k.env); v && !v->empty())
      config.m_entries[std::string(k.name)] = {*v, "env " + std::string(k.env)};
  }
  for (const auto& [name, value] : flags) {
    if (!config.m_entries.contains(name))
      return fail(ErrorCode::invalid, fmt::format("unknown setting '{}'", name));
    config.m_entries[name] = {value, "flag"};
  }
  if (config.get("user").empty())
    config.m_entries["user"] = {env_or(getenv, "USER", env_or(getenv, "LOGNAME", "unknown")), "env USER"};
  const std::string& format = config.get("format");
  if (format != "table" && format != "csv" && format != "json")
    return fail(ErrorCode::invalid, fmt::format("format '{}' (from {}) must be table, csv or json",
                                                format, config.source("format")));
  if (config.get("home").empty())
    config.m_entries["home"] = {env_or(getenv, "HOME", ".") + "/.frugal", "default"};
  return config;
}

Result<Config> Config::load(const std::map<std::string, std::string>& flags) {
  auto getenv = [](std::string_view name) -> std::optional<std::string> {
    const char* v = std::getenv(std::string(name).c_str());
    if (!v) return std::nullopt;
    return std::string(v);
  };
  std::error_code ec;
  auto cwd = std::filesystem::current_path(ec);
  return load(flags, getenv, ec ? std::string(".") : cwd.string());
}

const std::string& Config::get(std::string_view key) const {
  auto it = m_entries.find(key);
  assert(it != m_entries.end() && "Config::get: key missing from the key table");
  return it->second.value;
}

const std::string& Config::source(std::string_view key) const {
  auto it = m_entries.find(key);
  assert(it != m_entries.end() && "Config::source: key missing from the key table");
  return it->second.source;
}

void Config::set(std::string_view key, std::string value, std::string source) {
  m_entries[std::string(key)] = {std::move(value), std::move(source)};
}

std::string Config::home_dir() const { return get("home"); }

std::string Config::database() const {
  const std::string& db = get("db");
  return db.empty() ? home_dir() + "/frugal.db" : db;
}

}  // namespace frugal
