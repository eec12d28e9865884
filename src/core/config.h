#pragma once
// Config: every setting has one row in the key table (config.cpp) with its default, help and
// FRUGAL_* environment alias, and is resolved once, with one precedence (highest first):
//   1. a command-line flag        2. the FRUGAL_* environment variable
//   3. ./frugal.toml              4. ~/.config/frugal/config.toml (XDG_CONFIG_HOME honoured)
//   5. the built-in default
// A Config is built at start-up and passed down as `const Config&`; there are no global flags.
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace frugal {

struct ConfigKey {
  std::string_view name;     // as in the TOML files: "team"
  std::string_view env;      // "FRUGAL_TEAM"
  std::string_view fallback; // default; "" means unset
  std::string_view help;
};

// The key table, in documentation order.
const std::vector<ConfigKey>& config_keys();

class Config {
 public:
  using Getenv = std::function<std::optional<std::string>(std::string_view)>;

  // Resolves every key. `flags` holds the values given on the command line, by key name.
  // A config file that exists but does not parse, or that names an unknown key, is an error
  // naming the file and line.
  static Result<Config> load(const std::map<std::string, std::string>& flags, const Getenv& getenv,
                             const std::string& working_dir);
  // The process's real environment and working directory.
  static Result<Config> load(const std::map<std::string, std::string>& flags);

  // The resolved value ("" when unset). REQUIRES: `key` is in the key table.
  const std::string& get(std::string_view key) const;
  // Where the value came from: "flag", "env FRUGAL_TEAM", a file path, or "default".
  const std::string& source(std::string_view key) const;
  // For tests and one-off overrides.
  void set(std::string_view key, std::string value, std::string source = "flag");

  // $FRUGAL_HOME, else ~/.frugal: where the default database lives.
  std::string home_dir() const;
  // --db / FRUGAL_DB / config, else home_dir()/frugal.db.
  std::string database() const;

 private:
  struct Entry {
    std::string value;
    std::string source;
  };
  std::map<std::string, Entry, std::less<>> m_entries;
};

}  // namespace frugal
